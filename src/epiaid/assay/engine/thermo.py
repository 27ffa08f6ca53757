"""primer3-py thermodynamics behind a small adapter.

primer3-py is GPL-2.0-only, so it is an optional extra (``epiaid[assay]``) and is imported here, on
first use, and nowhere else: the rest of epiaid imports without it. ΔG values are returned in
kcal/mol (primer3 reports cal/mol).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from types import ModuleType

from epiaid.assay.engine.seqio import revcomp


class Primer3Missing(RuntimeError):
    pass


@dataclass(frozen=True)
class Conditions:
    """Typical one-step RT-qPCR buffer: 50 mM monovalent, 3 mM Mg2+, 0.8 mM dNTP, 250 nM oligo."""

    mv_conc: float = 50.0
    dv_conc: float = 3.0
    dntp_conc: float = 0.8
    dna_conc: float = 250.0


QPCR = Conditions()


@lru_cache(maxsize=1)
def _bindings() -> ModuleType:
    try:
        from primer3 import bindings
    except ImportError as exc:  # pragma: no cover - exercised only where the extra is absent
        raise Primer3Missing("primer3-py is not installed: pip install 'epiaid[assay]' (GPL-2.0-only extra)") from exc
    return bindings


def _kw(c: Conditions) -> dict[str, float]:
    return {"mv_conc": c.mv_conc, "dv_conc": c.dv_conc, "dntp_conc": c.dntp_conc, "dna_conc": c.dna_conc}


def tm(seq: str, c: Conditions = QPCR) -> float:
    return float(_bindings().calc_tm(seq, **_kw(c)))


def hairpin(seq: str, c: Conditions = QPCR) -> tuple[float, float]:
    """(ΔG kcal/mol, Tm °C) of the most stable hairpin; (0, 0) when none forms."""
    r = _bindings().calc_hairpin(seq, **_kw(c))
    return r.dg / 1000.0, float(r.tm)


def homodimer(seq: str, c: Conditions = QPCR) -> float:
    return float(_bindings().calc_homodimer(seq, **_kw(c)).dg) / 1000.0


def heterodimer(a: str, b: str, c: Conditions = QPCR) -> float:
    return float(_bindings().calc_heterodimer(a, b, **_kw(c)).dg) / 1000.0


def end_stability(seq: str, c: Conditions = QPCR) -> float:
    """ΔG (kcal/mol) of the 3′-terminal pentamer on its target: too stable primes off-target."""
    return float(_bindings().calc_end_stability(seq, revcomp(seq[-5:]), **_kw(c)).dg) / 1000.0


def available() -> bool:
    try:
        _bindings()
    except Primer3Missing:
        return False
    return True
