// The console's only script besides htmx: problem answers (4xx) are swapped in as messages,
// and deadline clocks count down from the deadline the server rendered.
(function () {
  "use strict";

  document.addEventListener("htmx:beforeSwap", function (event) {
    var status = event.detail.xhr.status;
    if (status >= 400 && status < 500) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  // A suggested category's button picks it in the category list.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-category]");
    var select = document.getElementById("category");
    if (!button || !select) { return; }
    select.value = button.dataset.category;
    select.focus();
  });

  function pad(n) { return n < 10 ? "0" + n : String(n); }

  function render(clock, now) {
    var due = Date.parse(clock.getAttribute("datetime"));
    if (isNaN(due)) { return; }
    var left = Math.round((due - now) / 1000);
    var overdue = left < 0;
    var s = Math.abs(left);
    var days = Math.floor(s / 86400);
    var text = (days ? days + clock.dataset.dayUnit + " " : "") +
      pad(Math.floor((s % 86400) / 3600)) + ":" + pad(Math.floor((s % 3600) / 60)) + ":" + pad(s % 60);
    var label = clock.querySelector(".clock-left");
    if (label) {
      label.textContent = (overdue ? clock.dataset.overdue : clock.dataset.left) + " " + text;
    }
    clock.classList.toggle("overdue", overdue);
  }

  function tick() {
    var now = Date.now();
    document.querySelectorAll("time.clock[datetime]").forEach(function (clock) { render(clock, now); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    tick();
    window.setInterval(tick, 1000);
  });
  document.addEventListener("htmx:afterSettle", tick);
})();
