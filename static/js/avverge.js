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

  // A page sent back with errors: bring the summary of what is missing on screen and into
  // focus, so a screen reader reads it and a phone shows it; its links move focus to the
  // field itself. Without JavaScript the summary is still the first thing in the form.
  var summary = document.querySelector("[data-error-summary]");
  if (summary) {
    summary.focus({ preventScroll: true });
    summary.scrollIntoView({ block: "start" });
    summary.querySelectorAll("a[href^='#']").forEach(function (link) {
      link.addEventListener("click", function (event) {
        var field = document.getElementById(link.getAttribute("href").slice(1));
        if (!field) return;
        event.preventDefault();
        var details = field.closest("details");
        if (details) details.open = true;
        field.focus({ preventScroll: true });
        (field.closest("fieldset") || field).scrollIntoView({ block: "start" });
      });
    });
  }

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
