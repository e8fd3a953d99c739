// The receipt page's print button: without this script the page still
// prints from the browser's menu, laid out for paper by the style sheet.
(function () {
  "use strict";
  var buttons = document.querySelectorAll("[data-print]");
  for (var i = 0; i < buttons.length; i++) {
    buttons[i].hidden = false;
    buttons[i].addEventListener("click", function () { window.print(); });
  }
})();
