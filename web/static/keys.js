// Keyboard shortcuts of the workspace. Everything they do can be done with
// the Tab key and Enter; they only save moves. They stay quiet while a
// field has the focus or a modifier key is held, and can be turned off on
// the help page (WCAG 2.1.4: single-key shortcuts must be able to be
// switched off).
(function () {
  "use strict";
  var OFF = "vigie.shortcuts.off";
  var off = function () { try { return localStorage.getItem(OFF) === "1"; } catch (e) { return false; } };

  var toggle = document.getElementById("shortcuts-off");
  if (toggle) {
    toggle.checked = off();
    toggle.disabled = false;
    toggle.addEventListener("change", function () {
      try {
        if (toggle.checked) { localStorage.setItem(OFF, "1"); } else { localStorage.removeItem(OFF); }
      } catch (e) { /* storage refused: the setting lasts the page */ }
    });
  }

  // The rows a list page offers: table rows that lead somewhere.
  var rows = function () {
    return Array.prototype.filter.call(document.querySelectorAll("main table tbody tr"), function (tr) {
      return tr.querySelector("a[href]");
    });
  };
  var current = -1;
  var move = function (by) {
    var list = rows();
    if (!list.length) { return false; }
    if (current >= 0 && list[current]) { list[current].classList.remove("kb-current"); }
    current = Math.max(0, Math.min(list.length - 1, current + by));
    var row = list[current];
    row.classList.add("kb-current");
    var link = row.querySelector("a[href]");
    link.focus();
    return true;
  };
  var focused = function () {
    var el = document.activeElement;
    return el && el.closest ? el.closest("main table tbody tr") : null;
  };
  var focusFirst = function (ids) {
    for (var i = 0; i < ids.length; i++) {
      var el = document.getElementById(ids[i]);
      if (el) { el.focus(); return true; }
    }
    return false;
  };

  document.addEventListener("keydown", function (ev) {
    if (off() || ev.defaultPrevented || ev.ctrlKey || ev.metaKey || ev.altKey) { return; }
    var t = ev.target;
    if (t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT|BUTTON)$/.test(t.tagName))) { return; }
    var done = false;
    switch (ev.key) {
      case "j": done = move(1); break;
      case "k": done = move(-1); break;
      case "x": {
        var row = focused();
        var box = row && row.querySelector("input[type=checkbox]");
        if (box) { box.click(); done = true; }
        break;
      }
      case "o": {
        var r = focused();
        var a = r && r.querySelector("a[href]");
        if (a) { a.click(); done = true; }
        break;
      }
      case "d": done = focusFirst(["decision", "r-decision"]); break;
      case "n": {
        var next = document.getElementById("take-next");
        if (next) { next.click(); done = true; }
        break;
      }
      case "/": done = focusFirst(["q"]); if (!done) { location.href = "/w/search"; done = true; } break;
      case "?": location.href = "/w/help" + (document.documentElement.lang === "en" ? "?lang=en" : ""); done = true; break;
    }
    if (done) { ev.preventDefault(); }
  });
})();
