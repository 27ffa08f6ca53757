"""Staff pages (dashboard, roster, person page with the 14-day chart, import, exports) and the public
web check-in page: roles enforced, names and phones masked, every view of personal data audited."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from epiaid.carecall.models import Alert, CheckIn, TextMessage
from epiaid.carecall.services import calls
from epiaid.core.models import AuditEvent
from epiaid.core.roles import Role


@pytest.fixture
def staff(officer: Any) -> Client:
    client = Client()
    client.force_login(officer)
    return client


def make_checkin(person: Any, **kwargs: Any) -> CheckIn:
    now = timezone.now()
    defaults = {
        "round_date": timezone.localdate(),
        "slot": "09:00",
        "attempt": 1,
        "channel": person.channel,
        "token": calls.new_token(),
        "due_at": now,
    }
    defaults.update(kwargs)
    return CheckIn.objects.create(person=person, **defaults)


def test_the_dashboard_is_for_health_staff_only(client_as: Any, officer: Any) -> None:
    assert client_as(Role.PUBLIC).get(reverse("carecall:index")).status_code == 302
    assert client_as(Role.INVESTIGATOR).get(reverse("carecall:index")).status_code == 403
    c = Client()
    c.force_login(officer)
    page = c.get(reverse("carecall:index"))
    assert page.status_code == 200 and 'id="callbacks"' in page.content.decode()
    assert AuditEvent.objects.filter(action="carecall.dashboard").exists()


def test_the_dashboard_lists_emergencies_and_call_backs_with_one_click_outcome(staff: Client, make_person: Any) -> None:
    person = make_person()
    ci = make_checkin(person, status="no_answer", attempt=3)
    alert = Alert.objects.create(
        person=person, checkin=ci, kind="call_back", day=ci.round_date, detail={"round": "09:00"}
    )
    emergency = Alert.objects.create(person=person, checkin=ci, kind="emergency", day=ci.round_date)
    page = staff.get(reverse("carecall:index")).content.decode()
    assert 'id="emergencies"' in page and person.masked_name in page and person.name not in page
    done = staff.post(reverse("carecall:alert-done", args=[alert.pk]), {"outcome": "reached_well", "note": "fine"})
    assert done.status_code == 302
    alert.refresh_from_db()
    assert alert.status == "done" and alert.outcome == "reached_well" and alert.handled_by is not None
    assert staff.post(reverse("carecall:alert-done", args=[alert.pk]), {"outcome": "reached_well"}).status_code == 409
    assert AuditEvent.objects.filter(action="carecall.call_back", object_id=str(alert.pk)).exists()
    assert emergency.status == "open"


def test_the_roster_masks_names_and_phones(staff: Client, make_person: Any) -> None:
    person = make_person(phone="010-2468-1357")
    page = staff.get(reverse("carecall:people")).content.decode()
    assert person.masked_name in page and "***-****-1357" in page
    assert person.name not in page and "2468" not in page
    assert AuditEvent.objects.filter(action="carecall.list").exists()


def test_the_person_page_shows_the_14_day_chart_and_reveals_the_phone_to_the_officer(
    staff: Client, make_person: Any, client_as: Any
) -> None:
    person = make_person(phone="010-2468-1357")
    make_checkin(
        person,
        status="answered",
        result={"answers": {"fever": "yes", "temperature": 38.1, "cough": "no"}, "flags": ["fever"]},
    )
    page = staff.get(reverse("carecall:person", args=[person.pk])).content.decode()
    assert "<svg" in page and "38.1 ℃" in page and 'id="reveal"' in page and "2468" not in page
    assert AuditEvent.objects.filter(action="carecall.view_person", object_id=str(person.pk)).count() == 2
    shown = staff.post(reverse("carecall:reveal", args=[person.pk])).content.decode()
    assert "010-2468-1357" in shown
    other = client_as(Role.HEALTH_STAFF)
    assert 'id="reveal"' not in other.get(reverse("carecall:person", args=[person.pk])).content.decode()
    assert other.post(reverse("carecall:reveal", args=[person.pk])).status_code == 403


def test_importing_from_the_page_reports_bad_rows(staff: Client, centre: Any) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    data = "name,phone,centre,officer\n김,12,분당구보건소,officer_kim\n".encode()
    page = staff.post(reverse("carecall:import"), {"file": SimpleUploadedFile("r.csv", data, "text/csv")})
    body = page.content.decode()
    assert page.status_code == 200 and 'id="refused"' in body and "valid phone number" in body


def test_exports_are_audited(staff: Client, make_person: Any) -> None:
    person = make_person()
    make_checkin(person, status="answered", result={"answers": {"fever": "no"}, "flags": []})
    csv_page = staff.get(reverse("carecall:export-csv"))
    assert csv_page.status_code == 200 and person.name in csv_page.content.decode("utf-8-sig")
    pdf = staff.get(reverse("carecall:export-pdf"))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert AuditEvent.objects.filter(action="carecall.export").count() == 2


def test_the_web_check_in_page_asks_one_question_per_screen_until_done(make_person: Any) -> None:
    person = make_person(channel="web", lang="en")
    ci = make_checkin(person)
    c = Client()
    url = reverse("carecall:checkin", args=[ci.token])
    first = c.get(url, HTTP_USER_AGENT="Mobile")
    assert (
        first.status_code == 200
        and "fever" in first.content.decode()
        and 'name="key" value="1"' in first.content.decode()
    )
    c.post(url, {"key": "1", "turn": "0"})
    c.post(url, {"key": "1", "turn": "0"})  # a double tap: the same turn, applied once
    assert "temperature" in c.get(url).content.decode()
    c.post(url, {"text": "38.4", "turn": "1"})
    c.post(url, {"key": "1", "turn": "2"})
    for turn in range(3, 8):
        c.post(url, {"key": "2", "turn": str(turn)})
    done = c.post(url, {"key": "2", "turn": "8"})
    assert 'id="done"' in done.content.decode() and "get tested" in done.content.decode()
    ci.refresh_from_db()
    assert ci.status == "answered" and ci.result["answers"]["temperature"] == 38.4
    assert 'id="done"' in c.get(url).content.decode()  # the link is dead once used


def test_an_unknown_check_in_link_is_404(db: Any) -> None:
    assert Client().get(reverse("carecall:checkin", args=["nope"])).status_code == 404


def test_the_web_link_goes_out_by_text(make_person: Any) -> None:
    from epiaid.carecall.transports.channels import load

    person = make_person(channel="web")
    ci = make_checkin(person)
    load()["web"].start(ci)
    (message,) = TextMessage.objects.filter(checkin=ci)
    assert f"/carecall/c/{ci.token}/" in message.body


def test_people_awaiting_details_get_them_on_their_page(staff: Client, officer: Any, centre: Any) -> None:
    from epiaid.carecall.services import enrol_from_investigation

    enrol_from_investigation(
        officer,
        case_number="12",
        contacts=[{"contact_pid": "P1", "last_contact": (timezone.now() - timedelta(days=2)).isoformat()}],
    )
    from epiaid.carecall.models import Person

    waiting = Person.objects.get(contact_pid="P1")
    page = staff.get(reverse("carecall:person", args=[waiting.pk])).content.decode()
    assert 'name="phone"' in page
    saved = staff.post(
        reverse("carecall:details", args=[waiting.pk]),
        {
            "name": "이수진",
            "phone": "010-1357-2468",
            "centre": centre.pk,
            "officer": officer.pk,
            "lang": "ko",
            "channel": "text",
        },
    )
    assert saved.status_code == 302
    waiting.refresh_from_db()
    assert waiting.status == "active" and waiting.name == "이수진"


def test_pages_are_in_korean_and_english(staff: Client) -> None:
    ko = staff.get(reverse("carecall:index"), HTTP_ACCEPT_LANGUAGE="ko").content.decode()
    en = staff.get(reverse("carecall:index"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "재통화 대기열" in ko and "Call-back queue" in en


def test_the_api_shows_the_dashboard_and_records_outcomes(staff: Client, make_person: Any, client_as: Any) -> None:
    person = make_person()
    ci = make_checkin(person, status="no_answer", attempt=3)
    alert = Alert.objects.create(
        person=person, checkin=ci, kind="call_back", day=ci.round_date, detail={"round": "09:00"}
    )
    data = staff.get("/api/carecall/dashboard").json()
    assert data["call_backs"][0]["name"] == person.masked_name and "phone" not in data["call_backs"][0]
    assert client_as(Role.INVESTIGATOR).get("/api/carecall/dashboard").status_code == 403
    from django.middleware.csrf import get_token  # noqa: F401  (session API: CSRF-checked writes)

    staff.get(reverse("carecall:index"))
    token = staff.cookies["csrftoken"].value
    done = staff.post(
        f"/api/carecall/alerts/{alert.pk}/done",
        {"outcome": "not_reached"},
        content_type="application/json",
        HTTP_X_CSRFTOKEN=token,
    )
    assert done.status_code == 200 and done.json()["status"] == "done"
    bad = staff.post(
        f"/api/carecall/alerts/{alert.pk}/done",
        {"outcome": "not_reached"},
        content_type="application/json",
        HTTP_X_CSRFTOKEN=token,
    )
    assert bad.status_code == 409 and bad.json()["code"] == "already_handled"
