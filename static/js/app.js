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
  // Progress bars take their width from data-progress: a style="width: …" attribute would need 'unsafe-inline'
  // in the Content-Security-Policy, a property set from script does not. Again after each htmx swap.
  function sizeBars(root) {
    root.querySelectorAll("[data-progress]").forEach(function (bar) {
      var percent = Math.max(0, Math.min(100, parseInt(bar.getAttribute("data-progress"), 10) || 0));
      bar.style.width = percent + "%";
      bar.parentElement.style.minWidth = "12rem";  // still readable in a narrow table cell
    });
  }
  sizeBars(document);
  document.addEventListener("htmx:load", function (event) { sizeBars(event.target); });
  // An export link takes the filters the page shows now: htmx changes them and the address without a reload,
  // so the query written into the link when the page was drawn may be stale.
  document.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest("a[data-current-query]") : null;
    if (link) link.search = window.location.search;
  });
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

// ===== Long titles (issue 15, item 2) =====
// A title clamped to two lines (.clamp-2) carries its whole text in title= for the mouse; a tap unfolds it.
// A title that is a link: on a touch screen (no hover, so no title= tooltip) the first tap unfolds it and the
// second follows the link; with a mouse the click follows the link at once.
(function () {
  "use strict";
  var touch = window.matchMedia && window.matchMedia("(hover: none)").matches;
  // A heading clamped by its class alone gets its whole text as title=.
  function titleClamps(root) {
    root.querySelectorAll(".clamp-2:not([title]), .clamp-3:not([title])").forEach(function (el) {
      el.title = el.textContent.trim();
    });
  }
  titleClamps(document);
  document.addEventListener("htmx:load", function (event) { titleClamps(event.target); });
  document.addEventListener("click", function (event) {
    var clamp = event.target.closest ? event.target.closest(".clamp-2, .clamp-3") : null;
    if (!clamp) return;
    var cut = clamp.scrollHeight > clamp.clientHeight + 1;
    var link = clamp.closest("a");
    if (clamp.classList.contains("expanded")) {
      if (!link) clamp.classList.remove("expanded");
      return;
    }
    if (!cut) return;
    if (link && !touch) return;
    if (link) event.preventDefault();
    clamp.classList.add("expanded");
  });
})();

// ---- Detail page: long texts folded after ten lines, 展开全文 / 收起 (issue 15, item 2) ----
// Only a text longer than ten lines is folded, and only here: without script the whole text shows. Again after
// each htmx swap (earlier statement versions load on demand).
(function () {
  "use strict";
  var LINES = 10;
  function fold(root) {
    root.querySelectorAll("[data-fold]:not([data-folded])").forEach(function (el) {
      var line = parseFloat(getComputedStyle(el).lineHeight) || 24;
      if (el.scrollHeight <= line * (LINES + 1)) return;  // one line to spare: never fold away a single line
      el.setAttribute("data-folded", "1");
      el.classList.add("folded");
      var toggle = document.createElement("button");
      toggle.type = "button";
      toggle.className = "btn btn-link fold-toggle";
      toggle.textContent = "展开全文";
      toggle.setAttribute("aria-expanded", "false");
      toggle.addEventListener("click", function () {
        var open = el.classList.toggle("folded") === false;
        toggle.textContent = open ? "收起" : "展开全文";
        toggle.setAttribute("aria-expanded", open ? "true" : "false");
      });
      el.insertAdjacentElement("afterend", toggle);
    });
  }
  fold(document);
  document.addEventListener("htmx:load", function (event) { fold(event.target); });
})();

// Forms that know the rules: a category that demands a level (第十条: A类 → 一级) selects it and locks it.
// The rule comes from the server (data-level-for-category on the category select, from incidents.rules); the
// select is locked by disabling its other options, not itself: a disabled select would not be sent.
(function () {
  "use strict";
  function parse(text) { try { return JSON.parse(text || "{}"); } catch (e) { return {}; } }
  function apply(category) {
    var form = category.form;
    var level = form && form.elements[category.getAttribute("data-level-field")];
    if (!level) return;
    var demanded = parse(category.getAttribute("data-level-for-category"))[category.value];
    var note = form.querySelector("[data-level-lock-note]");
    if (!note) {
      note = document.createElement("div");
      note.className = "form-text text-warning-emphasis";
      note.setAttribute("data-level-lock-note", "");
      level.insertAdjacentElement("afterend", note);
    }
    Array.prototype.forEach.call(level.options, function (option) {
      option.disabled = demanded !== undefined && option.value !== demanded;
    });
    if (demanded !== undefined) level.value = demanded;
    note.textContent = demanded !== undefined ? parse(category.getAttribute("data-level-note"))[category.value] || "" : "";
    note.hidden = demanded === undefined;
  }
  document.querySelectorAll("select[data-level-for-category]").forEach(apply);
  document.addEventListener("change", function (event) {
    if (event.target.matches && event.target.matches("select[data-level-for-category]")) apply(event.target);
  });
})();
// A form is not sent twice from a page brought back by the Back button. After a send, going Back fetches the
// page again (the result message changed the cookies), so its forms carry fresh one-time tokens while the
// browser puts back what was typed: sending it again would be accepted as new. The tab remembers the token and
// a fingerprint of what each form sent; a page reached by Back that sends the same data again sends the old
// token, and the server refuses it as a repeat. Changed data is a new submission and keeps its fresh token.
(function () {
  "use strict";
  var nav = window.performance && performance.getEntriesByType ? performance.getEntriesByType("navigation")[0] : null;
  var cameBack = !!nav && nav.type === "back_forward";
  // What the person typed or chose: hidden fields (the incident's version moves with every change) are not it.
  function fingerprint(form) {
    var text = "", hash = 5381;
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.disabled || /^(hidden|file|submit|button|reset)$/.test(el.type)) return;
      if ((el.type === "checkbox" || el.type === "radio") && !el.checked) return;
      text += el.name + "=" + el.value + "&";
    });
    for (var i = 0; i < text.length; i++) hash = ((hash * 33) ^ text.charCodeAt(i)) >>> 0;  // not the text itself
    return hash.toString(36) + "." + text.length;
  }
  document.addEventListener("submit", function (event) {
    var form = event.target, token = form.elements && form.elements.token;
    if (event.defaultPrevented || !token || !token.value || !window.sessionStorage) return;
    var about = form.elements.statement;  // the forms of each statement share one address
    var key = "sent:" + form.action + (about ? "#" + about.value : ""), print = fingerprint(form), sent = null;
    try { sent = JSON.parse(sessionStorage.getItem(key) || "null"); } catch (e) { sent = null; }
    if (cameBack && sent && sent.print === print) {
      token.value = sent.token;
    } else {
      try { sessionStorage.setItem(key, JSON.stringify({ token: token.value, print: print })); } catch (e) { /* full: the server still refuses a double click */ }
    }
  });
})();
