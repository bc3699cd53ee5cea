/* Small helpers of the canvassing app: the words (rendered by the server in the user's
   language into #cv-strings), building elements without HTML strings, a script's text in a
   language, and the door map (an SVG of the walk: no tiles needed). */
(function () {
  "use strict";
  const readJson = (id) => {
    const el = document.getElementById(id);
    try { return el ? JSON.parse(el.textContent) : {}; } catch (e) { return {}; }
  };
  const T = readJson("cv-strings");
  const URLS = readJson("cv-urls");
  const LANG_NAMES = readJson("cv-languages");

  function t(key) { return T[key] || key; }

  /* h("button", {class: "btn", onclick: fn, data: {door: 3}}, "text", child, …) */
  function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    Object.entries(attrs || {}).forEach(([k, v]) => {
      if (v === null || v === undefined || v === false) return;
      if (k.startsWith("on") && typeof v === "function") el.addEventListener(k.slice(2), v);
      else if (k === "data") Object.entries(v).forEach(([dk, dv]) => { el.dataset[dk] = dv; });
      else if (k === "class") el.className = v;
      else if (v === true) el.setAttribute(k, "");
      else el.setAttribute(k, String(v));
    });
    children.flat().forEach((c) => {
      if (c === null || c === undefined || c === false) return;
      el.append(c instanceof Node ? c : document.createTextNode(String(c)));
    });
    return el;
  }

  /* {lang: text} → text in the first of `langs` present. */
  function inLang(map, langs) {
    if (!map || typeof map !== "object") return String(map || "");
    for (const l of langs) if (l && map[l]) return map[l];
    const first = Object.values(map)[0];
    return first || "";
  }

  function personalise(text, person) {
    if (!person) return text;
    const values = {first_name: person.given_name || "", last_name: person.family_name || "",
      full_name: person.name || ""};
    return text.replace(/\{\{\s*(first_name|last_name|full_name)\s*\}\}/g, (m, k) => values[k]);
  }

  function when(iso) {
    if (!iso) return t("never");
    const d = new Date(iso);
    if (Number.isNaN(d.getTime())) return t("never");
    return d.toLocaleString(document.documentElement.lang || undefined,
      {dateStyle: "short", timeStyle: "short"});
  }

  const SVG = "http://www.w3.org/2000/svg";
  function svg(tag, attrs) {
    const el = document.createElementNS(SVG, tag);
    Object.entries(attrs || {}).forEach(([k, v]) => el.setAttribute(k, String(v)));
    return el;
  }

  /* The doors as dots in walk order, joined by the walk; tapping a dot opens the door. */
  function doorMap(doors, isKnocked, onOpen) {
    const placed = doors.filter((d) => typeof d.lat === "number" && typeof d.lon === "number");
    const box = h("div", {class: "cv-map", role: "group", "aria-label": t("map")});
    if (!placed.length) return box;
    const lats = placed.map((d) => d.lat), lons = placed.map((d) => d.lon);
    const minLat = Math.min(...lats), maxLat = Math.max(...lats);
    const minLon = Math.min(...lons), maxLon = Math.max(...lons);
    const k = Math.cos(((minLat + maxLat) / 2) * Math.PI / 180);
    const w = Math.max((maxLon - minLon) * k, 1e-5), hgt = Math.max(maxLat - minLat, 1e-5);
    const W = 360, H = Math.min(480, Math.max(160, (W * hgt) / w)), pad = 16;
    const sx = (lon) => pad + ((lon - minLon) * k / w) * (W - 2 * pad);
    const sy = (lat) => H - pad - ((lat - minLat) / hgt) * (H - 2 * pad);
    const root = svg("svg", {viewBox: `0 0 ${W} ${H}`, class: "cv-map-svg", role: "img",
      "aria-label": t("map")});
    root.append(svg("polyline", {class: "cv-walk",
      points: placed.map((d) => `${sx(d.lon).toFixed(1)},${sy(d.lat).toFixed(1)}`).join(" ")}));
    placed.forEach((d, i) => {
      const dot = svg("circle", {cx: sx(d.lon).toFixed(1), cy: sy(d.lat).toFixed(1), r: 9,
        class: isKnocked(d) ? "cv-dot knocked" : "cv-dot"});
      const label = svg("title", {});
      label.textContent = `${i + 1}. ${d.label}`;
      dot.append(label);
      dot.addEventListener("click", () => onOpen(d));
      root.append(dot);
    });
    box.append(root);
    return box;
  }

  window.GrCanvassUI = {T, URLS, LANG_NAMES, t, h, inLang, personalise, when, doorMap};
})();
