// Investigation console: the case's path (source-tagged points), stays with dwell times, contacts,
// hotspots; publish selected stays to the situation map. Data comes from the investigation API.
(function () {
  "use strict";
  const cfg = JSON.parse(document.getElementById("console-config").textContent);
  const ICON = { cell: "📡", gps: "🛰️", card: "💳", qr: "📱" };
  const COLOUR = { cell: "#7b61ff", gps: "#1f77b4", card: "#d62728", qr: "#2ca02c" };
  const esc = EpiaidMap.escapeHtml;
  const map = EpiaidMap.create("map", { zoom: 12 });
  const status = document.getElementById("status");

  function csrf() {
    const m = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
    return m ? decodeURIComponent(m[1]) : "";
  }
  async function post(url, body) {
    const r = await fetch(url, { method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf() }, body: JSON.stringify(body || {}) });
    const data = await r.json().catch(() => ({}));
    if (!r.ok) throw new Error(data.detail || r.statusText);
    return data;
  }
  const hhmm = (iso) => iso.slice(5, 16).replace("T", " ");

  function drawPath(points) {
    const latlngs = points.filter((p) => p.lat !== null).map((p) => [p.lat, p.lon]);
    if (latlngs.length) {
      L.polyline(latlngs, { color: "#555", weight: 2, opacity: 0.6 }).addTo(map);
      map.fitBounds(L.latLngBounds(latlngs).pad(0.1));
    }
    points.forEach((p) => {
      if (p.lat === null) return;
      L.circleMarker([p.lat, p.lon], { radius: 3, color: COLOUR[p.source] || "#333", weight: 1 })
        .bindTooltip(`${ICON[p.source] || ""} ${esc(p.source)} · ${esc(p.time)} · ±${Math.round(p.accuracy_m || 0)} m`)
        .addTo(map);
    });
  }

  function drawStays(stays) {
    const list = document.getElementById("timeline");
    list.innerHTML = "";
    stays.forEach((s) => {
      const li = document.createElement("li");
      const icons = s.sources.map((x) => ICON[x] || x).join("");
      li.innerHTML = `<label><input type="checkbox" value="${s.index}"> ${icons} ${esc(hhmm(s.start))} – ${esc(hhmm(s.end))}` +
        ` · <b>${s.dwell_min} 분</b> <span class="muted">±${Math.round(s.accuracy_m)} m</span></label>`;
      list.appendChild(li);
      L.circle([s.lat, s.lon], { radius: Math.max(s.accuracy_m, 30), color: "#e6550d" })
        .bindPopup(`${icons} ${esc(hhmm(s.start))}–${esc(hhmm(s.end))}<br>${s.dwell_min} min`).addTo(map);
    });
    document.getElementById("publish").disabled = stays.length === 0;
  }

  function drawContacts(rows) {
    document.getElementById("contacts").innerHTML = rows.map((c) =>
      `<tr><td>${esc(c.contact_pid)}</td><td>${c.exposure_minutes}</td><td>${c.min_distance_m}</td><td>${esc(hhmm(c.first))}</td></tr>`).join("");
  }

  function drawHotspots(rows) {
    document.getElementById("hotspots").innerHTML = rows.map((h) =>
      `<tr><td>${h.lat.toFixed(4)}, ${h.lon.toFixed(4)}</td><td>${h.people}</td><td>${h.score}</td></tr>`).join("");
    rows.forEach((h) => L.circleMarker([h.lat, h.lon], { radius: 8 + h.people, color: "#b10026", fillOpacity: 0.3 })
      .bindTooltip(`hotspot · ${h.people} people · score ${h.score}`).addTo(map));
  }

  async function load() {
    try {
      const [path, stays, contacts, hotspots] = await Promise.all([
        EpiaidMap.fetchJSON(cfg.api + "path"), EpiaidMap.fetchJSON(cfg.api + "staypoints"),
        EpiaidMap.fetchJSON(cfg.api + "contacts"), EpiaidMap.fetchJSON(cfg.api + "hotspots")]);
      drawPath(path); drawStays(stays); drawContacts(contacts); drawHotspots(hotspots);
      status.textContent = `${path.length} points · ${stays.length} stays · ${contacts.length} contacts`;
      document.body.dataset.loaded = "true";
    } catch (err) {
      status.textContent = `자료 없음 — ${err.message}`;
      document.body.dataset.loaded = "error";
    }
  }

  function drawSources(res) {
    const list = document.getElementById("sources");
    const st = document.getElementById("sources-status");
    if (!res.available) { st.textContent = `모델 없음 — ${res.reason}`; return; }
    st.textContent = `${res.sources.length} candidates · model trained on ${res.trained_on} known links · ` +
      "probability = calibrated chance this case is the source";
    list.innerHTML = res.sources.map((s) => {
      const days = s.days_onset_apart !== null ? `onset ${s.days_onset_apart} d after` :
        `confirmed ${s.days_confirmed_apart} d after`;
      const places = s.shared_places.map((p) =>
        `${esc(p.date)} ${esc(p.type)} ${esc(p.city)} ${p.distance_m} m${p.days_apart ? " (±1 d)" : ""}`).join("; ");
      return `<li data-case="${esc(s.case_number)}"><b>${esc(s.case_number)}</b> · <b>${(100 * s.probability).toFixed(1)} %</b>` +
        ` <span class="muted">${esc(days)}${s.same_district ? " · same district" : ""}` +
        `${s.shared_cluster ? " · cluster " + esc(s.shared_cluster) : ""}</span>` +
        `<br><span class="evidence">${places ? "shared places: " + places : "no shared places"}</span></li>`;
    }).join("");
  }

  async function loadSources() {
    try { drawSources(await EpiaidMap.fetchJSON(cfg.api + "likely-sources")); document.body.dataset.sources = "true"; }
    catch (err) {
      document.getElementById("sources-status").textContent = `자료 없음 — ${err.message}`;
      document.body.dataset.sources = "error";
    }
  }

  document.getElementById("publish").addEventListener("click", async () => {
    const indices = [...document.querySelectorAll("#timeline input:checked")].map((x) => Number(x.value));
    const out = document.getElementById("publish-result");
    try {
      const pub = await post(cfg.api + "publish", { indices });
      out.textContent = `#${pub.id}: ${pub.stays.length} 곳 검토 대기 · awaiting health staff's review`;
    }
    catch (err) { out.textContent = err.message; }
  });
  document.getElementById("enrol").addEventListener("click", async () => {
    const out = document.getElementById("enrol-result");
    try {
      const r = await post(cfg.api + "enrol");
      out.textContent = r.available ? `${r.enrolled} enrolled` : "care-call not installed (0 enrolled)";
    } catch (err) { out.textContent = err.message; }
  });
  load();
  loadSources();
})();
