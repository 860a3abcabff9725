// Keeps live pages current without a reload; every page is complete
// without this script. The overview refreshes on each new tip announced on
// the explorer's own /events stream (and every 15 s for the mempool); the
// testnet page every 2 s, as it polls the nodes.
"use strict";
(function () {
  function keepFresh(id, url) {
    var box = document.getElementById(id);
    if (!box || !window.fetch) {
      return null;
    }
    var busy = false, again = false;
    function refresh() {
      if (busy) { again = true; return; }
      busy = true;
      fetch(url, { cache: "no-store" })
        .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
        .then(function (html) {
          var holder = document.createElement("div");
          holder.innerHTML = html;
          var fresh = holder.querySelector("#" + id);
          if (fresh) {
            box.replaceWith(fresh);
            box = fresh;
            var foot = document.getElementById("footer-height");
            if (foot && fresh.dataset.height) {
              foot.textContent = Number(fresh.dataset.height).toLocaleString("en-US");
            }
          }
        })
        .catch(function () {})
        .finally(function () {
          busy = false;
          if (again) { again = false; refresh(); }
        });
    }
    return refresh;
  }
  var overview = keepFresh("live", "/live/overview");
  if (overview) {
    if (window.EventSource) {
      new EventSource("/events").addEventListener("block", overview);
    }
    setInterval(overview, 15000);
  }
  var testnet = keepFresh("testnet-live", "/live/testnet");
  if (testnet) {
    setInterval(testnet, 2000);
  }
})();
