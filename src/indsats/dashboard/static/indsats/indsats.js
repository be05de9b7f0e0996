/* Indsats: initialise the design system once per page, and only the new fragment after an htmx swap. */
(function () {
  "use strict";
  var initialised = false;

  function initFragment(element) {
    if (!window.DKFDS) { return; }
    element.querySelectorAll(".accordion").forEach(function (accordion) {
      new window.DKFDS.Accordion(accordion).init();
    });
    element.querySelectorAll(".alert.has-close").forEach(function (alert) {
      new window.DKFDS.Alert(alert).init();
    });
  }

  // A double-click sends a form once: a second submit of the same form within a few seconds is dropped
  // (a form that downloads a file stays on the page, so the guard lapses instead of locking the form).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || (form.getAttribute("method") || "").toLowerCase() !== "post") {
      return;
    }
    var now = Date.now();
    if (form.dataset.sentAt && now - Number(form.dataset.sentAt) < 4000) {
      event.preventDefault();
      return;
    }
    form.dataset.sentAt = String(now);
  }, true);

  document.addEventListener("DOMContentLoaded", function () {
    if (window.DKFDS && !initialised) {
      window.DKFDS.init();
      initialised = true;
    }
    if (window.htmx) {
      window.htmx.onLoad(function (element) {
        if (element !== document.body) { initFragment(element); }
      });
    }
    // Move focus to an error summary so keyboard and screen-reader users hear what went wrong.
    var summary = document.getElementById("error-summary-heading");
    if (summary && summary.parentElement && summary.parentElement.parentElement) {
      summary.parentElement.parentElement.focus();
    }
  });
})();
