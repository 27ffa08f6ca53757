"""Staff editor pages and the admin upload: who may see and change what."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from epiaid.core.models import AuditEvent
from epiaid.core.roles import Role
from epiaid.situation.models import Case, Visit
from tests.conftest import ALL_ROLES
from tests.situation.factories import template_csv, template_row

pytestmark = pytest.mark.django_db
READERS = {Role.HEALTH_STAFF, Role.INVESTIGATOR, Role.ADMIN}
EDITORS = {Role.HEALTH_STAFF, Role.ADMIN}


@pytest.fixture
def case() -> Case:
    case = Case.objects.create(number="S-1", sex="male", age_band="40s", province="Seoul")
    Visit.objects.create(
        case=case, date="2020-03-01", place_name="약국", lat=37.5, lng=127.0, source="manual", source_key="v1"
    )
    return case


@pytest.mark.parametrize("role", ALL_ROLES)
@pytest.mark.parametrize("path", ["/situation/staff/", "/situation/staff/cases/S-1/"])
def test_staff_pages_per_role(case: Case, client_as: Any, role: Role, path: str) -> None:
    response = client_as(role).get(path)
    if role in READERS:
        assert response.status_code == 200
        assert "S-1" in response.content.decode()
    elif role is Role.PUBLIC:
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    else:
        assert response.status_code == 403


@pytest.mark.parametrize("role", ALL_ROLES)
def test_only_editors_toggle_disclosure(case: Case, client_as: Any, role: Role) -> None:
    visit = case.visits.get()
    response = client_as(role).post(f"/situation/staff/visits/{visit.id}/toggle/")
    visit.refresh_from_db()
    assert visit.disclosed is (role not in EDITORS)
    assert response.status_code in ((302,) if role in EDITORS or role is Role.PUBLIC else (403,))


def test_an_investigator_reads_but_cannot_add_visits(case: Case, client_as: Any) -> None:
    page = client_as(Role.INVESTIGATOR).post(
        "/situation/staff/cases/S-1/", {"date": "2020-03-02", "place_name": "x", "lat": "37.5", "lng": "127"}
    )
    assert page.status_code == 403 and case.visits.count() == 1


def test_an_editor_adds_a_visit_and_sees_field_errors(case: Case, client_as: Any) -> None:
    editor = client_as(Role.HEALTH_STAFF)
    editor.post(
        "/situation/staff/cases/S-1/", {"date": "2020-03-02", "place_name": "카페", "lat": "37.5", "lng": "127"}
    )
    assert case.visits.count() == 2
    page = editor.post(
        "/situation/staff/cases/S-1/",
        {"date": "2020-03-02", "place_name": "카페", "lat": "127", "lng": "37.5"},
        follow=True,
    )
    assert "swapped" in page.content.decode() and case.visits.count() == 2


def test_viewing_a_case_is_audited(case: Case, client_as: Any) -> None:
    client_as(Role.INVESTIGATOR).get("/situation/staff/cases/S-1/")
    assert AuditEvent.objects.filter(action="view", target="situation.case", object_id="S-1").exists()


def test_admins_upload_files_through_the_admin(client_as: Any) -> None:
    admin = client_as(Role.ADMIN)
    admin.user = None
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.get(username="user_admin")
    user.is_staff = user.is_superuser = True
    user.save()
    upload = SimpleUploadedFile("v.csv", template_csv([template_row(), template_row(lat="nope")]))
    response = admin.post("/admin/situation/case/import/", {"kind": "template", "file": upload}, follow=True)
    text = response.content.decode()
    assert "created 1" in text and "rejected 1" in text and "lat/lng" in text
    assert Visit.objects.count() == 1


def test_the_csv_template_is_downloadable_and_imports_cleanly() -> None:
    from django.test import Client

    from epiaid.situation.services.importers import import_template

    body = Client().get("/situation/template.csv").content
    assert import_template(body).created == 1


@pytest.mark.parametrize("role", ALL_ROLES)
def test_only_editors_edit_visits_and_cases(case: Case, client_as: Any, role: Role) -> None:
    visit = case.visits.get()
    client = client_as(role)
    visit_page = client.get(f"/situation/staff/visits/{visit.id}/edit/")
    case_page = client.get("/situation/staff/cases/S-1/edit/")
    expected = 200 if role in EDITORS else 302 if role is Role.PUBLIC else 403
    assert (visit_page.status_code, case_page.status_code) == (expected, expected)


def test_editing_a_visit_changes_it_and_is_audited(case: Case, client_as: Any) -> None:
    visit = case.visits.get()
    editor = client_as(Role.HEALTH_STAFF)
    response = editor.post(
        f"/situation/staff/visits/{visit.id}/edit/",
        {
            "date": "2020-03-02",
            "start_time": "10:00",
            "end_time": "11:30",
            "place_name": "온누리약국",
            "category": "pharmacy",
            "address": "서울특별시 중구",
            "lat": "37.55",
            "lng": "126.99",
        },
    )
    assert response.status_code == 302
    visit.refresh_from_db()
    assert (visit.place_name, str(visit.date), visit.disclosed, visit.province) == (
        "온누리약국",
        "2020-03-02",
        False,
        "Seoul",
    )
    assert AuditEvent.objects.filter(action="update", target="situation.visit", object_id=str(visit.id)).exists()


def test_editing_a_case_keeps_its_number_and_refuses_bad_dates(case: Case, client_as: Any) -> None:
    editor = client_as(Role.HEALTH_STAFF)
    editor.post(
        "/situation/staff/cases/S-1/edit/", {"province": "부산", "infected_by": "S-0", "confirmed_date": "2020-03-05"}
    )
    case.refresh_from_db()
    assert (case.province, case.infected_by, str(case.confirmed_date)) == ("Busan", "S-0", "2020-03-05")
    page = editor.post("/situation/staff/cases/S-1/edit/", {"confirmed_date": "soon"}, follow=True)
    assert "confirmed_date" in page.content.decode()
