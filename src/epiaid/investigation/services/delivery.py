"""A provider's delivery: parsed and validated whole (refused whole when malformed), then stored."""

from __future__ import annotations

import tempfile
import uuid
from pathlib import Path
from typing import Any

import pandas as pd
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from epiaid.core.audit import record
from epiaid.investigation.engine import coverage, readers, store
from epiaid.investigation.engine.schema import PingError, ValidationReport
from epiaid.investigation.models import (
    DataRequest,
    Delivery,
    ProviderAccount,
    Source,
)
from epiaid.investigation.services.common import (
    TARGET,
    BadInput,
    Forbidden,
    NotReady,
    _refuse,
    store_root,
)

# --- delivery ----------------------------------------------------------------------------------

FORMATS = ("pings_csv", "card_csv", "qr_csv", "parquet")


def provider_requests(actor: Any) -> list[DataRequest]:
    """Approved requests addressed to the actor's providers, each naming the subject to deliver for."""
    if not getattr(actor, "is_authenticated", False):
        return []
    names = list(ProviderAccount.objects.filter(user=actor).values_list("provider", flat=True))
    return list(
        DataRequest.objects.filter(
            provider__in=names,
            status__in=[DataRequest.Status.APPROVED, DataRequest.Status.DELIVERED],
            investigation__purged_at__isnull=True,
        ).select_related("investigation", "investigation__subject_asserted_by")
    )


def deliveries_for(actor: Any, request: HttpRequest | None = None) -> list[DataRequest]:
    """The provider's work list (page and API): listing it names subjects, so it is audited."""
    items = provider_requests(actor)
    record(
        request,
        "list",
        f"{TARGET}.delivery",
        actor=actor,
        detail={"requests": [r.pk for r in items], "subjects": sorted({r.subject_pid for r in items})},
    )
    return items


def _outside_request(df: pd.DataFrame, req: DataRequest) -> tuple[int, str] | None:
    """The first row whose person the request does not cover (its position and why), or ``None``.

    A subject-scoped request covers the approved subject's rows only. A contact search ("area") covers
    the subject and the people co-located with them, to :data:`~.coverage.COVER_HOPS` hops
    (:mod:`~epiaid.investigation.engine.coverage`), judged on this delivery together with what the
    investigation already holds.
    """
    subject = req.subject_pid
    if req.scope == DataRequest.Scope.SUBJECT:
        stranger = (df["pid"] != subject).to_numpy()
        if stranger.any():
            return int(
                stranger.argmax()
            ), f"is not the approved subject {subject!r} (this request covers only the case)"
        return None
    root = store_root(req.investigation)
    held = store.read_all(root)[["pid", "ts", "lat", "lon"]] if store.has_data(root) else df.iloc[:0]
    reference = pd.concat([df[["pid", "ts", "lat", "lon"]], held], ignore_index=True)
    covered = coverage.covered_pids(reference, subject)
    stranger = (~df["pid"].isin(covered)).to_numpy()
    if stranger.any():
        return int(stranger.argmax()), (
            f"was never within {coverage.COVER_RADIUS_M:.0f} m and {coverage.COVER_WITHIN_S // 60} min of the "
            f"approved subject {subject!r} or their contacts (up to {coverage.COVER_HOPS} hops); this request "
            "covers only the case's places"
        )
    return None


def _parse_upload(
    content: bytes, fmt: str, req: DataRequest, assume_tz: str | None, report: ValidationReport
) -> pd.DataFrame:
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}, got {fmt!r}")
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
    if not req.subject_pid or req.subject_pid != inv.subject_pid:
        raise _refuse(
            NotReady,
            f"the approval was for subject {req.subject_pid!r}, the investigation's subject is now "
            f"{inv.subject_pid!r}; nothing can be delivered for this request",
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
    stranger = _outside_request(df, req)
    if stranger is not None:
        i, why = stranger
        raise _refuse(
            BadInput,
            f"upload refused: row {i + 1} person id {df['pid'].iloc[i]!r} {why}; nothing was stored",
            actor=actor,
            request=request,
            target="delivery",
            object_id=req.pk,
            code="outside_request",
            subject_pid=req.subject_pid,
            scope=req.scope,
            rows=len(df),
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
