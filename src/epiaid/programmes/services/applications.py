"""The applicant side: organisation profile, applications with attachments, status, extensions, reports."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import QuerySet

from epiaid.core.audit import AuditAction
from epiaid.core.errors import BadInput, Conflict, Forbidden, NotFound, TooLarge, Unsupported
from epiaid.programmes.engine import brn as brn_engine
from epiaid.programmes.engine.businessdays import SEOUL, review_deadline
from epiaid.programmes.engine.filetypes import RejectedFile, sniff
from epiaid.programmes.models import (
    Application,
    Attachment,
    ExtensionRequest,
    Organisation,
    ReportObligation,
    Supplier,
    Track,
)
from epiaid.programmes.services import chain
from epiaid.programmes.services.base import (
    STAFF_READERS,
    TARGET,
    Actor,
    Role,
    actor_of,
    audit,
    holds,
    mail,
    now_or,
    refuse,
    require,
    users_with,
)

MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024
MAX_ATTACHMENTS = 5


def max_attachment_bytes() -> int:
    return int(getattr(settings, "PROGRAMMES_MAX_ATTACHMENT_BYTES", MAX_ATTACHMENT_BYTES))


# ----------------------------------------------------------------------------------------- organisations


def register_organisation(actor: Any, *, name: str, brn: str, kind: str, contact_email: str = "") -> Organisation:
    """An applicant registers (or joins, when already a member) an organisation by its registration number."""
    actor = require(actor, Role.APPLICANT, target="programmes.organisation")
    try:
        number = brn_engine.normalise(brn)
    except brn_engine.InvalidBRN as exc:
        raise refuse(actor, BadInput(str(exc), code="invalid_brn"), "programmes.organisation") from exc
    if kind not in Organisation.Kind.values:
        raise refuse(actor, BadInput(f"kind must be one of {Organisation.Kind.values}", code="bad_kind"))
    if not name.strip():
        raise BadInput("the organisation needs a name", code="missing_name")
    try:
        with transaction.atomic():
            org = Organisation.objects.create(
                name=name.strip()[:200], brn=number, kind=kind, contact_email=contact_email
            )
            org.members.add(actor.user)
            audit(actor, AuditAction.CREATE, "programmes.organisation", org.pk, brn=number, kind=kind)
    except IntegrityError as exc:
        raise refuse(
            actor,
            Conflict(
                f"an organisation with number {number} is already registered; ask its members to add you",
                code="brn_registered",
            ),
            "programmes.organisation",
        ) from exc
    return org


def organisations_of(actor: Any) -> QuerySet[Organisation]:
    actor = actor_of(actor)
    if actor.user is None:
        return Organisation.objects.none()
    return Organisation.objects.filter(members=actor.user)


def _member(actor: Actor, org: Organisation) -> bool:
    return actor.user is not None and org.members.filter(pk=actor.user.pk).exists()


# ------------------------------------------------------------------------------------------- applications


@dataclass(frozen=True)
class Upload:
    filename: str
    data: bytes


def open_tracks(on: dt.date | None = None) -> QuerySet[Track]:
    day = on or now_or(None).astimezone(SEOUL).date()
    return Track.objects.select_related("programme").filter(opens_on__lte=day, closes_on__gte=day).order_by("code")


def _requested(track: Track, size_tf: int | None, amount: Decimal | None) -> tuple[Decimal, int]:
    if track.unit == "tf_months":
        if size_tf is None or size_tf not in track.sizes_tf:
            raise BadInput(f"this track grants {track.sizes_tf} TF for {track.months} month(s)", code="bad_size")
        return Decimal(size_tf * track.months), size_tf
    if amount is None or amount <= 0:
        raise BadInput("give the amount requested in KRW", code="bad_amount")
    if amount < track.grant_min or (track.grant_max is not None and amount > track.grant_max):
        raise BadInput(
            f"grants of this track are between {track.grant_min:,.0f} and {track.grant_max or track.budget:,.0f} KRW",
            code="over_cap",
        )
    return Decimal(amount), 0


def _check_uploads(actor: Actor, uploads: list[Upload]) -> list[tuple[Upload, str]]:
    if len(uploads) > MAX_ATTACHMENTS:
        raise refuse(actor, BadInput(f"at most {MAX_ATTACHMENTS} attachments", code="too_many_files"))
    checked = []
    for up in uploads:
        try:
            kind = sniff(up.data, up.filename, max_bytes=max_attachment_bytes())
        except RejectedFile as exc:
            error = (TooLarge if exc.code == "too_large" else Unsupported)(
                f"{up.filename}: {exc}", code=f"attachment_{exc.code}"
            )
            raise refuse(actor, error, filename=up.filename[:100], size=len(up.data)) from exc
        checked.append((up, kind.mime))
    return checked


def _store(application: Application, up: Upload, mime: str) -> Attachment:
    digest = hashlib.sha256(up.data).hexdigest()
    folder = Path(settings.MEDIA_ROOT) / "programmes" / str(application.pk)
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{digest[:16]}{Path(up.filename).suffix.lower()}"
    (folder / name).write_bytes(up.data)
    return Attachment.objects.create(
        application=application,
        filename=Path(up.filename).name[:200],
        mime=mime,
        size=len(up.data),
        sha256=digest,
        stored=f"programmes/{application.pk}/{name}",
    )


def submit(
    actor: Any,
    *,
    organisation: Organisation,
    track: Track,
    title: str,
    summary: str = "",
    size_tf: int | None = None,
    amount: Decimal | None = None,
    supplier: Supplier | None = None,
    uploads: list[Upload] | None = None,
    now: dt.datetime | None = None,
) -> Application:
    """File an application; its review deadline starts now. Everything is checked before anything is stored."""
    actor = require(actor, Role.APPLICANT, object_id=None)
    moment = now_or(now)
    if not _member(actor, organisation):
        raise refuse(
            actor,
            Forbidden("you are not a member of this organisation", code="not_member"),
            "programmes.organisation",
            organisation.pk,
        )
    day = moment.astimezone(SEOUL).date()
    if not track.opens_on <= day <= track.closes_on:
        raise refuse(
            actor,
            Conflict(
                f"{track.code} takes applications from {track.opens_on} to {track.closes_on}", code="track_closed"
            ),
            track=track.code,
        )
    if organisation.kind not in track.eligibility:
        raise refuse(
            actor,
            Forbidden(
                f"{organisation.get_kind_display()} organisations may not apply to {track.code}", code="not_eligible"
            ),
            track=track.code,
        )
    if not title.strip():
        raise BadInput("the application needs a title", code="missing_title")
    try:
        requested, tf = _requested(track, size_tf, amount)
    except BadInput as exc:
        raise refuse(actor, exc, track=track.code) from exc
    if track.kind == "data_voucher" and supplier is None:
        raise refuse(actor, BadInput("choose a supplier from the catalogue", code="missing_supplier"))
    checked = _check_uploads(actor, uploads or [])
    try:
        return _file(actor, organisation, track, title, summary, requested, tf, supplier, checked, moment)
    except Conflict as exc:
        raise refuse(actor, exc, track=track.code) from exc


def _file(
    actor: Actor,
    organisation: Organisation,
    track: Track,
    title: str,
    summary: str,
    requested: Decimal,
    tf: int,
    supplier: Supplier | None,
    checked: list[tuple[Upload, str]],
    moment: dt.datetime,
) -> Application:
    with transaction.atomic():
        others = list(
            Application.objects.select_for_update(of=("self",))
            .filter(organisation=organisation, track__programme_id=track.programme_id)
            .exclude(status__in=[Application.Status.REJECTED, Application.Status.WITHDRAWN])
            .values_list("reference", "track_id", "status")
        )
        same_track = [ref for ref, track_id, status in others if track_id == track.pk and status in Application.OPEN]
        if same_track:
            raise Conflict(
                f"{organisation.name} already has an open application in {track.code} ({same_track[0]})",
                code="duplicate_application",
            )
        app = Application.objects.create(
            reference=f"pending-{organisation.pk}-{moment.timestamp()}-{track.pk}",
            track=track,
            organisation=organisation,
            applicant=actor.user,
            title=title.strip()[:300],
            summary=summary,
            requested=requested,
            requested_tf=tf,
            supplier=supplier,
            submitted_at=moment,
            due_at=review_deadline(moment, track.review_sla_business_days),
            duplicate_of=[ref for ref, _, _ in others],
        )
        app.reference = f"{track.code.upper()}-{app.pk:06d}"
        app.save(update_fields=["reference"])
        for up, mime in checked:
            _store(app, up, mime)
        chain.append(
            "submitted",
            app.reference,
            actor,
            track=track.code,
            requested=str(requested),
            organisation=organisation.brn,
            due_at=app.due_at.isoformat(),
        )
        audit(
            actor,
            AuditAction.PROGRAMMES_SUBMIT,
            TARGET,
            app.pk,
            reference=app.reference,
            duplicates=app.duplicate_of,
            attachments=len(checked),
        )
        mail(
            [actor.user.email, organisation.contact_email],
            f"[epiaid] {app.reference} received",
            f"{track.name_ko} 신청 {app.reference}이(가) 접수되었습니다. "
            f"결정 기한: {app.due_at.astimezone(SEOUL):%Y-%m-%d %H:%M} (한국 시간).\n\n"
            f"Your application {app.reference} ({track.name_en}) was received on {moment:%Y-%m-%d %H:%M} UTC.\n"
            f"A decision is due by {app.due_at.astimezone(SEOUL):%Y-%m-%d %H:%M} (Asia/Seoul).\n",
        )
        if app.duplicate_of:
            mail(
                [u.email for u in users_with(Role.PROGRAMME_OFFICER)],
                f"[epiaid] {app.reference}: possible duplicate",
                f"{organisation.name} ({organisation.brn}) also applied: {', '.join(app.duplicate_of)}.\n",
            )
    return app


def visible_to(actor: Any) -> QuerySet[Application]:
    """Staff readers see every application; applicants their organisations'; reviewers their assignments."""
    actor = actor_of(actor)
    apps = Application.objects.select_related("track", "organisation", "track__programme")
    if holds(actor, *STAFF_READERS):
        return apps.all()
    if actor.user is None:
        return apps.none()
    if holds(actor, Role.REVIEWER):
        return apps.filter(assignments__reviewer=actor.user, assignments__status__in=["assigned", "reviewed"])
    return apps.filter(organisation__members=actor.user)


def get(actor: Any, application_id: int) -> Application:
    """One application for whoever may read it; anyone else is refused and the attempt audited."""
    actor = actor_of(actor)
    app = (
        Application.objects.select_related("track", "organisation", "track__programme")
        .filter(pk=application_id)
        .first()
    )
    if app is None:
        raise NotFound("no such application")
    if holds(actor, *STAFF_READERS):
        audit(actor, AuditAction.VIEW, TARGET, app.pk)
        return app
    if actor.user is not None and holds(actor, Role.APPLICANT) and _member(actor, app.organisation):
        audit(actor, AuditAction.VIEW, TARGET, app.pk)
        return app
    if actor.user is not None and holds(actor, Role.REVIEWER):
        from epiaid.programmes.services.review import reviewer_access

        reviewer_access(actor, app)
        audit(actor, AuditAction.VIEW, TARGET, app.pk, as_reviewer=True)
        return app
    raise refuse(
        actor,
        Forbidden("this application belongs to another organisation", code="not_your_application"),
        TARGET,
        app.pk,
    )


def withdraw(actor: Any, application: Application) -> Application:
    actor = require(actor, Role.APPLICANT)
    if not _member(actor, application.organisation):
        raise refuse(
            actor, Forbidden("not your organisation's application", code="not_your_application"), TARGET, application.pk
        )
    with transaction.atomic():
        app = Application.objects.select_for_update().get(pk=application.pk)
        if app.status not in Application.OPEN:
            raise Conflict(f"{app.reference} is already {app.status}", code="not_open")
        app.status = Application.Status.WITHDRAWN
        app.save(update_fields=["status"])
        chain.append("withdrawn", app.reference, actor)
        audit(actor, AuditAction.UPDATE, TARGET, app.pk, status="withdrawn")
    return app


# ------------------------------------------------------------------------------------ extensions, reports


def request_extension(actor: Any, application: Application, *, months: int, reason: str) -> ExtensionRequest:
    actor = require(actor, Role.APPLICANT)
    if not _member(actor, application.organisation):
        raise refuse(
            actor, Forbidden("not your organisation's application", code="not_your_application"), TARGET, application.pk
        )
    rule = application.track.extension or {}
    used = application.extensions.exclude(status=ExtensionRequest.Status.REJECTED).count()
    if application.status != Application.Status.APPROVED or not hasattr(application, "allocation"):
        raise refuse(
            actor,
            Conflict("only an approved compute allocation can be extended", code="not_extendable"),
            TARGET,
            application.pk,
        )
    if not rule.get("allowed"):
        raise refuse(
            actor,
            Conflict(f"{application.track.code} allows no extensions", code="not_extendable"),
            TARGET,
            application.pk,
        )
    if used >= int(rule.get("max_extensions", 0)):
        raise refuse(
            actor, Conflict("the track's extensions are used up", code="extensions_used"), TARGET, application.pk
        )
    if months < 1 or months > int(rule.get("months", 0)):
        raise refuse(
            actor,
            BadInput(f"an extension is 1 to {rule.get('months')} months", code="bad_months"),
            TARGET,
            application.pk,
        )
    if not reason.strip():
        raise BadInput("say why the extension is needed", code="missing_reason")
    ext = ExtensionRequest.objects.create(application=application, months=months, reason=reason.strip())
    audit(actor, AuditAction.PROGRAMMES_EXTEND, TARGET, application.pk, months=months, extension=ext.pk)
    mail(
        [u.email for u in users_with(Role.PROGRAMME_OFFICER)],
        f"[epiaid] {application.reference}: extension request",
        f"{application.organisation.name} asks for {months} more month(s): {reason.strip()[:500]}\n",
    )
    return ext


def submit_report(actor: Any, obligation: ReportObligation, text: str, *, now: dt.datetime | None = None) -> None:
    actor = require(actor, Role.APPLICANT)
    if not _member(actor, obligation.application.organisation):
        raise refuse(
            actor,
            Forbidden("not your organisation's report", code="not_your_application"),
            TARGET,
            obligation.application_id,
        )
    if not text.strip():
        raise BadInput("the report is empty", code="empty_report")
    obligation.text, obligation.submitted_at = text.strip(), now_or(now)
    obligation.save(update_fields=["text", "submitted_at"])
    audit(actor, AuditAction.PROGRAMMES_REPORT, TARGET, obligation.application_id, report=obligation.pk)


def is_member(actor: Any, organisation: Organisation) -> bool:
    """Whether the actor belongs to the organisation (pages show the applicant's own steps by it)."""
    return _member(actor_of(actor), organisation)


def list_for(actor: Any, *, limit: int = 500) -> list[Application]:
    """The applications the actor may see, newest deadline first (the listing is audited)."""
    actor = actor_of(actor)
    rows = list(visible_to(actor).order_by("due_at")[:limit])
    if actor.user is not None:
        audit(actor, AuditAction.LIST, TARGET, None, rows=len(rows))
    return rows
