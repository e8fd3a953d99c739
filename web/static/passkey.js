// Passkeys (WebAuthn) for the workspace: the form marked data-passkey
// ("create" to register, "get" to sign in) carries the server's options
// (JSON) in data-options. On submit, this script asks the browser's
// authenticator, puts its answer (JSON) in the form's "response" field and
// sends the form. The server checks everything; without this script the
// page says what to do instead (a <noscript> message).
(function () {
  "use strict";
  var form = document.querySelector("form[data-passkey]");
  if (!form) {
    return;
  }
  var mode = form.getAttribute("data-passkey");
  var status = document.getElementById("passkey-status");
  var field = form.querySelector("input[name=response]");

  function say(attr) {
    if (status) {
      status.textContent = form.getAttribute(attr);
    }
  }

  if (!window.PublicKeyCredential || !navigator.credentials) {
    say("data-unsupported");
    return;
  }

  function fromB64(s) {
    s = s.replace(/-/g, "+").replace(/_/g, "/");
    while (s.length % 4) {
      s += "=";
    }
    var bin = atob(s);
    var out = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) {
      out[i] = bin.charCodeAt(i);
    }
    return out.buffer;
  }

  function toB64(buf) {
    if (!buf) {
      return undefined;
    }
    var bytes = new Uint8Array(buf);
    var bin = "";
    for (var i = 0; i < bytes.length; i++) {
      bin += String.fromCharCode(bytes[i]);
    }
    return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function descriptors(list) {
    return (list || []).map(function (d) {
      return { type: d.type, id: fromB64(d.id), transports: d.transports };
    });
  }

  // options turns the server's JSON into what navigator.credentials wants.
  function options() {
    var pk = JSON.parse(form.getAttribute("data-options")).publicKey;
    pk.challenge = fromB64(pk.challenge);
    if (mode === "create") {
      pk.user.id = fromB64(pk.user.id);
      pk.excludeCredentials = descriptors(pk.excludeCredentials);
    } else {
      pk.allowCredentials = descriptors(pk.allowCredentials);
    }
    return { publicKey: pk };
  }

  // answer turns the authenticator's answer into the JSON the server reads.
  function answer(cred) {
    var r = cred.response;
    var out = {
      id: cred.id,
      rawId: toB64(cred.rawId),
      type: cred.type,
      authenticatorAttachment: cred.authenticatorAttachment || undefined,
      clientExtensionResults: cred.getClientExtensionResults ? cred.getClientExtensionResults() : {},
      response: { clientDataJSON: toB64(r.clientDataJSON) }
    };
    if (mode === "create") {
      out.response.attestationObject = toB64(r.attestationObject);
      if (r.getTransports) {
        out.response.transports = r.getTransports();
      }
    } else {
      out.response.authenticatorData = toB64(r.authenticatorData);
      out.response.signature = toB64(r.signature);
      out.response.userHandle = toB64(r.userHandle);
    }
    return JSON.stringify(out);
  }

  var busy = false;
  form.addEventListener("submit", function (event) {
    if (field.value) {
      return;
    }
    event.preventDefault();
    if (busy || !form.reportValidity()) {
      return;
    }
    busy = true;
    say("data-working");
    var ask = mode === "create" ? navigator.credentials.create(options()) : navigator.credentials.get(options());
    ask.then(function (cred) {
      field.value = answer(cred);
      form.submit();
    }, function () {
      busy = false;
      say("data-failed");
    });
  });
}());
