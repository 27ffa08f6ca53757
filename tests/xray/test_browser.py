"""The worklist in a real browser: signed-in radiologist, urgency bars drawn by the static script, nothing
fetched from outside this server."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from epiaid.core.roles import Role
from tests.conftest import wait_in_page

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_radiologist_sees_the_worklist_and_the_heatmap(
    asgi_server: str, page: Any, make_user: Callable[..., Any], media: Path, chest_dicom: bytes
) -> None:
    from epiaid.xray import services
    from epiaid.xray.models import Study

    read = services.ingest(chest_dicom, "흉부.dcm", Study.Source.DEMO).read
    assert read is not None
    make_user(Role.CLINICIAN, username="radiologist")
    page.goto(f"{asgi_server}/accounts/login/?next=/xray/")
    page.fill("input[name=username]", "radiologist")
    page.fill("input[name=password]", "correct horse battery staple 42")
    page.click("button[type=submit]")
    page.wait_for_selector("#worklist")
    assert "흉부.dcm" in page.inner_text("#worklist")
    # The static script at the end of the page runs after #worklist is parsed: wait for it, not a race.
    wait_in_page(page, "document.querySelector('#worklist .bar').style.width !== ''")
    width = page.eval_on_selector("#worklist .bar", "el => el.style.width")
    assert width.endswith("px")  # drawn by static/xray/worklist.js (no inline script under the CSP)
    page.click("#worklist a")
    page.wait_for_selector("figure img")
    wait_in_page(page, "document.querySelector('figure img').complete")  # loaded or failed, not pending
    assert page.eval_on_selector("figure img", "img => img.naturalWidth") > 0
    assert all(url.startswith(asgi_server) for url in page.requests_seen)
