"""The compute backend the programmes portal provisions with: a Slurm account + QOS per allocation.

An approved compute allocation becomes

* a Slurm **account** (the association users run jobs under), whose only and default QOS is
* a **QOS** carrying the hard budget as ``GrpTRESMins`` (e.g. ``cpu=9642857``) with the flags
  ``NoDecay`` (usage counted against the limit never decays with ``PriorityDecayHalfLife``) and
  ``DenyOnLimit`` (a job whose own request — TRES × time limit — exceeds the limit is refused at
  submission, ``QOSGrpCPUMinutesLimit`` / ``QOSGrpGRESMinutes``, instead of pending forever).  With
  ``AccountingStorageEnforce=...,safe`` a job that fits the limit but not what is left (used + what
  running jobs may still use) is held pending with that reason until the limit is raised.

Usage is read from ``sacct`` (the accounting database: every job allocation's TRES × elapsed time,
never decayed) rather than ``sshare``, whose association usage decays with the fair-share half-life;
:meth:`SlurmCLI.qos_usage` reads the QOS counter Slurm itself enforces (``scontrol show assoc_mgr``).

Two implementations of :class:`ComputeBackend`:

:class:`NoSlurm`
    the embedded default: the same state kept in one JSON file under a folder of its own (atomic
    replace under a file lock, so several worker processes may share it); usage is set by hand
    (:meth:`NoSlurm.set_usage`) or charged (:meth:`NoSlurm.charge`, which enforces the budget the
    way ``DenyOnLimit`` + ``safe`` does).
:class:`SlurmCLI`
    drives ``sacctmgr`` / ``sacct`` / ``scontrol`` with argument lists (never a shell) and parses their
    ``--parsable2`` output.  ``slurmrestd`` is packaged in Debian but needs JWT/socket plumbing the
    command-line tools do not; the CLI is what every Slurm site has.

Every account, QOS, user and TRES name is checked against a conservative subset of what Slurm accepts
(:func:`check_name`) *before* any command runs, so a hostile name (``"a;rm -rf /"``, ``"a b"``,
``"x,qos=normal"``) is refused with :class:`InvalidName` and never reaches ``sacctmgr``'s own parser.

This module does not import Django (engines run from the CLI and notebooks without the web app).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import math
import os
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

__all__ = [
    "MINUTES_PER_MONTH",
    "NURION_KNL_TFLOPS_PER_CORE",
    "V100_TFLOPS_PER_GPU",
    "AccountInfo",
    "BackendUnavailable",
    "ComputeBackend",
    "ComputeError",
    "InvalidName",
    "JobRecord",
    "LimitExceeded",
    "NoSlurm",
    "NotProvisioned",
    "SlurmCLI",
    "check_name",
    "check_tres",
    "get_backend",
    "tflops_months_to_tres_minutes",
]


# --------------------------------------------------------------------------------------------------
# Errors (plain exceptions: the services map them onto epiaid.core.errors)


class ComputeError(Exception):
    """A compute-backend operation failed; ``code`` is stable for callers to branch on."""

    code = "compute_error"


class InvalidName(ComputeError, ValueError):
    """An account / QOS / user / TRES name or a description Slurm would not take safely."""

    code = "invalid_name"


class NotProvisioned(ComputeError, LookupError):
    """The account does not exist in the backend."""

    code = "not_provisioned"


class LimitExceeded(ComputeError):
    """A charge (NoSlurm) or a job (Slurm) that does not fit in the remaining budget."""

    code = "limit_exceeded"


class BackendUnavailable(ComputeError):
    """The Slurm tools are missing or slurmdbd/slurmctld did not answer."""

    code = "backend_unavailable"


# --------------------------------------------------------------------------------------------------
# Names

#: Account and QOS names: lower case (Slurm lower-cases account names, so an upper-case name would not
#: read back as written), digits, ``_`` and ``-``, starting with a letter, at most 40 characters
#: (Slurm keeps them as ``tinytext`` in slurmdbd; 40 leaves room for derived names).  No ``,`` ``=``
#: ``'`` ``"`` or blanks: those are ``sacctmgr``'s own list/assignment syntax.
NAME_RE = re.compile(r"[a-z][a-z0-9_-]{0,39}")
#: Unix user names as useradd accepts them by default.
USER_RE = re.compile(r"[a-z_][a-z0-9_.-]{0,31}")
#: TRES types: ``cpu``, ``mem``, ``node``, ``billing``, ``energy``, ``gres/gpu``, ``gres/gpu:a100`` …
TRES_RE = re.compile(r"[a-z]+(/[a-z0-9_]+(:[a-z0-9_.-]+)?)?")
#: Descriptions: printable text without quotes, ``=``, ``,`` or control characters, up to 200 characters.
DESCRIPTION_RE = re.compile(r"[^\x00-\x1f\x7f'\"=,\\]{0,200}")


def check_name(name: str, *, kind: str = "account") -> str:
    """Return ``name`` if Slurm may safely be given it as an account / QOS (``kind="user"``: a user)."""
    pattern = USER_RE if kind == "user" else NAME_RE
    if not isinstance(name, str) or not pattern.fullmatch(name):
        raise InvalidName(
            f"{kind} name {name!r} refused: use {pattern.pattern} (lower-case letters, digits, '_' and '-')"
        )
    return name


def check_tres(tres_minutes: Mapping[str, int]) -> dict[str, int]:
    """Validated copy of a ``{tres: minutes}`` mapping (names as :data:`TRES_RE`, whole minutes ≥ 0)."""
    if not tres_minutes:
        raise InvalidName("a limit needs at least one TRES (e.g. {'cpu': 60})")
    out: dict[str, int] = {}
    for key, value in tres_minutes.items():
        if not isinstance(key, str) or not TRES_RE.fullmatch(key):
            raise InvalidName(f"TRES name {key!r} refused")
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise InvalidName(f"TRES minutes for {key} must be a whole number >= 0, not {value!r}")
        out[key] = value
    return out


def check_description(text: str) -> str:
    if not isinstance(text, str) or not DESCRIPTION_RE.fullmatch(text):
        raise InvalidName("description refused: at most 200 printable characters without quotes, '=' or ','")
    return text


# --------------------------------------------------------------------------------------------------
# TF-months -> TRES-minutes

#: A month of an allocation is 30 days of wall-clock minutes.
MINUTES_PER_MONTH = 30 * 24 * 60
#: FP64 peak of one core of KISTI's Nurion (Intel Xeon Phi 7250, "Knights Landing": 1.4 GHz × 2 AVX-512
#: FMA units × 8 doubles × 2 FLOP = 44.8 GFLOPS; 68 cores = 3.0464 TF per node), the national
#: supercomputer the 2020 HPC support programme allocated.
NURION_KNL_TFLOPS_PER_CORE = 0.0448
#: FP64 peak of one NVIDIA V100 SXM2 (7.8 TF), the GPU of the 2020 cloud/GPU tracks.
V100_TFLOPS_PER_GPU = 7.8


def tflops_months_to_tres_minutes(
    tf_months: float,
    *,
    tflops_per_cpu: float = NURION_KNL_TFLOPS_PER_CORE,
    gpu_fraction: float = 0.0,
    tflops_per_gpu: float = V100_TFLOPS_PER_GPU,
) -> dict[str, int]:
    """Convert an allocation in TF-months into Slurm ``GrpTRESMins`` (cpu-minutes, gres/gpu-minutes).

    The programmes grant *computing capacity*: "1 month at 10 TFLOPS" means the right to a machine
    share whose **peak** is 10 TFLOPS for 30 days.  Slurm cannot count FLOPs; it counts TRES-minutes
    (a core or a GPU held for a minute).  So a TF-month is turned into the core-minutes (or GPU-minutes)
    whose peak adds up to the same FLOP budget::

        cpu-minutes = TF-months × (1 − gpu_fraction) × 43 200 min / tflops_per_cpu
        gres/gpu-minutes = TF-months × gpu_fraction × 43 200 min / tflops_per_gpu

    Peak rather than measured (LINPACK) FLOPS, because peak is what the programme quotes and it is a
    property of the hardware that anyone can recompute; the per-core default is Nurion's KNL core
    (44.8 GFLOPS FP64), so 10 TF-months = 9 642 857 cpu-minutes ≈ 223 cores for 30 days (a node has 68).
    ``gpu_fraction`` splits the budget between CPU and GPU (the two limits are enforced separately by
    Slurm, so granting both in full would double the allocation).  Minutes are rounded down so that
    the conversion never grants more than was approved.
    """
    if not (math.isfinite(tf_months) and tf_months >= 0):
        raise ValueError(f"tf_months must be a finite number >= 0, not {tf_months!r}")
    if not (0.0 <= gpu_fraction <= 1.0):
        raise ValueError("gpu_fraction must lie in [0, 1]")
    if tflops_per_cpu <= 0 or tflops_per_gpu <= 0:
        raise ValueError("peak TFLOPS per core / per GPU must be > 0")
    out = {"cpu": math.floor(tf_months * (1.0 - gpu_fraction) * MINUTES_PER_MONTH / tflops_per_cpu + 1e-9)}
    if gpu_fraction > 0:
        out["gres/gpu"] = math.floor(tf_months * gpu_fraction * MINUTES_PER_MONTH / tflops_per_gpu + 1e-9)
    return out


# --------------------------------------------------------------------------------------------------
# The interface


@dataclass
class AccountInfo:
    """What the backend holds for one account (read back, not remembered)."""

    account: str
    description: str
    qos: str
    tres_minutes: dict[str, int]
    flags: list[str] = field(default_factory=list)
    users: list[str] = field(default_factory=list)
    open: bool = True


@dataclass
class JobRecord:
    """One job allocation as ``sacct`` reports it (TRES counts; memory in MB)."""

    job_id: str
    account: str
    state: str
    tres: dict[str, float]
    elapsed_s: int
    start: str
    end: str

    @property
    def finished(self) -> bool:
        return self.state not in ("PENDING", "RUNNING", "REQUEUED", "RESIZING", "SUSPENDED", "")


@runtime_checkable
class ComputeBackend(Protocol):
    name: str

    def ensure_account(self, account: str, *, description: str, qos: str, tres_minutes: dict[str, int]) -> None:
        """Create or update ``account`` with ``qos`` as its only/default QOS, ``GrpTRESMins=tres_minutes``
        (hard limit, flags ``NoDecay,DenyOnLimit``); re-opens a closed account. Idempotent.
        Slurm keeps the description lower-cased (the account name when empty); so does NoSlurm."""
        ...

    def set_limit(self, account: str, tres_minutes: dict[str, int]) -> None:
        """Replace the account's ``GrpTRESMins`` (TRES not named are cleared)."""
        ...

    def usage(self, accounts: list[str] | None = None) -> dict[str, dict[str, int]]:
        """Used TRES-minutes per account (all accounts when ``None``); a named account with no jobs → ``{}``."""
        ...

    def close(self, account: str) -> None:
        """Disable the account: no new jobs are accepted or started; usage stays readable. Idempotent."""
        ...

    def add_user(self, account: str, user: str) -> None:
        """Let the Unix user ``user`` run jobs under ``account``. Idempotent."""
        ...

    def show(self, account: str) -> AccountInfo | None:
        """What the backend holds for ``account`` (``None`` when it does not exist)."""
        ...


# --------------------------------------------------------------------------------------------------
# NoSlurm: the embedded default

REQUIRED_FLAGS = ("DenyOnLimit", "NoDecay")


class NoSlurm:
    """Accounts, limits and usage in ``<state_dir>/noslurm.json``; nothing runs, usage is set or charged."""

    name = "none"

    def __init__(self, state_dir: str | os.PathLike[str]) -> None:
        self.state_dir = Path(state_dir)
        self.path = self.state_dir / "noslurm.json"

    # state ----------------------------------------------------------------------------------------
    @contextlib.contextmanager
    def _state(self, write: bool = False) -> Iterator[dict[str, Any]]:
        self.state_dir.mkdir(parents=True, exist_ok=True)
        with (self.state_dir / "noslurm.lock").open("a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX if write else fcntl.LOCK_SH)
            try:
                state: dict[str, Any] = json.loads(self.path.read_text()) if self.path.exists() else {}
                state.setdefault("accounts", {})
                yield state
                if write:
                    fd, tmp = tempfile.mkstemp(dir=self.state_dir, prefix=".noslurm-", suffix=".json")
                    try:
                        with os.fdopen(fd, "w") as fh:
                            json.dump(state, fh, indent=1, sort_keys=True)
                            fh.flush()
                            os.fsync(fh.fileno())
                        Path(tmp).replace(self.path)
                    except BaseException:
                        Path(tmp).unlink(missing_ok=True)
                        raise
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    @staticmethod
    def _get(state: dict[str, Any], account: str) -> dict[str, Any]:
        try:
            entry: dict[str, Any] = state["accounts"][account]
        except KeyError:
            raise NotProvisioned(f"account {account!r} does not exist") from None
        return entry

    # ComputeBackend -------------------------------------------------------------------------------
    def ensure_account(self, account: str, *, description: str, qos: str, tres_minutes: dict[str, int]) -> None:
        check_name(account)
        check_name(qos, kind="qos")
        check_description(description)
        limits = check_tres(tres_minutes)
        with self._state(write=True) as state:
            entry = state["accounts"].setdefault(account, {"usage": {}, "users": []})
            # as Slurm keeps it: lower-cased, the account name when empty
            entry.update(description=(description or account).lower(), qos=qos, tres_minutes=limits)
            entry.update(flags=list(REQUIRED_FLAGS), open=True)

    def set_limit(self, account: str, tres_minutes: dict[str, int]) -> None:
        check_name(account)
        limits = check_tres(tres_minutes)
        with self._state(write=True) as state:
            self._get(state, account)["tres_minutes"] = limits

    def usage(self, accounts: list[str] | None = None) -> dict[str, dict[str, int]]:
        for a in accounts or []:
            check_name(a)
        with self._state() as state:
            names = list(state["accounts"]) if accounts is None else accounts
            return {a: dict(state["accounts"].get(a, {}).get("usage", {})) for a in names}

    def close(self, account: str) -> None:
        check_name(account)
        with self._state(write=True) as state:
            self._get(state, account)["open"] = False

    def add_user(self, account: str, user: str) -> None:
        check_name(account)
        check_name(user, kind="user")
        with self._state(write=True) as state:
            users = self._get(state, account)["users"]
            if user not in users:
                users.append(user)

    def show(self, account: str) -> AccountInfo | None:
        check_name(account)
        with self._state() as state:
            e = state["accounts"].get(account)
            if e is None:
                return None
            return AccountInfo(
                account=account,
                description=e["description"],
                qos=e["qos"],
                tres_minutes=dict(e["tres_minutes"]),
                flags=list(e["flags"]),
                users=list(e["users"]),
                open=bool(e["open"]),
            )

    # test / embedded helpers ----------------------------------------------------------------------
    def set_usage(self, account: str, tres_minutes: dict[str, int]) -> None:
        """Set the used TRES-minutes of ``account`` (tests, demos, imports from another system)."""
        check_name(account)
        used = check_tres(tres_minutes)
        with self._state(write=True) as state:
            self._get(state, account)["usage"] = used

    def charge(self, account: str, tres_minutes: dict[str, int], *, reserve: dict[str, int] | None = None) -> None:
        """Record a job's TRES-minutes, refused as Slurm refuses it: a closed account, or used + ``reserve``
        (what the job asked for, its time limit × TRES; default ``tres_minutes``) over the limit."""
        check_name(account)
        job = check_tres(tres_minutes)
        asked = check_tres(reserve) if reserve is not None else job
        with self._state(write=True) as state:
            e = self._get(state, account)
            if not e["open"]:
                raise LimitExceeded(f"account {account!r} is closed")
            used = e["usage"]
            for tres, minutes in asked.items():
                limit = e["tres_minutes"].get(tres)
                if limit is not None and used.get(tres, 0) + minutes > limit:
                    raise LimitExceeded(
                        f"{tres}: {used.get(tres, 0)} used + {minutes} requested > {limit} (GrpTRESMins)"
                    )
            for tres, minutes in job.items():
                used[tres] = used.get(tres, 0) + minutes

    def snapshot(self) -> dict[str, Any]:
        """The whole state (for debugging and tests)."""
        with self._state() as state:
            return json.loads(json.dumps(state))


# --------------------------------------------------------------------------------------------------
# SlurmCLI


def _tres_arg(tres_minutes: Mapping[str, int]) -> str:
    return ",".join(f"{k}={v}" for k, v in sorted(tres_minutes.items()))


def parse_tres(text: str) -> dict[str, str]:
    """``"cpu=2,mem=1000M,gres/gpu=1"`` → ``{"cpu": "2", "mem": "1000M", "gres/gpu": "1"}``."""
    out: dict[str, str] = {}
    for part in text.split(","):
        if "=" in part:
            k, v = part.split("=", 1)
            out[k.strip()] = v.strip()
    return out


_UNITS = {"K": 1 / 1024, "M": 1.0, "G": 1024.0, "T": 1024.0**2, "P": 1024.0**3}


def tres_count(value: str) -> float:
    """A TRES count from sacct (``"2"``, ``"1000M"``, ``"4G"``; memory in MB as Slurm counts it)."""
    value = value.strip()
    if value and value[-1].upper() in _UNITS:
        return float(value[:-1]) * _UNITS[value[-1].upper()]
    return float(value) if value else 0.0


class SlurmCLI:
    """A :class:`ComputeBackend` over Slurm's command-line tools.

    ``conf`` is the ``slurm.conf`` to use (``SLURM_CONF``; default: the system's), ``bin_dir`` a folder
    holding the tools (default: ``PATH``), ``cluster`` the accounting cluster (default: the one in
    slurm.conf), ``parent`` the parent account of programme accounts (default ``root``), ``since`` the
    earliest job start ``usage()`` reads (``sacct --starttime``; default 2000-01-01).
    """

    name = "slurm"
    TOOLS = ("sacctmgr", "sacct", "scontrol")

    def __init__(
        self,
        *,
        conf: str | os.PathLike[str] | None = None,
        bin_dir: str | os.PathLike[str] | None = None,
        cluster: str | None = None,
        parent: str | None = None,
        timeout: float = 60.0,
        env: Mapping[str, str] | None = None,
        since: str = "2000-01-01T00:00:00",
    ) -> None:
        self.conf = Path(conf) if conf else None
        self.bin_dir = Path(bin_dir) if bin_dir else None
        self.cluster = check_name(cluster, kind="cluster") if cluster else None
        self.parent = check_name(parent, kind="account") if parent else None
        self.timeout = timeout
        self.since = since
        self.env = dict(os.environ if env is None else env)
        if self.conf:
            self.env["SLURM_CONF"] = str(self.conf)
        #: every argument list run, newest last (the tests check that no shell is involved)
        self.history: list[list[str]] = []

    # running tools --------------------------------------------------------------------------------
    def tool(self, name: str) -> str:
        path = str(self.bin_dir / name) if self.bin_dir else shutil.which(name, path=self.env.get("PATH"))
        if not path or not Path(path).exists():
            raise BackendUnavailable(f"{name} not found (install the Slurm client tools)")
        return path

    def run(self, args: Sequence[str], *, ok_codes: tuple[int, ...] = (0,)) -> str:
        """Run one Slurm tool with an argument list (``shell=False``); stdout, or :class:`ComputeError`."""
        argv = [self.tool(args[0]), *args[1:]]
        self.history.append(list(args))
        try:
            proc = subprocess.run(  # an argument list, never a shell
                argv, capture_output=True, text=True, env=self.env, timeout=self.timeout, check=False
            )
        except subprocess.TimeoutExpired as exc:
            raise BackendUnavailable(f"{args[0]} did not answer within {self.timeout:.0f} s") from exc
        if proc.returncode not in ok_codes:
            msg = (proc.stderr or proc.stdout).strip()
            if "Unable to contact" in msg or "Connection refused" in msg or "slurmdbd" in msg.lower():
                raise BackendUnavailable(f"{args[0]}: {msg}")
            raise ComputeError(f"{' '.join(args[:3])}: exit {proc.returncode}: {msg}")
        return proc.stdout

    def sacctmgr(self, *args: str) -> str:
        return self.run(["sacctmgr", "--immediate", *args])

    def rows(self, *args: str) -> list[list[str]]:
        """``sacctmgr --noheader --parsable2 show ...`` as rows of fields."""
        out = self.run(["sacctmgr", "--noheader", "--parsable2", "show", *args])
        return [line.split("|") for line in out.splitlines() if line.strip()]

    def _cluster(self) -> list[str]:
        return [f"cluster={self.cluster}"] if self.cluster else []

    # reading back ---------------------------------------------------------------------------------
    def qos_row(self, qos: str) -> dict[str, str] | None:
        fields = ["Name", "GrpTRESMins", "Flags", "GrpJobs", "GrpSubmit"]
        rows = self.rows("qos", f"name={qos}", f"format={','.join(fields)}")
        for r in rows:
            if r[0] == qos:
                return dict(zip(fields, r, strict=False))
        return None

    def assoc_rows(self, account: str) -> list[dict[str, str]]:
        fields = ["Account", "User", "DefaultQOS", "QOS"]
        rows = self.rows("associations", f"accounts={account}", *self._cluster(), f"format={','.join(fields)}")
        return [dict(zip(fields, r, strict=False)) for r in rows if r and r[0] == account]

    def account_row(self, account: str) -> dict[str, str] | None:
        for r in self.rows("account", f"name={account}", "format=Account,Descr"):
            if r[0] == account:
                return {"Account": r[0], "Descr": r[1] if len(r) > 1 else ""}
        return None

    def _qos_of(self, account: str) -> str:
        for a in self.assoc_rows(account):
            if not a["User"]:
                return a["DefaultQOS"] or a["QOS"].split(",")[0]
        raise NotProvisioned(f"account {account!r} does not exist in Slurm")

    # ComputeBackend -------------------------------------------------------------------------------
    def _set_qos(self, qos: str, limits: Mapping[str, int], *, open_: bool = True) -> None:
        current = self.qos_row(qos)
        clear = {k: -1 for k in parse_tres(current["GrpTRESMins"]) if k not in limits} if current else {}
        self.sacctmgr(
            "modify", "qos", "where", f"name={qos}", "set",
            f"GrpTRESMins={_tres_arg({**clear, **limits})}",
            f"Flags={','.join(REQUIRED_FLAGS)}",
            f"GrpJobs={-1 if open_ else 0}",
            f"GrpSubmitJobs={-1 if open_ else 0}",
        )  # fmt: skip

    def _add(self, exists: Any, *args: str) -> None:
        """``sacctmgr add ...`` unless ``exists()``; another worker adding it first is not an error."""
        if exists():
            return
        try:
            self.sacctmgr("add", *args)
        except ComputeError:
            if not exists():
                raise

    def ensure_account(self, account: str, *, description: str, qos: str, tres_minutes: dict[str, int]) -> None:
        check_name(account)
        check_name(qos, kind="qos")
        check_description(description)
        limits = check_tres(tres_minutes)
        descr = description or account
        self._add(lambda: self.qos_row(qos) is not None, "qos", qos)
        self._set_qos(qos, limits)
        row = self.account_row(account)
        self._add(
            lambda: self.account_row(account) is not None and bool(self.assoc_rows(account)),
            "account", account, f"Description={descr}", f"Organization={account}",
            *self._cluster(), *([f"Parent={self.parent}"] if self.parent else []),
            f"QOS={qos}", f"DefaultQOS={qos}",
        )  # fmt: skip
        if row is not None and row["Descr"] != descr.lower():
            self.sacctmgr("modify", "account", "where", f"name={account}", "set", f"Description={descr}")
        assoc = next((a for a in self.assoc_rows(account) if not a["User"]), None)
        if assoc is not None and (assoc["QOS"] != qos or assoc["DefaultQOS"] != qos):
            self.sacctmgr(
                "modify", "account", "where", f"name={account}", *self._cluster(), "set",
                f"QOS={qos}", f"DefaultQOS={qos}",
            )  # fmt: skip

    def set_limit(self, account: str, tres_minutes: dict[str, int]) -> None:
        check_name(account)
        limits = check_tres(tres_minutes)
        qos = self._qos_of(account)
        row = self.qos_row(qos)
        self._set_qos(qos, limits, open_=not (row and row.get("GrpJobs") == "0"))

    def close(self, account: str) -> None:
        check_name(account)
        qos = self._qos_of(account)
        self.sacctmgr("modify", "qos", "where", f"name={qos}", "set", "GrpJobs=0", "GrpSubmitJobs=0")

    def add_user(self, account: str, user: str) -> None:
        check_name(account)
        check_name(user, kind="user")
        if not self.assoc_rows(account):
            raise NotProvisioned(f"account {account!r} does not exist in Slurm")
        self._add(lambda: any(a["User"] == user for a in self.assoc_rows(account)),
                  "user", user, f"Account={account}", *self._cluster())  # fmt: skip

    def show(self, account: str) -> AccountInfo | None:
        check_name(account)
        row = self.account_row(account)
        assocs = self.assoc_rows(account)
        if row is None or not assocs:
            return None
        qos = self._qos_of(account)
        q = self.qos_row(qos) or {}
        return AccountInfo(
            account=account,
            description=row["Descr"],
            qos=qos,
            tres_minutes={k: int(v) for k, v in parse_tres(q.get("GrpTRESMins", "")).items()},
            flags=sorted(f for f in q.get("Flags", "").split(",") if f),
            users=sorted(a["User"] for a in assocs if a["User"]),
            open=q.get("GrpJobs") != "0" and q.get("GrpSubmit") != "0",
        )

    def jobs(self, accounts: list[str] | None = None, *, since: str | None = None) -> list[JobRecord]:
        """Every job allocation (``sacct -X``) of ``accounts`` (all when ``None``) since ``since``
        (default: the backend's ``since``, e.g. the programme's opening day, to keep the query short)."""
        for a in accounts or []:
            check_name(a)
        args = ["sacct", "--noheader", "--parsable2", "--allocations", "--allusers", "--duplicates",
                f"--starttime={since or self.since}", "--endtime=now",
                "--format=JobIDRaw,Account,State,AllocTRES,ElapsedRaw,Start,End"]  # fmt: skip
        if self.cluster:
            args.append(f"--clusters={self.cluster}")
        if accounts is not None:
            if not accounts:
                return []
            args.append(f"--accounts={','.join(accounts)}")
        out: list[JobRecord] = []
        for line in self.run(args).splitlines():
            parts = line.split("|")
            if len(parts) < 7 or not parts[1]:
                continue
            job_id, acct, state, alloc, elapsed, start, end = parts[:7]
            tres = {k: tres_count(v) for k, v in parse_tres(alloc).items() if k != "billing"}
            out.append(JobRecord(job_id, acct, state.split()[0] if state else "", tres, int(elapsed or 0), start, end))
        return out

    def usage_seconds(self, accounts: list[str] | None = None) -> dict[str, dict[str, float]]:
        """Used TRES-seconds per account: allocated TRES × elapsed seconds, summed over job allocations."""
        totals: dict[str, dict[str, float]] = {a: {} for a in accounts or []}
        for job in self.jobs(accounts):
            bucket = totals.setdefault(job.account, {})
            for tres, count in job.tres.items():
                bucket[tres] = bucket.get(tres, 0.0) + count * job.elapsed_s
        return totals

    def usage(self, accounts: list[str] | None = None) -> dict[str, dict[str, int]]:
        """Used TRES-minutes per account from ``sacct`` (the accounting database; never decayed).

        Each allocated TRES × elapsed seconds / 60 over every job allocation of the account — running
        jobs up to now, finished ones in full — which is what Slurm charges against ``GrpTRESMins``.
        Totals are rounded *up* to whole minutes, so a portal never shows less than was used.
        """
        return {
            a: {k: math.ceil(v / 60.0 - 1e-9) for k, v in t.items() if v > 0}
            for a, t in self.usage_seconds(accounts).items()
        }

    def qos_usage(self, qos: str) -> dict[str, int]:
        """The used minutes slurmctld counts against the QOS's GrpTRESMins (``scontrol show assoc_mgr``)."""
        check_name(qos, kind="qos")
        out = self.run(["scontrol", "--oneliner", "show", "assoc_mgr", "flags=qos", f"qos={qos}"])
        m = re.search(r"GrpTRESMins=(\S+)", out)
        used: dict[str, int] = {}
        if m:
            for part in m.group(1).split(","):
                mm = re.fullmatch(r"([^=]+)=[^()]*\((\d+)\)", part)
                if mm:
                    used[mm.group(1)] = int(mm.group(2))
        return used


# --------------------------------------------------------------------------------------------------


def get_backend(name: str, **options: Any) -> ComputeBackend:
    """``"none"`` → :class:`NoSlurm` (``state_dir=`` required), ``"slurm"`` → :class:`SlurmCLI` (its options)."""
    if name in ("none", "noslurm", ""):
        if "state_dir" not in options:
            raise ValueError("the 'none' backend needs state_dir=<folder for noslurm.json>")
        return NoSlurm(options["state_dir"])
    if name == "slurm":
        return SlurmCLI(**options)
    raise ValueError(f"unknown compute backend {name!r} (use 'none' or 'slurm')")


def wait_for(predicate: Any, *, timeout: float, interval: float = 0.25) -> Any:
    """Poll ``predicate()`` until it is truthy (its value) or ``timeout`` seconds pass (``None``)."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            return None
        time.sleep(interval)


def info_dict(info: AccountInfo) -> dict[str, Any]:
    return asdict(info)
