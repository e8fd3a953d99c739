// Proof of work for the report form. The page works without this script:
// the server then relies on rate limits alone. With it, the server requires
// the solved challenge. Needs WebCrypto, which browsers give only to secure
// pages (HTTPS or localhost); elsewhere the script stays out of the way.
(function () {
  "use strict";
  var form = document.getElementById("report-form");
  if (!form || !window.crypto || !window.crypto.subtle || !window.TextEncoder) {
    return;
  }
  var challenge;
  try {
    challenge = JSON.parse(form.getAttribute("data-altcha"));
  } catch (e) {
    return;
  }
  var status = document.getElementById("pow-status");
  var jsField = form.querySelector("input[name=altcha_js]");
  var answer = form.querySelector("input[name=altcha]");
  var solved = false;
  var waiting = false;
  jsField.value = "1";

  function hex(buffer) {
    var bytes = new Uint8Array(buffer);
    var out = "";
    for (var i = 0; i < bytes.length; i++) {
      out += (bytes[i] < 16 ? "0" : "") + bytes[i].toString(16);
    }
    return out;
  }

  async function solve() {
    var enc = new TextEncoder();
    for (var n = 0; n <= challenge.maxnumber; n++) {
      var digest = await crypto.subtle.digest("SHA-256", enc.encode(challenge.salt + n));
      if (hex(digest) === challenge.challenge) {
        return n;
      }
    }
    return -1;
  }

  solve().then(function (n) {
    if (n < 0) {
      jsField.value = "";
      return;
    }
    answer.value = btoa(JSON.stringify({
      algorithm: challenge.algorithm, challenge: challenge.challenge,
      number: n, salt: challenge.salt, signature: challenge.signature
    }));
    solved = true;
    if (waiting) {
      status.textContent = form.getAttribute("data-done");
      form.submit();
    }
  });

  form.addEventListener("submit", function (event) {
    if (solved) {
      return;
    }
    event.preventDefault();
    waiting = true;
    status.textContent = form.getAttribute("data-working");
  });
}());
