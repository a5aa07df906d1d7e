// Small behaviours for every page; no external resources.
(function () {
  "use strict";
  // Live countdowns: <span data-due="ISO time"> shows the time left, red once overdue.
  function tick() {
    var now = Date.now();
    document.querySelectorAll("[data-due]").forEach(function (el) {
      var due = Date.parse(el.getAttribute("data-due"));
      if (isNaN(due)) return;
      var diff = Math.round((due - now) / 60000);
      var abs = Math.abs(diff), h = Math.floor(abs / 60), m = abs % 60;
      var text = (h ? h + " 小时 " : "") + m + " 分钟";
      el.textContent = diff >= 0 ? "剩余 " + text : "已逾期 " + text;
      el.classList.toggle("text-danger", diff < 0);
      el.classList.toggle("fw-bold", diff < 0);
    });
  }
  tick();
  setInterval(tick, 30000);
  // A form is sent once: its buttons are disabled after the first click (the server also refuses repeats).
  // Disabled only after the browser has read the form: a disabled button's name/value would not be sent.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.dataset.submitted) { event.preventDefault(); return; }
    form.dataset.submitted = "1";
    setTimeout(function () {
      form.querySelectorAll("button").forEach(function (b) { b.disabled = true; });
    }, 0);
  });
})();
