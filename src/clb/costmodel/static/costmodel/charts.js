/* Charts of the cost-model pages. The data come from <script type="application/json"> blocks
   written by the server (json_script); plotly.js is served from CLB's own static files. */
(function () {
  "use strict";

  function data(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }

  function plot(id, traces, layout) {
    var el = document.getElementById(id);
    if (!el || !window.Plotly) return;
    var base = {margin: {l: 60, r: 20, t: 40, b: 60}, font: {size: 13},
                legend: {orientation: "h", y: -0.2}};
    window.Plotly.newPlot(el, traces, Object.assign(base, layout),
                          {displaylogo: false, responsive: true});
  }

  function builder(c) {
    if (c.blocks) {
      plot("chart-blocks", c.blocks.traces.map(function (t) {
        return {type: "bar", orientation: "h", name: t.name, x: t.x, y: t.y};
      }), {title: {text: c.blocks.title}, barmode: "relative", height: 520,
           margin: {l: 20, r: 20, t: 40, b: 60},
           yaxis: {autorange: "reversed", automargin: true}});
    }
    if (c.subsidy) {
      plot("chart-subsidy", [{type: "bar", x: c.subsidy.x, y: c.subsidy.y,
                              marker: {color: ["#1f5fa8", "#8a8a8a", "#c8c8c8"]}}],
           {title: {text: c.subsidy.title}, height: 360, xaxis: {automargin: true}});
    }
    if (c.comparison) {
      var k = c.comparison;
      plot("chart-comparison", [
        {type: "bar", name: k.needed_name, x: k.x, y: k.needed, marker: {color: "#1f5fa8"}},
        {type: "bar", name: k.current_name, x: k.x, y: k.current, marker: {color: "#8a8a8a"}}
      ], {title: {text: k.title}, barmode: "group", height: 360, xaxis: {automargin: true}});
    }
    if (c.tornado) {
      var t = c.tornado;
      plot("chart-tornado", [
        {type: "bar", orientation: "h", name: t.low_name, y: t.names, x: t.low,
         marker: {color: "#2e7d32"}},
        {type: "bar", orientation: "h", name: t.high_name, y: t.names, x: t.high,
         marker: {color: "#c62828"}}
      ], {title: {text: t.title}, barmode: "overlay", height: 140 + 30 * t.names.length,
          margin: {l: 20, r: 20, t: 40, b: 60},
          yaxis: {autorange: "reversed", automargin: true}, xaxis: {zeroline: true}});
    }
    if (c.peers) {
      plot("chart-peers", [
        {type: "box", name: "", x: c.peers.values, text: c.peers.names, boxpoints: "all",
         jitter: 0.4, pointpos: 0, hoverinfo: "text+x", marker: {color: "#8a8a8a"}},
        {type: "scatter", mode: "markers", name: c.peers.here_name, x: [c.peers.here], y: [""],
         marker: {symbol: "diamond", size: 16, color: "#d2691e"}}
      ], {title: {text: c.peers.title, font: {size: 14}}, height: 300, showlegend: true});
    }
  }

  function compare(c) {
    if (c.blocks) {
      plot("chart-compare-blocks", c.blocks.traces.map(function (t) {
        return {type: "bar", orientation: "h", name: t.name, y: t.x, x: t.y};
      }), {title: {text: c.blocks.title}, barmode: "group",
           height: 160 + 26 * c.blocks.traces.length * c.blocks.traces[0].x.length,
           margin: {l: 20, r: 20, t: 40, b: 40},
           yaxis: {autorange: "reversed", automargin: true}});
    }
    if (c.per_inhabitant) {
      var p = c.per_inhabitant;
      plot("chart-compare-per-inhabitant", [
        {type: "bar", name: p.needed_name, x: p.x, y: p.needed},
        {type: "bar", name: p.current_name, x: p.x, y: p.current}
      ], {title: {text: p.title}, barmode: "group", height: 360, xaxis: {automargin: true}});
    }
  }

  function national(c) {
    if (c.checks) {
      var k = c.checks;
      plot("chart-national", [
        {type: "bar", name: k.model_name, x: k.x, y: k.model, marker: {color: "#1f5fa8"}},
        {type: "bar", name: k.real_name, x: k.x, y: k.real, marker: {color: "#8a8a8a"}}
      ], {title: {text: k.title}, barmode: "group", height: 340});
    }
    if (c.distribution) {
      plot("chart-distribution", c.distribution.classes.map(function (g) {
        return {type: "box", name: g.name, y: g.values, text: g.names, boxpoints: "all",
                jitter: 0.4, pointpos: 0, hoverinfo: "text+y"};
      }), {title: {text: c.distribution.title}, height: 460, showlegend: false,
           yaxis: {type: "log", automargin: true, tickvals: [10, 15, 20, 30, 50, 100, 200, 500]},
           xaxis: {automargin: true}});
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    var n = data("costmodel-national");
    if (n) national(n);
    var b = data("costmodel-charts");
    if (b) builder(b);
    var c = data("costmodel-compare");
    if (c) compare(c);
  });
})();
