"""The X-ray capability's logic for the web app, API, receiver and demo (public: other capabilities may call it).

Each received input becomes a :class:`Study` — scored or rejected with its reason — and each model read
is a :class:`Read` carrying the model hash; both are written to the audit log. Originals and heatmaps are
kept under ``MEDIA_ROOT/xray/`` so a study can be re-read by a later model.
"""

from __future__ import annotations

import hashlib
import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest

from epiaid.core.actors import Actor
from epiaid.core.audit import AuditAction, record
from epiaid.core.errors import BadInput, Forbidden, NotFound
from epiaid.core.roles import Role, roles_of
from epiaid.xray.engine.imaging import ImageRejected
from epiaid.xray.engine.wado import Instance
from epiaid.xray.models import Override, Read, Site, SiteAeTitle, SiteMembership, Study, default_site_id

AUDIT_TARGET = "xray.study"
STOW_SCOPE = "xray.stow"
WADO_SCOPE = "xray.wado"
log = logging.getLogger(__name__)


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

    @property
    def malformed(self) -> bool:
        """Rejected because the file itself is broken (answered 400), not because of what it shows (422)."""
        from epiaid.xray.engine.imaging import MALFORMED_CODES

        return self.read is None and self.study.reject_code in MALFORMED_CODES


def ingest(
    data: bytes,
    filename: str,
    source: str,
    *,
    request: HttpRequest | None = None,
    actor: Any = None,
    sender: str = "",
    site: Site | int | None = None,
) -> IngestOutcome:
    """Store, check and score one input for ``site`` (default: the default site). Never raises for bad
    images: they become rejected studies, with their reason and without their bytes. A scored study is
    stored whole or not at all: its files are removed again if its rows cannot be written."""
    from epiaid.xray.engine.pipeline import read_image
    from epiaid.xray.engine.report import heatmap_png

    site_id = default_site_id() if site is None else site if isinstance(site, int) else site.pk
    digest = hashlib.sha256(data).hexdigest()
    suffix = Path(filename).suffix.lower()[:8] or ".bin"
    started = time.perf_counter()
    try:
        r = read_image(data, filename)
        seconds = time.perf_counter() - started
        heatmap = heatmap_png(r.prediction, r.image.pixels)
    except ImageRejected as refused:
        rejected: ImageRejected | None = refused
    except Exception as failure:  # a decoder surprise on hostile input is the input's fault: refuse it, never 500
        log.exception("xray: unexpected failure reading %s", filename)
        rejected = ImageRejected("unreadable", f"the file could not be read ({type(failure).__name__}: {failure})")
    else:
        rejected = None
    if rejected is not None:
        exc = rejected
        with transaction.atomic():
            study = Study.objects.create(
                source=source,
                filename=filename[:255],
                sha256=digest,
                status=Study.Status.REJECTED,
                reject_code=exc.code,
                reject_reason=exc.reason,
                sender=sender[:64],
                site_id=site_id,
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
    written: list[Path] = []
    try:
        with transaction.atomic():
            return _store_scored(
                r, data, heatmap, filename, source, digest, suffix, sender, site_id, seconds, written, request, actor
            )
    except BaseException:
        for path in written:  # the rows were rolled back: leave no file behind them
            path.unlink(missing_ok=True)
        raise


def _store_scored(
    r: Any,
    data: bytes,
    heatmap: bytes,
    filename: str,
    source: str,
    digest: str,
    suffix: str,
    sender: str,
    site_id: int,
    seconds: float,
    written: list[Path],
    request: HttpRequest | None,
    actor: Any,
) -> IngestOutcome:
    meta = r.image.meta

    def store(name: str, body: bytes) -> str:
        relative = _store(name, body)
        written.append(media_dir() / name)
        return relative

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
        site_id=site_id,
    )
    study.stored_file = store(f"{study.pk}-{digest[:12]}{suffix}", data)
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
        heatmap_file=store(f"{study.pk}-heatmap.png", heatmap),
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
    return ingest_cstore(data, calling_ae)


def ingest_cstore(data: bytes, calling_ae: str) -> str:
    """One C-STORE object for the site of its calling AE title; the status text the receiver logs."""
    outcome = ingest(data, "cstore.dcm", Study.Source.CSTORE, sender=calling_ae, site=site_for_ae(calling_ae))
    return outcome.study.status if outcome.read else f"rejected: {outcome.study.reject_code}"


def ingest_stow(
    content_type: str, body: bytes, request: HttpRequest, site: Site | int | None = None
) -> tuple[int, dict[str, Any]]:
    """A DICOMweb STOW-RS request: every ``application/dicom`` part goes through :func:`ingest` exactly as
    a C-STORE does; returns the HTTP status and the DICOM JSON answer (raises ``StowError`` for a request
    that is not a STOW-RS body at all)."""
    from epiaid.xray.engine.dicomweb import DICOM_MEDIA_TYPE, InstanceOutcome, instance_uids, split_parts, stow_response
    from epiaid.xray.engine.imaging import looks_like_dicom

    parts = split_parts(content_type, body)
    sender = request.user.get_username() if request.user.is_authenticated else ""
    if site is None:
        site = site_for_user(request.user)
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
        done = ingest(part.data, f"stow-{part.index}.dcm", Study.Source.STOW, request=request, sender=sender, site=site)
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


def worklist(limit: int = 200, sites: list[int] | None = None) -> list[dict[str, Any]]:
    """Scored studies (of ``sites``; ``None``: every site), urgent first: flagged before unflagged (after
    radiologist review where given), then by urgency, then oldest first so nobody waits forever."""
    rows: list[dict[str, Any]] = []
    reads: QuerySet[Read] = (
        Read.objects.select_related("study", "study__site")
        .prefetch_related("overrides")
        .order_by("study_id", "-created_at", "-pk")
    )
    if sites is not None:
        reads = reads.filter(study__site_id__in=sites)
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
                "site": read.study.site.code,
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


def study_instances(
    study_uid: str, series_uid: str = "", sop_uid: str = "", sites: list[int] | None = None
) -> tuple[list[Study], list[Instance]]:
    """What we hold for one Study Instance UID (WADO-RS), optionally narrowed to a series or an instance:
    each scored DICOM original exactly as received, followed by the heatmap SC and the SR of its latest
    read. The SC re-runs the model, so our objects are built only when their (derived) UIDs are asked for.

    Refused inputs are kept as records with their reason but not their bytes, and PNG/JPEG uploads have no
    Study Instance UID a PACS could ask for, so neither is ever listed here."""
    held = Study.objects.filter(study_uid=study_uid, kind="dicom", status=Study.Status.SCORED)
    if sites is not None:
        held = held.filter(site_id__in=sites)
    studies = list(held.order_by("received_at", "pk"))

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


# --- sites: which studies a reader may see, and where a pushed study belongs --------------------------


def site_for_user(user: Any) -> int:
    """The site a clinician's (or their token's) pushes belong to: the first site they joined, else the default."""
    if user is not None and getattr(user, "is_authenticated", False):
        first = SiteMembership.objects.filter(user=user).order_by("created_at", "pk").values_list("site_id", flat=True)
        for site_id in first[:1]:
            return int(site_id)
    return default_site_id()


def site_for_ae(calling_ae: str) -> int:
    """The site of a C-STORE sender by its calling AE title (unknown titles: the default site)."""
    found = SiteAeTitle.objects.filter(ae_title=calling_ae.strip()).values_list("site_id", flat=True).first()
    return int(found) if found is not None else default_site_id()


def readable_sites(actor: Actor) -> list[int] | None:
    """The sites whose studies the actor reads: ``None`` (every site) for an admin or the platform; a
    clinician's memberships, or the default site for a clinician who belongs to none."""
    if actor.is_system or (actor.is_authenticated and Role.ADMIN in roles_of(actor.user)):
        return None
    mine = list(SiteMembership.objects.filter(user=actor.user).values_list("site_id", flat=True))
    return mine or [default_site_id()]


def _unknown_study(study_id: Any) -> NotFound:
    return NotFound(f"no study with id {study_id}", code="unknown_study")


def _check_site(actor: Actor, study: Study, **detail: Any) -> Study:
    """The study when the actor reads its site; otherwise the attempt is audited and answered exactly as an
    unknown id is (404), so that nobody learns another site's study exists."""
    sites = readable_sites(actor)
    if sites is None or study.site_id in sites:
        return study
    _audit(actor, AuditAction.XRAY_OTHER_SITE, study.pk, site=study.site_id, **detail)
    raise _unknown_study(study.pk)


def _scoped(actor: Actor, scope: str, **detail: Any) -> None:
    """A machine token must carry ``scope`` (``xray.stow`` to push, ``xray.wado`` to retrieve); people are
    not scoped. The refusal is audited (403: the token is known, its grant is not enough)."""
    if actor.allows(scope):
        return
    _audit(actor, AuditAction.XRAY_SCOPE_DENIED, needs=scope, has=sorted(actor.scopes), **detail)
    raise Forbidden(f"this token lacks the scope {scope} (epiaid token issue --scope {scope})", code="missing_scope")


# --- what the API and pages call: each checks the reader's role and site, and writes the audit event ----

READERS = ("clinician",)


def _reader(actor: Any, object_id: Any = None) -> Actor:
    from epiaid.core.access import require

    return require(actor, *READERS, target=AUDIT_TARGET, object_id=object_id)


def _audit(actor: Any, action: str, object_id: Any = None, **detail: Any) -> None:
    from epiaid.core.audit import event

    event(actor, action, AUDIT_TARGET, object_id=object_id, detail=detail or None)


def _study(actor: Actor, study_id: int) -> Study:
    found = Study.objects.filter(pk=study_id).first()
    if found is None:
        raise _unknown_study(study_id)
    return _check_site(actor, found)


def _latest_read_or_404(actor: Actor, study_id: int) -> Read:
    study = _study(actor, study_id)
    read = latest_read(study)
    if read is None:
        raise NotFound(f"study {study_id} was rejected ({study.reject_code}) and has no read", code="no_read")
    return read


def worklist_for(actor: Any, limit: int = 200) -> list[dict[str, Any]]:
    actor = _reader(actor)
    sites = readable_sites(actor)
    rows = worklist(limit=max(1, min(limit, 1000)), sites=sites)
    _audit(actor, "xray.worklist", rows=len(rows), sites="all" if sites is None else sites)
    return rows


def rejected_studies(actor: Any, limit: int = 20) -> list[Study]:
    """The latest rejected inputs of the reader's sites with their reasons (shown beside the worklist it audited)."""
    actor = _reader(actor)
    sites = readable_sites(actor)
    rejected = Study.objects.filter(status=Study.Status.REJECTED)
    if sites is not None:
        rejected = rejected.filter(site_id__in=sites)
    return list(rejected.order_by("-received_at")[:limit])


def study_for(actor: Any, study_id: int) -> tuple[Study, Read | None]:
    """A study and its latest read (``None`` when it was rejected), audited as a view."""
    actor = _reader(actor, study_id)
    study = _study(actor, study_id)
    _audit(actor, "xray.view", study.pk)
    return study, latest_read(study)


def study_result(actor: Any, study_id: int) -> dict[str, Any]:
    """The API's structured result of a study's latest read, with every radiologist review."""
    study, read = study_for(actor, study_id)
    base = {
        "study_id": study.pk,
        "status": study.status,
        "filename": study.filename,
        "site": study.site.code,
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
    read = _latest_read_or_404(actor, study_id)
    _audit(actor, "xray.view_heatmap", study_id, model_sha256=read.model_sha256)
    return media_bytes(read.heatmap_file)


def heatmap_dicom(actor: Any, study_id: int) -> bytes:
    actor = _reader(actor, study_id)
    read = _latest_read_or_404(actor, study_id)
    _audit(actor, "xray.export_sc", study_id, model_sha256=read.model_sha256)
    return secondary_capture_for(read)


def structured_report(actor: Any, *, study_id: int | None = None, read_id: int | None = None) -> tuple[Read, bytes]:
    """A read (the study's latest, or the one named) as a DICOM SR, audited as an export."""
    actor = _reader(actor, study_id)
    if read_id is not None:
        found = Read.objects.select_related("study").filter(pk=read_id).first()
        if found is None:
            raise NotFound(f"no read with id {read_id}", code="unknown_read")
        try:
            _check_site(actor, found.study, read=read_id)
        except NotFound:
            raise NotFound(f"no read with id {read_id}", code="unknown_read") from None
        read = found
    else:
        read = _latest_read_or_404(actor, int(study_id or 0))
    _audit(actor, "xray.export_sr", read.study_id, read=read.pk, model_sha256=read.model_sha256)
    return read, structured_report_for(read)


def upload_study(actor: Any, data: bytes, filename: str, request: HttpRequest | None = None) -> IngestOutcome:
    """One uploaded file read at once (the API's synchronous upload) for the uploader's site; ingest audits
    the outcome."""
    actor = _reader(actor)
    return ingest(data, filename, Study.Source.API, request=request, sender=actor.label, site=site_for_user(actor.user))


def queue_uploads_for(actor: Any, files: list[Any]) -> Any:
    actor = _reader(actor)
    if not files:
        raise BadInput("Choose at least one file.", code="no_files")
    try:
        return queue_uploads(files, actor.user)
    except ValueError as exc:
        raise BadInput(str(exc), code="unusable_upload") from exc


def stow(actor: Any, content_type: str, body: bytes, request: HttpRequest) -> tuple[int, dict[str, Any]]:
    """STOW-RS for the sender's site (a token needs ``xray.stow``): a body that is not a STOW-RS request at
    all is refused whole (audited, with its status)."""
    from epiaid.core.errors import EpiaidError
    from epiaid.xray.engine.dicomweb import StowError

    actor = _reader(actor)
    _scoped(actor, STOW_SCOPE)
    try:
        return ingest_stow(content_type, body, request, site=site_for_user(actor.user))
    except StowError as exc:
        _audit(actor, "xray.stow_refused", status=exc.status, detail=exc.detail)
        raise EpiaidError(exc.detail, status=exc.status, code="stow_refused") from exc


def _held_for(
    actor: Actor, study_uid: str, series_uid: str = "", sop_uid: str = ""
) -> tuple[list[Study], list[Instance]]:
    """What WADO-RS may serve this actor for a study UID; a study UID held only at other sites is audited
    and looks exactly like one not held at all."""
    sites = readable_sites(actor)
    studies, instances = study_instances(study_uid, series_uid, sop_uid, sites=sites)
    if not studies and sites is not None:
        elsewhere = list(
            Study.objects.filter(study_uid=study_uid, kind="dicom", status=Study.Status.SCORED)
            .exclude(site_id__in=sites)
            .values_list("pk", flat=True)
        )
        if elsewhere:
            _audit(actor, AuditAction.XRAY_OTHER_SITE, study_uid=study_uid, studies=elsewhere)
    return studies, instances


def wado_retrieve(
    actor: Any, study_uid: str, series_uid: str = "", sop_uid: str = "", accept: str = ""
) -> tuple[str, bytes]:
    """WADO-RS retrieve of a study, a series or one instance: (content type, multipart body); a token
    needs ``xray.wado``."""
    from epiaid.core.errors import EpiaidError
    from epiaid.xray.engine.wado import NotAcceptable, accepted_syntaxes, check_syntaxes, multipart

    actor = _reader(actor)
    _scoped(actor, WADO_SCOPE, study_uid=study_uid)
    studies, wanted = _held_for(actor, study_uid, series_uid, sop_uid)
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
    from epiaid.xray.engine.wado import metadata

    actor = _reader(actor)
    _scoped(actor, WADO_SCOPE, study_uid=study_uid)
    studies, instances = _held_for(actor, study_uid)
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
    """Confirm or override a study's latest read of the radiologist's own site (audited by :func:`review`)."""
    actor = _reader(actor, study_id)
    read = _latest_read_or_404(actor, study_id)
    return review(read, actor.user, decision, actor=actor, **values)


def configure_site(
    actor: Any, code: str, name: str = "", *, members: list[str] | None = None, ae_titles: list[str] | None = None
) -> Site:
    """Create or rename a site and add clinicians (by user name) and calling AE titles to it (admins, or
    the platform's CLI); audited with what changed. An AE title moves to this site if another had it."""
    from django.contrib.auth import get_user_model
    from django.utils.text import slugify

    from epiaid.core.access import require

    actor = require(actor, Role.ADMIN, target="xray.site")
    slug = slugify(code)[:40]
    if not slug or slug != code:
        raise BadInput(
            f"a site code is lower-case letters, digits and dashes, e.g. {slug or 'north-er'!r}", code="bad_site"
        )
    users = get_user_model().objects.filter(username__in=members or [])
    missing = sorted(set(members or []) - {u.get_username() for u in users})
    if missing:
        raise BadInput(f"no user named {', '.join(missing)}", code="unknown_user")
    titles = [t.strip() for t in ae_titles or []]
    if any(not t or len(t) > 16 for t in titles):
        raise BadInput("an AE title has 1 to 16 characters", code="bad_ae_title")
    with transaction.atomic():
        site, created = Site.objects.get_or_create(code=slug, defaults={"name": name or slug})
        if name and site.name != name:
            site.name = name
            site.save(update_fields=["name"])
        for user in users:
            SiteMembership.objects.get_or_create(site=site, user=user)
        for title in titles:
            SiteAeTitle.objects.update_or_create(ae_title=title, defaults={"site": site})
        _audit_site(actor, site, created=created, members=sorted(members or []), ae_titles=titles)
    return site


def _audit_site(actor: Actor, site: Site, **detail: Any) -> None:
    from epiaid.core.audit import event

    event(actor, AuditAction.XRAY_SITE_CONFIGURE, "xray.site", object_id=site.pk, detail={"code": site.code, **detail})


def sites_overview(actor: Any) -> list[dict[str, Any]]:
    """Every site with its clinicians and AE titles (admins, or the platform's CLI)."""
    from epiaid.core.access import require

    require(actor, Role.ADMIN, target="xray.site")
    return [
        {
            "code": s.code,
            "name": s.name,
            "members": [m.user.get_username() for m in s.memberships.select_related("user")],
            "ae_titles": [a.ae_title for a in s.ae_titles.all()],
            "studies": s.studies.count(),
        }
        for s in Site.objects.all()
    ]
