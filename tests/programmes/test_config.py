"""Programmes and tracks are data: the 2020 file as loaded, and what a bad file is told."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from epiaid.core.errors import BadInput
from epiaid.programmes.engine import config as engine


def test_the_three_2020_programmes_are_configured_as_data() -> None:
    specs = {p.code: p for p in engine.load(engine.DEFAULT)}
    assert set(specs) == {"hpc-2020", "data-voucher-2020", "cloud-voucher-2020"}
    tracks = {t.code: t for p in specs.values() for t in p.tracks}
    normal, covid = tracks["hpc-normal"], tracks["hpc-covid"]
    assert (normal.sizes_tf, normal.months) == ((10, 20, 40), 1)
    assert (covid.sizes_tf, covid.months, covid.review_sla_business_days) == ((100,), 2, 3)
    assert covid.extension.allowed and covid.extension.needs_review and not normal.extension.allowed
    purchase, processing = tracks["dv-covid-purchase"], tracks["dv-covid-processing"]
    assert purchase.budget + processing.budget == Decimal(5_000_000_000)
    assert purchase.grant_max == 18_000_000
    assert (processing.grant_min, processing.grant_max) == (45_000_000, 70_000_000)
    assert "university_team" in purchase.eligibility and purchase.pay_supplier_after_delivery
    assert tracks["cloud-normal"].co_payment_rate == Decimal("0.30")
    assert tracks["cloud-covid"].co_payment_rate == 0
    assert tracks["cloud-covid"].opens_on < tracks["cloud-normal"].opens_on  # start brought forward


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"budjet": 5}, "unknown keys"),
        ({"co_payment_rate": 1.2}, "co_payment_rate"),
        ({"review_sla_business_days": 0}, "at least 1 business day"),
        ({"eligibility": ["individual"]}, "eligibility"),
        ({"opens_on": "2020-12-01", "closes_on": "2020-01-01"}, "before opens_on"),
        ({"grant_min": 80_000_000}, "grant_min is above grant_max"),
    ],
)
def test_a_wrong_track_is_refused_with_the_reason(change: dict[str, Any], message: str) -> None:
    track = {
        "code": "t",
        "name_en": "t",
        "name_ko": "t",
        "unit": "krw",
        "budget": 10,
        "grant_max": 70_000_000,
        "eligibility": ["company"],
        "review_sla_business_days": 3,
    }
    track.update(change)
    with pytest.raises(engine.ConfigError, match=message):
        engine.parse(
            {"programmes": [{"code": "p", "kind": "data_voucher", "name_en": "p", "name_ko": "p", "tracks": [track]}]}
        )


@pytest.mark.django_db
def test_loading_twice_updates_in_place_and_refuses_a_budget_below_commitments(make_user: Any) -> None:
    from epiaid.core.models import AuditEvent
    from epiaid.programmes.models import Track, TrackLedger
    from epiaid.programmes.services import config

    officer = make_user("programme_officer")
    assert len(config.load_config(officer)) == 6
    assert config.load_config(officer)[0].endswith("updated (budget 12000 tf_months)")
    assert Track.objects.count() == 6 and TrackLedger.objects.get(track__code="hpc-covid").budget == 40000
    assert AuditEvent.objects.filter(action="programmes.configure").count() == 2
    with pytest.raises(BadInput):
        config.load_config(officer, document={"programmes": [{"code": "x", "kind": "nope"}]})
    assert AuditEvent.objects.filter(action="refused", target="programmes.config").count() == 1
    assert dt.date(2020, 3, 9) == Track.objects.get(code="hpc-covid").opens_on


@pytest.mark.django_db
def test_the_admin_loads_the_configuration_and_never_edits_tracks_or_budgets(django_user_model: Any) -> None:
    from django.contrib import admin
    from django.test import Client

    from epiaid.programmes.models import Programme, Track, TrackLedger

    root = django_user_model.objects.create_superuser("root", password="x-correct-horse-42")
    client = Client()
    client.force_login(root)
    from epiaid.programmes.services import config

    config.load_config(root)
    TrackLedger.objects.filter(track__code="hpc-covid").update(budget=1)  # drifted from the file
    assert client.get("/admin/programmes/programme/").status_code == 200
    first = Programme.objects.first()
    assert first is not None
    response = client.post(
        "/admin/programmes/programme/", {"action": "load_configuration", "_selected_action": [first.pk]}
    )
    assert response.status_code == 302
    assert TrackLedger.objects.get(track__code="hpc-covid").budget == 40000  # the file's budget again
    for model in (Programme, Track, TrackLedger):
        model_admin = admin.site._registry[model]
        assert not model_admin.has_change_permission(None) and not model_admin.has_delete_permission(None)
