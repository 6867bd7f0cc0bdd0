/* UCJ: stands in for vega, vega-lite and vega-embed, which GX's Data Docs load from a CDN for
   their charts (none of the UCJ suites draws one). Offline, a chart says so instead of failing. */
(function () {
  if (window.vegaEmbed) { return; }
  window.vegaEmbed = function (selector) {
    var el = typeof selector === "string" ? document.querySelector(selector) : selector;
    if (el) {
      el.textContent = "Grafik tidak tersedia offline (vega tidak disertakan) / chart not available offline.";
      el.className += " text-muted small";
    }
    return Promise.resolve({});
  };
})();
