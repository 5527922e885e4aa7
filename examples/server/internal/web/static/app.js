// Progressive enhancement only: every page works without this file (the
// dialogs open server-side from ?new=1 and ?delete=<id>, and the server
// checks every typed confirmation anyway).
(function () {
  "use strict";

  // Server-opened dialogs become modal (focus trapped, Escape closes).
  document.querySelectorAll("dialog[data-modal][open]").forEach(function (d) {
    d.close();
    d.showModal();
  });

  // Links that would reload the page to open a dialog open it in place.
  document.querySelectorAll("[data-open-dialog]").forEach(function (a) {
    a.addEventListener("click", function (e) {
      var d = document.getElementById(a.getAttribute("data-open-dialog"));
      if (!d) return;
      e.preventDefault();
      var menu = a.closest("details");
      if (menu) menu.open = false;
      d.showModal();
      var first = d.querySelector("input, textarea");
      if (first) first.focus();
    });
  });
  document.querySelectorAll("[data-close-dialog]").forEach(function (a) {
    a.addEventListener("click", function (e) {
      var d = a.closest("dialog");
      if (!d) return;
      e.preventDefault();
      d.close();
    });
  });

  // Typed confirmation: the submit button stays disabled until the field
  // holds exactly the expected text (case and spaces included, as the
  // server compares).
  document.querySelectorAll("input[data-confirm-name]").forEach(function (input) {
    var button = input.form && input.form.querySelector("[data-confirm-submit]");
    if (!button) return;
    var sync = function () {
      button.disabled = input.value !== input.getAttribute("data-confirm-name");
    };
    input.addEventListener("input", sync);
    sync();
  });

  // A selector or options menu closes when the user clicks elsewhere.
  document.addEventListener("click", function (e) {
    document.querySelectorAll("details.switcher[open], details.menu[open]").forEach(function (d) {
      if (!d.contains(e.target)) d.open = false;
    });
  });

  // Copy buttons copy the text of the element they name (a new API key's
  // secret); without the clipboard the text is still there to select.
  document.querySelectorAll("[data-copy]").forEach(function (b) {
    b.addEventListener("click", function () {
      var el = document.getElementById(b.getAttribute("data-copy"));
      if (!el || !navigator.clipboard) return;
      navigator.clipboard.writeText(el.textContent).then(function () {
        b.textContent = "Copied";
      }, function () {});
    });
  });

  // A page rendered in answer to a POST (a one-time invitation link, a new
  // API key's secret) shows its canonical address, so a reload does not
  // post the form again: it loads the page without the one-time part.
  var canonical = document.body.getAttribute("data-url");
  if (canonical && window.history.replaceState) {
    window.history.replaceState(null, "", canonical);
  }
})();
