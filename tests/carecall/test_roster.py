"""The roster: CSV import (UTF-8 or CP949) with per-row errors and nothing half-imported, enrolment from
an investigation's contacts, consent and opt-out, and phone numbers protected at rest."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from epiaid.carecall import crypto
from epiaid.carecall.models import Person
from epiaid.carecall.services import (
    complete_details,
    enrol_from_investigation,
    import_roster,
    opt_out,
    record_consent,
    reveal_phone,
    roster,
)
from epiaid.carecall.services.access import SYSTEM
from epiaid.core.errors import BadInput, Conflict, Forbidden
from epiaid.core.models import AuditEvent
from epiaid.core.roles import Role

HEADING = "name,phone,lang,centre,officer,last_exposure,start,end,reason,case_number,time_zone,channel,consent\n"


def csv_of(*rows: str) -> bytes:
    return (HEADING + "".join(r + "\n" for r in rows)).encode("utf-8")


GOOD = [
    "김민수,010-2345-6789,ko,분당구보건소,officer_kim,2026-03-01,,,contact,1234,Asia/Seoul,keypad,yes",
    "Jane Doe,+82 10 3456 7890,en,분당구보건소,officer_kim,,2026-03-02,2026-03-16,arrival,,Asia/Seoul,text,",
]


def test_a_clean_csv_imports_everyone_with_the_14_day_default(officer: Any, centre: Any) -> None:
    report = import_roster(officer, csv_of(*GOOD))
    assert report.ok and report.created == 2 and report.encoding == "utf-8-sig"
    kim = Person.objects.get(name="김민수")
    assert kim.end == date(2026, 3, 15)  # 14 days after the last exposure
    assert kim.reason == "contact" and kim.case_number == "1234" and kim.consent_channel == "import"
    assert kim.consent_at is not None and kim.officer == officer and kim.status == "active"
    assert Person.objects.get(name="Jane Doe").lang == "en"


def test_a_cp949_file_with_korean_headings_imports(officer: Any, centre: Any) -> None:
    text = (
        "이름,전화번호,보건소,담당자,최종접촉일,사유\n박서연,010-9876-5432,분당구보건소,officer_kim,2026-03-05,접촉자\n"
    )
    report = import_roster(officer, text.encode("cp949"))
    assert report.ok and report.encoding == "cp949"
    assert Person.objects.get(name="박서연").end == date(2026, 3, 19)


def test_bad_rows_are_reported_one_by_one_and_nothing_is_imported(officer: Any, centre: Any) -> None:
    report = import_roster(
        officer,
        csv_of(
            *GOOD,
            "이상한,12345,ko,분당구보건소,officer_kim,,,,other,,Asia/Seoul,text,",
            "김민수,010-2345-6789,ko,분당구보건소,officer_kim,,,,other,,Asia/Seoul,text,",
            "늦은,010-1111-2222,ko,분당구보건소,officer_kim,,2026-03-10,2026-03-01,other,,Asia/Seoul,text,",
            "없는,010-1111-3333,ko,없는보건소,nobody,,,,,,Mars/Base,fax,",
        ),
    )
    assert not report.ok and report.created == 0
    by_line = {(e.line, e.field) for e in report.errors}
    assert (4, "phone") in by_line  # invalid number
    assert (5, "phone") in by_line  # duplicate of row 2
    assert (6, "end") in by_line  # end before start
    assert {(7, "centre"), (7, "officer"), (7, "time_zone"), (7, "channel")} <= by_line
    dup = next(e for e in report.errors if e.line == 5)
    assert "duplicate person" in dup.message and "row 2" in dup.message
    assert Person.objects.count() == 0


def test_a_person_already_on_the_roster_is_a_duplicate(officer: Any, centre: Any) -> None:
    import_roster(officer, csv_of(GOOD[0]))
    again = import_roster(officer, csv_of(GOOD[0]))
    assert again.created == 0 and "already on the roster" in again.errors[0].message


def test_a_file_missing_columns_or_not_text_is_refused(officer: Any, centre: Any) -> None:
    with pytest.raises(BadInput, match="lacks the column"):
        import_roster(officer, b"name,phone\nx,010-1234-5678\n")
    with pytest.raises(BadInput):
        import_roster(officer, b"\xff\xfe\x00\x00garbage\x81")


def test_only_health_staff_import_and_a_refusal_is_audited(make_user: Any, centre: Any) -> None:
    other = make_user(Role.INVESTIGATOR, username="inv")
    with pytest.raises(Forbidden):
        import_roster(other, csv_of(*GOOD))
    assert AuditEvent.objects.filter(action="denied", actor_label="inv").exists()


# -------------------------------------------------------------------------------------------- phones


def test_phones_are_stored_hashed_and_encrypted_never_in_the_clear(make_person: Any) -> None:
    person = make_person(phone="010-2222-3333")
    row = Person.objects.filter(pk=person.pk).values().get()
    assert "01022223333" not in str(row) and "2222" not in row["phone_enc"]
    assert row["phone_hash"] == crypto.phone_hash("+821022223333")
    assert crypto.decrypt_phone(row["phone_enc"]) == "+821022223333"
    assert person.masked_phone == "***-****-3333"
    assert roster.find_by_phone(SYSTEM, "01022223333") == person


def test_only_the_assigned_officer_sees_the_number_and_each_reveal_is_audited(
    make_person: Any, officer: Any, make_user: Any
) -> None:
    person = make_person(phone="010-2222-4444")
    assert reveal_phone(officer, person) == "010-2222-4444"
    assert AuditEvent.objects.filter(action="carecall.reveal_phone", object_id=str(person.pk)).count() == 1
    colleague = make_user(Role.HEALTH_STAFF, username="colleague")
    admin = make_user(Role.ADMIN, username="boss")
    for who in (colleague, admin):
        with pytest.raises(Forbidden):
            reveal_phone(who, person)
    assert AuditEvent.objects.filter(action="denied", target="carecall.person.phone").count() == 2


def test_production_refuses_to_start_without_the_phone_key(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("EPIAID_CARECALL")}
    env.update(
        EPIAID_DEBUG="0",
        EPIAID_SECRET_KEY="x" * 50,
        EPIAID_DATA_DIR=str(tmp_path),
        DJANGO_SETTINGS_MODULE="epiaid.core.settings",
    )
    code = "import django; django.setup()"
    refused = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert refused.returncode != 0 and "EPIAID_CARECALL_PHONE_KEY must be set" in refused.stderr
    from cryptography.fernet import Fernet

    env["EPIAID_CARECALL_PHONE_KEY"] = Fernet.generate_key().decode()
    started = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert "EPIAID_CARECALL_PHONE_KEY" not in started.stderr  # (other capabilities may name their own secrets)


# ---------------------------------------------------------------------------------------- enrolment


def test_enrolment_from_an_investigation_is_idempotent_and_awaits_details(
    make_user: Any, officer: Any, centre: Any
) -> None:
    investigator = make_user(Role.INVESTIGATOR, username="inv")
    contacts = [
        {"contact_pid": "C-7f3a", "last_contact": "2026-03-01T18:30:00+09:00"},
        {"contact_pid": "C-91bc", "last_contact": None},
    ]
    assert enrol_from_investigation(investigator, case_number="31", contacts=contacts) == 2
    assert enrol_from_investigation(investigator, case_number="31", contacts=contacts) == 0
    waiting = Person.objects.get(contact_pid="C-7f3a")
    assert waiting.status == "awaiting" and waiting.reason == "contact" and waiting.case_number == "31"
    assert waiting.end == date(2026, 3, 15) and not waiting.phone_enc
    assert AuditEvent.objects.filter(action="carecall.enrol").count() == 2

    complete_details(
        officer, waiting, name="최지우", phone="010-5555-6666", centre=centre, officer=officer, consent_channel="phone"
    )
    waiting.refresh_from_db()
    assert waiting.status == "active" and waiting.phone_last4 == "6666" and waiting.consent_channel == "phone"


def test_enrolment_refuses_a_contact_without_a_pseudonym(officer: Any) -> None:
    with pytest.raises(BadInput):
        enrol_from_investigation(officer, case_number="31", contacts=[{"last_contact": None}])


def test_enrolment_by_a_public_visitor_is_refused(db: Any) -> None:
    with pytest.raises(Forbidden):
        enrol_from_investigation(None, case_number="31", contacts=[{"contact_pid": "x", "last_contact": None}])


# --------------------------------------------------------------------------------- consent, opt-out


def test_consent_and_opt_out_are_recorded_with_time_and_channel(make_person: Any, officer: Any) -> None:
    person = make_person()
    record_consent(officer, person, channel="phone")
    opt_out(officer, person, channel="web")
    person.refresh_from_db()
    assert person.consent_channel == "phone" and person.consent_at is not None
    assert person.status == "opted_out" and person.opted_out_channel == "web" and person.opted_out_at is not None


def test_adding_a_person_checks_the_same_rules(make_person: Any) -> None:
    make_person(phone="010-7777-8888")
    with pytest.raises(Conflict):
        make_person(phone="01077778888")
    with pytest.raises(BadInput):
        make_person(phone="12")
    with pytest.raises(BadInput):
        make_person(start=date.today(), end=date.today() - timedelta(days=1))
