/* Draw the cockpit's charts and map from the specifications in the page; show progress while a
   report is being made. Everything shown in a chart is also in a table on the page. */
(function () {
  "use strict";
  // Nothing is fetched from outside CLB. The municipal boundaries come from CLB itself
  // (data-geojson) and are drawn on an invisible geo subplot (geo.visible false, fitbounds).
  // plotly's geo traces still want a world base map, which plotly.js would fetch from its CDN
  // (cdn.plot.ly): it is handed an empty one up front, and should it ask for another one anyway
  // it asks CLB's static files (topojson/ next to this script) instead of the CDN.
  var here = document.currentScript ? document.currentScript.src : "";
  var config = {
    displaylogo: false,
    responsive: true,
    topojsonURL: here ? here.replace(/[^/]*$/, "topojson/") : "/static/cockpit/topojson/"
  };

  function emptyBaseMap() {
    var layers = {};
    ["coastlines", "land", "ocean", "lakes", "rivers", "countries", "subunits"].forEach(function (n) {
      layers[n] = { type: "GeometryCollection", geometries: [] };
    });
    return { type: "Topology", objects: layers, arcs: [] };
  }

  function provideBaseMap(layout) {
    // plotly names a base map "<scope>_<resolution>m" (world_110m by default).
    var geo = layout.geo || {};
    var name = String(geo.scope || "world").replace(/ /g, "-") + "_" + (geo.resolution || 110) + "m";
    window.PlotlyGeoAssets = window.PlotlyGeoAssets || { topojson: {} };
    window.PlotlyGeoAssets.topojson = window.PlotlyGeoAssets.topojson || {};
    if (!window.PlotlyGeoAssets.topojson[name]) {
      window.PlotlyGeoAssets.topojson[name] = emptyBaseMap();
    }
  }

  function spec(id) { return JSON.parse(document.getElementById(id).textContent); }

  function drawCharts() {
    if (!window.Plotly) { return; }
    document.querySelectorAll("[data-chart]").forEach(function (el) {
      var s = spec(el.dataset.chart);
      window.Plotly.newPlot(el, s.data, s.layout, config);
    });
    var map = document.querySelector("[data-map]");
    if (map) {
      fetch(map.dataset.geojson, { credentials: "same-origin" })
        .then(function (r) { return r.json(); })
        .then(function (geo) {
          var s = spec(map.dataset.map);
          s.data.forEach(function (trace) { trace.geojson = geo; });
          provideBaseMap(s.layout);
          window.Plotly.newPlot(map, s.data, s.layout, config);
        });
    }
  }

  function reportButtons() {
    var status = document.getElementById("report-progress");
    // The words come from the page, in the page's language.
    function say(key, fallback) { return (status && status.dataset[key]) || fallback; }
    document.querySelectorAll("a[data-report]").forEach(function (link) {
      link.addEventListener("click", function (event) {
        if (!window.fetch || !status) { return; }
        event.preventDefault();
        var started = Date.now();
        var timer = setInterval(function () {
          status.textContent = say("busy", "…") + " " + Math.round((Date.now() - started) / 1000) + " s";
        }, 500);
        status.textContent = say("busy", "…");
        fetch(link.href, { credentials: "same-origin" }).then(function (response) {
          if (!response.ok) { throw new Error(response.status); }
          var name = (response.headers.get("Content-Disposition") || "").split("filename=")[1] || "rapport";
          return response.blob().then(function (blob) {
            var a = document.createElement("a");
            a.href = URL.createObjectURL(blob);
            a.download = name.replace(/"/g, "");
            document.body.appendChild(a);
            a.click();
            a.remove();
            status.textContent = say("done", "✓");
          });
        }).catch(function () {
          status.textContent = say("failed", "✗");
        }).finally(function () { clearInterval(timer); });
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () { drawCharts(); reportButtons(); });
})();
