// epiaid map base: one Leaflet setup shared by every map page (situation, masks, investigation).
//
// Works with no tile server reachable: the tile URL comes from the page (settings.TILE_URL via
// data-tile-url) and, when empty, a plain background plus a light outline grid keeps the map usable.
// Usage:
//   const m = EpiaidMap.create("map");             // element id; reads data-* attributes
//   const cluster = EpiaidMap.cluster();          // marker cluster group, already added
//   EpiaidMap.fetchJSON(url).then(...)
(function (global) {
  "use strict";
  const KOREA_CENTER = [36.4, 127.8];

  function create(elementId, options) {
    const el = document.getElementById(elementId);
    const opts = Object.assign({ center: KOREA_CENTER, zoom: 7, preferCanvas: true }, options || {});
    // maxZoom must be set on the map itself: without a tile layer, marker clustering has nothing to read it from.
    const map = L.map(el, { preferCanvas: opts.preferCanvas, zoomControl: true, maxZoom: 19, minZoom: 5 })
      .setView(opts.center, opts.zoom);
    const tileUrl = el.dataset.tileUrl || "";
    if (tileUrl) {
      L.tileLayer(tileUrl, { maxZoom: 19, attribution: el.dataset.tileAttribution || "" }).addTo(map);
    } else {
      el.classList.add("no-tiles");
      L.control.attribution({ prefix: false }).addTo(map).addAttribution("no tile server configured");
    }
    L.control.scale({ imperial: false }).addTo(map);
    global.EpiaidMap.current = map;
    return map;
  }

  function cluster(map, options) {
    const group = L.markerClusterGroup(Object.assign({ chunkedLoading: true, showCoverageOnHover: false }, options || {}));
    (map || global.EpiaidMap.current).addLayer(group);
    return group;
  }

  async function fetchJSON(url) {
    const response = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } });
    if (!response.ok) {
      let detail = response.statusText;
      try { detail = (await response.json()).detail || detail; } catch (e) { /* not JSON */ }
      throw new Error(`${response.status}: ${detail}`);
    }
    return response.json();
  }

  function colourFor(index) {
    // Distinct hues for per-case route colours (golden-angle spacing).
    return `hsl(${Math.round((index * 137.508) % 360)}, 70%, 42%)`;
  }

  function escapeHtml(text) {
    const div = document.createElement("div");
    div.textContent = text == null ? "" : String(text);
    return div.innerHTML;
  }

  function locate(onPoint, onError) {
    if (!navigator.geolocation) { onError(new Error("geolocation unavailable")); return; }
    navigator.geolocation.getCurrentPosition(
      (pos) => onPoint(pos.coords.latitude, pos.coords.longitude),
      (err) => onError(err), { timeout: 5000 });
  }

  global.EpiaidMap = { create, cluster, fetchJSON, colourFor, escapeHtml, locate, current: null };
})(window);
