"""The investigation workflow as plain functions: open → request → approve → deliver → analyse.

Every function takes the acting user and (optionally) the HTTP request for the audit trail. The
safeguards live here, not in views, so the API, the console, the CLI and tests all pass the same
checks: role, purpose binding (assigned investigators only), the approver's authority for the
source, the provider named in the request, the approved window, and the retention deadline.
Every refusal is audited before it is raised.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import tempfile
import uuid
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd
from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from epiaid.core.actors import SYSTEM_RETENTION, Actor
from epiaid.core.audit import record
from epiaid.core.roles import Role, has_role
from epiaid.investigation.engine import readers, store
from epiaid.investigation.engine.schema import PingError, ValidationReport
from epiaid.investigation.models import (
    APPROVER_OF,
    ApproverAuthority,
    DataRequest,
    DeletionRecord,
    Delivery,
    Investigation,
    ProviderAccount,
    Source,
)

KST = ZoneInfo("Asia/Seoul")
#: Days before symptom onset that a request may reach back (KDCA: 2 days before onset for contacts,
#: 14 days for the source of infection).
LOOKBACK_DAYS = 14
#: Days after isolation the data is kept unless the outbreak is declared over earlier.
RETENTION_DAYS = int(os.environ.get("EPIAID_INVESTIGATION_RETENTION_DAYS", "28"))
TARGET = "investigation"


class WorkflowError(Exception):
    """A refused step; ``status`` is the HTTP status the API answers with."""

    status = 409


class Forbidden(WorkflowError):
    status = 403


class BadInput(WorkflowError):
    status = 400


class NotReady(WorkflowError):
    status = 409


def _refuse(
    exc: type[WorkflowError],
    message: str,
    *,
    actor: Any,
    request: HttpRequest | None,
    target: str,
    object_id: Any = None,
    **detail: Any,
) -> WorkflowError:
    record(
        request, "refused", f"{TARGET}.{target}", object_id=object_id, actor=actor, detail={"reason": message, **detail}
    )
    return exc(message)


def store_root(inv: Investigation) -> Path:
    return Path(settings.DATA_DIR) / "investigation" / str(inv.pk)


def default_window(inv: Investigation) -> tuple[dt.datetime, dt.datetime]:
    """14 days before symptom onset (00:00 KST) to the end of the isolation day (KST)."""
    start = dt.datetime.combine(inv.symptom_onset - dt.timedelta(days=LOOKBACK_DAYS), dt.time(0), tzinfo=KST)
    end = dt.datetime.combine(inv.isolation_date + dt.timedelta(days=1), dt.time(0), tzinfo=KST) - dt.timedelta(
        seconds=1
    )
    return start, end


# --- opening and access ---------------------------------------------------------------------------


def case_exists(case_number: str) -> bool | None:
    """Whether the situation map knows the case; ``None`` when that capability is not installed."""
    try:
        from epiaid.situation.services import case_exists as situation_case_exists
    except ImportError:
        return None
    return bool(situation_case_exists(case_number))


def open_investigation(
    actor: Any,
    *,
    case_number: str,
    subject_pid: str,
    symptom_onset: dt.date,
    isolation_date: dt.date,
    investigators: Iterable[Any] = (),
    title: str = "",
    request: HttpRequest | None = None,
) -> Investigation:
    if not has_role(actor, Role.INVESTIGATOR):
        raise _refuse(
            Forbidden, "only investigators open investigations", actor=actor, request=request, target="investigation"
        )
    if isolation_date < symptom_onset - dt.timedelta(days=LOOKBACK_DAYS):
        raise _refuse(
            BadInput,
            "isolation_date is more than 14 days before symptom onset",
            actor=actor,
            request=request,
            target="investigation",
        )
    if not subject_pid.strip():
        raise BadInput("subject_pid (the case's pseudonymous id in provider data) is required")
    if case_exists(case_number) is False:
        raise _refuse(
            BadInput,
            f"case {case_number!r} does not exist on the situation map",
            actor=actor,
            request=request,
            target="investigation",
        )
    retention = dt.datetime.combine(isolation_date + dt.timedelta(days=RETENTION_DAYS), dt.time(0), tzinfo=KST)
    with transaction.atomic():
        inv = Investigation.objects.create(
            case_number=case_number.strip(),
            subject_pid=subject_pid.strip(),
            title=title,
            symptom_onset=symptom_onset,
            isolation_date=isolation_date,
            created_by=actor,
            retention_until=retention,
        )
        inv.investigators.add(actor, *investigators)
    record(
        request,
        "create",
        f"{TARGET}.investigation",
        object_id=inv.pk,
        actor=actor,
        detail={"case_number": inv.case_number},
    )
    return inv


def is_assigned(actor: Any, inv: Investigation) -> bool:
    return bool(has_role(actor, Role.INVESTIGATOR) and inv.investigators.filter(pk=actor.pk).exists())


def get_for_investigator(actor: Any, inv_id: int, request: HttpRequest | None = None) -> Investigation:
    """Purpose binding: only the investigators assigned to an investigation see anything of it."""
    inv = Investigation.objects.filter(pk=inv_id).first()
    if inv is None or not is_assigned(actor, inv):
        raise _refuse(
            Forbidden,
            "not assigned to this investigation",
            actor=actor,
            request=request,
            target="investigation",
            object_id=inv_id,
        )
    return inv


def investigations_of(actor: Any) -> list[Investigation]:
    if not has_role(actor, Role.INVESTIGATOR):
        return []
    return list(Investigation.objects.filter(investigators=actor).order_by("-created_at"))


# --- requests and approvals ----------------------------------------------------------------------


def request_data(
    actor: Any,
    inv: Investigation,
    *,
    source: str,
    provider: str,
    legal_purpose: str,
    scope: str = DataRequest.Scope.SUBJECT,
    window_start: dt.datetime | None = None,
    window_end: dt.datetime | None = None,
    request: HttpRequest | None = None,
) -> DataRequest:
    if not is_assigned(actor, inv):
        raise _refuse(
            Forbidden,
            "not assigned to this investigation",
            actor=actor,
            request=request,
            target="request",
            object_id=inv.pk,
        )
    if inv.purged_at:
        raise _refuse(
            NotReady,
            "the investigation's data was deleted at its retention deadline",
            actor=actor,
            request=request,
            target="request",
            object_id=inv.pk,
        )
    if source not in Source.values:
        raise BadInput(f"source must be one of {', '.join(Source.values)}, got {source!r}")
    if scope not in DataRequest.Scope.values:
        raise BadInput(f"scope must be one of {', '.join(DataRequest.Scope.values)}, got {scope!r}")
    if len(legal_purpose.strip()) < 10:
        raise BadInput(
            "state the legal purpose (at least 10 characters, e.g. the article of the Infectious "
            "Disease Control and Prevention Act relied on)"
        )
    if not provider.strip():
        raise BadInput("provider (the carrier, card company or QR operator asked) is required")
    lo, hi = default_window(inv)
    start, end = window_start or lo, window_end or hi
    if start.tzinfo is None or end.tzinfo is None:
        raise BadInput("window_start/window_end need a time zone (e.g. +09:00)")
    if start < lo or end > hi or start >= end:
        raise _refuse(
            BadInput,
            f"the window must lie within {lo.isoformat()} … {hi.isoformat()} "
            "(14 days before symptom onset until isolation)",
            actor=actor,
            request=request,
            target="request",
            object_id=inv.pk,
            start=start.isoformat(),
            end=end.isoformat(),
        )
    req = DataRequest.objects.create(
        investigation=inv,
        source=source,
        scope=scope,
        provider=provider.strip(),
        legal_purpose=legal_purpose.strip(),
        window_start=start,
        window_end=end,
        requested_by=actor,
    )
    record(
        request,
        "create",
        f"{TARGET}.request",
        object_id=req.pk,
        actor=actor,
        detail={"investigation": inv.pk, "source": source, "scope": scope, "provider": req.provider},
    )
    return req


def authorities_of(actor: Any) -> set[str]:
    if not has_role(actor, Role.APPROVER) or not getattr(actor, "is_authenticated", False):
        return set()
    return set(ApproverAuthority.objects.filter(user=actor).values_list("authority", flat=True))


def pending_for_approver(actor: Any) -> list[DataRequest]:
    auth = authorities_of(actor)
    sources = [s for s, a in APPROVER_OF.items() if a in auth]
    return list(
        DataRequest.objects.filter(status=DataRequest.Status.PENDING, source__in=sources)
        .select_related("investigation")
        .order_by("requested_at")
    )


def decide(
    actor: Any, req: DataRequest, *, approve: bool, reason: str, request: HttpRequest | None = None
) -> DataRequest:
    """Approve or reject; only an approver holding the source's authority may, and only once."""
    if req.authority not in authorities_of(actor):
        raise _refuse(
            Forbidden,
            f"approving {req.source} requests needs the {req.authority} authority",
            actor=actor,
            request=request,
            target="request",
            object_id=req.pk,
        )
    if req.requested_by_id == actor.pk:
        raise _refuse(
            Forbidden,
            "nobody approves their own request",
            actor=actor,
            request=request,
            target="request",
            object_id=req.pk,
        )
    if req.status != DataRequest.Status.PENDING:
        raise _refuse(
            NotReady,
            f"request is already {req.status}",
            actor=actor,
            request=request,
            target="request",
            object_id=req.pk,
        )
    if not reason.strip():
        raise BadInput("a reason is required for the decision record")
    req.status = DataRequest.Status.APPROVED if approve else DataRequest.Status.REJECTED
    req.decided_by, req.decided_at, req.decision_reason = actor, timezone.now(), reason.strip()
    req.save(update_fields=["status", "decided_by", "decided_at", "decision_reason"])
    record(
        request,
        "approve" if approve else "reject",
        f"{TARGET}.request",
        object_id=req.pk,
        actor=actor,
        detail={"reason": req.decision_reason},
    )
    return req


# --- delivery ----------------------------------------------------------------------------------

FORMATS = ("pings_csv", "card_csv", "qr_csv", "parquet")


def provider_requests(actor: Any) -> list[DataRequest]:
    if not getattr(actor, "is_authenticated", False):
        return []
    names = list(ProviderAccount.objects.filter(user=actor).values_list("provider", flat=True))
    return list(
        DataRequest.objects.filter(
            provider__in=names,
            status__in=[DataRequest.Status.APPROVED, DataRequest.Status.DELIVERED],
            investigation__purged_at__isnull=True,
        )
    )


def _parse_upload(
    content: bytes, fmt: str, req: DataRequest, assume_tz: str | None, report: ValidationReport
) -> pd.DataFrame:
    if fmt not in FORMATS:
        raise BadInput(f"format must be one of {', '.join(FORMATS)}, got {fmt!r}")
    suffix = ".parquet" if fmt == "parquet" else ".csv"
    with tempfile.NamedTemporaryFile(suffix=suffix) as tmp:
        tmp.write(content)
        tmp.flush()
        if fmt == "card_csv":
            return readers.read_card_csv(tmp.name, provider=req.provider, assume_tz=assume_tz or "Asia/Seoul")
        if fmt == "qr_csv":
            return readers.read_qr_csv(tmp.name, provider=req.provider, assume_tz=assume_tz or "Asia/Seoul")
        if fmt == "parquet":
            df = readers.read_ping_parquet(tmp.name, assume_tz=assume_tz)
        else:
            df = readers.read_ping_csv(tmp.name, assume_tz=assume_tz, report=report)
    return df


def deliver(
    actor: Any,
    req: DataRequest,
    *,
    content: bytes,
    fmt: str = "pings_csv",
    assume_tz: str | None = None,
    request: HttpRequest | None = None,
) -> Delivery:
    """Validate a provider's upload against its request and store it; all or nothing."""
    if not ProviderAccount.objects.filter(user=actor, provider=req.provider).exists():
        raise _refuse(
            Forbidden,
            f"only {req.provider} may deliver data for this request",
            actor=actor,
            request=request,
            target="delivery",
            object_id=req.pk,
        )
    if req.status not in (DataRequest.Status.APPROVED, DataRequest.Status.DELIVERED):
        raise _refuse(
            NotReady,
            f"request is {req.status}; data can only be delivered after approval",
            actor=actor,
            request=request,
            target="delivery",
            object_id=req.pk,
        )
    inv = req.investigation
    if inv.purged_at:
        raise _refuse(
            NotReady,
            "the investigation was closed and its data deleted",
            actor=actor,
            request=request,
            target="delivery",
            object_id=req.pk,
        )
    report = ValidationReport()
    try:
        df = _parse_upload(content, fmt, req, assume_tz, report)
    except (PingError, ValueError, OSError) as exc:
        raise _refuse(
            BadInput, f"upload refused: {exc}", actor=actor, request=request, target="delivery", object_id=req.pk
        ) from exc
    if df.empty:
        raise _refuse(
            BadInput, "upload refused: no rows", actor=actor, request=request, target="delivery", object_id=req.pk
        )
    df["provider"] = req.provider
    wrong_source = df["source"] != req.source
    if req.source in (Source.CELL, Source.GPS):
        wrong_source = ~df["source"].isin([Source.CELL, Source.GPS])
    if wrong_source.any():
        i = int(wrong_source.to_numpy().argmax())
        raise _refuse(
            BadInput,
            f"upload refused: row {i + 1} has source {df['source'].iloc[i]!r}, the request was for {req.source}",
            actor=actor,
            request=request,
            target="delivery",
            object_id=req.pk,
        )
    lo, hi = int(req.window_start.timestamp()), int(req.window_end.timestamp())
    outside = (df["ts"] < lo) | (df["ts"] > hi)
    if outside.any():
        i = int(outside.to_numpy().argmax())
        raise _refuse(
            BadInput,
            f"upload refused: row {i + 1} at {df['time'].iloc[i].isoformat()} is outside the "
            f"approved window {req.window_start.isoformat()} … {req.window_end.isoformat()}",
            actor=actor,
            request=request,
            target="delivery",
            object_id=req.pk,
        )
    if req.scope == DataRequest.Scope.SUBJECT:
        stranger = df["pid"] != inv.subject_pid
        if stranger.any():
            i = int(stranger.to_numpy().argmax())
            raise _refuse(
                BadInput,
                f"upload refused: row {i + 1} person id {df['pid'].iloc[i]!r} matches no request "
                "(this request covers only the case)",
                actor=actor,
                request=request,
                target="delivery",
                object_id=req.pk,
            )
    batch = f"r{req.pk}-{uuid.uuid4().hex[:10]}"
    store.write_pings(df, store_root(inv), batch=batch)
    summary = readers.describe(df) | {
        "duplicates_dropped": report.duplicates_dropped,
        "accuracy_defaulted": report.accuracy_defaulted,
    }
    with transaction.atomic():
        delivery = Delivery.objects.create(request=req, uploaded_by=actor, batch=batch, rows=len(df), summary=summary)
        req.status = DataRequest.Status.DELIVERED
        req.delivered_at = timezone.now()
        req.rows_delivered += len(df)
        req.save(update_fields=["status", "delivered_at", "rows_delivered"])
    record(
        request, "upload", f"{TARGET}.delivery", object_id=req.pk, actor=actor, detail={"rows": len(df), "batch": batch}
    )
    return delivery


class DropFolderAdapter:
    """Automatic delivery from a provider's drop folder (the 2020 system's "data comes back
    automatically"): the provider's system writes ``<request id>.<fmt>.csv`` (or ``.parquet``)
    into its folder; :func:`ingest` picks it up under the provider's account, with every check
    an upload gets. A carrier's real API client would implement the same ``fetch``."""

    def __init__(self, folder: Path | str) -> None:
        self.folder = Path(folder)

    def fetch(self, req: DataRequest) -> tuple[bytes, str] | None:
        for fmt in FORMATS:
            suffix = "parquet" if fmt == "parquet" else f"{fmt}.csv"
            path = self.folder / f"{req.pk}.{suffix}"
            if path.is_file():
                return path.read_bytes(), fmt
        return None


def ingest(
    actor: Any, req: DataRequest, adapter: DropFolderAdapter, request: HttpRequest | None = None
) -> Delivery | None:
    """Deliver whatever the provider's adapter has for an approved request (None when nothing yet)."""
    found = adapter.fetch(req)
    if found is None:
        return None
    content, fmt = found
    return deliver(actor, req, content=content, fmt=fmt, request=request)


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

    backend = DuckDBBackend(threads=1)
    backend.register_store("pings", store_root(inv))
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
    return _backend(inv).query(
        f"SELECT * FROM pings WHERE pid = '{inv.subject_pid.replace(chr(39), chr(39) * 2)}' "
        f"AND ts BETWEEN {t0} AND {t1}"
    )


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
        raise BadInput("radius_m must be in (0, 1000] and min_minutes in [0, 1440]")
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
        raise BadInput("hops must be 1, 2 or 3")
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
    pings = backend.query(f"SELECT * FROM pings WHERE ts BETWEEN {t0} AND {t1} AND accuracy_m <= 200")
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


# --- hand-offs to other capabilities -------------------------------------------------------------


def publish_visits(
    actor: Any,
    inv: Investigation,
    indices: list[int],
    names: dict[int, str] | None = None,
    request: HttpRequest | None = None,
) -> int:
    """Send selected staypoints to the situation map, which applies its disclosure policy."""
    stays = case_staypoints(actor, inv, request, audit=False)
    chosen = [s for s in stays if s["index"] in set(indices)]
    if len(chosen) != len(set(indices)):
        raise BadInput(f"unknown staypoint index in {sorted(set(indices))}; there are {len(stays)}")
    try:
        from epiaid.situation.services import EditError
        from epiaid.situation.services import publish_visits as situation_publish
    except ImportError as exc:
        raise NotReady("the situation map is not available to publish to") from exc
    visits = [
        {
            "place_name": (names or {}).get(s["index"], f"방문 장소 {s['index'] + 1}"),
            "lat": s["lat"],
            "lng": s["lon"],
            "date": dt.datetime.fromisoformat(s["start"]).date(),
            "start": dt.datetime.fromisoformat(s["start"]),
            "end": dt.datetime.fromisoformat(s["end"]),
            "category": "",
            "address": "",
        }
        for s in chosen
    ]
    try:
        who = Actor.from_request(request, actor) if request is not None else Actor.of(actor)
        count = int(situation_publish(inv.case_number, visits, actor=who))
    except EditError as exc:
        raise _refuse(
            BadInput,
            f"the situation map refused the visits: {exc}",
            actor=actor,
            request=request,
            target="visits",
            object_id=inv.pk,
        ) from exc
    record(
        request,
        "publish",
        f"{TARGET}.visits",
        object_id=inv.pk,
        actor=actor,
        detail={"selected": len(chosen), "published": count},
    )
    return count


#: Care-call enrolment adapter. The care-call capability does not exist yet; when it does, point
#: this at its public ``services.enrol`` and the console's button starts working.
ENROL_ADAPTER: Callable[[str, list[str], Any], int] | None = None


def enrol_contacts(actor: Any, inv: Investigation, request: HttpRequest | None = None) -> dict[str, Any]:
    rows = case_contacts(actor, inv, request=request)
    if ENROL_ADAPTER is None:
        record(
            request,
            "enrol",
            f"{TARGET}.contacts",
            object_id=inv.pk,
            actor=actor,
            detail={"contacts": len(rows), "enrolled": 0, "reason": "care-call capability not installed"},
        )
        return {"enrolled": 0, "contacts": len(rows), "available": False}
    n = ENROL_ADAPTER(inv.case_number, [r["contact_pid"] for r in rows], actor)
    record(request, "enrol", f"{TARGET}.contacts", object_id=inv.pk, actor=actor, detail={"enrolled": n})
    return {"enrolled": n, "contacts": len(rows), "available": True}


# --- retention -----------------------------------------------------------------------------------


def purge_expired(
    *,
    now: dt.datetime | None = None,
    dry_run: bool = False,
    reason: str = "retention deadline",
    actor: Any = SYSTEM_RETENTION,
) -> list[str]:
    """Delete the data of every investigation past its deadline; a DeletionRecord proves each.

    ``actor`` is who purges: the daily schedule (``system:retention``, the default) or an admin.
    """
    who = Actor.of(actor)
    actor_label = who.label
    moment = now or timezone.now()
    lines = []
    for inv in Investigation.objects.filter(retention_until__lte=moment, purged_at__isnull=True):
        root = store_root(inv)
        rows = sum(d.rows for d in Delivery.objects.filter(request__investigation=inv))
        if dry_run:
            lines.append(f"would delete investigation {inv.pk} ({rows} rows in {root})")
            continue
        files = store.delete_store(root)
        with transaction.atomic():
            DeletionRecord.objects.create(
                investigation=inv, files_deleted=files, rows_deleted=rows, reason=reason, actor_label=actor_label
            )
            inv.purged_at = moment
            inv.save(update_fields=["purged_at"])
        record(
            None,
            "delete",
            f"{TARGET}.data",
            object_id=inv.pk,
            actor=who,
            detail={"files": files, "rows": rows, "reason": reason, "by": actor_label},
        )
        lines.append(f"deleted investigation {inv.pk}: {files} files, {rows} rows ({reason})")
    return lines


def end_outbreak(actor: Any, request: HttpRequest | None = None) -> list[str]:
    """Declare the outbreak over: every investigation's deadline becomes now, then purge."""
    if not has_role(actor, Role.ADMIN):
        raise _refuse(
            Forbidden,
            "only an administrator declares the end of the outbreak",
            actor=actor,
            request=request,
            target="retention",
        )
    now = timezone.now()
    Investigation.objects.filter(purged_at__isnull=True, retention_until__gt=now).update(retention_until=now)
    record(request, "end_outbreak", f"{TARGET}.retention", actor=actor)
    return purge_expired(now=now, reason="end of outbreak", actor=actor)


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
