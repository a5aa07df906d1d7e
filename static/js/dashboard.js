// 领导驾驶舱: draws the charts from <script id="dashboard-data" type="application/json"> (json_script) with the
// vendored ECharts. A click on a bar opens the incident list its count came from (the address is in the data).
// Under the Content-Security-Policy: no inline script, and tooltips in plain text (ECharts' default tooltip
// writes style="" attributes into its HTML, which the policy blocks).
(function () {
  "use strict";
  var source = document.getElementById("dashboard-data");
  if (!source || !window.echarts) return;
  var data = JSON.parse(source.textContent);
  var printing = document.body.classList.contains("dashboard-print");
  // No growing bars for who asked the system for less motion, nor on paper (a chart must be whole when printed).
  var still = printing || (window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches);
  var LEVEL_COLOURS = ["#a61b1b", "#e8890c", "#6c757d", "#adb5bd"];  // 一级, 二级, 三级, 未研判 (as the badges)
  var charts = [];

  function escapeText(text) {
    return String(text).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  // One line per series: "名称：数量", no markup but line breaks.
  function tooltip(params) {
    var list = Array.isArray(params) ? params : [params];
    if (!list.length) return "";
    var lines = [escapeText(list[0].name)];
    list.forEach(function (p) {
      var value = p.data && typeof p.data === "object" ? p.data.value : p.value;
      lines.push(escapeText((p.seriesName ? p.seriesName + "：" : "") + value + " 件"));
    });
    return lines.join("<br>");
  }

  function base(extra) {
    var option = {
      animation: !still,
      grid: { left: 8, right: 16, top: 36, bottom: 8, containLabel: true },
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, formatter: tooltip, confine: true },
      legend: { top: 0, type: "scroll" },
    };
    Object.keys(extra).forEach(function (key) { option[key] = extra[key]; });
    return option;
  }

  function draw(node, option) {
    var chart = echarts.init(node, null, { renderer: printing ? "svg" : "canvas", locale: "ZH" });
    chart.setOption(option);
    chart.on("click", function (event) {
      var url = event.data && event.data.url;
      if (url && event.data.value) window.location.assign(url);
    });
    node.setAttribute("data-ready", "1");  // the browser test waits for it
    charts.push(chart);
  }

  function stacked(series) {
    return series.map(function (s, i) {
      return {
        name: s.name, type: "bar", stack: "all", data: s.values, barMaxWidth: 36, cursor: "pointer",
        itemStyle: { color: s.colour || LEVEL_COLOURS[i] }, emphasis: { focus: "series" },
      };
    });
  }

  function categoryAxis(labels, horizontal) {
    return { type: "category", data: labels, axisLabel: horizontal ? { width: 96, overflow: "truncate" } : { interval: 0, rotate: labels.length > 6 ? 45 : 0 } };
  }

  var builders = {
    trend: function (d) {
      return base({
        legend: { show: false },
        xAxis: categoryAxis(d.labels, false),
        yAxis: { type: "value", minInterval: 1 },
        series: [{ name: "上报", type: "bar", data: d.values, itemStyle: { color: "#a61b1b" }, barMaxWidth: 36,
                   label: { show: printing, position: "top" } }],
      });
    },
    categoryLevel: function (d) {
      return base({
        xAxis: categoryAxis(d.labels.map(function (l) { return l.split(".")[0] + "类"; }), false),
        yAxis: { type: "value", minInterval: 1 },
        series: stacked(d.series),
      });
    },
    departments: function (d) {
      return base({
        legend: { show: false },
        xAxis: { type: "value", minInterval: 1 },
        yAxis: categoryAxis(d.labels, true),
        series: [{ name: "舆情", type: "bar", data: d.values, itemStyle: { color: "#a61b1b" }, barMaxWidth: 24,
                   label: { show: true, position: "right" } }],
      });
    },
    openNow: function (d) {
      return base({
        xAxis: { type: "value", minInterval: 1 },
        yAxis: categoryAxis(d.labels, true),
        series: stacked(d.series),
      });
    },
    overdue: function (d) {
      d.series[0].colour = "#a61b1b";
      d.series[1].colour = "#e8890c";
      return base({
        xAxis: { type: "value", minInterval: 1 },
        yAxis: categoryAxis(d.labels, true),
        series: stacked(d.series),
      });
    },
    timeliness: function (d) {
      d.series[0].colour = "#2e7d32";
      d.series[1].colour = "#a61b1b";
      var labels = d.labels.map(function (name, i) {
        return d.shares[i] === null ? name : name + "（" + d.shares[i] + "%）";
      });
      return base({
        xAxis: { type: "value", minInterval: 1 },
        yAxis: categoryAxis(labels, true),
        series: stacked(d.series),
      });
    },
  };

  document.querySelectorAll("[data-chart]").forEach(function (node) {
    var path = node.getAttribute("data-chart").split(".");
    var d = data[path[0]];
    if (path.length > 1) d = d[path[1]];
    var empty = !d || !(d.values || (d.series && d.series.length && d.series[0].values)).length;
    if (empty) {
      node.classList.add("dash-chart-empty", "d-flex", "align-items-center", "justify-content-center", "text-muted", "small");
      node.textContent = "暂无数据";
      node.setAttribute("data-ready", "1");
      return;
    }
    draw(node, builders[path[0]](d));
  });

  var pending = null;
  window.addEventListener("resize", function () {
    clearTimeout(pending);
    pending = setTimeout(function () { charts.forEach(function (c) { c.resize(); }); }, 150);
  });

  // The period form shows only the fields its kind needs (all of them when scripts are off).
  var form = document.getElementById("period-form");
  if (form) {
    var kind = form.querySelector("[name=kind]");
    var needs = { this_year: [], year: ["year"], month: ["year", "month"], range: ["first", "last"] };
    var showFields = function () {
      var wanted = needs[kind.value] || [];
      ["year", "month", "first", "last"].forEach(function (name) {
        var box = form.querySelector('[data-period-field="' + name + '"]');
        if (box) box.hidden = wanted.indexOf(name) < 0 && !box.querySelector(".is-invalid");
      });
    };
    if (kind) { kind.addEventListener("change", showFields); showFields(); }
  }

  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
})();
