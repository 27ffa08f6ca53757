"""The job page in a real browser: it polls a running job and shows the panel once the job is done."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlparse

from django.conf import settings
from django.test import Client

from epiaid.assay.models import DesignJob
from epiaid.core.roles import Role

PANEL = [{"target": "N_29053", "oligo": "N_29053_F", "role": "forward", "sequence": "AAAACGTACTGCCACTAAAG"}]


def test_running_job_page_updates_itself_when_the_job_finishes(asgi_server: str, page: Any, make_user: Any) -> None:
    user = make_user(Role.REVIEWER, username="연구원")
    job = DesignJob.objects.create(
        created_by=user,
        title="브라우저 시험",
        genomes_name="g.fasta",
        reference_name="r.fasta",
        status=DesignJob.Status.RUNNING,
        progress=0.4,
        message="aligned 50/100 genomes",
        work_dir="/nonexistent",
    )
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": asgi_server}])
    page.goto(f"{asgi_server}/assay/jobs/{job.pk}/")
    assert page.locator("#job-status").inner_text() == "running"
    DesignJob.objects.filter(pk=job.pk).update(
        status=DesignJob.Status.DONE,
        progress=1.0,
        message="done",
        panel=PANEL,
        summary={"warnings": [], "genomes_used": 100},
    )
    page.wait_for_selector("#panel-table", timeout=15000)
    assert "AAAACGTACTGCCACTAAAG" in page.locator("#panel-table").inner_text()
    assert "브라우저 시험" in page.content()
    hosts = {urlparse(u).hostname for u in page.requests_seen if u.startswith("http")}
    assert hosts == {"127.0.0.1"}
