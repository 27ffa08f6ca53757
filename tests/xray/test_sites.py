"""Studies belong to a site (a hospital or ward); clinicians read and review only their own site's studies.

Another site's study answers exactly as an unknown id does (404, same body), so its existence does not
leak, and the attempt is audited. An admin reads every site. Studies pushed by upload, STOW-RS or C-STORE
belong to the sender's site (the clinician's, their token's, or the calling AE title's).
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pydicom
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from epiaid.core.models import AuditEvent
from epiaid.core.roles import Role
from epiaid.core.tokens import issue
from epiaid.xray import services
from epiaid.xray.engine.synthetic import to_dicom
from epiaid.xray.models import DEFAULT_SITE_CODE, Override, Read, Site, SiteAeTitle, SiteMembership, Study

pytestmark = pytest.mark.django_db
BOUNDARY = "site-test-boundary"
STOW_TYPE = f'multipart/related; type="application/dicom"; boundary={BOUNDARY}'


@dataclass
class World:
    north: Site
    south: Site
    north_read: Read
    south_read: Read
    north_uid: str
    south_uid: str
    north_clinician: Any
    south_clinician: Any


def stow_body(data: bytes) -> bytes:
    return (
        f"--{BOUNDARY}\r\nContent-Type: application/dicom\r\n\r\n".encode() + data + f"\r\n--{BOUNDARY}--\r\n".encode()
    )


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def world(media: Path, chest: np.ndarray, make_user: Callable[..., Any]) -> World:
    north = Site.objects.create(code="north-er", name="North hospital, emergency")
    south = Site.objects.create(code="south-w3", name="South hospital, ward 3")
    north_dicom, south_dicom = to_dicom(chest, patient_id="SYN-N"), to_dicom(chest, patient_id="SYN-S")
    n = services.ingest(north_dicom, "n.dcm", Study.Source.DEMO, site=north)
    s = services.ingest(south_dicom, "s.dcm", Study.Source.DEMO, site=south)
    assert n.read is not None and s.read is not None
    north_clinician = make_user(Role.CLINICIAN, username="dr_north")
    south_clinician = make_user(Role.CLINICIAN, username="dr_south")
    SiteMembership.objects.create(site=north, user=north_clinician)
    SiteMembership.objects.create(site=south, user=south_clinician)
    return World(
        north,
        south,
        n.read,
        s.read,
        n.study.study_uid,
        s.study.study_uid,
        north_clinician,
        south_clinician,
    )


def test_the_worklist_shows_only_the_clinicians_own_site_and_an_admin_sees_all(
    world: World, make_user: Callable[..., Any]
) -> None:
    north = signed_in(world.north_clinician).get("/api/xray/worklist").json()
    assert [r["study_id"] for r in north] == [world.north_read.study_id]
    assert north[0]["site"] == "north-er"
    every = signed_in(make_user(Role.ADMIN)).get("/api/xray/worklist").json()
    assert {r["study_id"] for r in every} == {world.north_read.study_id, world.south_read.study_id}
    page = signed_in(world.north_clinician).get("/xray/")
    assert page.status_code == 200 and "n.dcm" in page.content.decode() and "s.dcm" not in page.content.decode()


def test_rejected_inputs_beside_the_worklist_are_the_sites_own(world: World, media: Path) -> None:
    services.ingest(b"not an image", "south-junk.txt", Study.Source.DEMO, site=world.south)
    from epiaid.core.actors import Actor

    north = services.rejected_studies(Actor.of(world.north_clinician))
    south = services.rejected_studies(Actor.of(world.south_clinician))
    assert north == [] and [s.filename for s in south] == ["south-junk.txt"]


@pytest.mark.parametrize(
    "suffix", ["", "/heatmap.png", "/heatmap.dcm", "/sr.dcm"], ids=["result", "heatmap", "sc", "sr"]
)
def test_another_sites_study_answers_like_an_unknown_id_and_the_attempt_is_audited(world: World, suffix: str) -> None:
    client = signed_in(world.north_clinician)
    theirs = client.get(f"/api/xray/studies/{world.south_read.study_id}{suffix}")
    unknown = client.get(f"/api/xray/studies/999999{suffix}")
    assert theirs.status_code == unknown.status_code == 404
    assert theirs.json()["code"] == unknown.json()["code"] == "unknown_study"
    assert theirs.json()["message"] == f"no study with id {world.south_read.study_id}"
    attempt = AuditEvent.objects.get(action="xray.other_site")
    assert attempt.actor_label == "dr_north" and attempt.object_id == str(world.south_read.study_id)
    assert not AuditEvent.objects.filter(action__in=["xray.view", "xray.view_heatmap", "xray.export_sr"]).exists()
    assert client.get(f"/api/xray/studies/{world.north_read.study_id}{suffix}").status_code == 200


def test_a_read_of_another_site_is_unknown_too(world: World) -> None:
    client = signed_in(world.north_clinician)
    theirs = client.get(f"/api/xray/reads/{world.south_read.pk}/sr.dcm")
    assert theirs.status_code == 404 and theirs.json()["code"] == "unknown_read"
    assert AuditEvent.objects.filter(action="xray.other_site").exists()


def test_a_clinician_cannot_review_another_sites_study(world: World) -> None:
    resp = signed_in(world.north_clinician).post(
        f"/api/xray/studies/{world.south_read.study_id}/review",
        json.dumps({"decision": "override", "flag": not world.south_read.flag}),
        content_type="application/json",
    )
    assert resp.status_code == 404 and not Override.objects.exists()
    assert AuditEvent.objects.filter(action="xray.other_site", actor_label="dr_north").exists()
    own = signed_in(world.south_clinician).post(
        f"/api/xray/studies/{world.south_read.study_id}/review",
        json.dumps({"decision": "confirm"}),
        content_type="application/json",
    )
    assert own.status_code == 201


def test_the_study_page_and_the_review_form_of_another_site_answer_404(world: World) -> None:
    client = signed_in(world.north_clinician)
    assert client.get(f"/xray/study/{world.south_read.study_id}/").status_code == 404
    client.post(f"/xray/study/{world.south_read.study_id}/review/", {"decision": "confirm"})
    assert not Override.objects.exists()
    assert client.get(f"/xray/study/{world.north_read.study_id}/").status_code == 200


def test_an_admin_reads_and_reviews_any_site(world: World, make_user: Callable[..., Any]) -> None:
    admin = signed_in(make_user(Role.ADMIN))
    assert admin.get(f"/api/xray/studies/{world.south_read.study_id}").status_code == 200
    resp = admin.post(
        f"/api/xray/studies/{world.north_read.study_id}/review",
        json.dumps({"decision": "confirm"}),
        content_type="application/json",
    )
    assert resp.status_code == 201


def test_wado_serves_only_the_readers_site_and_hides_the_rest(world: World) -> None:
    client = signed_in(world.north_clinician)
    for path in ("", "/metadata"):
        theirs = client.get(f"/api/xray/dicomweb/studies/{world.south_uid}{path}")
        unknown = client.get(f"/api/xray/dicomweb/studies/1.2.3.4.5{path}")
        assert theirs.status_code == unknown.status_code == 404
        assert client.get(f"/api/xray/dicomweb/studies/{world.north_uid}{path}").status_code == 200
    attempts = AuditEvent.objects.filter(action="xray.other_site")
    assert attempts.count() == 2 and attempts.first().detail["studies"] == [world.south_read.study_id]  # type: ignore[union-attr]


def test_pushed_studies_belong_to_the_senders_site(world: World, chest: np.ndarray) -> None:
    upload = signed_in(world.north_clinician).post(
        "/api/xray/studies", {"file": SimpleUploadedFile("up.dcm", to_dicom(chest, patient_id="UP"))}
    )
    assert upload.status_code == 201
    assert Study.objects.get(pk=upload.json()["study_id"]).site == world.north

    _, secret = issue(world.south_clinician.username, "south PACS")
    film = to_dicom(chest, patient_id="STOW")
    stowed = Client().post(
        "/api/xray/dicomweb/studies",
        data=stow_body(film),
        content_type=STOW_TYPE,
        HTTP_AUTHORIZATION=f"Bearer {secret}",
    )
    assert stowed.status_code == 200
    uid = str(pydicom.dcmread(io.BytesIO(film)).StudyInstanceUID)
    assert Study.objects.get(study_uid=uid).site == world.south
    # what the south PACS pushed is the south's to read, not the north's
    assert signed_in(world.north_clinician).get(f"/api/xray/dicomweb/studies/{uid}").status_code == 404


def test_a_cstore_push_belongs_to_the_site_of_its_calling_ae_title(world: World, chest: np.ndarray) -> None:
    SiteAeTitle.objects.create(site=world.south, ae_title="SOUTH_CR1")
    services.ingest_cstore(to_dicom(chest, patient_id="CS1"), "SOUTH_CR1")
    services.ingest_cstore(to_dicom(chest, patient_id="CS2"), "STRANGER")
    assert Study.objects.get(patient_ref="CS1").site == world.south
    assert Study.objects.get(patient_ref="CS2").site.code == DEFAULT_SITE_CODE


def test_clinicians_of_no_site_read_the_default_site_where_older_studies_live(
    world: World, media: Path, chest_dicom: bytes, make_user: Callable[..., Any]
) -> None:
    legacy = services.ingest(chest_dicom, "before-sites.dcm", Study.Source.DEMO)
    assert legacy.study.site.code == DEFAULT_SITE_CODE
    rows = signed_in(make_user(Role.CLINICIAN)).get("/api/xray/worklist").json()
    assert [r["study_id"] for r in rows] == [legacy.study.pk]


def test_sites_are_configured_from_the_cli_and_audited_as_the_cli(
    make_user: Callable[..., Any], media: Path, chest: np.ndarray
) -> None:
    from typer.testing import CliRunner

    from epiaid.xray.cli import app

    make_user(Role.CLINICIAN, username="dr_east")
    runner = CliRunner()
    made = runner.invoke(app, ["site", "east-icu", "--name", "East ICU", "--member", "dr_east", "--ae", "EAST_DX1"])
    assert made.exit_code == 0, made.output
    east = Site.objects.get(code="east-icu")
    assert [m.user.username for m in east.memberships.all()] == ["dr_east"]
    assert services.site_for_ae("EAST_DX1") == east.pk
    event = AuditEvent.objects.get(action="xray.site_configure")
    assert event.actor_kind == "system" and event.detail["members"] == ["dr_east"]
    wrong = runner.invoke(app, ["site", "east-icu", "--member", "nobody"])
    assert wrong.exit_code != 0 and "no user named nobody" in wrong.output
    assert "east-icu" in runner.invoke(app, ["sites"]).output


def test_only_an_admin_configures_sites(make_user: Callable[..., Any]) -> None:
    from epiaid.core.actors import Actor
    from epiaid.core.errors import Forbidden

    with pytest.raises(Forbidden):
        services.configure_site(Actor.of(make_user(Role.CLINICIAN)), "mine", "My own site")
    assert not Site.objects.filter(code="mine").exists()
    assert services.configure_site(Actor.of(make_user(Role.ADMIN)), "theirs", "Admin-made").name == "Admin-made"


def test_the_migration_puts_studies_received_before_sites_at_the_default_site(transactional_db: Any) -> None:
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    before, latest = [("xray", "0002_alter_study_source")], [("xray", "0003_sites")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    try:
        old_study = executor.loader.project_state(before).apps.get_model("xray", "Study")
        old = old_study.objects.create(source="demo", filename="before-sites.dcm", sha256="0" * 64, status="rejected")
        executor = MigrationExecutor(connection)
        executor.migrate(latest)
    finally:
        MigrationExecutor(connection).migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
    assert Study.objects.get(pk=old.pk).site.code == DEFAULT_SITE_CODE
