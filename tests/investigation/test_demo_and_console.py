"""The demo loads through the real workflow, and the console shows path, stays, contacts and the
likely sources of the case's infection with their evidence."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from epiaid.investigation.demo import load_demo
from epiaid.investigation.models import DataRequest, Investigation


@pytest.mark.django_db
def test_demo_loads_one_investigation_through_the_workflow(data_dir: Any) -> None:
    summary = load_demo(None, lambda _: None)
    assert "synthetic pings delivered" in summary
    inv = Investigation.objects.get(case_number="DEMO-INV-1")
    assert inv.requests.filter(status=DataRequest.Status.DELIVERED).count() == 1
    assert inv.requests.filter(status=DataRequest.Status.PENDING).count() == 1
    assert load_demo(None, lambda _: None) == "demo investigation already present"


@pytest.mark.slow
def test_console_draws_the_case_in_a_real_browser(
    asgi_server: str, page: Any, settings: Any, tmp_path: Any, shared_data: Path
) -> None:
    from django.contrib.auth import get_user_model

    from epiaid.situation.services.importers import import_ds4c_dir

    settings.DATA_DIR = tmp_path
    import_ds4c_dir(shared_data / "ds4c")  # the situation map's cases: the candidates and the known links
    load_demo(None, lambda _: None)
    inv = Investigation.objects.get(case_number="DEMO-INV-1")
    user = get_user_model().objects.get(username="demo_investigator")
    user.set_password("correct horse battery staple 42")
    user.save()
    page.goto(f"{asgi_server}/accounts/login/?next=/investigation/{inv.pk}/")
    page.fill("input[name=username]", "demo_investigator")
    page.fill("input[name=password]", "correct horse battery staple 42")
    page.click("button[type=submit]")
    page.wait_for_selector("body[data-loaded]", timeout=30_000)
    assert page.get_attribute("body", "data-loaded") == "true"
    assert page.locator("#timeline li").count() >= 2
    assert page.locator("#contacts tr").count() >= 4
    assert "contacts" in page.inner_text("#status")
    # likely sources: DS4C cases confirmed by the demo case's day, each with probability and evidence
    page.wait_for_selector("body[data-sources]", timeout=180_000)
    assert page.get_attribute("body", "data-sources") == "true"
    sources = page.locator("#sources li")
    assert sources.count() == 10
    first = sources.first.inner_text()
    assert "%" in first and "d after" in first and ("shared places:" in first or "no shared places" in first)
    assert "known links" in page.inner_text("#sources-status")
    assert all(url.startswith(asgi_server) or url.startswith("data:") for url in page.requests_seen)
