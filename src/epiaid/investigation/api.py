"""JSON API of the investigation workflow (mounted at ``/api/investigation/``).

Investigator endpoints also enforce purpose binding (assigned investigators only); approvers see
only the sources their authority covers; uploads are accepted only from the provider a request
names. Every refusal answers with the reason and is in the audit log.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.security import SessionAuth

from epiaid.core.roles import Role, RoleAuth
from epiaid.investigation import services
from epiaid.investigation.models import DataRequest, Investigation, Publication

router = Router()
INVESTIGATOR = RoleAuth(Role.INVESTIGATOR)
APPROVER = RoleAuth(Role.APPROVER)
HEALTH_STAFF = RoleAuth(Role.HEALTH_STAFF)
ADMIN = RoleAuth(Role.ADMIN)
SIGNED_IN = SessionAuth(csrf=True)


class InvestigationIn(Schema):
    case_number: str
    subject_pid: str
    subject_basis: str = ""  # required: the service refuses (audited) an empty basis
    symptom_onset: dt.date
    isolation_date: dt.date
    title: str = ""
    investigators: list[str] = []


class SubjectOut(Schema):
    """The case's recorded link to its subject: who asserted it, when, and on what basis."""

    pid: str
    basis: str
    asserted_by: str | None
    asserted_at: dt.datetime | None


class RequestOut(Schema):
    id: int
    investigation: int
    case_number: str
    subject_pid: str
    subject: SubjectOut
    source: str
    scope: str
    provider: str
    legal_purpose: str
    window_start: dt.datetime
    window_end: dt.datetime
    status: str
    decision_reason: str
    rows_delivered: int


class InvestigationOut(Schema):
    id: int
    case_number: str
    subject: SubjectOut
    title: str
    symptom_onset: dt.date
    isolation_date: dt.date
    retention_until: dt.datetime
    purged: bool
    window_start: dt.datetime
    window_end: dt.datetime
    requests: list[RequestOut]


class DataRequestIn(Schema):
    source: str
    provider: str
    legal_purpose: str
    scope: str = "subject"
    window_start: dt.datetime | None = None
    window_end: dt.datetime | None = None


class DecisionIn(Schema):
    approve: bool
    reason: str


class PublishIn(Schema):
    indices: list[int]
    names: dict[int, str] = {}


class StayOut(Schema):
    index: int
    place_name: str
    lat: float
    lng: float
    start: str
    end: str


class PublicationOut(Schema):
    id: int
    investigation: int
    case_number: str
    status: str
    stays: list[StayOut]
    requested_by: str
    requested_at: dt.datetime
    reviewed_by: str | None
    reviewed_at: dt.datetime | None
    review_reason: str
    published: int


class ReviewIn(Schema):
    accept: bool
    reason: str = ""


def _subject_out(inv: Investigation) -> dict[str, Any]:
    by = inv.subject_asserted_by
    return {
        "pid": inv.subject_pid,
        "basis": inv.subject_basis,
        "asserted_by": by.get_username() if by is not None else None,
        "asserted_at": inv.subject_asserted_at,
    }


def _pub_out(p: Publication) -> dict[str, Any]:
    return {
        "id": p.pk,
        "investigation": p.investigation_id,
        "case_number": p.investigation.case_number,
        "status": p.status,
        "stays": p.stays,
        "requested_by": p.requested_by.get_username(),
        "requested_at": p.requested_at,
        "reviewed_by": p.reviewed_by.get_username() if p.reviewed_by is not None else None,
        "reviewed_at": p.reviewed_at,
        "review_reason": p.review_reason,
        "published": p.published,
    }


def _req_out(r: DataRequest) -> dict[str, Any]:
    return {
        "id": r.pk,
        "investigation": r.investigation_id,
        "case_number": r.investigation.case_number,
        "subject_pid": r.subject_pid,
        "subject": _subject_out(r.investigation) | {"pid": r.subject_pid},
        "source": r.source,
        "scope": r.scope,
        "provider": r.provider,
        "legal_purpose": r.legal_purpose,
        "window_start": r.window_start,
        "window_end": r.window_end,
        "status": r.status,
        "decision_reason": r.decision_reason,
        "rows_delivered": r.rows_delivered,
    }


def _inv_out(inv: Investigation) -> dict[str, Any]:
    lo, hi = services.default_window(inv)
    return {
        "id": inv.pk,
        "case_number": inv.case_number,
        "subject": _subject_out(inv),
        "title": inv.title,
        "symptom_onset": inv.symptom_onset,
        "isolation_date": inv.isolation_date,
        "retention_until": inv.retention_until,
        "purged": inv.purged_at is not None,
        "window_start": lo,
        "window_end": hi,
        "requests": [
            _req_out(r) for r in inv.requests.select_related("investigation", "investigation__subject_asserted_by")
        ],
    }


@router.get(
    "/investigations", auth=INVESTIGATOR, response=list[InvestigationOut], summary="Investigations assigned to me"
)
def list_investigations(request: HttpRequest) -> list[dict[str, Any]]:
    return [_inv_out(i) for i in services.list_investigations(request.user, request)]


@router.post(
    "/investigations",
    auth=INVESTIGATOR,
    response={201: InvestigationOut},
    summary="Open an investigation for a confirmed case",
)
def create_investigation(request: HttpRequest, payload: InvestigationIn) -> Status:
    users = services.investigator_accounts(request.user, payload.investigators, request)
    inv = services.open_investigation(
        request.user,
        case_number=payload.case_number,
        subject_pid=payload.subject_pid,
        subject_basis=payload.subject_basis,
        symptom_onset=payload.symptom_onset,
        isolation_date=payload.isolation_date,
        title=payload.title,
        investigators=users,
        request=request,
    )
    return Status(201, _inv_out(inv))


@router.get("/investigations/{inv_id}", auth=INVESTIGATOR, response=InvestigationOut)
def get_investigation(request: HttpRequest, inv_id: int) -> dict[str, Any]:
    return _inv_out(services.view_investigation(request.user, inv_id, request))


@router.post(
    "/investigations/{inv_id}/requests",
    auth=INVESTIGATOR,
    response={201: RequestOut},
    summary="Request a source's data for a bounded window, stating the legal purpose",
)
def create_request(request: HttpRequest, inv_id: int, payload: DataRequestIn) -> Status:
    inv = services.get_for_investigator(request.user, inv_id, request)
    req = services.request_data(
        request.user,
        inv,
        source=payload.source,
        provider=payload.provider,
        legal_purpose=payload.legal_purpose,
        scope=payload.scope,
        window_start=payload.window_start,
        window_end=payload.window_end,
        request=request,
    )
    return Status(201, _req_out(req))


@router.get("/approvals", auth=APPROVER, response=list[RequestOut], summary="Requests awaiting my authority")
def pending_approvals(request: HttpRequest) -> list[dict[str, Any]]:
    return [_req_out(r) for r in services.approvals_for(request.user, request)]


@router.post("/requests/{req_id}/decision", auth=APPROVER, response=RequestOut)
def decide(request: HttpRequest, req_id: int, payload: DecisionIn) -> dict[str, Any]:
    req = services.request_by_id(req_id)
    return _req_out(services.decide(request.user, req, approve=payload.approve, reason=payload.reason, request=request))


@router.get(
    "/deliveries", auth=SIGNED_IN, response=list[RequestOut], summary="Approved requests addressed to my provider"
)
def my_deliveries(request: HttpRequest) -> list[dict[str, Any]]:
    return [_req_out(r) for r in services.deliveries_for(request.user, request)]


@router.post(
    "/requests/{req_id}/upload",
    auth=SIGNED_IN,
    response={201: dict},
    summary="Provider upload (pings_csv, card_csv, qr_csv or parquet)",
)
def upload(
    request: HttpRequest,
    req_id: int,
    file: File[UploadedFile],
    format: Form[str] = "pings_csv",
    assume_tz: Form[str] = "",
) -> Status:
    req = services.request_by_id(req_id)
    content = file.read()
    delivery = services.deliver(
        request.user, req, content=content, fmt=format, assume_tz=assume_tz or None, request=request
    )
    return Status(201, {"delivery": delivery.pk, "rows": delivery.rows, "summary": delivery.summary})


def _inv(request: HttpRequest, inv_id: int) -> Investigation:
    return services.get_for_investigator(request.user, inv_id, request)


@router.get("/investigations/{inv_id}/path", auth=INVESTIGATOR, summary="The case's ordered points with source tags")
def path(request: HttpRequest, inv_id: int) -> list[dict[str, Any]]:
    inv = _inv(request, inv_id)
    return services.case_path(request.user, inv, request)


@router.get("/investigations/{inv_id}/staypoints", auth=INVESTIGATOR, summary="Where the case stayed, with dwell times")
def staypoints(request: HttpRequest, inv_id: int) -> list[dict[str, Any]]:
    inv = _inv(request, inv_id)
    return services.case_staypoints(request.user, inv, request)


@router.get("/investigations/{inv_id}/contacts", auth=INVESTIGATOR, summary="Contacts with exposure minutes")
def contacts(
    request: HttpRequest, inv_id: int, radius_m: float = 10.0, min_minutes: float = 15.0
) -> list[dict[str, Any]]:
    inv = _inv(request, inv_id)
    return services.case_contacts(request.user, inv, radius_m=radius_m, min_minutes=min_minutes, request=request)


@router.get("/investigations/{inv_id}/chains", auth=INVESTIGATOR, summary="Contact chains to k hops (edges)")
def chains(request: HttpRequest, inv_id: int, hops: int = 2) -> list[dict[str, Any]]:
    inv = _inv(request, inv_id)
    return services.case_contact_chains(request.user, inv, hops=hops, request=request)


@router.get("/investigations/{inv_id}/contacts.csv", auth=INVESTIGATOR, summary="Export the contact list (CSV)")
def contacts_export(
    request: HttpRequest, inv_id: int, radius_m: float = 10.0, min_minutes: float = 15.0
) -> HttpResponse:
    inv = _inv(request, inv_id)
    text = services.contacts_csv(request.user, inv, request, radius_m=radius_m, min_minutes=min_minutes)
    response = HttpResponse(text, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="contacts-investigation-{inv.pk}.csv"'
    return response


@router.get(
    "/investigations/{inv_id}/likely-sources",
    auth=INVESTIGATOR,
    summary="Likely sources of the case's infection, with probability and evidence",
)
def likely_sources(request: HttpRequest, inv_id: int) -> dict[str, Any]:
    inv = _inv(request, inv_id)
    return services.likely_sources(request.user, inv, request)


@router.get("/investigations/{inv_id}/hotspots", auth=INVESTIGATOR, summary="Places where several people overlapped")
def hotspots(request: HttpRequest, inv_id: int) -> list[dict[str, Any]]:
    inv = _inv(request, inv_id)
    return services.case_hotspots(request.user, inv, request)


@router.post(
    "/investigations/{inv_id}/publish",
    auth=INVESTIGATOR,
    response={202: PublicationOut},
    summary="Propose selected visits for the public map (pending health staff's review)",
)
def publish(request: HttpRequest, inv_id: int, payload: PublishIn) -> Status:
    inv = _inv(request, inv_id)
    pub = services.publish_visits(request.user, inv, payload.indices, payload.names, request)
    return Status(202, _pub_out(pub))


@router.get(
    "/investigations/{inv_id}/publications",
    auth=INVESTIGATOR,
    response=list[PublicationOut],
    summary="This investigation's publications and their review state",
)
def investigation_publications(request: HttpRequest, inv_id: int) -> list[dict[str, Any]]:
    inv = _inv(request, inv_id)
    return [_pub_out(p) for p in services.publications_of(request.user, inv, request)]


@router.get(
    "/publications", auth=HEALTH_STAFF, response=list[PublicationOut], summary="Publications awaiting my review"
)
def pending_publications(request: HttpRequest) -> list[dict[str, Any]]:
    return [_pub_out(p) for p in services.publications_for_review(request.user, request)]


@router.post(
    "/publications/{pub_id}/decision",
    auth=HEALTH_STAFF,
    response=PublicationOut,
    summary="Accept (publish to the situation map) or refuse, with a reason",
)
def review_publication(request: HttpRequest, pub_id: int, payload: ReviewIn) -> dict[str, Any]:
    pub = services.publication_by_id(pub_id)
    return _pub_out(
        services.review_publication(request.user, pub, accept=payload.accept, reason=payload.reason, request=request)
    )


@router.post("/investigations/{inv_id}/enrol", auth=INVESTIGATOR, summary="Enrol contacts for monitoring (care-call)")
def enrol(request: HttpRequest, inv_id: int) -> dict[str, Any]:
    inv = _inv(request, inv_id)
    return services.enrol_contacts(request.user, inv, request)


@router.post("/end-outbreak", auth=ADMIN, summary="Declare the outbreak over: delete every investigation's data")
def end_outbreak(request: HttpRequest) -> dict[str, list[str]]:
    return {"deleted": services.end_outbreak(request.user, request)}
