"""A real single-node Slurm with accounting, started in a folder of its own without systemd.

Used by the test suite (``tests/programmes/conftest_slurm.py``) and by ``bench/programmes/slurm_lag.py``;
also handy by hand::

    python -m epiaid.programmes.engine.slurm_harness /tmp/slurm-play     # starts, prints SLURM_CONF, waits

What it starts, each as a child process in the foreground (``-D``/``-F``) with every path under ``root``:

1. ``munged`` with a fresh key (``mungekey``) and its own socket;
2. ``mariadbd`` on a data directory made by ``mariadb-install-db``, its own socket and a free TCP port
   on 127.0.0.1, with a ``slurm`` database user;
3. ``slurmdbd`` (``slurmdbd.conf``: accounting_storage/mysql on that MariaDB);
4. ``slurmctld`` (``slurm.conf``: AccountingStorageType=accounting_storage/slurmdbd,
   AccountingStorageEnforce=associations,limits,qos,safe, PriorityType=priority/multifactor,
   SelectType=select/cons_tres, one node ``localhost`` with this machine's CPUs, free ports);
5. ``slurmd -N localhost`` (ProctrackType=proctrack/linuxproc, TaskPlugin=task/none: no cgroups needed).

Every Slurm command is then run with ``SLURM_CONF=<root>/etc/slurm.conf`` (:attr:`SlurmHarness.env`).
Daemons run as the invoking user (root in CI containers).  This module does not import Django.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

BINARIES = ("munged", "mungekey", "mariadbd", "mariadb-install-db", "mariadb", "slurmdbd", "slurmctld", "slurmd",
            "sacctmgr", "sacct", "sbatch", "squeue", "scontrol", "sinfo")  # fmt: skip
DEBIAN_PACKAGES = ("slurm-wlm", "slurmdbd", "mariadb-server", "munge")
SBIN_DIRS = ("/usr/sbin", "/usr/local/sbin", "/sbin")


def which(name: str) -> str | None:
    path = os.environ.get("PATH", "") + os.pathsep + os.pathsep.join(SBIN_DIRS)
    return shutil.which(name, path=path)


def missing_binaries() -> list[str]:
    """The programs this harness needs that are not installed (empty when it can run)."""
    return [b for b in BINARIES if which(b) is None]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class HarnessError(RuntimeError):
    pass


class SlurmHarness:
    """Start (:meth:`start`) and stop (:meth:`stop`) munged, mariadbd, slurmdbd, slurmctld and slurmd."""

    cluster = "epiaid"
    node = "localhost"
    partition = "debug"

    def __init__(
        self, root: str | os.PathLike[str], *, cpus: int | None = None, gpus: int = 2, start_slurmd: bool = True
    ) -> None:
        self.root = Path(root).resolve()
        self.cpus = cpus or os.cpu_count() or 1
        #: GPUs the node declares as a count-only gres (no device files: jobs get none bound, but Slurm
        #: schedules, limits and accounts ``gres/gpu`` exactly as on a GPU node)
        self.gpus = gpus
        self.start_slurmd = start_slurmd
        self.user = os.environ.get("USER") or _whoami()
        self.procs: dict[str, subprocess.Popen[bytes]] = {}
        self.etc = self.root / "etc"
        self.log = self.root / "log"
        self.run_dir = self.root / "run"
        self.munge_socket = self.run_dir / "munge.socket"
        self.mysql_socket = self.run_dir / "mysqld.sock"
        self.mysql_port = free_port()
        self.dbd_port = free_port()
        self.ctld_port = free_port()
        self.slurmd_port = free_port()
        self.db_password = secrets.token_hex(12)
        self.conf = self.etc / "slurm.conf"
        self.env = {**os.environ, "SLURM_CONF": str(self.conf), "TMPDIR": str(self.root / "tmp")}
        self.env["PATH"] = self.env.get("PATH", "") + os.pathsep + os.pathsep.join(SBIN_DIRS)
        self.timings: dict[str, float] = {}

    # ---------------------------------------------------------------------------------------------
    def _spawn(self, name: str, argv: list[str]) -> None:
        out = (self.log / f"{name}.out").open("wb")
        self.procs[name] = subprocess.Popen(  # an argument list, never a shell
            argv, stdout=out, stderr=subprocess.STDOUT, env=self.env, cwd=self.root, start_new_session=True,
            preexec_fn=_die_with_parent,
        )  # fmt: skip
        out.close()

    def _check_alive(self, name: str) -> None:
        proc = self.procs[name]
        if proc.poll() is not None:
            raise HarnessError(f"{name} exited with {proc.returncode}:\n{self.tail(name)}")

    def tail(self, name: str, lines: int = 30) -> str:
        chunks = []
        for p in (self.log / f"{name}.out", self.log / f"{name}.log"):
            if p.exists():
                chunks.append(f"--- {p}\n" + "\n".join(p.read_text(errors="replace").splitlines()[-lines:]))
        return "\n".join(chunks)

    def _wait(self, name: str, check: object, timeout: float = 60.0) -> None:
        t0 = time.monotonic()
        while time.monotonic() - t0 < timeout:
            self._check_alive(name)
            try:
                if check():  # type: ignore[operator]
                    self.timings[name] = time.monotonic() - t0
                    return
            except (OSError, subprocess.SubprocessError):
                pass
            time.sleep(0.2)
        raise HarnessError(f"{name} not ready after {timeout:.0f} s:\n{self.tail(name)}")

    def cmd(self, *argv: str, check: bool = True, timeout: float = 30.0) -> subprocess.CompletedProcess[str]:
        """Run a Slurm (or mariadb) client command against this cluster."""
        exe = which(argv[0]) or argv[0]
        proc = subprocess.run(
            [exe, *argv[1:]], capture_output=True, text=True, env=self.env, timeout=timeout, check=False
        )
        if check and proc.returncode != 0:
            raise HarnessError(f"{' '.join(argv)}: exit {proc.returncode}: {proc.stderr.strip() or proc.stdout}")
        return proc

    # ---------------------------------------------------------------------------------------------
    def write_configs(self) -> None:
        for d in (self.etc, self.log, self.run_dir, self.root / "munge", self.root / "mysql", self.root / "state",
                  self.root / "spool", self.root / "tmp"):  # fmt: skip
            d.mkdir(parents=True, exist_ok=True)
        auth = f"AuthType=auth/munge\nAuthInfo=socket={self.munge_socket}\n"
        dbd = self.etc / "slurmdbd.conf"
        dbd.write_text(
            f"""# written by epiaid's slurm_harness
{auth}DbdHost=localhost
DbdAddr=127.0.0.1
DbdPort={self.dbd_port}
SlurmUser={self.user}
PidFile={self.run_dir}/slurmdbd.pid
LogFile={self.log}/slurmdbd.log
DebugLevel=info
StorageType=accounting_storage/mysql
StorageHost=127.0.0.1
StoragePort={self.mysql_port}
StorageUser=slurm
StoragePass={self.db_password}
StorageLoc=slurm_acct_db
"""
        )
        dbd.chmod(0o600)
        gres = f"Gres=gpu:{self.gpus} " if self.gpus else ""
        gres_conf = ""
        if self.gpus:  # stand-in device files: nothing opens them (task/none binds no devices)
            (self.root / "dev").mkdir(exist_ok=True)
            for i in range(self.gpus):
                (self.root / "dev" / f"gpu{i}").touch()
            gres_conf = f"NodeName={self.node} Name=gpu File={self.root}/dev/gpu[0-{self.gpus - 1}]\n"
        (self.etc / "gres.conf").write_text(gres_conf)
        self.conf.write_text(
            f"""# written by epiaid's slurm_harness
ClusterName={self.cluster}
SlurmctldHost=localhost(127.0.0.1)
SlurmctldPort={self.ctld_port}
SlurmdPort={self.slurmd_port}
SlurmUser={self.user}
SlurmdUser={self.user}
{auth}CredType=cred/munge
StateSaveLocation={self.root}/state
SlurmdSpoolDir={self.root}/spool
SlurmctldPidFile={self.run_dir}/slurmctld.pid
SlurmdPidFile={self.run_dir}/slurmd.pid
SlurmctldLogFile={self.log}/slurmctld.log
SlurmdLogFile={self.log}/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
MpiDefault=none
SwitchType=switch/none
ReturnToService=2
SchedulerType=sched/backfill
SchedulerParameters=sched_interval=2,bf_interval=2
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
PriorityType=priority/multifactor
PriorityCalcPeriod=1
PriorityDecayHalfLife=7-0
AccountingStorageType=accounting_storage/slurmdbd
AccountingStorageHost=localhost
AccountingStoragePort={self.dbd_port}
# the munge socket for talking to slurmdbd (AuthInfo covers slurmctld/slurmd only)
AccountingStoragePass={self.munge_socket}
AccountingStorageEnforce=associations,limits,qos,safe
AccountingStorageTRES=gres/gpu
GresTypes=gpu
JobCompType=jobcomp/none
MinJobAge=30
KillWait=2
InactiveLimit=0
MessageTimeout=10
NodeName={self.node} NodeHostname={self.node} NodeAddr=127.0.0.1 CPUs={self.cpus} {gres}State=UNKNOWN
PartitionName={self.partition} Nodes={self.node} Default=YES MaxTime=INFINITE State=UP
"""
        )
        # no cgroup.conf: slurmd autodetects; with proctrack/linuxproc and task/none nothing is confined

    def start_munge(self) -> None:
        key = self.root / "munge" / "munge.key"
        if not key.exists():
            self.cmd("mungekey", "--create", f"--keyfile={key}")
        key.chmod(0o600)
        self._spawn("munged", [
            which("munged") or "munged", "--foreground", "--force", f"--socket={self.munge_socket}",
            f"--key-file={key}", f"--pid-file={self.run_dir}/munged.pid", f"--log-file={self.log}/munged.log",
            f"--seed-file={self.root}/munge/munged.seed",
        ])  # fmt: skip
        self._wait("munged", self.munge_socket.exists, 20)

    def _mysql(self, sql: str) -> None:
        self.cmd("mariadb", "--no-defaults", f"--socket={self.mysql_socket}", "-uroot", "-e", sql)

    def start_mariadb(self) -> None:
        data = self.root / "mysql" / "data"
        tmp = self.root / "mysql" / "tmp"  # its own: two bootstraps sharing /tmp remove each other's tables
        tmp.mkdir(parents=True, exist_ok=True)
        if not data.exists():
            self.cmd("mariadb-install-db", "--no-defaults", f"--datadir={data}", f"--user={self.user}",
                     "--auth-root-authentication-method=socket", "--skip-test-db", f"--tmpdir={tmp}",
                     timeout=120)  # fmt: skip
        self._spawn("mariadbd", [
            which("mariadbd") or "mariadbd", "--no-defaults", f"--datadir={data}", f"--socket={self.mysql_socket}",
            f"--port={self.mysql_port}", "--bind-address=127.0.0.1", f"--user={self.user}",
            f"--pid-file={self.run_dir}/mariadbd.pid", f"--log-error={self.log}/mariadbd.log", f"--tmpdir={tmp}",
            "--skip-name-resolve", "--innodb-buffer-pool-size=64M", "--innodb-log-file-size=8M",
            "--innodb-lock-wait-timeout=900", "--max-allowed-packet=64M", "--skip-log-bin",
            "--innodb-flush-log-at-trx-commit=2",
        ])  # fmt: skip
        self._wait("mariadbd", lambda: self.mysql_socket.exists() and self.cmd(
            "mariadb", "--no-defaults", f"--socket={self.mysql_socket}", "-uroot", "-e", "select 1", check=False
        ).returncode == 0, 60)  # fmt: skip
        pw = self.db_password
        self._mysql(
            f"CREATE USER IF NOT EXISTS 'slurm'@'127.0.0.1' IDENTIFIED BY '{pw}';"
            f"CREATE USER IF NOT EXISTS 'slurm'@'localhost' IDENTIFIED BY '{pw}';"
            "GRANT ALL ON slurm_acct_db.* TO 'slurm'@'127.0.0.1';"
            "GRANT ALL ON slurm_acct_db.* TO 'slurm'@'localhost'; FLUSH PRIVILEGES;"
        )

    def start_slurmdbd(self) -> None:
        self._spawn("slurmdbd", [which("slurmdbd") or "slurmdbd", "-D"])
        self._wait("slurmdbd", lambda: self.cmd("sacctmgr", "-n", "-P", "show", "cluster", check=False,
                                                timeout=10).returncode == 0, 90)  # fmt: skip
        clusters = self.cmd("sacctmgr", "-n", "-P", "show", "cluster", "format=Cluster").stdout.split()
        if self.cluster not in clusters:
            self.cmd("sacctmgr", "-i", "add", "cluster", self.cluster)

    def start_slurmctld(self) -> None:
        self._spawn("slurmctld", [which("slurmctld") or "slurmctld", "-D", "-i"])
        self._wait("slurmctld", lambda: self.cmd("scontrol", "ping", check=False, timeout=10).stdout.count("UP") > 0,
                   60)  # fmt: skip

    def start_slurmd_daemon(self) -> None:
        self._spawn("slurmd", [which("slurmd") or "slurmd", "-D", "-N", self.node])

        def idle() -> bool:
            out = self.cmd("sinfo", "-h", "-N", "-o", "%T", check=False, timeout=10).stdout
            return any(s.strip().rstrip("*~#") in ("idle", "mixed", "allocated") for s in out.splitlines())

        self._wait("slurmd", idle, 60)

    def start(self) -> SlurmHarness:
        t0 = time.monotonic()
        missing = missing_binaries()
        if missing:
            raise HarnessError(f"missing programs {missing}; install Debian packages {' '.join(DEBIAN_PACKAGES)}")
        try:
            self.write_configs()
            self.start_munge()
            self.start_mariadb()
            self.start_slurmdbd()
            self.start_slurmctld()
            if self.start_slurmd:
                self.start_slurmd_daemon()
        except BaseException:
            self.stop()
            raise
        self.timings["total"] = time.monotonic() - t0
        return self

    def stop(self) -> None:
        for name in ("slurmd", "slurmctld", "slurmdbd", "mariadbd", "munged"):
            proc = self.procs.pop(name, None)
            if proc is None or proc.poll() is not None:
                continue
            with contextlib.suppress(ProcessLookupError):
                proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    proc.kill()
                proc.wait(5)
        # slurmd's job steps (slurmstepd) live in their own sessions; none should outlive the cluster
        for pidfile in (self.root / "spool").glob("*.pid"):
            with contextlib.suppress(ValueError, OSError):
                os.kill(int(pidfile.read_text().strip()), signal.SIGKILL)

    def __enter__(self) -> SlurmHarness:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # helpers for tests and benchmarks ----------------------------------------------------------------
    def sbatch(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        """``sbatch --parsable ...``; the job id is ``int(result.stdout.split(';')[0])`` when it succeeded."""
        return self.cmd("sbatch", "--parsable", f"--chdir={self.root}", f"--output={self.log}/job-%j.out", *args,
                        check=check)  # fmt: skip

    def job_state(self, job_id: int) -> tuple[str, str]:
        """(state, reason) from slurmctld while it remembers the job, else (state, "") from sacct."""
        out = self.cmd("squeue", "-h", "-j", str(job_id), "-o", "%T|%r", check=False).stdout.strip()
        if out:
            state, _, reason = out.partition("|")
            return state, reason
        acct = self.cmd("sacct", "-n", "-P", "-X", "-j", str(job_id), "-o", "State", check=False).stdout.split()
        return (acct[0] if acct else "UNKNOWN"), ""


def _die_with_parent() -> None:
    """In the child before exec: get SIGTERM when the process that started the cluster dies (Linux), so a
    killed test run leaves no daemons behind."""
    if sys.platform.startswith("linux"):
        import ctypes

        pr_set_pdeathsig = 1
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)


def _whoami() -> str:
    import pwd

    return pwd.getpwuid(os.getuid()).pw_name


@contextlib.contextmanager
def running(root: str | os.PathLike[str], **kw: object) -> Iterator[SlurmHarness]:
    h = SlurmHarness(root, **kw)  # type: ignore[arg-type]
    with h:
        yield h


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    root = Path(args[0]) if args else Path(tempfile.mkdtemp(prefix="epiaid-slurm-"))
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # stop the daemons on kill too
    with running(root) as h:
        print(f"export SLURM_CONF={h.conf}")
        print(f"started in {h.timings}; Ctrl-C stops it", flush=True)
        with contextlib.suppress(KeyboardInterrupt, SystemExit):
            while True:
                time.sleep(3600)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
