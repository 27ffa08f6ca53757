"""REST API for the X-ray triage worklist (radiologists: role ``clinician``; every access audited)."""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import File, Router, Schema, Status
from ninja.files import UploadedFile

from epiaid.core.actors import Actor
from epiaid.core.roles import Role, RoleAuth, session_or_token
from epiaid.xray import services

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


@router.post(
    "/studies", response={201: dict, 400: RejectedOut, 422: RejectedOut}, summary="Upload a DICOM/PNG/JPEG and read it"
)
def upload_study(request: HttpRequest, file: UploadedFile = File(...)) -> Status[Any]:
    outcome = services.upload_study(Actor.from_request(request), file.read(), file.name or "upload", request)
    if outcome.read is None:
        s = outcome.study
        status = 400 if outcome.malformed else 422  # a broken file, or a sound one that is not a chest film
        return Status(status, {"code": s.reject_code, "reason": s.reject_reason, "study_id": s.pk})
    return Status(201, {"study_id": outcome.study.pk, "read_id": outcome.read.pk, **outcome.read.result})


@router.get("/worklist", response=list[dict], summary="Scored studies, most urgent first")
def get_worklist(request: HttpRequest, limit: int = 200) -> list[dict[str, Any]]:
    return services.worklist_for(Actor.from_request(request), limit)


@router.get("/studies/{study_id}", response=dict, summary="The structured result of a study's latest read")
def get_study(request: HttpRequest, study_id: int) -> dict[str, Any]:
    return services.study_result(Actor.from_request(request), study_id)


@router.get("/studies/{study_id}/heatmap.png", summary="Heatmap overlay (PNG)")
def get_heatmap(request: HttpRequest, study_id: int) -> HttpResponse:
    return HttpResponse(services.heatmap_png(Actor.from_request(request), study_id), content_type="image/png")


@router.get("/studies/{study_id}/heatmap.dcm", summary="Heatmap as DICOM Secondary Capture")
def get_heatmap_dicom(request: HttpRequest, study_id: int) -> HttpResponse:
    body = services.heatmap_dicom(Actor.from_request(request), study_id)
    resp = HttpResponse(body, content_type="application/dicom")
    resp["Content-Disposition"] = f'attachment; filename="study-{study_id}-heatmap.dcm"'
    return resp


def _sr_response(request: HttpRequest, **which: int) -> HttpResponse:
    read, body = services.structured_report(Actor.from_request(request), **which)
    resp = HttpResponse(body, content_type="application/dicom")
    resp["Content-Disposition"] = f'attachment; filename="study-{read.study_id}-read-{read.pk}-sr.dcm"'
    return resp


@router.get("/studies/{study_id}/sr.dcm", summary="The latest read as a DICOM Comprehensive SR (TID 1500)")
def get_structured_report(request: HttpRequest, study_id: int) -> HttpResponse:
    return _sr_response(request, study_id=study_id)


@router.get(
    "/reads/{read_id}/sr.dcm",
    response={200: None, 404: ErrorOut},
    summary="One read as a DICOM Comprehensive SR (TID 1500)",
)
def get_read_structured_report(request: HttpRequest, read_id: int) -> HttpResponse:
    return _sr_response(request, read_id=read_id)


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
    content_type = request.META.get("CONTENT_TYPE", "")
    status, answer = services.stow(Actor.from_request(request), content_type, request.body, request)
    return HttpResponse(json.dumps(answer), status=status, content_type="application/dicom+json")


def _wado(request: HttpRequest, study_uid: str, series_uid: str = "", sop_uid: str = "") -> HttpResponse:
    """WADO-RS retrieve of a study, a series or one instance (see ``engine/wado.py``)."""
    accept = request.META.get("HTTP_ACCEPT", "")
    content_type, body = services.wado_retrieve(Actor.from_request(request), study_uid, series_uid, sop_uid, accept)
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
    base = request.build_absolute_uri(f"/api/xray/dicomweb/studies/{study_uid}")
    answer = services.wado_metadata(Actor.from_request(request), study_uid, base)
    return HttpResponse(json.dumps(answer), content_type="application/dicom+json")


@router.post(
    "/studies/{study_id}/review",
    response={201: dict, 400: ErrorOut},
    summary="Confirm or override the latest read (audited with the model hash)",
)
def post_review(request: HttpRequest, study_id: int, body: ReviewIn) -> Status[Any]:
    ov = services.review_latest(
        Actor.from_request(request),
        study_id,
        body.decision,
        flag=body.flag,
        severity_extent=body.severity_extent,
        severity_opacity=body.severity_opacity,
        note=body.note,
    )
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
