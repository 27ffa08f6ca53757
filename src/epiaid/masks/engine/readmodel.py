"""The in-process read model behind the public API: every answer is pre-serialised bytes.

In 2020 the API held and the apps fell over; at ~2,700 req/s what bounds a Python server is the
per-request cost of the framework, not the lookup. So each outlet's JSON fragments are serialised
once per change, pages and radius answers are joined from those fragments and cached until the next
change, and the hot paths (``epiaid.masks.asgi``) answer without entering Django at all.

A :class:`Snapshot` is immutable; a change builds a new one and swaps a single reference, so readers
on other threads never see half an update and need no lock.
"""

from __future__ import annotations

import json
import math
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from epiaid.core.geo import haversine_m, haversine_m_array, metres_to_degree_box
from epiaid.masks.engine.addresses import AddressError, address_tokens, parse_query

PER_PAGE_DEFAULT, PER_PAGE_MIN, PER_PAGE_MAX = 500, 500, 5000
GEO_LAT = (33.0, 43.0)
GEO_LNG = (124.0, 132.0)
GEO_MAX_M = 5000
GEO_DEFAULT_M = 1000
#: Distances this close to the radius are re-decided with the scalar reference function, so the
#: answer equals a brute-force ``haversine_m(...) <= m`` exactly even where numpy rounds differently.
_EDGE_M = 1e-3
_CACHE_LIMIT = 8192


class QueryError(ValueError):
    """Bad query parameters: answered with HTTP 400 and the message, never a server error."""


@dataclass(frozen=True, slots=True)
class OutletRecord:
    code: str
    name: str
    addr: str
    type: str
    lat: float | None
    lng: float | None


@dataclass(frozen=True, slots=True)
class SalesRecord:
    created_at: str | None
    remain_stat: str | None
    stock_at: str | None


NO_SALES = SalesRecord(None, None, None)


def dumps(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


def _store_info(o: OutletRecord) -> dict[str, Any]:
    return {"addr": o.addr, "code": o.code, "lat": o.lat, "lng": o.lng, "name": o.name, "type": o.type}


def _store_full(o: OutletRecord, s: SalesRecord) -> dict[str, Any]:
    return {
        "addr": o.addr,
        "code": o.code,
        "created_at": s.created_at,
        "lat": o.lat,
        "lng": o.lng,
        "name": o.name,
        "remain_stat": s.remain_stat,
        "stock_at": s.stock_at,
        "type": o.type,
    }


def _feature(o: OutletRecord, s: SalesRecord) -> bytes:
    """A GeoJSON Feature (v2); the outlet must have coordinates."""
    props = {k: v for k, v in _store_full(o, s).items() if k not in ("lat", "lng")}
    return dumps({"type": "Feature", "geometry": {"type": "Point", "coordinates": [o.lng, o.lat]}, "properties": props})


def _sale(code: str, s: SalesRecord) -> dict[str, Any]:
    return {"code": code, "created_at": s.created_at, "remain_stat": s.remain_stat, "stock_at": s.stock_at}


def _int_param(raw: str | None, name: str, default: int) -> int:
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise QueryError(f"{name} must be an integer, got {raw!r}") from None


def _float_param(raw: str | None, name: str) -> float:
    if raw is None:
        raise QueryError(f"{name} is required")
    try:
        value = float(raw)
    except ValueError:
        raise QueryError(f"{name} must be a number, got {raw!r}") from None
    if not math.isfinite(value):
        raise QueryError(f"{name} must be a finite number, got {raw!r}")
    return value


@dataclass(eq=False)
class Snapshot:
    """One consistent state of every outlet and its sales record, with caches of finished answers."""

    version: int
    updated_at: str | None
    outlets: dict[str, OutletRecord]
    sales: dict[str, SalesRecord]
    codes: list[str]  # sorted: the page order of stores/json
    sale_codes: list[str]  # sorted codes having a sales record
    full_fragment: dict[str, bytes]
    feature_fragment: dict[str, bytes]  # located outlets only
    info_fragment: dict[str, bytes]
    sale_fragment: dict[str, bytes]
    geo_lat: npt.NDArray[np.float64]  # located outlets sorted by latitude
    geo_lng: npt.NDArray[np.float64]
    geo_codes: npt.NDArray[np.object_]
    token_index: dict[str, frozenset[str]]
    province_of: dict[str, str | None]
    cache: dict[tuple[Any, ...], bytes] = field(default_factory=dict)

    # -- queries (each returns the exact response body) ------------------------------------------

    def cached(self, key: tuple[Any, ...], build: Any) -> bytes:
        body = self.cache.get(key)
        if body is None:
            body = build()
            if len(self.cache) >= _CACHE_LIMIT:
                self.cache.clear()
            self.cache[key] = body
        return body

    def _page_args(self, page_raw: str | None, per_page_raw: str | None, total: int) -> tuple[int, int, int]:
        """(page, perPage, totalPages). A page past the end is not an error: it is empty (``count`` 0),
        which is how clients that loop until an empty page, or up to a stale page count, stop."""
        page = _int_param(page_raw, "page", 1)
        per_page = _int_param(per_page_raw, "perPage", PER_PAGE_DEFAULT)
        if not PER_PAGE_MIN <= per_page <= PER_PAGE_MAX:
            raise QueryError(f"perPage must be between {PER_PAGE_MIN} and {PER_PAGE_MAX}, got {per_page}")
        if page < 1:
            raise QueryError(f"page must be 1 or more (pages are numbered from 1), got {page}")
        return page, per_page, math.ceil(total / per_page)

    def _page(
        self, kind: bytes, codes: list[str], fragments: dict[str, bytes], page_raw: str | None, per_page_raw: str | None
    ) -> bytes:
        page, per_page, total_pages = self._page_args(page_raw, per_page_raw, len(codes))

        def build() -> bytes:
            chunk = codes[(page - 1) * per_page : page * per_page]
            items = b",".join(fragments[c] for c in chunk)
            return b'{"count":%d,"page":%s,"%s":[%s],"totalCount":%d,"totalPages":%d}' % (
                len(chunk),
                dumps(str(page)),
                kind,
                items,
                len(codes),
                total_pages,
            )

        if page > total_pages:  # past the end: cheap, and not worth a cache slot per page number
            return build()
        return self.cached((kind, page, per_page), build)

    def stores_page(self, page_raw: str | None, per_page_raw: str | None) -> bytes:
        """``stores/json``: one page of outlets in code order, with the totals the 2020 API sent."""
        return self._page(b"storeInfos", self.codes, self.info_fragment, page_raw, per_page_raw)

    def sales_page(self, page_raw: str | None, per_page_raw: str | None) -> bytes:
        """``sales/json``: one page of sales records (outlets that have one) in code order."""
        return self._page(b"sales", self.sale_codes, self.sale_fragment, page_raw, per_page_raw)

    def within(self, lat: float, lng: float, metres: float) -> list[tuple[float, str]]:
        """(distance, code) of every located outlet within ``metres``, nearest first (ties by code)."""
        box = metres_to_degree_box(lat, lng, metres)
        lo = int(np.searchsorted(self.geo_lat, box.south, "left"))
        hi = int(np.searchsorted(self.geo_lat, box.north, "right"))
        lats, lngs = self.geo_lat[lo:hi], self.geo_lng[lo:hi]
        keep = (lngs >= box.west) & (lngs <= box.east)
        idx = np.nonzero(keep)[0]
        if idx.size == 0:
            return []
        dist = haversine_m_array(lat, lng, lats[idx], lngs[idx])
        found: list[tuple[float, str]] = []
        for i, d in zip(idx.tolist(), dist.tolist(), strict=True):
            if abs(d - metres) <= _EDGE_M:
                d = haversine_m(lat, lng, float(lats[i]), float(lngs[i]))
            if d <= metres:
                found.append((d, str(self.geo_codes[lo + i])))
        found.sort()
        return found

    def by_geo(self, lat_raw: str | None, lng_raw: str | None, m_raw: str | None) -> bytes:
        lat = _float_param(lat_raw, "lat")
        lng = _float_param(lng_raw, "lng")
        metres = GEO_DEFAULT_M if m_raw is None or m_raw == "" else _float_param(m_raw, "m")
        if not GEO_LAT[0] <= lat <= GEO_LAT[1]:
            raise QueryError(f"lat must be between {GEO_LAT[0]} and {GEO_LAT[1]}, got {lat}")
        if not GEO_LNG[0] <= lng <= GEO_LNG[1]:
            raise QueryError(f"lng must be between {GEO_LNG[0]} and {GEO_LNG[1]}, got {lng}")
        if metres < 0:
            raise QueryError(f"m must be 0 or more metres, got {metres:g}")
        if metres > GEO_MAX_M:
            raise QueryError(f"m must be at most {GEO_MAX_M} metres (the maximum radius), got {metres:g}")

        def build() -> bytes:
            codes = [c for _, c in self.within(lat, lng, metres)]
            items = b",".join(self.full_fragment[c] for c in codes)
            return b'{"count":%d,"stores":[%s]}' % (len(codes), items)

        return self.cached(("geo", lat, lng, metres), build)

    def match_address(self, address: str | None) -> tuple[str, list[str]]:
        try:
            query = parse_query(address)
        except AddressError as exc:
            raise QueryError(str(exc)) from None
        sets = [self.token_index.get(t, frozenset()) for t in query.tokens]
        hits = set.intersection(*map(set, sets)) if sets else set()
        if query.province is not None:
            hits = {c for c in hits if self.province_of.get(c) == query.province}
        return query.text, sorted(hits)

    def by_addr(self, address_raw: str | None) -> bytes:
        def build() -> bytes:
            text, codes = self.match_address(address_raw)
            items = b",".join(self.full_fragment[c] for c in codes)
            return b'{"address":%s,"count":%d,"stores":[%s]}' % (dumps(text), len(codes), items)

        return self.cached(("addr", address_raw), build)

    def store(self, code: str) -> dict[str, Any] | None:
        outlet = self.outlets.get(code)
        return None if outlet is None else _store_full(outlet, self.sales.get(code, NO_SALES))


def build_snapshot(
    outlets: Mapping[str, OutletRecord],
    sales: Mapping[str, SalesRecord],
    version: int,
    updated_at: str | None,
    *,
    previous: Snapshot | None = None,
    changed: Iterable[str] = (),
) -> Snapshot:
    """A new snapshot; with ``previous`` only the ``changed`` codes are re-serialised (cheap per sale).

    Takes ownership of ``outlets`` and ``sales`` (callers pass fresh or unchanged dicts) and copies
    only the dictionaries a change touches: a sale copies three 25k-entry dicts, not eight.
    """
    outlets = outlets if isinstance(outlets, dict) else dict(outlets)
    sales = sales if isinstance(sales, dict) else dict(sales)
    changed_set = set(outlets) if previous is None else set(changed)
    outlet_changed = previous is None or any(previous.outlets.get(c) != outlets.get(c) for c in changed_set)
    if previous is None:
        full, info, sale_f, feature = {}, {}, {}, {}
    else:
        full = dict(previous.full_fragment) if changed_set else previous.full_fragment
        feature = dict(previous.feature_fragment) if changed_set else previous.feature_fragment
        info = dict(previous.info_fragment) if outlet_changed else previous.info_fragment
        sale_f = dict(previous.sale_fragment) if changed_set else previous.sale_fragment
    token_index_build: dict[str, set[str]] = {}
    province_of: dict[str, str | None] = {} if outlet_changed else previous.province_of  # type: ignore[union-attr]
    for code in changed_set:
        o = outlets.get(code)
        if o is None:
            for frag in (full, info, sale_f, feature):
                frag.pop(code, None)
            continue
        s = sales.get(code, NO_SALES)
        full[code] = dumps(_store_full(o, s))
        if o.lat is not None and o.lng is not None:
            feature[code] = _feature(o, s)
        else:
            feature.pop(code, None)
        if outlet_changed:
            info[code] = dumps(_store_info(o))
        if code in sales:
            sale_f[code] = dumps(_sale(code, s))
        else:
            sale_f.pop(code, None)
    if outlet_changed or previous is None:
        codes = sorted(outlets)
        located = sorted((o.lat, o.lng, o.code) for o in outlets.values() if o.lat is not None and o.lng is not None)
        geo_lat = np.array([r[0] for r in located], dtype=np.float64)
        geo_lng = np.array([r[1] for r in located], dtype=np.float64)
        geo_codes = np.array([r[2] for r in located], dtype=object)
        for o in outlets.values():
            province, words = address_tokens(o.addr)
            province_of[o.code] = province
            for word in words:
                token_index_build.setdefault(word, set()).add(o.code)
        token_index = {k: frozenset(v) for k, v in token_index_build.items()}
    else:
        assert previous is not None
        codes, geo_lat, geo_lng, geo_codes = (
            previous.codes,
            previous.geo_lat,
            previous.geo_lng,
            previous.geo_codes,
        )
        token_index = previous.token_index
    if previous is None or outlet_changed or any((c in sales) != (c in previous.sales) for c in changed_set):
        sale_codes = sorted(sales)
    else:
        sale_codes = previous.sale_codes
    return Snapshot(
        version=version,
        updated_at=updated_at,
        outlets=outlets,
        sales=sales,
        codes=codes,
        sale_codes=sale_codes,
        full_fragment=full,
        feature_fragment=feature,
        info_fragment=info,
        sale_fragment=sale_f,
        geo_lat=geo_lat,
        geo_lng=geo_lng,
        geo_codes=geo_codes,
        token_index=token_index,
        province_of=province_of,
    )


EMPTY = build_snapshot({}, {}, 0, None)


class ReadModel:
    """Holds the current snapshot; writers serialise on a lock, readers just read the reference."""

    def __init__(self) -> None:
        self.snapshot: Snapshot = EMPTY
        self.loaded = False
        self.lock = threading.Lock()

    def replace(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot
        self.loaded = True

    def apply(
        self,
        version: int,
        updated_at: str | None,
        outlets: Mapping[str, OutletRecord | None],
        sales: Mapping[str, SalesRecord | None],
    ) -> Snapshot:
        """Apply changed outlets/sales (None = deleted) on top of the current snapshot."""
        current = self.snapshot
        new_outlets = dict(current.outlets) if outlets else current.outlets
        new_sales = dict(current.sales) if (sales or outlets) else current.sales
        for code, o in outlets.items():
            if o is None:
                new_outlets.pop(code, None)
                new_sales.pop(code, None)
            else:
                new_outlets[code] = o
        for code, s in sales.items():
            if s is None:
                new_sales.pop(code, None)
            else:
                new_sales[code] = s
        snap = build_snapshot(
            new_outlets, new_sales, version, updated_at, previous=current, changed=set(outlets) | set(sales)
        )
        self.snapshot = snap
        return snap
