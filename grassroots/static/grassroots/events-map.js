/* The public events map (Leaflet, vendored): a map on [data-event-map] with a marker for each
   [data-event-point] (data-lat, data-lon, data-title, data-url) on the page. The tile server
   and its attribution come from data-tiles / data-attribution (settings.EVENTS_MAP_TILES). */
(function () {
  "use strict";
  function init() {
    var el = document.querySelector("[data-event-map]");
    if (!el || typeof L === "undefined") { return; }
    var points = [];
    document.querySelectorAll("[data-event-point]").forEach(function (p) {
      var lat = parseFloat(p.getAttribute("data-lat"));
      var lon = parseFloat(p.getAttribute("data-lon"));
      if (!isNaN(lat) && !isNaN(lon)) {
        points.push({ lat: lat, lon: lon, title: p.getAttribute("data-title") || "", url: p.getAttribute("data-url") || "" });
      }
    });
    var map = L.map(el, { scrollWheelZoom: false });
    L.tileLayer(el.getAttribute("data-tiles"), {
      maxZoom: 18,
      attribution: el.getAttribute("data-attribution") || ""
    }).addTo(map);
    var bounds = [];
    points.forEach(function (p) {
      var marker = L.marker([p.lat, p.lon]).addTo(map);
      var box = document.createElement("div");
      if (p.url) {
        var a = document.createElement("a");
        a.href = p.url;
        a.textContent = p.title;
        box.appendChild(a);
      } else {
        box.textContent = p.title;
      }
      marker.bindPopup(box);
      bounds.push([p.lat, p.lon]);
    });
    if (bounds.length > 1) {
      map.fitBounds(bounds, { padding: [24, 24], maxZoom: 14 });
    } else if (bounds.length === 1) {
      map.setView(bounds[0], 14);
    } else {
      map.setView([parseFloat(el.getAttribute("data-lat") || "22.57"), parseFloat(el.getAttribute("data-lon") || "88.36")], 10);
    }
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
