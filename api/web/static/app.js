// casework web desks: the few behaviours a page needs beyond htmx. No build step, no CDN.
(function () {
  "use strict";

  // The hotline form shows the fields of the chosen category only (hidden ones are not sent).
  function showForCategory(form) {
    var select = form.querySelector("#category");
    if (!select) return;
    var chosen = select.value;
    form.querySelectorAll("[data-show-for]").forEach(function (block) {
      var on = chosen !== "" && block.dataset.showFor.split(" ").indexOf(chosen) >= 0;
      block.hidden = !on;
      block.querySelectorAll("input, select, textarea").forEach(function (el) { el.disabled = !on; });
    });
  }

  // Keyboard shortcuts of the hotline console (listed on the page).
  var SHORTCUTS = { n: "#caller_name", p: "#caller_phone", c: "#category", b: "#callbacks-h" };

  document.addEventListener("DOMContentLoaded", function () {
    var intake = document.getElementById("intake");
    if (intake) {
      showForCategory(intake);
      intake.querySelector("#category").addEventListener("change", function () { showForCategory(intake); });
      // Ctrl+Enter submits from a multi-line box (Enter submits from any single-line field).
      intake.addEventListener("keydown", function (e) {
        if (e.key === "Enter" && (e.ctrlKey || e.metaKey) && e.target.tagName === "TEXTAREA") {
          e.preventDefault();
          intake.requestSubmit();
        }
      });
      // One submit per form: a second click while the first is on its way does nothing.
      intake.addEventListener("submit", function () {
        var button = intake.querySelector("button[type=submit]");
        setTimeout(function () { button.disabled = true; }, 0);
      });
      document.addEventListener("keydown", function (e) {
        if (!e.altKey || e.ctrlKey || e.metaKey) return;
        var target = SHORTCUTS[e.key.toLowerCase()];
        if (!target) return;
        var el = document.querySelector(target);
        if (!el) return;
        e.preventDefault();
        el.focus();
        if (e.key.toLowerCase() === "n" && el.select) el.select();
      });
    }
  });
})();
