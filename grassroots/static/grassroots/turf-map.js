/* The organiser's turf map (Leaflet, vendored). On [data-turf-map]:
   data-geojson  — the effort's turfs (hull polygons, properties.status) and doors (points);
   data-turf-url — a turf's page with 0 as its id (loaded as the side panel with ?panel=1);
   data-tiles / data-attribution — the tile server (settings.EVENTS_MAP_TILES).
   Turfs are coloured by status through CSS classes (turf-open / -assigned / -done / -locked),
   doors are dots (knocked or not). Clicking a turf loads its panel into #turf-panel.
   Drawing (#carve-form): "Start drawing", click the corners, "Make turf" posts the polygon as
   [[lon, lat], …]. Every action also exists in the turf table, without the map. */
(function () {
  "use strict";

  function init() {
    var el = document.querySelector("[data-turf-map]");
    if (!el || typeof L === "undefined") { return; }
    var map = L.map(el, { scrollWheelZoom: false });
    L.tileLayer(el.getAttribute("data-tiles"), {
      maxZoom: 19,
      attribution: el.getAttribute("data-attribution") || ""
    }).addTo(map);
    var panel = document.getElementById("turf-panel");
    var turfUrl = el.getAttribute("data-turf-url") || "";
    var selected = null;
    var drawing = false;
    var points = [];
    var sketch = null;

    function openTurf(id, layer) {
      if (selected) { L.DomUtil.removeClass(selected.getElement(), "turf-selected"); }
      selected = layer;
      if (layer && layer.getElement()) { L.DomUtil.addClass(layer.getElement(), "turf-selected"); }
      if (!panel || !window.htmx) { return; }
      var url = turfUrl.replace(/\/0\/$/, "/" + id + "/") + "?panel=1";
      window.htmx.ajax("GET", url, { target: "#turf-panel", swap: "innerHTML" });
    }

    function draw(data) {
      var bounds = L.latLngBounds([]);
      (data.features || []).forEach(function (f) {
        var p = f.properties || {};
        if (p.kind === "turf") {
          // className only applies when a path is made: build each layer with it (a turf of
          // one door is a point, of doors in a line a line)
          var cls = "turf-hull turf-" + p.status;
          var shape = L.GeoJSON.geometryToLayer(f, {
            className: cls,
            pointToLayer: function (_f, latlng) {
              return L.circleMarker(latlng, { radius: 12, className: cls });
            }
          });
          shape.bindTooltip(p.label + " · " + p.knocked + "/" + p.doors, { sticky: true });
          shape.on("click", function () { if (!drawing) { openTurf(p.id, shape); } });
          shape.addTo(map);
          if (shape.getBounds) { bounds.extend(shape.getBounds()); } else { bounds.extend(shape.getLatLng()); }
        } else if (p.kind === "door") {
          var c = f.geometry.coordinates;
          L.circleMarker([c[1], c[0]], {
            radius: 3,
            className: "door-dot" + (p.knocked ? " knocked" : ""),
            interactive: false
          }).addTo(map);
          bounds.extend([c[1], c[0]]);
        }
      });
      if (bounds.isValid()) {
        map.fitBounds(bounds, { padding: [16, 16], maxZoom: 18 });
      } else {
        map.setView([22.57, 88.36], 11);
      }
    }

    fetch(el.getAttribute("data-geojson"), { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : { features: [] }; })
      .then(draw)
      .catch(function () { map.setView([22.57, 88.36], 11); });

    // --- drawing a turf -----------------------------------------------------------------
    var form = document.getElementById("carve-form");
    if (!form) { return; }
    form.hidden = false;
    var input = document.getElementById("carve-polygon");
    var count = form.querySelector("[data-draw-count]");

    function redraw() {
      if (sketch) { map.removeLayer(sketch); sketch = null; }
      if (points.length) {
        sketch = (points.length > 2 ? L.polygon(points, { className: "draw-line", interactive: false })
                                    : L.polyline(points, { className: "draw-line", interactive: false })).addTo(map);
      }
      input.value = points.length > 2
        ? JSON.stringify(points.map(function (p) { return [p.lng, p.lat]; })) : "";
      if (count) {
        count.textContent = points.length ? (count.getAttribute("data-label") || "") + " " + points.length : "";
      }
    }

    map.on("click", function (e) {
      if (!drawing) { return; }
      points.push(e.latlng);
      redraw();
    });

    form.addEventListener("click", function (e) {
      var button = e.target.closest("[data-draw]");
      if (!button) { return; }
      var what = button.getAttribute("data-draw");
      if (what === "start") {
        drawing = !drawing;
        L.DomUtil[drawing ? "addClass" : "removeClass"](el, "drawing");
        button.setAttribute("aria-pressed", drawing ? "true" : "false");
      } else if (what === "undo") {
        points.pop();
        redraw();
      } else if (what === "clear") {
        points = [];
        redraw();
      }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
