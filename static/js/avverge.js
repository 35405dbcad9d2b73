// Avverge: small improvements on pages that work without JavaScript.
(function () {
  "use strict";

  // "Avslutt": leave the guide without leaving this page in the history, so Back does not
  // bring the answers back. Without JavaScript the link still ends the walk on the server.
  document.querySelectorAll("[data-quick-exit]").forEach(function (link) {
    link.addEventListener("click", function (event) {
      event.preventDefault();
      window.location.replace(link.href);
    });
  });

  // Copy the record note. Without JavaScript the note stays a selectable text area.
  document.querySelectorAll("[data-copy-target]").forEach(function (button) {
    var area = document.getElementById(button.getAttribute("data-copy-target"));
    var status = document.querySelector("[data-copy-status]");
    if (!area) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      var say = function (key) {
        if (status) status.textContent = status.getAttribute(key);
      };
      area.select();
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(area.value).then(
          function () { say("data-copied-text"); },
          function () { say(document.execCommand("copy") ? "data-copied-text" : "data-failed-text"); }
        );
      } else {
        say(document.execCommand("copy") ? "data-copied-text" : "data-failed-text");
      }
    });
  });

  // Print, with every "why" panel open so the paper shows the reasons too.
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });
  window.addEventListener("beforeprint", function () {
    document.querySelectorAll("details").forEach(function (d) {
      d.setAttribute("data-was-open", d.open ? "1" : "0");
      d.open = true;
    });
  });
  window.addEventListener("afterprint", function () {
    document.querySelectorAll("details[data-was-open]").forEach(function (d) {
      d.open = d.getAttribute("data-was-open") === "1";
      d.removeAttribute("data-was-open");
    });
  });
})();
