"""The roster: people under active monitoring, CSV import, enrolment from investigations, consent, phones."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from epiaid.carecall import crypto
from epiaid.carecall.models import HealthCentre, Person
from epiaid.carecall.services.access import TARGET, actor_of, require_officer, require_staff
from epiaid.core.audit import AuditAction, record
from epiaid.core.errors import BadInput, Conflict
from epiaid.core.korean import TextError, decode_bytes, plain_text
from epiaid.core.roles import Role, has_role

MONITORING_DAYS = 14
MAX_IMPORT_BYTES = 5 * 1024 * 1024
OPEN_STATUSES = (Person.Status.ACTIVE, Person.Status.AWAITING)

REASONS = {
    "contact": Person.Reason.CONTACT,
    "접촉자": Person.Reason.CONTACT,
    "arrival": Person.Reason.ARRIVAL,
    "해외입국": Person.Reason.ARRIVAL,
    "해외 입국": Person.Reason.ARRIVAL,
    "other": Person.Reason.OTHER,
    "기타": Person.Reason.OTHER,
    "": Person.Reason.OTHER,
}
#: Korean column headings accepted beside the English ones
HEADINGS = {
    "이름": "name",
    "성명": "name",
    "전화번호": "phone",
    "연락처": "phone",
    "언어": "lang",
    "보건소": "centre",
    "담당자": "officer",
    "최종접촉일": "last_exposure",
    "시작일": "start",
    "종료일": "end",
    "사유": "reason",
    "확진자번호": "case_number",
    "시간대": "time_zone",
    "채널": "channel",
    "동의": "consent",
}
YES = {"yes", "y", "1", "true", "예", "네", "동의"}


@dataclass
class RowError:
    line: int  # 1 = the heading
    field: str
    message: str


@dataclass
class ImportReport:
    created: int = 0
    rows: int = 0
    encoding: str = ""
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def default_end(last_exposure: datetime | date | None, start: date) -> date:
    """Monitoring ends 14 days after the last exposure (or after the start when it is unknown)."""
    if isinstance(last_exposure, datetime):
        return timezone.localtime(last_exposure).date() + timedelta(days=MONITORING_DAYS)
    if isinstance(last_exposure, date):
        return last_exposure + timedelta(days=MONITORING_DAYS)
    return start + timedelta(days=MONITORING_DAYS)


def _officer(username: str) -> Any:
    user = get_user_model().objects.filter(username=username, is_active=True).first()
    if user is None:
        raise ValueError(f"no active user {username!r}")
    if not has_role(user, Role.HEALTH_STAFF):
        raise ValueError(f"{username!r} is not health-centre staff")
    return user


def _when(value: str) -> datetime | date | None:
    value = value.strip()
    if not value:
        return None
    dt = parse_datetime(value)
    if dt is not None:
        return dt if timezone.is_aware(dt) else timezone.make_aware(dt)
    d = parse_date(value)
    if d is None:
        raise ValueError(f"{value!r} is not a date (YYYY-MM-DD)")
    return d


def _zone(name: str) -> str:
    name = name.strip() or "Asia/Seoul"
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"{name!r} is not a time zone (e.g. Asia/Seoul)") from exc
    return name


def _exposure_dt(value: datetime | date | None, zone: str) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    return datetime.combine(value, time(12, 0), tzinfo=ZoneInfo(zone))


def _phone_fields(raw: str) -> dict[str, str]:
    e164 = crypto.normalise_phone(raw)
    return {
        "phone_hash": crypto.phone_hash(e164),
        "phone_enc": crypto.encrypt_phone(e164),
        "phone_last4": e164[-4:],
    }


def _duplicate_of(phone_hash: str, exclude: int | None = None) -> Person | None:
    people = Person.objects.filter(phone_hash=phone_hash, status__in=OPEN_STATUSES)
    if exclude is not None:
        people = people.exclude(pk=exclude)
    return people.first()


# ---------------------------------------------------------------------------------------------- CSV


def import_roster(who: Any, data: bytes, *, request: HttpRequest | None = None) -> ImportReport:
    """Import people from a CSV (UTF-8 or CP949). Every row is checked first; one bad row and nothing
    is imported, and the report names each bad row, field and reason."""
    actor = require_staff(who, f"{TARGET}.import", request)
    if len(data) > MAX_IMPORT_BYTES:
        raise BadInput(f"the file is larger than {MAX_IMPORT_BYTES // (1024 * 1024)} MB", code="too_large")
    try:
        text, encoding = decode_bytes(data)
    except TextError as exc:
        raise BadInput(str(exc), code="bad_encoding") from exc
    reader = csv.DictReader(io.StringIO(text))
    headings = {h: HEADINGS.get((h or "").strip(), (h or "").strip().lower()) for h in reader.fieldnames or []}
    missing = {"name", "phone", "centre", "officer"} - set(headings.values())
    if missing:
        raise BadInput(f"the CSV lacks the column(s) {sorted(missing)}", code="missing_columns")
    report = ImportReport(encoding=encoding)
    pending: list[Person] = []
    seen: dict[str, int] = {}
    centres = {c.name: c for c in HealthCentre.objects.all()}
    today = timezone.localdate()
    for line, raw in enumerate(reader, start=2):
        report.rows += 1
        row = {headings.get(k, k): (v or "").strip() for k, v in raw.items() if k is not None}
        errors: list[RowError] = []

        def check(field_name: str, fn: Any, *args: Any, _errors: list[RowError] = errors, _line: int = line) -> Any:
            try:
                return fn(*args)
            except (ValueError, TextError) as exc:
                _errors.append(RowError(_line, field_name, str(exc)))
                return None

        name = check("name", lambda v: plain_text(v, "name", max_length=100), row.get("name", ""))
        if name == "":
            errors.append(RowError(line, "name", "name is empty"))
        phone = check("phone", _phone_fields, row.get("phone", ""))
        lang = row.get("lang", "") or "ko"
        if lang not in ("ko", "en"):
            errors.append(RowError(line, "lang", f"{lang!r} is not ko or en"))
        centre = centres.get(row.get("centre", ""))
        if centre is None:
            errors.append(RowError(line, "centre", f"unknown health centre {row.get('centre', '')!r}"))
        officer = check("officer", _officer, row.get("officer", ""))
        zone = check("time_zone", _zone, row.get("time_zone", ""))
        exposure = check("last_exposure", _when, row.get("last_exposure", ""))
        start = check("start", _when, row.get("start", ""))
        end = check("end", _when, row.get("end", ""))
        start_d = (start.date() if isinstance(start, datetime) else start) or (
            (exposure.date() if isinstance(exposure, datetime) else exposure) or today
        )
        end_d = (end.date() if isinstance(end, datetime) else end) or default_end(exposure, start_d)
        if end_d < start_d:
            errors.append(RowError(line, "end", f"monitoring ends ({end_d}) before it starts ({start_d})"))
        reason = REASONS.get(row.get("reason", "").lower())
        if reason is None:
            errors.append(RowError(line, "reason", f"{row.get('reason')!r} is not contact, arrival or other"))
        channel = row.get("channel", "") or Person.Channel.KEYPAD
        if channel not in Person.Channel.values:
            errors.append(RowError(line, "channel", f"{channel!r} is not one of {Person.Channel.values}"))
        if phone:
            if phone["phone_hash"] in seen:
                errors.append(
                    RowError(line, "phone", f"duplicate person: same phone as row {seen[phone['phone_hash']]}")
                )
            elif (dup := _duplicate_of(phone["phone_hash"])) is not None:
                errors.append(RowError(line, "phone", f"duplicate person: already on the roster (person {dup.pk})"))
            else:
                seen[phone["phone_hash"]] = line
        if errors:
            report.errors.extend(errors)
            continue
        consent = row.get("consent", "").lower() in YES
        pending.append(
            Person(
                name=name,
                lang=lang,
                centre=centre,
                officer=officer,
                reason=reason or Person.Reason.OTHER,
                case_number=plain_text(row.get("case_number", ""), "case_number", max_length=40),
                last_exposure=_exposure_dt(exposure, zone),
                start=start_d,
                end=end_d,
                time_zone=zone,
                channel=channel,
                status=Person.Status.ACTIVE,
                consent_at=timezone.now() if consent else None,
                consent_channel="import" if consent else "",
                **phone,
            )
        )
    if report.errors:
        record(
            request,
            AuditAction.CARECALL_IMPORT,
            TARGET,
            actor=actor,
            detail={"rows": report.rows, "created": 0, "errors": len(report.errors)},
        )
        return report
    with transaction.atomic():
        Person.objects.bulk_create(pending)
    report.created = len(pending)
    record(
        request,
        AuditAction.CARECALL_IMPORT,
        TARGET,
        actor=actor,
        detail={"rows": report.rows, "created": report.created},
    )
    return report


# ------------------------------------------------------------------------------------ one at a time


def add_person(
    who: Any,
    *,
    name: str,
    phone: str,
    centre: HealthCentre,
    officer: Any,
    lang: str = "ko",
    reason: str = Person.Reason.OTHER,
    case_number: str = "",
    last_exposure: datetime | None = None,
    start: date | None = None,
    end: date | None = None,
    time_zone: str = "Asia/Seoul",
    channel: str = Person.Channel.KEYPAD,
    consent_channel: str = "",
    request: HttpRequest | None = None,
) -> Person:
    actor = require_staff(who, f"{TARGET}.create", request)
    try:
        fields = _phone_fields(phone)
        clean_name = plain_text(name, "name", max_length=100)
        _officer(officer.get_username())
        _zone(time_zone)
    except (ValueError, TextError) as exc:
        raise BadInput(str(exc), code="bad_person") from exc
    if (dup := _duplicate_of(fields["phone_hash"])) is not None:
        raise Conflict(f"already on the roster (person {dup.pk})", code="duplicate_person")
    start = start or (timezone.localtime(last_exposure).date() if last_exposure else timezone.localdate())
    end = end or default_end(last_exposure, start)
    if end < start:
        raise BadInput(f"monitoring ends ({end}) before it starts ({start})", code="end_before_start")
    person = Person.objects.create(
        name=clean_name,
        lang=lang,
        centre=centre,
        officer=officer,
        reason=reason,
        case_number=case_number,
        last_exposure=last_exposure,
        start=start,
        end=end,
        time_zone=time_zone,
        channel=channel,
        consent_at=timezone.now() if consent_channel else None,
        consent_channel=consent_channel,
        **fields,
    )
    record(request, AuditAction.CREATE, TARGET, object_id=person.pk, actor=actor)
    return person


def enrol_from_investigation(who: Any, *, case_number: str, contacts: list[dict[str, Any]]) -> int:
    """Put an investigation's contacts on the roster as "awaiting contact details"; returns how many
    are new. Idempotent: a contact already enrolled for the case is left as it is.

    Each contact is ``{"contact_pid": <pseudonym>, "last_contact": <ISO datetime or None>}``;
    monitoring ends 14 days after the last contact. An officer fills in name and phone later."""
    actor = require_staff(who, f"{TARGET}.enrol") if not _is_investigator(who) else actor_of(who)
    case = plain_text(str(case_number), "case_number", max_length=40)
    created = 0
    for contact in contacts:
        pid = str(contact.get("contact_pid") or "").strip()
        if not pid:
            raise BadInput("each contact needs a contact_pid", code="bad_contact")
        raw_last = contact.get("last_contact")
        if isinstance(raw_last, datetime):
            last: datetime | None = raw_last
        elif isinstance(raw_last, date):
            last = datetime.combine(raw_last, time(12, 0), tzinfo=ZoneInfo("Asia/Seoul"))
        else:
            last = parse_datetime(str(raw_last)) if raw_last else None
            if last is None and raw_last and (day := parse_date(str(raw_last))) is not None:
                last = datetime.combine(day, time(12, 0), tzinfo=ZoneInfo("Asia/Seoul"))
        if raw_last and last is None:
            raise BadInput(f"last_contact {raw_last!r} is not an ISO datetime", code="bad_contact")
        if last is not None and timezone.is_naive(last):
            last = timezone.make_aware(last)
        start = timezone.localtime(last).date() if last else timezone.localdate()
        try:
            with transaction.atomic():
                _, new = Person.objects.get_or_create(
                    contact_pid=pid,
                    case_number=case,
                    defaults={
                        "reason": Person.Reason.CONTACT,
                        "last_exposure": last,
                        "start": start,
                        "end": default_end(last, start),
                        "status": Person.Status.AWAITING,
                    },
                )
        except IntegrityError:
            new = False
        created += int(new)
    record(
        None,
        AuditAction.CARECALL_ENROL,
        TARGET,
        object_id=case,
        actor=actor,
        detail={"contacts": len(contacts), "created": created},
    )
    return created


def _is_investigator(who: Any) -> bool:
    actor = actor_of(who)
    return actor.user is not None and has_role(actor.user, Role.INVESTIGATOR)


def complete_details(
    who: Any,
    person: Person,
    *,
    name: str,
    phone: str,
    centre: HealthCentre,
    officer: Any,
    lang: str = "ko",
    channel: str = Person.Channel.KEYPAD,
    time_zone: str = "Asia/Seoul",
    consent_channel: str = "",
    request: HttpRequest | None = None,
) -> Person:
    """An officer fills in an enrolled contact's name and phone: monitoring starts."""
    actor = require_staff(who, f"{TARGET}.update", request)
    try:
        fields = _phone_fields(phone)
        person.name = plain_text(name, "name", max_length=100)
        _officer(officer.get_username())
        person.time_zone = _zone(time_zone)
    except (ValueError, TextError) as exc:
        raise BadInput(str(exc), code="bad_person") from exc
    if not person.name:
        raise BadInput("name is empty", code="bad_person")
    if (dup := _duplicate_of(fields["phone_hash"], exclude=person.pk)) is not None:
        raise Conflict(f"already on the roster (person {dup.pk})", code="duplicate_person")
    for key, value in fields.items():
        setattr(person, key, value)
    person.centre, person.officer, person.lang, person.channel = centre, officer, lang, channel
    if person.status == Person.Status.AWAITING:
        person.status = Person.Status.ACTIVE
    if consent_channel and person.consent_at is None:
        person.consent_at, person.consent_channel = timezone.now(), consent_channel
    person.save()
    record(request, AuditAction.CARECALL_UPDATE, TARGET, object_id=person.pk, actor=actor, detail={"details": True})
    return person


# -------------------------------------------------------------------------------- consent, opt-out


def record_consent(who: Any, person: Person, *, channel: str, request: HttpRequest | None = None) -> Person:
    actor = require_staff(who, f"{TARGET}.consent", request)
    person.consent_at, person.consent_channel = timezone.now(), channel[:20]
    person.save(update_fields=["consent_at", "consent_channel"])
    record(request, AuditAction.CARECALL_CONSENT, TARGET, object_id=person.pk, actor=actor, detail={"channel": channel})
    return person


def opt_out(who: Any, person: Person, *, channel: str, request: HttpRequest | None = None) -> Person:
    """Stop calling the person (said so in a call, on the page, or told an officer); recorded with time and channel."""
    actor = require_staff(who, f"{TARGET}.opt_out", request)
    if person.status == Person.Status.OPTED_OUT:
        return person
    person.status = Person.Status.OPTED_OUT
    person.opted_out_at, person.opted_out_channel = timezone.now(), channel[:20]
    person.save(update_fields=["status", "opted_out_at", "opted_out_channel"])
    from epiaid.carecall.models import CheckIn

    CheckIn.objects.filter(person=person, status=CheckIn.Status.QUEUED).update(status=CheckIn.Status.SKIPPED)
    record(request, AuditAction.CARECALL_OPT_OUT, TARGET, object_id=person.pk, actor=actor, detail={"channel": channel})
    return person


# ------------------------------------------------------------------------------------ reading people


def people(who: Any, *, request: HttpRequest | None = None, status: str = "") -> QuerySet[Person]:
    """The roster for health staff (names and phones masked in lists); audited."""
    actor = require_staff(who, f"{TARGET}.list", request)
    qs = Person.objects.select_related("centre", "officer")
    if status:
        qs = qs.filter(status=status)
    record(request, AuditAction.CARECALL_LIST, TARGET, actor=actor, detail={"status": status})
    return qs


def person(who: Any, person_id: int, *, request: HttpRequest | None = None) -> Person:
    from epiaid.core.errors import NotFound

    actor = require_staff(who, f"{TARGET}.view", request)
    found = Person.objects.select_related("centre", "officer").filter(pk=person_id).first()
    if found is None:
        raise NotFound(f"no person {person_id} on the roster")
    record(request, AuditAction.CARECALL_VIEW_PERSON, TARGET, object_id=found.pk, actor=actor)
    return found


def reveal_phone(who: Any, person: Person, *, request: HttpRequest | None = None) -> str:
    """The phone number in full, for the assigned officer only; every reveal audited."""
    actor = require_officer(who, person, f"{TARGET}.phone", request)
    if not person.phone_enc:
        raise Conflict("no phone number yet (awaiting contact details)", code="no_phone")
    number = crypto.display_phone(crypto.decrypt_phone(person.phone_enc))
    record(request, AuditAction.CARECALL_REVEAL_PHONE, TARGET, object_id=person.pk, actor=actor)
    return number


def number_to_dial(who: Any, person: Person, *, channel: str) -> str:
    """E.164 number for a transport to dial or text (the platform only; audited as a dial)."""
    actor = actor_of(who)
    if not actor.is_system:
        return reveal_phone(who, person)
    record(None, AuditAction.CARECALL_DIAL, TARGET, object_id=person.pk, actor=actor, detail={"channel": channel})
    return crypto.decrypt_phone(person.phone_enc)


def find_by_phone(who: Any, phone: str) -> Person | None:
    """The open roster entry with this number (an inbound text or call), by the keyed hash."""
    require_staff(who, f"{TARGET}.lookup")
    try:
        e164 = crypto.normalise_phone(phone)
    except crypto.PhoneError:
        return None
    return Person.objects.filter(phone_hash=crypto.phone_hash(e164), status__in=OPEN_STATUSES).first()
