"""The X-ray capability's logic for the web app, API, receiver and demo (public: other capabilities may call it).

Each received input becomes a :class:`Study` — scored or rejected with its reason — and each model read
is a :class:`Read` carrying the model hash; both are written to the audit log. Originals and heatmaps are
kept under ``MEDIA_ROOT/xray/`` so a study can be re-read by a later model.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest

from epiaid.core.audit import record
from epiaid.core.errors import BadInput
from epiaid.xray.engine.imaging import ImageRejected
from epiaid.xray.engine.wado import Instance
from epiaid.xray.models import Override, Read, Study

AUDIT_TARGET = "xray.study"


def media_dir() -> Path:
    path = Path(settings.MEDIA_ROOT) / "xray"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _store(name: str, data: bytes) -> str:
    (media_dir() / name).write_bytes(data)
    return f"xray/{name}"


@dataclass
class IngestOutcome:
    study: Study
    read: Read | None


def ingest(
    data: bytes, filename: str, source: str, *, request: HttpRequest | None = None, actor: Any = None, sender: str = ""
) -> IngestOutcome:
    """Store, check and score one input. Never raises for bad images: they become rejected studies."""
    from epiaid.xray.engine.pipeline import read_image
    from epiaid.xray.engine.report import heatmap_png

    digest = hashlib.sha256(data).hexdigest()
    suffix = Path(filename).suffix.lower()[:8] or ".bin"
    started = time.perf_counter()
    try:
        r = read_image(data, filename)
    except ImageRejected as exc:
        with transaction.atomic():
            study = Study.objects.create(
                source=source,
                filename=filename[:255],
                sha256=digest,
                status=Study.Status.REJECTED,
                reject_code=exc.code,
                reject_reason=exc.reason,
                sender=sender[:64],
            )
            record(
                request,
                "xray.reject",
                AUDIT_TARGET,
                object_id=study.pk,
                actor=actor,
                detail={"code": exc.code, "reason": exc.reason, "source": source},
            )
        return IngestOutcome(study, None)
    seconds = time.perf_counter() - started
    meta = r.image.meta
    with transaction.atomic():
        study = Study.objects.create(
            source=source,
            filename=filename[:255],
            sha256=digest,
            status=Study.Status.SCORED,
            kind=r.image.kind,
            study_uid=meta.get("study_uid", "")[:64],
            patient_ref=meta.get("patient_id", "")[:64],
            accession=meta.get("accession", "")[:64],
            sender=sender[:64],
        )
        study.stored_file = _store(f"{study.pk}-{digest[:12]}{suffix}", data)
        study.save(update_fields=["stored_file"])
        p = r.prediction
        read = Read.objects.create(
            study=study,
            model_sha256=p.model_sha256,
            p_pneumonia=p.p_pneumonia,
            p_covid=p.p_covid,
            severity_extent=p.severity_extent,
            severity_opacity=p.severity_opacity,
            flag=p.flag,
            urgency=p.urgency,
            result=r.result,
            seconds=seconds,
            heatmap_file=_store(f"{study.pk}-heatmap.png", heatmap_png(p, r.image.pixels)),
        )
        record(
            request,
            "xray.read",
            AUDIT_TARGET,
            object_id=study.pk,
            actor=actor,
            detail={
                "read": read.pk,
                "model_sha256": p.model_sha256,
                "source": source,
                "p_pneumonia": round(p.p_pneumonia, 4),
                "flag": p.flag,
            },
        )
    return IngestOutcome(study, read)


def queue_uploads(files: list[Any], user: Any) -> Any:
    """Keep the uploaded files for a worker and queue their reading (``xray.read_uploads``).

    The files wait under ``DATA_DIR/uploads/xray/<random>/`` (numbered to keep their order, names
    reduced to their last path part) until the job has read them; refused by the owner's queue cap.
    """
    import secrets

    from epiaid.core.jobs.service import check_capacity, submit
    from epiaid.xray.jobs import READ_UPLOADS

    check_capacity(user)
    folder = Path(settings.DATA_DIR) / "uploads" / "xray" / secrets.token_hex(8)
    folder.mkdir(parents=True)
    for number, upload in enumerate(files):
        name = Path(upload.name or "upload").name[:200] or "upload"
        with (folder / f"{number:04d}-{name}").open("wb") as out:
            for chunk in upload.chunks():
                out.write(chunk)
    return submit(READ_UPLOADS, str(folder), actor=user, message=f"{len(files)} films waiting to be read")


def ingest_from_cstore(data: bytes, calling_ae: str) -> str:
    """Handler for the C-STORE receiver (runs in the receiver's thread)."""
    from django.db import close_old_connections

    close_old_connections()
    outcome = ingest(data, "cstore.dcm", Study.Source.CSTORE, sender=calling_ae)
    return outcome.study.status if outcome.read else f"rejected: {outcome.study.reject_code}"


def ingest_stow(content_type: str, body: bytes, request: HttpRequest) -> tuple[int, dict[str, Any]]:
    """A DICOMweb STOW-RS request: every ``application/dicom`` part goes through :func:`ingest` exactly as
    a C-STORE does; returns the HTTP status and the DICOM JSON answer (raises ``StowError`` for a request
    that is not a STOW-RS body at all)."""
    from epiaid.xray.engine.dicomweb import DICOM_MEDIA_TYPE, InstanceOutcome, instance_uids, split_parts, stow_response
    from epiaid.xray.engine.imaging import looks_like_dicom

    parts = split_parts(content_type, body)
    sender = request.user.get_username() if request.user.is_authenticated else ""
    outcomes: list[InstanceOutcome] = []
    for part in parts:
        sop_class, sop_instance = instance_uids(part.data)
        if part.content_type != DICOM_MEDIA_TYPE:
            outcomes.append(
                InstanceOutcome(
                    sop_class,
                    sop_instance,
                    False,
                    code="wrong_media_type",
                    reason=f"part {part.index} is {part.content_type}, not {DICOM_MEDIA_TYPE}; it was not stored",
                )
            )
            continue
        if not looks_like_dicom(part.data):
            outcomes.append(
                InstanceOutcome(
                    sop_class,
                    sop_instance,
                    False,
                    code="not_part10",
                    reason=f"part {part.index} is not a DICOM Part-10 file (no 'DICM' preamble); it was not stored",
                )
            )
            continue
        done = ingest(part.data, f"stow-{part.index}.dcm", Study.Source.STOW, request=request, sender=sender)
        held = Instance.of(part.data) if done.read is not None else None
        outcomes.append(
            InstanceOutcome(
                sop_class,
                sop_instance,
                done.read is not None,
                study_id=done.study.pk,
                study_uid=held.study_uid if held else "",
                series_uid=held.series_uid if held else "",
                code=done.study.reject_code,
                reason=done.study.reject_reason,
            )
        )
    status, answer = stow_response(outcomes, "/api/xray/dicomweb/studies")
    record(
        request,
        "xray.stow",
        AUDIT_TARGET,
        detail={
            "parts": len(parts),
            "scored": sum(o.scored for o in outcomes),
            "status": status,
            "studies": [o.study_id for o in outcomes if o.study_id is not None],
        },
    )
    return status, answer


def latest_read(study: Study) -> Read | None:
    return study.reads.order_by("-created_at", "-pk").first()


def worklist(limit: int = 200) -> list[dict[str, Any]]:
    """Scored studies, urgent first: flagged before unflagged (after radiologist review where given),
    then by urgency, then oldest first so nobody waits forever."""
    rows: list[dict[str, Any]] = []
    reads: QuerySet[Read] = (
        Read.objects.select_related("study").prefetch_related("overrides").order_by("study_id", "-created_at", "-pk")
    )
    seen: set[int] = set()
    for read in reads:
        if read.study_id in seen:
            continue
        seen.add(read.study_id)
        review = read.overrides.all().order_by("-created_at", "-pk").first()
        flag = review.flag if review else read.flag
        extent = review.severity_extent if review else read.severity_extent
        rows.append(
            {
                "study_id": read.study_id,
                "read_id": read.pk,
                "filename": read.study.filename,
                "patient_ref": read.study.patient_ref,
                "accession": read.study.accession,
                "source": read.study.source,
                "received_at": read.study.received_at.isoformat(),
                "p_pneumonia": round(read.p_pneumonia, 4),
                "p_covid": round(read.p_covid, 4),
                "severity_extent": round(extent, 2),
                "severity_opacity": round(review.severity_opacity if review else read.severity_opacity, 2),
                "flag": flag,
                "urgency": round(read.urgency, 1),
                "model_sha256": read.model_sha256,
                "review": review.decision if review else "pending",
                "reviewer": review.reviewer.get_username() if review else "",
            }
        )
    rows.sort(key=lambda r: (not r["flag"], -r["urgency"], r["received_at"]))
    return rows[:limit]


class ReviewError(BadInput, ValueError):
    """A review that cannot be recorded, with the reason (400)."""

    code = "bad_review"


def review(
    read: Read,
    reviewer: Any,
    decision: str,
    *,
    flag: bool | None = None,
    severity_extent: float | None = None,
    severity_opacity: float | None = None,
    note: str = "",
    request: HttpRequest | None = None,
    actor: Any = None,
) -> Override:
    """Record a radiologist's confirmation (model values kept) or override (corrected values), audited."""
    if decision not in Override.Decision.values:
        raise ReviewError(f"decision must be one of {', '.join(Override.Decision.values)}, not {decision!r}")
    if decision == Override.Decision.CONFIRM:
        flag, severity_extent, severity_opacity = read.flag, read.severity_extent, read.severity_opacity
    else:
        if flag is None and severity_extent is None and severity_opacity is None:
            raise ReviewError("an override must change the flag or a severity score")
        flag = read.flag if flag is None else flag
        severity_extent = read.severity_extent if severity_extent is None else severity_extent
        severity_opacity = read.severity_opacity if severity_opacity is None else severity_opacity
        if not 0 <= severity_extent <= 8:
            raise ReviewError(f"severity_extent must be between 0 and 8, got {severity_extent}")
        if not 0 <= severity_opacity <= 6:
            raise ReviewError(f"severity_opacity must be between 0 and 6, got {severity_opacity}")
    with transaction.atomic():
        ov = Override.objects.create(
            read=read,
            reviewer=reviewer,
            decision=decision,
            flag=bool(flag),
            severity_extent=float(severity_extent),
            severity_opacity=float(severity_opacity),
            note=note[:2000],
        )
        record(
            request,
            f"xray.{decision}",
            AUDIT_TARGET,
            object_id=read.study_id,
            actor=actor if actor is not None else reviewer,
            detail={
                "read": read.pk,
                "override": ov.pk,
                "model_sha256": read.model_sha256,
                "model": {
                    "flag": read.flag,
                    "extent": round(read.severity_extent, 2),
                    "opacity": round(read.severity_opacity, 2),
                },
                "radiologist": {"flag": ov.flag, "extent": ov.severity_extent, "opacity": ov.severity_opacity},
            },
        )
    return ov


def media_bytes(relative: str) -> bytes:
    path = (Path(settings.MEDIA_ROOT) / relative).resolve()
    if not path.is_relative_to(Path(settings.MEDIA_ROOT).resolve()):
        raise FileNotFoundError(relative)
    return path.read_bytes()


def secondary_capture_for(read: Read) -> bytes:
    """Rebuild the heatmap Secondary Capture from the stored original (same model, same pixels).

    Its UIDs derive from the input, the read and the model, like the SR's: retrieving it twice gives
    the same instance."""
    from epiaid.xray.engine.imaging import load_image
    from epiaid.xray.engine.infer import default_predictor
    from epiaid.xray.engine.report import secondary_capture

    image = load_image(media_bytes(read.study.stored_file), read.study.filename)
    series_uid, sop_uid = _derived_uids(read, "sc")
    return secondary_capture(
        default_predictor().run(image), image, sop_instance_uid=sop_uid, series_instance_uid=series_uid
    )


def _derived_uids(read: Read, kind: str) -> tuple[str, str]:
    """Series and SOP Instance UIDs of our ``sc`` or ``sr`` object for a read: derived from the input, the
    read and the model, so the object keeps its identity however often it is rebuilt."""
    from pydicom.uid import generate_uid

    seed = [read.study.sha256, read.model_sha256]
    return generate_uid(entropy_srcs=[*seed, f"{kind}-series"]), generate_uid(entropy_srcs=[*seed, str(read.pk), kind])


def study_instances(study_uid: str, series_uid: str = "", sop_uid: str = "") -> tuple[list[Study], list[Instance]]:
    """What we hold for one Study Instance UID (WADO-RS), optionally narrowed to a series or an instance:
    each scored DICOM original exactly as received, followed by the heatmap SC and the SR of its latest
    read. The SC re-runs the model, so our objects are built only when their (derived) UIDs are asked for.

    Refused inputs are kept as records with their reason but not their bytes, and PNG/JPEG uploads have no
    Study Instance UID a PACS could ask for, so neither is ever listed here."""
    studies = list(
        Study.objects.filter(study_uid=study_uid, kind="dicom", status=Study.Status.SCORED).order_by(
            "received_at", "pk"
        )
    )

    def wanted(series: str, sop: str) -> bool:
        return series_uid in ("", series) and sop_uid in ("", sop)

    instances: list[Instance] = []
    for study in studies:
        original = Instance.of(media_bytes(study.stored_file))
        if wanted(original.series_uid, original.sop_uid):
            instances.append(original)
        read = latest_read(study)
        if read is not None:
            for kind, build in (("sc", secondary_capture_for), ("sr", structured_report_for)):
                if wanted(*_derived_uids(read, kind)):
                    instances.append(Instance.of(build(read)))
    return studies, instances


def _operating_point(model_sha256: str) -> float | None:
    """The shipped p_pneumonia threshold, when the read was made by the shipped weights."""
    from epiaid.xray.engine.infer import model_metadata

    meta = model_metadata()
    if meta.get("sha256") != model_sha256:
        return None
    return float(meta["operating_point"]["p_pneumonia_threshold"])


def structured_report_for(read: Read) -> bytes:
    """The DICOM Comprehensive SR of one stored read (its recorded values, not a re-run), filed in the
    source study and referencing the source image; PNG/JPEG inputs get hash-derived stand-in UIDs.

    The SR's own UIDs derive from the input, the read and the model, so downloading twice gives the same
    instance (a PACS replaces rather than duplicates it)."""
    import io

    import pydicom

    from epiaid.xray.engine.imaging import looks_like_dicom
    from epiaid.xray.engine.sr import ReadValues, stand_in_source, structured_report

    study = read.study
    data = media_bytes(study.stored_file)
    source: pydicom.Dataset
    if study.kind == "dicom" or looks_like_dicom(data):
        source = pydicom.dcmread(io.BytesIO(data), stop_before_pixels=True, force=True)
    else:
        source = stand_in_source(study.sha256, patient_id=study.patient_ref)
    values = ReadValues(
        read.p_pneumonia,
        read.p_covid,
        read.severity_extent,
        read.severity_opacity,
        read.flag,
        read.urgency,
        read.model_sha256,
        p_pneumonia_threshold=_operating_point(read.model_sha256),
    )
    series_uid, sop_uid = _derived_uids(read, "sr")
    return structured_report(values, source, sop_instance_uid=sop_uid, series_instance_uid=series_uid)


# --- what the API and pages call: each checks the reader's role and writes the audit event --------

READERS = ("clinician",)


def _reader(actor: Any, object_id: Any = None) -> Any:
    from epiaid.core.access import require

    return require(actor, *READERS, target=AUDIT_TARGET, object_id=object_id)


def _audit(actor: Any, action: str, object_id: Any = None, **detail: Any) -> None:
    from epiaid.core.audit import event

    event(actor, action, AUDIT_TARGET, object_id=object_id, detail=detail or None)


def _study(study_id: int) -> Study:
    from epiaid.core.errors import NotFound

    found = Study.objects.filter(pk=study_id).first()
    if found is None:
        raise NotFound(f"no study with id {study_id}", code="unknown_study")
    return found


def _latest_read_or_404(study_id: int) -> Read:
    from epiaid.core.errors import NotFound

    study = _study(study_id)
    read = latest_read(study)
    if read is None:
        raise NotFound(f"study {study_id} was rejected ({study.reject_code}) and has no read", code="no_read")
    return read


def worklist_for(actor: Any, limit: int = 200) -> list[dict[str, Any]]:
    actor = _reader(actor)
    rows = worklist(limit=max(1, min(limit, 1000)))
    _audit(actor, "xray.worklist", rows=len(rows))
    return rows


def rejected_studies(actor: Any, limit: int = 20) -> list[Study]:
    """The latest rejected inputs with their reasons (shown beside the worklist it audited)."""
    _reader(actor)
    return list(Study.objects.filter(status=Study.Status.REJECTED).order_by("-received_at")[:limit])


def study_for(actor: Any, study_id: int) -> tuple[Study, Read | None]:
    """A study and its latest read (``None`` when it was rejected), audited as a view."""
    actor = _reader(actor, study_id)
    study = _study(study_id)
    _audit(actor, "xray.view", study.pk)
    return study, latest_read(study)


def study_result(actor: Any, study_id: int) -> dict[str, Any]:
    """The API's structured result of a study's latest read, with every radiologist review."""
    study, read = study_for(actor, study_id)
    base = {
        "study_id": study.pk,
        "status": study.status,
        "filename": study.filename,
        "reject_code": study.reject_code,
        "reject_reason": study.reject_reason,
    }
    if read is None:
        return base
    reviews = [
        {
            "decision": o.decision,
            "flag": o.flag,
            "severity_extent": o.severity_extent,
            "severity_opacity": o.severity_opacity,
            "reviewer": o.reviewer.get_username(),
            "note": o.note,
            "at": o.created_at.isoformat(),
        }
        for o in read.overrides.all()
    ]
    return {**base, "read_id": read.pk, "result": read.result, "reviews": reviews}


def heatmap_png(actor: Any, study_id: int) -> bytes:
    actor = _reader(actor, study_id)
    read = _latest_read_or_404(study_id)
    _audit(actor, "xray.view_heatmap", study_id, model_sha256=read.model_sha256)
    return media_bytes(read.heatmap_file)


def heatmap_dicom(actor: Any, study_id: int) -> bytes:
    actor = _reader(actor, study_id)
    read = _latest_read_or_404(study_id)
    _audit(actor, "xray.export_sc", study_id, model_sha256=read.model_sha256)
    return secondary_capture_for(read)


def structured_report(actor: Any, *, study_id: int | None = None, read_id: int | None = None) -> tuple[Read, bytes]:
    """A read (the study's latest, or the one named) as a DICOM SR, audited as an export."""
    from epiaid.core.errors import NotFound

    actor = _reader(actor, study_id)
    if read_id is not None:
        found = Read.objects.select_related("study").filter(pk=read_id).first()
        if found is None:
            raise NotFound(f"no read with id {read_id}", code="unknown_read")
        read = found
    else:
        read = _latest_read_or_404(int(study_id or 0))
    _audit(actor, "xray.export_sr", read.study_id, read=read.pk, model_sha256=read.model_sha256)
    return read, structured_report_for(read)


def upload_study(actor: Any, data: bytes, filename: str, request: HttpRequest | None = None) -> IngestOutcome:
    """One uploaded file read at once (the API's synchronous upload); ingest audits the outcome."""
    actor = _reader(actor)
    return ingest(data, filename, Study.Source.API, request=request, sender=actor.label)


def queue_uploads_for(actor: Any, files: list[Any]) -> Any:
    from epiaid.core.errors import BadInput

    actor = _reader(actor)
    if not files:
        raise BadInput("Choose at least one file.", code="no_files")
    try:
        return queue_uploads(files, actor.user)
    except ValueError as exc:
        raise BadInput(str(exc), code="unusable_upload") from exc


def stow(actor: Any, content_type: str, body: bytes, request: HttpRequest) -> tuple[int, dict[str, Any]]:
    """STOW-RS: a body that is not a STOW-RS request at all is refused whole (audited, with its status)."""
    from epiaid.core.errors import EpiaidError
    from epiaid.xray.engine.dicomweb import StowError

    actor = _reader(actor)
    try:
        return ingest_stow(content_type, body, request)
    except StowError as exc:
        _audit(actor, "xray.stow_refused", status=exc.status, detail=exc.detail)
        raise EpiaidError(exc.detail, status=exc.status, code="stow_refused") from exc


def wado_retrieve(
    actor: Any, study_uid: str, series_uid: str = "", sop_uid: str = "", accept: str = ""
) -> tuple[str, bytes]:
    """WADO-RS retrieve of a study, a series or one instance: (content type, multipart body)."""
    from epiaid.core.errors import EpiaidError, NotFound
    from epiaid.xray.engine.wado import NotAcceptable, accepted_syntaxes, check_syntaxes, multipart

    actor = _reader(actor)
    studies, wanted = study_instances(study_uid, series_uid, sop_uid)
    try:
        check_syntaxes(wanted, accepted_syntaxes(accept))
    except NotAcceptable as exc:
        raise EpiaidError(str(exc), status=406, code="not_acceptable") from exc
    scope = "instance" if sop_uid else "series" if series_uid else "study"
    if not wanted:
        raise NotFound(f"no {scope} {sop_uid or series_uid or study_uid} is held for study {study_uid}")
    _audit(
        actor,
        "xray.wado_retrieve",
        study_uid=study_uid,
        scope=scope,
        studies=[s.pk for s in studies],
        instances=len(wanted),
    )
    return multipart(wanted)


def wado_metadata(actor: Any, study_uid: str, base_url: str) -> list[dict[str, Any]]:
    from epiaid.core.errors import NotFound
    from epiaid.xray.engine.wado import metadata

    actor = _reader(actor)
    studies, instances = study_instances(study_uid)
    if not instances:
        raise NotFound(f"no study {study_uid} is held")
    _audit(
        actor,
        "xray.wado_metadata",
        study_uid=study_uid,
        studies=[s.pk for s in studies],
        instances=len(instances),
    )
    return [metadata(i, f"{base_url}/series/{i.series_uid}/instances/{i.sop_uid}") for i in instances]


def review_latest(actor: Any, study_id: int, decision: str, **values: Any) -> Override:
    """Confirm or override a study's latest read as the acting radiologist (audited by :func:`review`)."""
    actor = _reader(actor, study_id)
    read = _latest_read_or_404(study_id)
    return review(read, actor.user, decision, actor=actor, **values)
