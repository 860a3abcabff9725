// Keeps the overview current: on each new tip announced on the explorer's
// own /events stream, fetch the live part of the page and swap it in. The
// page is complete without this script.
"use strict";
(function () {
  var live = document.getElementById("live");
  if (!live || !window.EventSource || !window.fetch) {
    return;
  }
  var busy = false, again = false;
  function refresh() {
    if (busy) { again = true; return; }
    busy = true;
    fetch("/live/overview", { cache: "no-store" })
      .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
      .then(function (html) {
        var box = document.createElement("div");
        box.innerHTML = html;
        var fresh = box.querySelector("#live");
        if (fresh) {
          live.replaceWith(fresh);
          live = fresh;
          var foot = document.getElementById("footer-height");
          if (foot) { foot.textContent = Number(fresh.dataset.height).toLocaleString("en-US"); }
        }
      })
      .catch(function () {})
      .finally(function () {
        busy = false;
        if (again) { again = false; refresh(); }
      });
  }
  var events = new EventSource("/events");
  events.addEventListener("block", refresh);
  // The mempool and ages change between blocks too.
  setInterval(refresh, 15000);
})();
