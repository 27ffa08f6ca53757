// Situation map: routes per case, clusters, clinics, date/category/text filters, nearest clinics.
(function () {
  "use strict";
  const el = document.getElementById("map");
  const map = EpiaidMap.create("map");
  const routeMarkers = EpiaidMap.cluster(map);
  const routeLines = L.layerGroup().addTo(map);
  const clusterLayer = L.layerGroup().addTo(map);
  const clinicLayer = L.layerGroup().addTo(map);
  const nearestLayer = L.layerGroup().addTo(map);
  const esc = EpiaidMap.escapeHtml;
  const state = { visits: [], dates: [], colours: new Map() };
  const $ = (id) => document.getElementById(id);

  function showError(err) { $("map-error").textContent = String(err.message || err); }

  function colour(route) {
    if (!state.colours.has(route)) state.colours.set(route, EpiaidMap.colourFor(state.colours.size));
    return state.colours.get(route);
  }

  function visitPopup(v) {
    const when = v.date + (v.start_time ? " " + v.start_time + (v.end_time ? "–" + v.end_time : "") : "");
    const staff = v.case ? `<br><small>case ${esc(v.case)}${v.disclosed ? "" : " · undisclosed"}</small>` : "";
    return `<strong>${esc(v.place_name)}</strong><br>${esc(v.address || "")}<br>${esc(when)}${staff}`;
  }

  function render() {
    const from = state.dates[+$("date-from").value] || "0000-00-00";
    const to = state.dates[+$("date-to").value] || "9999-99-99";
    const category = $("category").value;
    const text = $("search").value.trim().toLowerCase();
    $("date-from-label").textContent = from;
    $("date-to-label").textContent = to;
    routeMarkers.clearLayers();
    routeLines.clearLayers();
    const shown = state.visits.filter((v) => v.date >= from && v.date <= to
      && (!category || v.category === category)
      && (!text || (v.place_name + " " + (v.address || "") + " " + (v.place_name_en || "")).toLowerCase().includes(text)));
    const byRoute = new Map();
    const markers = shown.map((v) => {
      const m = L.circleMarker([v.lat, v.lng], { radius: 7, color: colour(v.route), weight: 2, fillOpacity: 0.7 });
      m.bindPopup(visitPopup(v));
      m.options.visitId = v.id;
      if (!byRoute.has(v.route)) byRoute.set(v.route, []);
      byRoute.get(v.route).push(v);
      return m;
    });
    routeMarkers.addLayers(markers);
    byRoute.forEach((visits, route) => {
      if (visits.length < 2) return;
      visits.sort((a, b) => (a.date + (a.start_time || "")).localeCompare(b.date + (b.start_time || "")));
      L.polyline(visits.map((v) => [v.lat, v.lng]), { color: colour(route), weight: 2, opacity: 0.6 }).addTo(routeLines);
    });
    $("visible-count").textContent = String(shown.length);
    el.dataset.visibleVisits = String(shown.length);
  }

  async function loadVisits() {
    const all = [];
    let offset = 0;
    for (;;) {
      const page = await EpiaidMap.fetchJSON(`${el.dataset.visits}?limit=10000&offset=${offset}`);
      all.push(...page.results);
      offset += page.results.length;
      if (!page.results.length || offset >= page.count) break;
    }
    state.visits = all;
    state.dates = Array.from(new Set(all.map((v) => v.date))).sort();
    const last = Math.max(0, state.dates.length - 1);
    for (const id of ["date-from", "date-to"]) { $(id).max = String(last); }
    $("date-from").value = "0";
    $("date-to").value = String(last);
    const categories = Array.from(new Set(all.map((v) => v.category).filter(Boolean))).sort();
    for (const c of categories) { const o = document.createElement("option"); o.value = c; o.textContent = c; $("category").appendChild(o); }
    render();
    if (all.length) map.fitBounds(L.latLngBounds(all.map((v) => [v.lat, v.lng])), { maxZoom: 13, padding: [20, 20] });
  }

  async function loadClusters() {
    const data = await EpiaidMap.fetchJSON(el.dataset.clusters);
    data.results.forEach((c) => {
      L.circleMarker([c.lat, c.lng], { radius: 6 + Math.min(20, Math.sqrt(c.case_count)), color: "#b3261e", weight: 1, fillOpacity: 0.25 })
        .bindPopup(`<strong>${esc(c.name)}</strong><br>${c.case_count} cases`).addTo(clusterLayer);
    });
    el.dataset.clusters_loaded = String(data.results.length);
  }

  async function loadClinics() {
    const data = await EpiaidMap.fetchJSON(el.dataset.clinics);
    data.results.filter((c) => c.lat != null && c.lng != null).forEach((c) => {
      L.circleMarker([c.lat, c.lng], { radius: 4, color: "#0b6bcb", weight: 1, fillOpacity: 0.8 })
        .bindPopup(`<strong>${esc(c.name)}</strong><br>${esc(c.address)}<br>${esc(c.phone)}`).addTo(clinicLayer);
    });
    el.dataset.clinicsLoaded = String(data.results.length);
  }

  async function nearest(lat, lng) {
    nearestLayer.clearLayers();
    L.circleMarker([lat, lng], { radius: 6, color: "#000", fillOpacity: 1 }).addTo(nearestLayer);
    try {
      const data = await EpiaidMap.fetchJSON(`${el.dataset.nearest}?lat=${lat}&lng=${lng}&limit=5`);
      $("nearest").innerHTML = data.results.map((c) =>
        `<li data-clinic="${c.id}"><strong>${esc(c.name)}</strong> · ${(c.distance_m / 1000).toFixed(2)} km<br><span class="muted">${esc(c.address)} · ${esc(c.phone)}</span></li>`).join("");
      data.results.forEach((c) => L.polyline([[lat, lng], [c.lat, c.lng]], { color: "#0b6bcb", dashArray: "4" }).addTo(nearestLayer));
    } catch (err) { showError(err); }
  }

  function toggle(checkboxId, layers) {
    $(checkboxId).addEventListener("change", (e) => layers.forEach((l) => (e.target.checked ? map.addLayer(l) : map.removeLayer(l))));
  }
  toggle("layer-routes", [routeMarkers, routeLines]);
  toggle("layer-clusters", [clusterLayer]);
  toggle("layer-clinics", [clinicLayer]);
  ["date-from", "date-to", "category"].forEach((id) => $(id).addEventListener("input", render));
  $("search").addEventListener("input", render);
  map.on("click", (e) => nearest(e.latlng.lat, e.latlng.lng));
  $("locate").addEventListener("click", () => EpiaidMap.locate((lat, lng) => { map.setView([lat, lng], 12); nearest(lat, lng); }, showError));

  Promise.all([loadVisits(), loadClusters(), loadClinics()])
    .then(() => { el.dataset.ready = "true"; })
    .catch((err) => { showError(err); el.dataset.ready = "error"; });
})();
