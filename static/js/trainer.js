// Avverge trainer mode: step through a case with the arrow keys (or a presenter's remote that
// sends them). The steps are plain links with rel="prev"/rel="next", so without JavaScript
// the buttons do the same.
(function () {
  "use strict";

  var keys = { ArrowRight: "next", ArrowLeft: "prev" };

  document.addEventListener("keydown", function (event) {
    var rel = keys[event.key];
    if (!rel || event.defaultPrevented || event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) return;
    // In a form field the arrow keys belong to the field (the what-if list, a text box).
    var target = event.target;
    if (target && target.closest && target.closest("input, select, textarea, [contenteditable]")) return;
    var link = document.querySelector('a[rel~="' + rel + '"][href]');
    if (!link) return;
    event.preventDefault();
    window.location.assign(link.href);
  });

  // Tell the presenter about the keys only when they work.
  document.querySelectorAll("[data-keyboard-hint]").forEach(function (hint) {
    hint.hidden = false;
  });
})();
