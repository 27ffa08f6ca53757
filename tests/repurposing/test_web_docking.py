"""Docking from the web page: a ranking job may go on to dock one target's shortlist into 6LU7."""

from __future__ import annotations

import shutil
import time
from pathlib import Path
from typing import Any

import pytest

from epiaid.core.models import AuditEvent
from epiaid.core.roles import Role
from epiaid.repurposing.models import RankJob

FAKE_PDB = """\
ATOM      1  N   ALA A   1      11.104   6.134  -6.504  1.00  0.00           N
HETATM    2  C1  02J C   2       3.000   4.000   5.000  1.00  0.00           C
"""
SMALL_DRUGS = "drug_id,name,smiles\napap,Paracetamol,CC(=O)Nc1ccc(O)cc1\ncaff,Caffeine,Cn1cnc2c1c(=O)n(C)c(=O)n2C\n"


@pytest.fixture
def dti_with_structure(settings: Any, synthetic_dti: Path, synthetic_weights: Path, tmp_path: Path) -> Path:
    """The synthetic DTI folder plus a structures/ folder of this test's own (the session copy is shared)."""
    root = tmp_path / "dti"
    root.mkdir()
    for item in synthetic_dti.iterdir():
        (root / item.name).symlink_to(item)
    (root / "structures").mkdir()
    (root / "structures" / "6lu7.pdb").write_text(FAKE_PDB, encoding="utf-8")
    settings.EPIAID_REPURPOSING_DTI_DIR = root
    settings.EPIAID_REPURPOSING_WEIGHTS = synthetic_weights
    settings.DATA_DIR = tmp_path / "data"
    return root


def _submit(client: Any, root: Path, **docking: Any) -> Any:
    return client.post(
        "/api/repurposing/jobs",
        {
            "benchmark": "kiba",
            "targets_fasta": (root / "targets.fasta").read_text(encoding="utf-8"),
            "library_csv": SMALL_DRUGS,
            **docking,
        },
        content_type="application/json",
    )


def _wait(job_id: int, seconds: float) -> RankJob:
    deadline = time.monotonic() + seconds
    while RankJob.objects.get(pk=job_id).status in ("queued", "running") and time.monotonic() < deadline:
        time.sleep(0.3)
    return RankJob.objects.get(pk=job_id)


@pytest.mark.parametrize(
    ("docking", "named"),
    [
        ({"dock_top": 99}, "dock_top"),
        ({"dock_top": 2, "dock_exhaustiveness": 0}, "dock_exhaustiveness"),
        ({"dock_top": 2, "dock_time_limit_s": 1}, "dock_time_limit_s"),
        ({"dock_top": 2, "dock_target": "  "}, "dock_target"),
    ],
)
def test_docking_options_out_of_range_are_refused_by_name(
    client_as: Any, dti_with_structure: Path, docking: dict[str, Any], named: str
) -> None:
    response = _submit(client_as(Role.REVIEWER), dti_with_structure, **docking)
    assert response.status_code == 422 and named in response.json()["detail"]
    assert not RankJob.objects.exists()


def test_docking_without_the_receptor_structure_is_refused(client_as: Any, dti_with_structure: Path) -> None:
    (dti_with_structure / "structures" / "6lu7.pdb").unlink()
    response = _submit(client_as(Role.REVIEWER), dti_with_structure, dock_top=2)
    assert response.status_code == 422 and "6lu7.pdb" in response.json()["detail"]


def test_the_form_names_a_malformed_docking_number(client_as: Any, dti_with_structure: Path) -> None:
    client = client_as(Role.PROGRAMME_OFFICER)
    response = client.post("/repurposing/jobs/", {"dock": "on", "dock_top": "ten"}, follow=True)
    assert "dock_top" in response.content.decode() and not RankJob.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_docking_failure_keeps_the_finished_ranking_and_says_why(
    client_as: Any, dti_with_structure: Path, job_worker: None
) -> None:
    client = client_as(Role.REVIEWER)
    response = _submit(client, dti_with_structure, dock_top=2, dock_target="no_such_target")
    assert response.status_code == 200, response.content
    job = _wait(response.json()["id"], 120)
    assert job.status == "done", job.message
    assert "docking failed" in job.message and "no_such_target" in job.message
    assert client.get(f"/api/repurposing/jobs/{job.pk}/ranking").status_code == 200
    assert client.get(f"/api/repurposing/jobs/{job.pk}/docking").status_code == 409
    page = client.get(f"/repurposing/jobs/{job.pk}/").content.decode()
    assert "docking failed" in page


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_job_docks_its_shortlist_into_mpro_and_shows_the_table(
    client_as: Any, dti_with_structure: Path, shared_data: Path, job_worker: None
) -> None:
    pdb = dti_with_structure / "structures" / "6lu7.pdb"
    shutil.copyfile(shared_data / "dti" / "structures" / "6lu7.pdb", pdb)
    client = client_as(Role.PROGRAMME_OFFICER)
    response = _submit(
        client,
        dti_with_structure,
        dock_top=2,
        dock_target="viral_protease",
        dock_exhaustiveness=1,
        dock_time_limit_s=120,
    )
    job = _wait(response.json()["id"], 400)
    assert job.status == "done" and "docked 2 of 2 drugs" in job.message, job.message
    rows = client.get(f"/api/repurposing/jobs/{job.pk}/docking").json()
    assert {r["drug_id"] for r in rows} == {"apap", "caff"}
    assert all(r["status"] == "ok" and -10 < r["score_kcal_mol"] < 0 for r in rows)
    assert rows[0]["score_kcal_mol"] <= rows[1]["score_kcal_mol"]  # best (most negative) first
    page = client.get(f"/repurposing/jobs/{job.pk}/").content.decode()
    assert 'id="docking"' in page and "Paracetamol" in page
    assert AuditEvent.objects.filter(target="repurposing.docking", object_id=str(job.pk)).exists()
    assert client_as(Role.CLINICIAN).get(f"/api/repurposing/jobs/{job.pk}/docking").status_code == 403
