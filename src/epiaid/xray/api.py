"""REST API for the X-ray triage worklist (radiologists: role ``clinician``; every access audited)."""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from ninja import File, Router, Schema, Status
from ninja.files import UploadedFile

from epiaid.core.audit import record
from epiaid.core.roles import Role, RoleAuth, session_or_token
from epiaid.xray import services
from epiaid.xray.models import Read, Study

router = Router(auth=RoleAuth(Role.CLINICIAN))
#: DICOMweb is spoken by machines (a PACS, a gateway): they send a bearer token (``epiaid token issue``)
DICOMWEB_AUTH = session_or_token(Role.CLINICIAN)


class RejectedOut(Schema):
    code: str
    reason: str
    study_id: int


class ReviewIn(Schema):
    decision: str
    flag: bool | None = None
    severity_extent: float | None = None
    severity_opacity: float | None = None
    note: str = ""


class ErrorOut(Schema):
    detail: str


def _read_or_404(study_id: int) -> Read:
    study = get_object_or_404(Study, pk=study_id)
    read = services.latest_read(study)
    if read is None:
        from django.http import Http404

        raise Http404(f"study {study_id} was rejected ({study.reject_code}) and has no read")
    return read


@router.post("/studies", response={201: dict, 422: RejectedOut}, summary="Upload a DICOM/PNG/JPEG and read it")
def upload_study(request: HttpRequest, file: UploadedFile = File(...)) -> Status[Any]:
    data = file.read()
    outcome = services.ingest(
        data, file.name or "upload", Study.Source.API, request=request, sender=request.user.get_username()
    )
    if outcome.read is None:
        s = outcome.study
        return Status(422, {"code": s.reject_code, "reason": s.reject_reason, "study_id": s.pk})
    return Status(201, {"study_id": outcome.study.pk, "read_id": outcome.read.pk, **outcome.read.result})


@router.get("/worklist", response=list[dict], summary="Scored studies, most urgent first")
def get_worklist(request: HttpRequest, limit: int = 200) -> list[dict[str, Any]]:
    rows = services.worklist(limit=max(1, min(limit, 1000)))
    record(request, "xray.worklist", services.AUDIT_TARGET, detail={"rows": len(rows)})
    return rows


@router.get("/studies/{study_id}", response=dict, summary="The structured result of a study's latest read")
def get_study(request: HttpRequest, study_id: int) -> dict[str, Any]:
    study = get_object_or_404(Study, pk=study_id)
    record(request, "xray.view", services.AUDIT_TARGET, object_id=study.pk)
    read = services.latest_read(study)
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


@router.get("/studies/{study_id}/heatmap.png", summary="Heatmap overlay (PNG)")
def get_heatmap(request: HttpRequest, study_id: int) -> HttpResponse:
    read = _read_or_404(study_id)
    record(
        request,
        "xray.view_heatmap",
        services.AUDIT_TARGET,
        object_id=study_id,
        detail={"model_sha256": read.model_sha256},
    )
    return HttpResponse(services.media_bytes(read.heatmap_file), content_type="image/png")


@router.get("/studies/{study_id}/heatmap.dcm", summary="Heatmap as DICOM Secondary Capture")
def get_heatmap_dicom(request: HttpRequest, study_id: int) -> HttpResponse:
    read = _read_or_404(study_id)
    record(
        request, "xray.export_sc", services.AUDIT_TARGET, object_id=study_id, detail={"model_sha256": read.model_sha256}
    )
    resp = HttpResponse(services.secondary_capture_for(read), content_type="application/dicom")
    resp["Content-Disposition"] = f'attachment; filename="study-{study_id}-heatmap.dcm"'
    return resp


def _sr_response(request: HttpRequest, read: Read) -> HttpResponse:
    record(
        request,
        "xray.export_sr",
        services.AUDIT_TARGET,
        object_id=read.study_id,
        detail={"read": read.pk, "model_sha256": read.model_sha256},
    )
    resp = HttpResponse(services.structured_report_for(read), content_type="application/dicom")
    resp["Content-Disposition"] = f'attachment; filename="study-{read.study_id}-read-{read.pk}-sr.dcm"'
    return resp


@router.get("/studies/{study_id}/sr.dcm", summary="The latest read as a DICOM Comprehensive SR (TID 1500)")
def get_structured_report(request: HttpRequest, study_id: int) -> HttpResponse:
    return _sr_response(request, _read_or_404(study_id))


@router.get(
    "/reads/{read_id}/sr.dcm",
    response={200: None, 404: ErrorOut},
    summary="One read as a DICOM Comprehensive SR (TID 1500)",
)
def get_read_structured_report(request: HttpRequest, read_id: int) -> HttpResponse | Status[Any]:
    read = Read.objects.select_related("study").filter(pk=read_id).first()
    if read is None:
        return Status(404, {"detail": f"no read with id {read_id}"})
    return _sr_response(request, read)


@router.post(
    "/dicomweb/studies",
    response={200: dict, 202: dict, 409: dict, 400: ErrorOut, 415: ErrorOut},
    summary="DICOMweb STOW-RS: store and score Part-10 instances (multipart/related; type=application/dicom)",
    auth=DICOMWEB_AUTH,
    openapi_extra={
        "requestBody": {
            "content": {
                'multipart/related; type="application/dicom"': {"schema": {"type": "string", "format": "binary"}}
            }
        }
    },
)
def stow_rs(request: HttpRequest) -> HttpResponse:
    from epiaid.xray.engine.dicomweb import StowError

    try:
        status, answer = services.ingest_stow(request.META.get("CONTENT_TYPE", ""), request.body, request)
    except StowError as exc:
        record(request, "xray.stow_refused", services.AUDIT_TARGET, detail={"status": exc.status, "detail": exc.detail})
        return HttpResponse(json.dumps({"detail": exc.detail}), status=exc.status, content_type="application/json")
    return HttpResponse(json.dumps(answer), status=status, content_type="application/dicom+json")


def _wado(request: HttpRequest, study_uid: str, series_uid: str = "", sop_uid: str = "") -> HttpResponse:
    """WADO-RS retrieve of a study, a series or one instance (see ``engine/wado.py``)."""
    from epiaid.xray.engine.wado import NotAcceptable, accepted_syntaxes, check_syntaxes, multipart

    studies, wanted = services.study_instances(study_uid, series_uid, sop_uid)
    try:
        check_syntaxes(wanted, accepted_syntaxes(request.META.get("HTTP_ACCEPT", "")))
    except NotAcceptable as exc:
        return HttpResponse(json.dumps({"detail": str(exc)}), status=406, content_type="application/json")
    scope = "instance" if sop_uid else "series" if series_uid else "study"
    if not wanted:
        detail = f"no {scope} {sop_uid or series_uid or study_uid} is held for study {study_uid}"
        return HttpResponse(json.dumps({"detail": detail}), status=404, content_type="application/json")
    record(
        request,
        "xray.wado_retrieve",
        services.AUDIT_TARGET,
        detail={"study_uid": study_uid, "scope": scope, "studies": [s.pk for s in studies], "instances": len(wanted)},
    )
    content_type, body = multipart(wanted)
    return HttpResponse(body, content_type=content_type)


WADO = "/dicomweb/studies/{study_uid}"
_WADO_DOC = "DICOMweb WADO-RS: originals as received plus our heatmap SC and SR (multipart/related)"


@router.get(
    WADO, response={200: None, 404: ErrorOut, 406: ErrorOut}, summary=f"{_WADO_DOC}: a study", auth=DICOMWEB_AUTH
)
def wado_study(request: HttpRequest, study_uid: str) -> HttpResponse:
    return _wado(request, study_uid)


@router.get(
    WADO + "/series/{series_uid}",
    response={200: None, 404: ErrorOut, 406: ErrorOut},
    summary=f"{_WADO_DOC}: a series",
    auth=DICOMWEB_AUTH,
)
def wado_series(request: HttpRequest, study_uid: str, series_uid: str) -> HttpResponse:
    return _wado(request, study_uid, series_uid)


@router.get(
    WADO + "/series/{series_uid}/instances/{sop_uid}",
    response={200: None, 404: ErrorOut, 406: ErrorOut},
    summary=f"{_WADO_DOC}: one instance",
    auth=DICOMWEB_AUTH,
)
def wado_instance(request: HttpRequest, study_uid: str, series_uid: str, sop_uid: str) -> HttpResponse:
    return _wado(request, study_uid, series_uid, sop_uid)


@router.get(
    WADO + "/metadata",
    response={200: None, 404: ErrorOut},
    summary="DICOMweb WADO-RS: a study's metadata",
    auth=DICOMWEB_AUTH,
)
def wado_metadata(request: HttpRequest, study_uid: str) -> HttpResponse:
    from epiaid.xray.engine.wado import metadata

    studies, instances = services.study_instances(study_uid)
    if not instances:
        detail = f"no study {study_uid} is held"
        return HttpResponse(json.dumps({"detail": detail}), status=404, content_type="application/json")
    record(
        request,
        "xray.wado_metadata",
        services.AUDIT_TARGET,
        detail={"study_uid": study_uid, "studies": [s.pk for s in studies], "instances": len(instances)},
    )
    base = request.build_absolute_uri(f"/api/xray/dicomweb/studies/{study_uid}")
    answer = [metadata(i, f"{base}/series/{i.series_uid}/instances/{i.sop_uid}") for i in instances]
    return HttpResponse(json.dumps(answer), content_type="application/dicom+json")


@router.post(
    "/studies/{study_id}/review",
    response={201: dict, 400: ErrorOut},
    summary="Confirm or override the latest read (audited with the model hash)",
)
def post_review(request: HttpRequest, study_id: int, body: ReviewIn) -> Status[Any]:
    read = _read_or_404(study_id)
    try:
        ov = services.review(
            read,
            request.user,
            body.decision,
            flag=body.flag,
            severity_extent=body.severity_extent,
            severity_opacity=body.severity_opacity,
            note=body.note,
            request=request,
        )
    except services.ReviewError as exc:
        return Status(400, {"detail": str(exc)})
    return Status(
        201,
        {
            "override_id": ov.pk,
            "decision": ov.decision,
            "flag": ov.flag,
            "severity_extent": ov.severity_extent,
            "severity_opacity": ov.severity_opacity,
        },
    )
