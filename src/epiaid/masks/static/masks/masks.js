// Where-to-buy map: outlets coloured by remain_stat, clustered, address search, near me, can-I-buy.
(function () {
  "use strict";
  const data = JSON.parse(document.getElementById("masks-data").textContent);
  const COLOURS = { plenty: "#2e9d3a", some: "#f2c200", few: "#d7301f", empty: "#8c8c8c", break: "#8c8c8c" };
  const NO_DATA = "#bdbdbd";
  const map = EpiaidMap.create("map");
  const cluster = EpiaidMap.cluster(map, { disableClusteringAtZoom: 16 });
  const markers = new Map();
  const status = document.getElementById("masks-status");
  const results = document.getElementById("masks-results");
  const esc = EpiaidMap.escapeHtml;
  let highlight = null;

  function colour(stat) { return COLOURS[stat] || NO_DATA; }

  function popup(p) {
    return `<strong>${esc(p.name)}</strong><br>${esc(p.addr)}<br>` +
      `재고 ${esc(p.remain_stat || "정보 없음 no data")} · 입고 ${esc(p.stock_at || "—")}<br>` +
      `<small>갱신 ${esc(p.created_at || "—")}</small>`;
  }

  function addMarker(p, lat, lng) {
    const m = L.circleMarker([lat, lng], {
      radius: 7, weight: 1, color: "#333", fillColor: colour(p.remain_stat), fillOpacity: 0.9,
      className: `masks-marker masks-${p.remain_stat || "unknown"}`,
    });
    m.feature = { properties: p };
    m.bindPopup(popup(p));
    markers.set(p.code, m);
    return m;
  }

  function listStores(stores, title) {
    results.innerHTML = "";
    status.textContent = `${title}: ${stores.length}`;
    for (const s of stores) {
      const li = document.createElement("li");
      li.className = `masks-result masks-${s.remain_stat || "unknown"}`;
      li.dataset.code = s.code;
      li.innerHTML = `<span class="dot ${esc(s.remain_stat || "unknown")}"></span><strong>${esc(s.name)}</strong> ` +
        `${esc(s.addr)} — ${esc(s.remain_stat || "정보 없음")}`;
      li.addEventListener("click", () => {
        const m = markers.get(s.code);
        if (m) { cluster.zoomToShowLayer(m, () => m.openPopup()); }
      });
      results.appendChild(li);
    }
    const located = stores.filter((s) => s.lat != null && s.lng != null);
    if (located.length) {
      map.fitBounds(L.latLngBounds(located.map((s) => [s.lat, s.lng])).pad(0.2), { maxZoom: 16 });
    }
  }

  async function loadAll() {
    status.textContent = "불러오는 중… loading";
    const fc = await EpiaidMap.fetchJSON(data.storesUrl);
    const layers = fc.features.map((f) => addMarker(f.properties, f.geometry.coordinates[1], f.geometry.coordinates[0]));
    cluster.addLayers(layers);
    if (fc.updated_at) { document.getElementById("masks-updated").textContent = fc.updated_at; }
    document.body.dataset.masksLoaded = String(layers.length);
    status.textContent = `${layers.length} 판매처 outlets`;
  }

  async function nearby(lat, lng) {
    if (highlight) { map.removeLayer(highlight); }
    highlight = L.circle([lat, lng], { radius: 1000, color: "#3366cc", fill: false }).addTo(map);
    try {
      const r = await EpiaidMap.fetchJSON(`${data.byGeoUrl}?lat=${lat.toFixed(6)}&lng=${lng.toFixed(6)}&m=1000`);
      listStores(r.stores, "1 km 이내 within 1 km");
    } catch (e) { status.textContent = e.message; }
  }

  document.getElementById("masks-search").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const address = document.getElementById("masks-address").value.trim();
    try {
      const r = await EpiaidMap.fetchJSON(`${data.byAddrUrl}?address=${encodeURIComponent(address)}`);
      listStores(r.stores, r.address);
    } catch (e) { status.textContent = e.message; }
  });

  document.getElementById("masks-near").addEventListener("click", () => {
    EpiaidMap.locate((lat, lng) => nearby(lat, lng),
      () => { status.textContent = "위치를 알 수 없습니다: 지도를 클릭하세요 (location unavailable: click the map)"; });
  });
  map.on("click", (ev) => nearby(ev.latlng.lat, ev.latlng.lng));

  document.getElementById("masks-canbuy").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const out = document.getElementById("masks-canbuy-answer");
    const year = document.getElementById("masks-birth-year").value;
    try {
      const r = await EpiaidMap.fetchJSON(`${data.rationingUrl}?birth_year=${encodeURIComponent(year)}`);
      out.textContent = `${r.today_allowed ? "오늘 구매 가능 Yes, today" : "오늘은 안 됩니다 Not today"} — ` +
        `${r.weekday_ko}요일 (${r.weekday}) · 주말 Sat/Sun if unused · 주 ${r.weekly_cap}매`;
      out.dataset.allowed = String(r.today_allowed);
    } catch (e) { out.textContent = e.message; }
  });

  // For tests and embedding: the colour each outlet is drawn in.
  window.MasksPage = {
    colours: () => Object.fromEntries([...markers].map(([code, m]) => [code, m.options.fillColor])),
  };

  loadAll().catch((e) => { status.textContent = e.message; });
})();
