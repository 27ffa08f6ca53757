"""Analyses over an investigation's approved data: path, stays, contacts, chains, hotspots, likely sources.

Each is allowed only to an assigned investigator once data has been delivered, and each is audited.
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pandas as pd
from django.http import HttpRequest

from epiaid.core.audit import record
from epiaid.investigation.engine import store
from epiaid.investigation.models import (
    DataRequest,
    Investigation,
)
from epiaid.investigation.services.common import (
    KST,
    TARGET,
    BadInput,
    Forbidden,
    NotReady,
    _refuse,
    default_window,
    store_root,
)
from epiaid.investigation.services.workflow import (
    is_assigned,
)

# --- analysis ------------------------------------------------------------------------------------


def _analysable(actor: Any, inv: Investigation, what: str, request: HttpRequest | None) -> None:
    if not is_assigned(actor, inv):
        raise _refuse(
            Forbidden, "not assigned to this investigation", actor=actor, request=request, target=what, object_id=inv.pk
        )
    if inv.purged_at:
        raise _refuse(
            NotReady,
            "the data was deleted at the retention deadline",
            actor=actor,
            request=request,
            target=what,
            object_id=inv.pk,
        )
    if not inv.requests.filter(status=DataRequest.Status.DELIVERED).exists() or not store.has_data(store_root(inv)):
        raise _refuse(
            NotReady,
            "no approved data has been delivered yet",
            actor=actor,
            request=request,
            target=what,
            object_id=inv.pk,
        )


def _backend(inv: Investigation) -> Any:
    from epiaid.investigation.engine.backends import DuckDBBackend

    root = store_root(inv)
    backend = DuckDBBackend(threads=1, confine_to=[root])  # no file access outside the case's own store
    backend.register_store("pings", root)
    return backend


def _window_ts(inv: Investigation) -> tuple[int, int]:
    lo, hi = default_window(inv)
    return int(lo.timestamp()), int(hi.timestamp())


def _iso(ts: int) -> str:
    return dt.datetime.fromtimestamp(int(ts), tz=dt.UTC).astimezone(KST).isoformat()


def case_path(actor: Any, inv: Investigation, request: HttpRequest | None = None) -> list[dict[str, Any]]:
    from epiaid.investigation.engine.analytics import case_path as path

    _analysable(actor, inv, "path", request)
    t0, t1 = _window_ts(inv)
    out = path(_backend(inv), inv.subject_pid, t0, t1)
    record(request, "view", f"{TARGET}.path", object_id=inv.pk, actor=actor, detail={"points": len(out)})
    return [
        {
            "time": _iso(r.ts),
            "ts": int(r.ts),
            "lat": _num(r.lat),
            "lon": _num(r.lon),
            "source": r.source,
            "provider": r.provider,
            "accuracy_m": _num(r.accuracy_m),
            "gap_before": bool(r.gap_before),
        }
        for r in out.itertuples(index=False)
    ]


def _num(x: Any) -> float | None:
    return None if x is None or pd.isna(x) else round(float(x), 7)


def _subject_pings(inv: Investigation) -> pd.DataFrame:
    t0, t1 = _window_ts(inv)
    return _backend(inv).query("SELECT * FROM pings WHERE pid = ? AND ts BETWEEN ? AND ?", [inv.subject_pid, t0, t1])


def case_staypoints(
    actor: Any, inv: Investigation, request: HttpRequest | None = None, *, audit: bool = True
) -> list[dict[str, Any]]:
    from epiaid.investigation.engine.clean import clean_pings
    from epiaid.investigation.engine.staypoints import staypoints

    _analysable(actor, inv, "staypoints", request)
    pings = clean_pings(_subject_pings(inv))
    stays = staypoints(pings)
    rows = []
    for i, s in enumerate(stays.itertuples(index=False)):
        in_stay = pings[(pings["ts"] >= s.started_ts) & (pings["ts"] <= s.finished_ts)]
        rows.append(
            {
                "index": i,
                "start": _iso(s.started_ts),
                "end": _iso(s.finished_ts),
                "lat": round(s.lat, 7),
                "lon": round(s.lon, 7),
                "dwell_min": round(float(s.dwell_min), 1),
                "accuracy_m": round(float(s.accuracy_m), 1),
                "sources": sorted(set(in_stay["source"])),
                "n_pings": int(s.n_pings),
            }
        )
    if audit:
        record(request, "view", f"{TARGET}.staypoints", object_id=inv.pk, actor=actor, detail={"stays": len(rows)})
    return rows


def case_contacts(
    actor: Any,
    inv: Investigation,
    *,
    radius_m: float = 10.0,
    min_minutes: float = 15.0,
    request: HttpRequest | None = None,
) -> list[dict[str, Any]]:
    from epiaid.investigation.engine.analytics import contacts
    from epiaid.investigation.engine.sql import ContactParams

    _analysable(actor, inv, "contacts", request)
    if not (0 < radius_m <= 1000 and 0 <= min_minutes <= 24 * 60):
        raise _refuse(
            BadInput,
            "radius_m must be in (0, 1000] and min_minutes in [0, 1440]",
            actor=actor,
            request=request,
            target="contacts",
            object_id=inv.pk,
        )
    t0, t1 = _window_ts(inv)
    found = contacts(
        _backend(inv),
        [inv.subject_pid],
        t0,
        t1,
        ContactParams(radius_m=radius_m, min_minutes=min_minutes),
        max_abs_lat=60.0,
    )
    record(
        request,
        "view",
        f"{TARGET}.contacts",
        object_id=inv.pk,
        actor=actor,
        detail={"contacts": len(found), "radius_m": radius_m, "min_minutes": min_minutes},
    )
    return [
        {
            "contact_pid": r.contact_pid,
            "exposure_minutes": int(r.exposure_minutes),
            "min_distance_m": round(float(r.min_distance_m), 1),
            "first": _iso(r.first_ts),
            "last": _iso(r.last_ts),
        }
        for r in found.itertuples(index=False)
    ]


def case_contact_chains(
    actor: Any, inv: Investigation, *, hops: int = 2, request: HttpRequest | None = None
) -> list[dict[str, Any]]:
    """Contacts of contacts up to ``hops`` away (time-respecting), as edges."""
    from epiaid.investigation.engine.analytics import contact_chains

    _analysable(actor, inv, "contacts", request)
    if not 1 <= hops <= 3:
        raise _refuse(
            BadInput, "hops must be 1, 2 or 3", actor=actor, request=request, target="contacts", object_id=inv.pk
        )
    t0, t1 = _window_ts(inv)
    graph = contact_chains(_backend(inv), inv.subject_pid, t0, t1, hops=hops)
    edges = [
        {"source": a, "target": b, "hop": int(d["hop"]), "exposure_minutes": int(d["exposure_minutes"])}
        for a, b, d in graph.edges(data=True)
    ]
    record(
        request, "view", f"{TARGET}.chains", object_id=inv.pk, actor=actor, detail={"hops": hops, "edges": len(edges)}
    )
    return edges


def contacts_csv(actor: Any, inv: Investigation, request: HttpRequest | None = None, **kwargs: Any) -> str:
    rows = case_contacts(actor, inv, request=request, **kwargs)
    record(request, "export", f"{TARGET}.contacts", object_id=inv.pk, actor=actor, detail={"rows": len(rows)})
    buf = io.StringIO()
    pd.DataFrame(rows, columns=["contact_pid", "exposure_minutes", "min_distance_m", "first", "last"]).to_csv(
        buf, index=False
    )
    return buf.getvalue()


def case_hotspots(actor: Any, inv: Investigation, request: HttpRequest | None = None) -> list[dict[str, Any]]:
    """Places where several people of this investigation's data stayed in overlapping windows."""
    from epiaid.investigation.engine.analytics import hotspots
    from epiaid.investigation.engine.staypoints import staypoints

    _analysable(actor, inv, "hotspots", request)
    t0, t1 = _window_ts(inv)
    backend = _backend(inv)
    pings = backend.query("SELECT * FROM pings WHERE ts BETWEEN ? AND ? AND accuracy_m <= 200", [t0, t1])
    stays = staypoints(pings)
    found = hotspots(backend, stays)
    record(request, "view", f"{TARGET}.hotspots", object_id=inv.pk, actor=actor, detail={"hotspots": len(found)})
    return [
        {
            "lat": round(float(r.lat), 6),
            "lon": round(float(r.lon), 6),
            "people": int(r.cases),
            "pairs": int(r.case_pairs),
            "overlap_min": round(float(r.overlap_min), 1),
            "score": round(float(r.score), 2),
        }
        for r in found.head(50).itertuples(index=False)
    ]


# --- likely sources of infection (backward tracing) ----------------------------------------------

#: Fewer known links (infector with visits) than this and no model is trained.
MIN_TRAINING_LINKS = 10
_SOURCE_MODEL: dict[str, Any] = {}


def _situation_frames(inv: Investigation) -> tuple[pd.DataFrame, pd.DataFrame] | None:
    """The situation map's cases and visits as DS4C-shaped frames, plus this investigation's stays
    as visits of its case (the case's own approved location data). None without a situation map."""
    try:
        from epiaid.situation.models import Case, Visit
    except ImportError:  # pragma: no cover - the capability is optional
        return None
    cols = ["number", "province", "city", "sex", "age_band", "infection_case", "infected_by"]
    cases = list(Case.objects.values(*cols, "confirmed_date", "symptom_onset_date"))
    p = pd.DataFrame(cases, columns=[*cols, "confirmed_date", "symptom_onset_date"]).rename(
        columns={"number": "patient_id", "age_band": "age"}
    )
    visits = list(Visit.objects.values_list("case__number", "date", "province", "category", "lat", "lng"))
    r = pd.DataFrame(visits, columns=["patient_id", "date", "province", "type", "latitude", "longitude"])
    if not inv.purged_at and store.has_data(store_root(inv)):
        from epiaid.investigation.engine.clean import clean_pings
        from epiaid.investigation.engine.staypoints import staypoints

        stays = staypoints(clean_pings(_subject_pings(inv)))
        own = p.loc[p["patient_id"] == inv.case_number, "province"]
        r = pd.concat(
            [
                r,
                pd.DataFrame(
                    {
                        "patient_id": inv.case_number,
                        "date": [dt.datetime.fromtimestamp(t, KST).date() for t in stays["started_ts"]],
                        "province": own.iloc[0] if len(own) else "",
                        "type": "stay",
                        "latitude": stays["lat"].to_numpy(float),
                        "longitude": stays["lon"].to_numpy(float),
                    }
                ),
            ],
            ignore_index=True,
        )
    return p, r


def likely_sources(actor: Any, inv: Investigation, request: HttpRequest | None = None, top: int = 10) -> dict[str, Any]:
    """Who most likely infected the investigation's case: situation-map cases confirmed on or before it,
    ranked by the learning-to-rank model trained on the map's known links, with the calibrated
    probability and the evidence for each (days apart, shared places, shared cluster)."""
    from epiaid.investigation.engine import infector

    if not is_assigned(actor, inv):
        raise _refuse(
            Forbidden,
            "not assigned to this investigation",
            actor=actor,
            request=request,
            target="likely_sources",
            object_id=inv.pk,
        )
    out: dict[str, Any] = {"available": False, "reason": "", "trained_on": 0, "sources": []}
    frames = _situation_frames(inv)
    if frames is None:
        out["reason"] = "situation map not installed"
    elif not (frames[0]["patient_id"] == inv.case_number).any():
        out["reason"] = f"case {inv.case_number} is not on the situation map"
    else:
        data = infector.DS4C.from_frames(*frames)
        n_links = len(infector.training_cases(data, "infector"))
        out["trained_on"] = n_links
        if n_links < MIN_TRAINING_LINKS:
            out["reason"] = f"only {n_links} known links with visits: too few to train on"
        else:
            key = f"{len(data.patients)}:{len(data.routes)}:{n_links}"
            if _SOURCE_MODEL.get("key") != key:
                _SOURCE_MODEL.update(key=key, model=infector.train_final(data))
            ranker = _SOURCE_MODEL["model"]
            feats = infector.candidate_features(data, [inv.case_number])
            if not feats.empty:
                ranked = infector.rank(feats, ranker.probabilities(feats), top=top)
                out["sources"] = [
                    {
                        "case_number": r.candidate_id,
                        "rank": int(r.rank),
                        "probability": round(float(r.score), 4),
                        **infector.evidence(data, inv.case_number, r.candidate_id),
                    }
                    for r in ranked.itertuples(index=False)
                ]
            out["available"] = True
    record(
        request,
        "view",
        f"{TARGET}.likely_sources",
        object_id=inv.pk,
        actor=actor,
        detail={"sources": len(out["sources"]), "reason": out["reason"]},
    )
    return out
