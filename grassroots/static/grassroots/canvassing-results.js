/* An effort's results map (Leaflet, vendored): every door of [data-results-map] as a dot —
   green: knocked and talked to someone, amber: knocked, no one to talk to, white: not knocked.
   The points come from data-points-url ([[id, lat, lon, knocks, contacted], …]); every
   data-poll seconds it asks for the doors visited since its last answer (?since=server_time)
   and recolours only those, so the map (zoom, position) is never redrawn. */
(function () {
  "use strict";
  var COLOURS = { contact: "#1a7f37", knocked: "#d4a017", open: "#ffffff" };

  function colour(knocks, contacted) {
    if (!knocks) { return COLOURS.open; }
    return contacted ? COLOURS.contact : COLOURS.knocked;
  }

  function init() {
    var el = document.querySelector("[data-results-map]");
    if (!el || typeof L === "undefined") { return; }
    var url = el.getAttribute("data-points-url");
    var poll = parseInt(el.getAttribute("data-poll") || "15", 10) * 1000;
    var map = L.map(el, { preferCanvas: true, scrollWheelZoom: false });
    var tiles = el.getAttribute("data-tiles");
    if (tiles) {
      L.tileLayer(tiles, { maxZoom: 19, attribution: el.getAttribute("data-attribution") || "" }).addTo(map);
    }
    var renderer = L.canvas({ padding: 0.5 });
    var markers = {};
    var since = null;
    var fitted = false;

    function apply(rows) {
      var bounds = [];
      rows.forEach(function (r) {
        var id = r[0];
        var fill = colour(r[3], r[4]);
        var m = markers[id];
        if (m) {
          m.setStyle({ fillColor: fill });
        } else {
          markers[id] = L.circleMarker([r[1], r[2]], {
            renderer: renderer, radius: 5, weight: 1, color: "#333", fillColor: fill, fillOpacity: 0.9
          }).addTo(map);
        }
        bounds.push([r[1], r[2]]);
      });
      if (!fitted) {
        fitted = true;
        if (bounds.length) {
          map.fitBounds(bounds, { padding: [20, 20], maxZoom: 17 });
        } else {
          map.setView([22.57, 88.36], 11);
        }
      }
    }

    function load() {
      var target = url + (since ? "?since=" + encodeURIComponent(since) : "");
      fetch(target, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (data) {
          if (!data) { return; }
          apply(data.doors || []);
          since = data.server_time;
          el.setAttribute("data-loaded", "1");
        })
        .catch(function () { /* offline for a moment: the next poll tries again */ });
    }

    load();
    window.setInterval(function () {
      if (!document.hidden) { load(); }
    }, poll);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
