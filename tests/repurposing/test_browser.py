"""The page in a real browser: submit a job with a pasted FASTA and an uploaded library, watch it finish."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.test import Client

from epiaid.core.roles import Role


@pytest.mark.browser
def test_reviewer_submits_a_job_and_reads_its_report_in_the_browser(
    asgi_server: str,
    job_worker: None,
    page: Any,
    make_user: Any,
    settings: Any,
    synthetic_dti: Path,
    synthetic_weights: Path,
    tmp_path: Path,
) -> None:
    settings.EPIAID_REPURPOSING_DTI_DIR = synthetic_dti
    settings.EPIAID_REPURPOSING_WEIGHTS = synthetic_weights
    settings.DATA_DIR = tmp_path
    client = Client()
    client.force_login(make_user(Role.REVIEWER))
    cookie = client.cookies[django_settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies([{"name": django_settings.SESSION_COOKIE_NAME, "value": cookie, "url": asgi_server}])

    page.goto(f"{asgi_server}/repurposing/")
    page.fill("textarea[name=targets_fasta]", (synthetic_dti / "targets.fasta").read_text(encoding="utf-8"))
    page.set_input_files("input[name=library]", str(synthetic_dti / "library.csv"))
    page.click("#rank-form button[type=submit]")
    page.wait_for_url("**/repurposing/jobs/*/")
    page.wait_for_selector("#report-link:not([hidden])", timeout=120_000)  # progress polled by jobs.js
    assert page.text_content("#job .status") == "done"
    page.click("#report-link a")
    page.wait_for_load_state()
    assert "viral_protease" in page.content()
    assert all(url.startswith(asgi_server) or url.startswith("data:") for url in page.requests_seen)
