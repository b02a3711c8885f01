/* The desk's scan fields, made for barcode scanners: a scan (the scanner types the code and
   presses Enter) is sent in the background and the page is updated in place, so the scan field
   keeps its focus and a quick second scan is never lost to a page load. Without JavaScript the
   same forms work as ordinary forms. */
(function () {
  "use strict";
  var queue = Promise.resolve();

  function scanField(root) {
    return root.querySelector("form[data-scan] input[type=text]");
  }

  function announce(doc) {
    var live = document.getElementById("live");
    var said = doc.querySelector("[data-announce]");
    if (live && said) {
      live.textContent = "";
      window.setTimeout(function () { live.textContent = said.textContent.trim(); }, 50);
    }
  }

  function beep() {
    try {
      var Ctx = window.AudioContext || window.webkitAudioContext;
      var ctx = new Ctx();
      var osc = ctx.createOscillator();
      osc.frequency.value = 220;
      osc.connect(ctx.destination);
      osc.start();
      osc.stop(ctx.currentTime + 0.25);
    } catch (e) { /* no sound available: the message on screen is enough */ }
  }

  function swap(html, response) {
    var doc = new DOMParser().parseFromString(html, "text/html");
    var fresh = doc.getElementById("main");
    var main = document.getElementById("main");
    if (!fresh || !main) { return false; }
    var field = scanField(main);
    var typed = field ? field.value : "";  // what the scanner typed while we waited
    main.innerHTML = fresh.innerHTML;
    document.title = doc.title;
    if (response.redirected) { history.replaceState(null, "", response.url); }
    var next = scanField(main);
    if (next) {
      next.value = typed;
      next.focus();
    }
    if (main.querySelector("form[data-scan] .field-error")) {
      beep();  // the error itself is a role=alert next to the field: read out on arrival
    } else {
      announce(doc);
    }
    return true;
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches("form[data-scan]") || !window.fetch) { return; }
    event.preventDefault();
    var field = scanField(form.parentNode) || form.querySelector("input[type=text]");
    var body = new FormData(form);
    var action = form.action;
    if (field) { field.value = ""; field.focus(); }
    queue = queue.then(function () {
      return fetch(action, {
        method: "POST",
        body: body,
        credentials: "same-origin",
        headers: { "X-Requested-With": "fetch" }
      }).then(function (response) {
        if (response.redirected && new URL(response.url).pathname.indexOf("/balie/") !== 0) {
          window.location.assign(response.url);  // logged out meanwhile: go and log in
          return;
        }
        return response.text().then(function (html) {
          if (!swap(html, response)) { window.location.reload(); }
        });
      }).catch(function () {
        // The network failed: fall back to an ordinary submit of this scan.
        var retry = scanField(document);
        if (retry) { retry.value = body.get(retry.name) || ""; retry.form.submit(); }
      });
    });
  });

  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-print]")) { window.print(); }
  });

  // A "select all" box ticks every box that belongs to the form it names (transits page).
  document.addEventListener("change", function (event) {
    var all = event.target.closest("input[data-select-all]");
    if (!all) { return; }
    var boxes = document.querySelectorAll(
      "input[type=checkbox][form='" + all.getAttribute("data-select-all") + "']"
    );
    Array.prototype.forEach.call(boxes, function (box) { box.checked = all.checked; });
  });
})();
