/* Draw the cockpit's charts and map from the specifications in the page; show progress while a
   report is being made. Everything shown in a chart is also in a table on the page. */
(function () {
  "use strict";
  // The municipal boundaries come with the map itself; plotly's own world base map would be
  // fetched from a CDN, so it points at an empty base map served by CLB instead.
  var config = { displaylogo: false, responsive: true, topojsonURL: "/static/cockpit/topojson/" };

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
          window.Plotly.newPlot(map, s.data, s.layout, config);
        });
    }
  }

  function reportButtons() {
    var status = document.getElementById("report-progress");
    document.querySelectorAll("a[data-report]").forEach(function (link) {
      link.addEventListener("click", function (event) {
        if (!window.fetch || !status) { return; }
        event.preventDefault();
        var started = Date.now();
        var timer = setInterval(function () {
          status.textContent = "Rapport wordt gemaakt… " + Math.round((Date.now() - started) / 1000) + " s";
        }, 500);
        status.textContent = "Rapport wordt gemaakt…";
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
            status.textContent = "Rapport klaar.";
          });
        }).catch(function () {
          status.textContent = "Het rapport kon niet worden gemaakt.";
        }).finally(function () { clearInterval(timer); });
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () { drawCharts(); reportButtons(); });
})();
