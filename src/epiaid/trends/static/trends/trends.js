/* Trends page charts: data come from the json_script block; plotly.js is served by the app itself. */
(function () {
  "use strict";
  var el = document.getElementById("trends-data");
  if (!el || typeof Plotly === "undefined") { return; }
  var data = JSON.parse(el.textContent);
  var colours = { level_up: "#c0392b", level_down: "#2471a3", spike: "#d35400", dip: "#7d3c98" };
  var config = { responsive: true, displaylogo: false };

  var a = data.analysis;
  var chart = document.getElementById("trend-chart");
  if (a && chart) {
    var shapes = [], annotations = [];
    a.changepoints.forEach(function (c) {
      shapes.push({ type: "line", x0: c.date, x1: c.date, yref: "paper", y0: 0, y1: 1,
                    line: { color: colours[c.kind] || "#555", width: 2 } });
    });
    a.bursts.forEach(function (b) {
      shapes.push({ type: "rect", x0: b.start_date, x1: b.end_date, yref: "paper", y0: 0, y1: 1,
                    fillcolor: "#f7dc6f", opacity: 0.25, line: { width: 0 } });
    });
    a.events.forEach(function (e) {
      shapes.push({ type: "line", x0: e.date, x1: e.date, yref: "paper", y0: 0, y1: 1,
                    line: { color: "#999", width: 1, dash: "dot" } });
      annotations.push({ x: e.date, y: 1, yref: "paper", text: e.event.slice(0, 24), showarrow: false,
                         textangle: -60, font: { size: 9 }, xanchor: "left", yanchor: "bottom" });
    });
    var cps = a.changepoints;
    Plotly.newPlot(chart, [
      { x: a.dates, y: a.values, mode: "lines", name: a.name },
      { x: cps.map(function (c) { return c.date; }), y: cps.map(function (c) { return a.values[c.index]; }),
        mode: "markers", name: "change points", text: cps.map(function (c) { return c.kind; }),
        marker: { size: 10, color: cps.map(function (c) { return colours[c.kind] || "#555"; }) } }
    ], { shapes: shapes, annotations: annotations, margin: { t: 110, l: 50, r: 20, b: 40 },
         showlegend: false, template: "plotly_white" }, config);
  }

  var net = data.network, netEl = document.getElementById("network-chart");
  if (net && netEl && net.nodes.length) {
    var pos = {};
    net.nodes.forEach(function (n) { pos[n.id] = n; });
    var ex = [], ey = [];
    net.edges.forEach(function (e) { ex.push(pos[e[0]].x, pos[e[1]].x, null); ey.push(pos[e[0]].y, pos[e[1]].y, null); });
    Plotly.newPlot(netEl, [
      { x: ex, y: ey, mode: "lines", line: { color: "#bbb", width: 0.6 }, hoverinfo: "skip" },
      { x: net.nodes.map(function (n) { return n.x; }), y: net.nodes.map(function (n) { return n.y; }),
        text: net.nodes.map(function (n) { return n.id; }), mode: "markers+text", textposition: "top center",
        marker: { size: net.nodes.map(function (n) { return 6 + 2 * Math.sqrt(n.count); }), color: "#2e86c1" } }
    ], { showlegend: false, xaxis: { visible: false }, yaxis: { visible: false }, margin: { t: 10, b: 10 } }, config);
  }

  var reads = data.reads_per_day, readsEl = document.getElementById("reads-chart");
  if (reads && readsEl && Object.keys(reads).length) {
    var days = Object.keys(reads).sort();
    Plotly.newPlot(readsEl, [{ x: days, y: days.map(function (d) { return reads[d]; }), type: "bar" }],
                   { margin: { t: 10, l: 50, r: 20, b: 40 } }, config);
  }
})();
