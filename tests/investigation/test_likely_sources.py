"""The console's "likely source" list: situation-map cases confirmed on or before the investigation's
case, ranked by the model trained on the map's known links, with probability and evidence."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client

from epiaid.core.models import AuditEvent
from epiaid.core.roles import Role
from epiaid.investigation import services
from tests.investigation.conftest import World, case_day_rows

pytest.importorskip("epiaid.situation")
pytestmark = pytest.mark.django_db
API = "/api/investigation"
DAY = dt.date(2020, 3, 4)  # the case's delivered pings: one hour at (37.5665, 126.9780)


def map_case(number: str, confirmed: dt.date, infected_by: str = "", city: str = "Jung-gu") -> Any:
    from epiaid.situation.models import Case

    return Case.objects.create(
        number=number,
        confirmed_date=confirmed,
        province="Seoul",
        city=city,
        age_band="30s",
        infection_case="contact with patient" if infected_by else "etc",
        infected_by=infected_by,
    )


def map_visit(case: Any, day: dt.date, lat: float, lng: float, category: str = "restaurant") -> None:
    from epiaid.situation.models import Visit

    Visit.objects.create(
        case=case,
        date=day,
        place_name=category,
        category=category,
        province="Seoul",
        lat=lat,
        lng=lng,
        source_key=f"{case.number}-{day}-{lat}",
    )


def known_outbreak(links: int) -> None:
    """``links`` February pairs: the infectee visited the infector's place the day after; decoys elsewhere."""
    for i in range(links):
        conf = dt.date(2020, 2, 1) + dt.timedelta(days=2 * i)
        lat, lng = 37.50 + 0.004 * i, 127.02
        src = map_case(f"K-{i}", conf)
        map_visit(src, conf - dt.timedelta(days=2), lat, lng)
        sick = map_case(f"K-{i}b", conf + dt.timedelta(days=1), infected_by=f"K-{i}")
        map_visit(sick, conf - dt.timedelta(days=1), lat + 0.0002, lng)
        decoy = map_case(f"D-{i}", conf, city="Mapo-gu")
        map_visit(decoy, conf - dt.timedelta(days=1), lat + 0.05, lng - 0.05, "store")


def investigation_with_a_source(world: World, links: int = 14) -> Any:
    known_outbreak(links)
    inv = world.open()  # case C-1, confirmed 2020-03-07
    world.delivered(inv, case_day_rows("S1", DAY))
    src = map_case("K-SRC", dt.date(2020, 3, 5))
    map_visit(src, DAY, 37.5666, 126.9781)  # where the case spent an hour, the same day
    far = map_case("K-FAR", dt.date(2020, 3, 6), city="Mapo-gu")
    map_visit(far, DAY, 37.55, 126.91, "store")
    map_case("K-LATER", dt.date(2020, 3, 9))  # confirmed after the case: never a candidate
    return inv


def test_the_assigned_investigator_sees_ranked_sources_with_evidence(world: World) -> None:
    inv = investigation_with_a_source(world)
    c = Client()
    c.force_login(world.investigator)
    body = c.get(f"{API}/investigations/{inv.pk}/likely-sources").json()
    assert body["available"] and body["trained_on"] == 14
    top = body["sources"][0]
    assert top["case_number"] == "K-SRC" and top["rank"] == 1
    assert 0 < top["probability"] <= 1
    assert sum(s["probability"] for s in body["sources"]) <= 1 + 1e-6
    assert top["days_confirmed_apart"] == 2
    assert top["shared_places"][0]["date"] == "2020-03-04" and top["shared_places"][0]["distance_m"] <= 20
    assert "K-LATER" not in {s["case_number"] for s in body["sources"]}
    assert AuditEvent.objects.filter(action="view", target="investigation.likely_sources").exists()


def test_other_investigators_are_refused_and_audited(world: World) -> None:
    inv = investigation_with_a_source(world)
    c = Client()
    c.force_login(world.other_investigator)
    assert c.get(f"{API}/investigations/{inv.pk}/likely-sources").status_code == 403
    with pytest.raises(services.Forbidden):
        services.likely_sources(world.other_investigator, inv)
    assert AuditEvent.objects.filter(action="refused", target="investigation.likely_sources").exists()


def test_too_few_known_links_say_so_instead_of_guessing(world: World) -> None:
    inv = investigation_with_a_source(world, links=3)
    out = services.likely_sources(world.investigator, inv)
    assert not out["available"] and out["sources"] == []
    assert "too few" in out["reason"] and out["trained_on"] == 3


@pytest.mark.parametrize("role", [Role.PUBLIC, Role.HEALTH_STAFF, Role.APPROVER, Role.CLINICIAN])
def test_other_roles_never_reach_the_ranking(role: Role, world: World, client_as: Any) -> None:
    inv = world.open()
    response = client_as(role).get(f"{API}/investigations/{inv.pk}/likely-sources")
    assert response.status_code == (401 if role is Role.PUBLIC else 403)
