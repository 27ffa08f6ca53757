"""Rate limits per client on public routes and load shedding per route class: a flood of anonymous
requests cannot make staff pages answer 429 or 503."""

from __future__ import annotations

from typing import Any

import httpx

from epiaid.core.admission import LOGIN, PUBLIC, STAFF, Admission, Limits, client_address, route_class


def test_routes_fall_into_public_login_and_staff_classes() -> None:
    assert route_class("GET", "/corona19-masks/v1/storesByGeo/json") == PUBLIC
    assert route_class("GET", "/api/masks/v2/stores") == PUBLIC
    assert route_class("GET", "/api/situation/visits") == PUBLIC
    assert route_class("GET", "/api/situation/staff/cases") == STAFF
    assert route_class("POST", "/accounts/login/") == LOGIN
    assert route_class("GET", "/accounts/login/") == STAFF  # showing the form costs nothing to guard
    assert route_class("GET", "/investigation/") == STAFF


def test_a_client_over_its_public_budget_gets_429_and_others_do_not() -> None:
    gate = Admission(Limits(per_minute={PUBLIC: 3}, in_flight={}))
    for _ in range(3):
        assert gate.enter(PUBLIC, "203.0.113.1", now=60.0).admitted
        gate.leave(PUBLIC)
    refused = gate.enter(PUBLIC, "203.0.113.1", now=61.0)
    assert (refused.admitted, refused.status) == (False, 429) and refused.retry_after == 59
    assert gate.enter(PUBLIC, "203.0.113.2", now=61.0).admitted
    assert gate.enter(STAFF, "203.0.113.1", now=61.0).admitted  # staff routes are never counted
    assert gate.enter(PUBLIC, "203.0.113.1", now=120.0).admitted  # a new minute, a new budget


def test_a_full_public_class_is_shed_while_staff_requests_still_run() -> None:
    gate = Admission(Limits(per_minute={}, in_flight={PUBLIC: 2, STAFF: 2}))
    assert gate.enter(PUBLIC, "a").admitted and gate.enter(PUBLIC, "b").admitted
    shed = gate.enter(PUBLIC, "c")
    assert (shed.admitted, shed.status) == (False, 503)
    assert gate.enter(STAFF, "nurse").admitted
    gate.leave(PUBLIC)
    assert gate.enter(PUBLIC, "c").admitted


def test_behind_a_trusted_proxy_each_client_has_its_own_budget() -> None:
    assert client_address("10.0.0.1", "198.51.100.9", ["10.0.0.0/8"]) == "198.51.100.9"
    assert client_address("198.51.100.7", "1.1.1.1", ["10.0.0.0/8"]) == "198.51.100.7"


def test_the_served_app_answers_429_on_public_routes_and_keeps_serving_staff(asgi_server: str, settings: Any) -> None:
    from epiaid.core import admission

    settings.RATE_PUBLIC_PER_MINUTE = 5
    admission.ADMISSION = admission.Admission()  # a fresh process-wide counter for this test
    import epiaid.core.bodylimit  # noqa: F401 - the wrapper reads ADMISSION from its module at call time

    answers = [httpx.get(asgi_server + "/api/situation/policy", timeout=10).status_code for _ in range(7)]
    assert answers[:5] == [200] * 5 and answers[5:] == [429, 429]
    assert httpx.get(asgi_server + "/api/health", timeout=10).status_code == 200
    refused = httpx.get(asgi_server + "/api/situation/policy", timeout=10)
    assert refused.json()["code"] == "rate_limited" and int(refused.headers["retry-after"]) >= 1
