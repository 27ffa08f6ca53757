"""A real single-node Slurm for the compute-backend tests (import the fixtures from this module).

``slurm_cluster`` starts munged, MariaDB, slurmdbd, slurmctld and slurmd once per test session (per
xdist worker) in a temporary folder, without systemd (``epiaid.programmes.engine.slurm_harness``), and
stops them at the end.  Tests skip with the reason when the Debian packages are not installed
(``make system-test-deps`` installs them: slurm-wlm slurmdbd mariadb-server munge).
"""

from __future__ import annotations

import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from epiaid.programmes.engine.slurm import SlurmCLI
from epiaid.programmes.engine.slurm_harness import DEBIAN_PACKAGES, HarnessError, SlurmHarness, missing_binaries


@pytest.fixture(scope="session")
def slurm_cluster() -> Iterator[SlurmHarness]:
    missing = missing_binaries()
    if missing:
        pytest.skip(
            f"real Slurm not installed: {', '.join(missing)} missing (apt packages {' '.join(DEBIAN_PACKAGES)})"
        )
    # a short path: munge and MariaDB sockets must stay under the 108-byte limit of a Unix socket path
    failures = []
    for _attempt in range(2):  # once more on a fresh folder and fresh ports if a start fails (a busy machine)
        root = Path(tempfile.mkdtemp(prefix="epiaid-slurm-"))
        harness = SlurmHarness(root)
        try:
            harness.start()
            break
        except HarnessError as exc:
            shutil.rmtree(root, ignore_errors=True)
            failures.append(str(exc))
    else:
        pytest.fail("the Slurm test cluster did not start:\n" + "\n".join(failures))
    try:
        yield harness
    finally:
        harness.stop()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def slurm_backend(slurm_cluster: SlurmHarness) -> SlurmCLI:
    return SlurmCLI(conf=slurm_cluster.conf, cluster=slurm_cluster.cluster, env=slurm_cluster.env)


@pytest.fixture
def account_name() -> str:
    """A fresh account name per test (the cluster is shared by the whole session)."""
    return f"t{uuid.uuid4().hex[:10]}"
