"""What the public and each staff role may see through the situation API."""

from __future__ import annotations

from datetime import date, time
from typing import Any

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from epiaid.core.actors import Actor
from epiaid.core.geo import haversine_m
from epiaid.core.models import AuditEvent
from epiaid.core.roles import Role
from epiaid.situation.models import Case, Clinic, Visit
from epiaid.situation.services import publish_visits, set_policy
from epiaid.situation.services.disclosure import PUBLIC_VISIT_FIELDS, current_policy
from tests.conftest import ALL_ROLES

pytestmark = pytest.mark.django_db
AS_OF = date(2020, 3, 15)


def _visit(
    case: Case,
    day: date,
    *,
    disclosed: bool = True,
    lat: float = 37.56,
    lng: float = 126.98,
    category: str = "restaurant",
    place: str = "식당",
    province: str = "Seoul",
) -> Visit:
    return Visit.objects.create(
        case=case,
        date=day,
        place_name=place,
        category=category,
        lat=lat,
        lng=lng,
        province=province,
        disclosed=disclosed,
        source="manual",
        source_key=f"{case.number}|{day}|{place}|{lat}|{disclosed}",
    )


@pytest.fixture
def outbreak() -> dict[str, Any]:
    set_policy(window_days=14, as_of=AS_OF)
    case = Case.objects.create(
        number="C-1", sex="female", age_band="30s", nationality="Korea", province="Seoul", city="Mapo-gu"
    )
    other = Case.objects.create(number="C-2", province="Daegu")
    return {
        "inside": _visit(case, date(2020, 3, 10)),
        "edge": _visit(case, date(2020, 3, 1), place="경계"),
        "too_old": _visit(case, date(2020, 2, 29), place="오래된곳"),
        "future": _visit(case, date(2020, 3, 16), place="미래"),
        "hidden": _visit(case, date(2020, 3, 11), disclosed=False, place="비공개"),
        "daegu": _visit(
            other, date(2020, 3, 12), lat=35.87, lng=128.6, category="church", place="교회", province="Daegu"
        ),
    }


def test_the_public_sees_only_disclosed_visits_inside_the_window(outbreak: dict[str, Any]) -> None:
    body = Client().get("/api/situation/visits").json()
    assert {r["id"] for r in body["results"]} == {outbreak[k].id for k in ("inside", "edge", "daegu")}
    assert body["window_days"] == 14 and body["as_of"] == "2020-03-15"


def test_public_visits_carry_place_and_time_only(outbreak: dict[str, Any]) -> None:
    row = Client().get("/api/situation/visits").json()["results"][0]
    assert set(row) == set(PUBLIC_VISIT_FIELDS)
    text = str(row)
    for personal in ("female", "30s", "Mapo-gu", "C-1", "Korea"):
        assert personal not in text


def test_visits_of_one_case_share_an_opaque_route_token(outbreak: dict[str, Any]) -> None:
    rows = Client().get("/api/situation/visits").json()["results"]
    routes = {r["place_name"]: r["route"] for r in rows}
    assert routes["식당"] == routes["경계"] != routes["교회"]


def test_the_policy_window_is_configurable(outbreak: dict[str, Any]) -> None:
    set_policy(window_days=3)
    assert current_policy().first_public_date == date(2020, 3, 12)
    ids = {r["id"] for r in Client().get("/api/situation/visits").json()["results"]}
    assert ids == {outbreak["daegu"].id}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("date_from=2020-03-05&date_to=2020-03-11", {"inside"}),
        ("region=대구", {"daegu"}),
        ("region=Daegu", {"daegu"}),
        ("category=church", {"daegu"}),
        ("bbox=126.9,37.5,127.1,37.6", {"inside", "edge"}),
        ("q=경계", {"edge"}),
    ],
)
def test_visit_filters(outbreak: dict[str, Any], query: str, expected: set[str]) -> None:
    rows = Client().get(f"/api/situation/visits?{query}").json()["results"]
    assert {r["id"] for r in rows} == {outbreak[k].id for k in expected}


def test_pagination_and_geojson(outbreak: dict[str, Any]) -> None:
    first = Client().get("/api/situation/visits?limit=2").json()
    second = Client().get("/api/situation/visits?limit=2&offset=2").json()
    assert first["count"] == 3 and len(first["results"]) == 2 and len(second["results"]) == 1
    geo = Client().get("/api/situation/visits.geojson").json()
    assert geo["type"] == "FeatureCollection" and len(geo["features"]) == 3
    assert geo["features"][0]["geometry"]["coordinates"][0] > 120  # [lng, lat]


@pytest.mark.parametrize(
    "query", ["bbox=1,2,3", "limit=0", "limit=100000", "date_from=2020-03-10&date_to=2020-03-01", "date_from=yesterday"]
)
def test_bad_queries_get_a_clear_4xx(outbreak: dict[str, Any], query: str) -> None:
    response = Client().get(f"/api/situation/visits?{query}")
    assert response.status_code in (400, 422)
    assert response.json()["detail"]


STAFF_READERS = {Role.HEALTH_STAFF, Role.INVESTIGATOR, Role.ADMIN}
STAFF_WRITERS = {Role.HEALTH_STAFF, Role.ADMIN}


@pytest.mark.parametrize("role", ALL_ROLES)
@pytest.mark.parametrize(
    "path", ["/api/situation/staff/visits", "/api/situation/staff/cases", "/api/situation/staff/cases/C-1"]
)
def test_staff_read_endpoints_per_role(outbreak: dict[str, Any], client_as: Any, role: Role, path: str) -> None:
    response = client_as(role).get(path)
    if role in STAFF_READERS:
        assert response.status_code == 200
        assert AuditEvent.objects.filter(target__startswith="situation.", action__in=["list", "view"]).exists()
    elif role is Role.PUBLIC:
        assert response.status_code == 401
    else:
        assert response.status_code == 403
        assert AuditEvent.objects.filter(action="denied").exists()


@pytest.mark.parametrize("role", ALL_ROLES)
def test_only_health_staff_create_cases(client_as: Any, role: Role) -> None:
    response = client_as(role).post(
        "/api/situation/staff/cases", {"number": f"N-{role}"}, content_type="application/json"
    )
    assert response.status_code == (200 if role in STAFF_WRITERS else 401 if role is Role.PUBLIC else 403)


def test_staff_see_undisclosed_visits_with_case_numbers(outbreak: dict[str, Any], client_as: Any) -> None:
    rows = client_as(Role.INVESTIGATOR).get("/api/situation/staff/visits").json()["results"]
    assert len(rows) == 6 and {r["case"] for r in rows} == {"C-1", "C-2"}
    assert any(not r["disclosed"] for r in rows)


def test_unknown_case_number_is_a_404_naming_it(outbreak: dict[str, Any], client_as: Any) -> None:
    response = client_as(Role.HEALTH_STAFF).get("/api/situation/staff/cases/NOPE")
    assert response.status_code == 404 and "NOPE" in response.json()["detail"]


def test_withdrawing_disclosure_hides_a_visit_from_the_public(outbreak: dict[str, Any], client_as: Any) -> None:
    staff = client_as(Role.HEALTH_STAFF)
    response = staff.patch(
        f"/api/situation/staff/visits/{outbreak['inside'].id}", {"disclosed": False}, content_type="application/json"
    )
    assert response.status_code == 200 and response.json()["disclosed"] is False
    public_ids = {r["id"] for r in Client().get("/api/situation/visits").json()["results"]}
    assert outbreak["inside"].id not in public_ids
    assert AuditEvent.objects.filter(
        action="update", target="situation.visit", object_id=str(outbreak["inside"].id)
    ).exists()


def test_adding_a_visit_with_script_or_bad_coordinates_is_refused_and_stores_nothing(
    outbreak: dict[str, Any], client_as: Any
) -> None:
    staff = client_as(Role.HEALTH_STAFF)
    before = Visit.objects.count()
    bad_text = staff.post(
        "/api/situation/staff/cases/C-1/visits",
        {"date": "2020-03-12", "place_name": "<script>x</script>", "lat": 37.5, "lng": 127.0},
        content_type="application/json",
    )
    swapped = staff.post(
        "/api/situation/staff/cases/C-1/visits",
        {"date": "2020-03-12", "place_name": "식당", "lat": 127.0, "lng": 37.5},
        content_type="application/json",
    )
    assert bad_text.status_code == 400 and "place_name" in bad_text.json()["detail"]
    assert swapped.status_code == 400 and "swapped" in swapped.json()["detail"]
    assert Visit.objects.count() == before


def test_upload_import_reports_rows_and_rejects_a_broken_file(client_as: Any) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.situation.factories import template_csv, template_row

    staff = client_as(Role.HEALTH_STAFF)
    good = SimpleUploadedFile("visits.csv", template_csv([template_row(), template_row(lat="x")]))
    report = staff.post("/api/situation/staff/imports/template", {"file": good}).json()
    assert report["created"] == 1 and report["rejected"][0]["field"] == "lat/lng"
    broken = SimpleUploadedFile("broken.csv", b"just,some\nthing,else\n")
    response = staff.post("/api/situation/staff/imports/template", {"file": broken})
    assert response.status_code == 400 and "broken.csv: missing column" in response.json()["detail"]


def test_investigations_publish_visits_through_the_public_service(outbreak: dict[str, Any]) -> None:
    from datetime import datetime

    count = publish_visits(
        "C-2",
        [
            {
                "place_name": "대구역",
                "lat": 35.8797,
                "lng": 128.6285,
                "date": date(2020, 3, 13),
                "start": datetime(2020, 3, 13, 9, 0),
                "end": time(10, 0),
                "category": "station",
            }
        ],
        actor=Actor.system("investigation-test"),
    )
    assert count == 1
    visit = Visit.objects.get(place_name="대구역")
    assert visit.disclosed and visit.source == "investigation" and visit.start_time == time(9, 0)


@pytest.fixture
def clinics() -> list[Clinic]:
    rows = [
        ("A", 37.5665, 126.9780),
        ("B", 37.5172, 127.0473),
        ("C", 35.1796, 129.0756),
        ("D", 35.8714, 128.6014),
        ("E", 33.4996, 126.5312),
        ("F", 37.4563, 126.7052),
    ]
    return [
        Clinic.objects.create(
            name=n, address=f"{n} 주소", lat=lat, lng=lng, specimen_collection=n != "B", source="manual", source_key=n
        )
        for n, lat, lng in rows
    ]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lat=st.floats(33.5, 38.5), lng=st.floats(125.0, 130.0))
def test_nearest_clinics_match_a_brute_force_great_circle_ranking(
    clinics: list[Clinic], lat: float, lng: float
) -> None:
    body = Client().get(f"/api/situation/clinics/nearest?lat={lat}&lng={lng}&limit=3").json()
    expected = sorted(clinics, key=lambda c: haversine_m(lat, lng, c.lat or 0, c.lng or 0))[:3]
    assert [r["name"] for r in body["results"]] == [c.name for c in expected]


def test_nearest_clinics_refuse_impossible_coordinates(clinics: list[Clinic]) -> None:
    assert Client().get("/api/situation/clinics/nearest?lat=95&lng=127").status_code == 400
    assert Client().get("/api/situation/clinics/nearest?lat=abc&lng=127").status_code == 422
