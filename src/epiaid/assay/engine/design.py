"""The design pipeline: genomes → QC → alignment → risk map → candidates → amplicons → panel → checks.

Usable without the web app: ``design(DesignInput(...))`` returns a :class:`DesignResult` and
:func:`epiaid.assay.engine.report.write_outputs` writes the order sheet, BED, TSVs and HTML report.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd

from epiaid.assay.engine import (
    align,
    background,
    candidates,
    exclusivity,
    genes,
    inclusivity,
    panel,
    prior,
    seqio,
    variability,
)

#: Genes a target may sit in by default: ORF1a/ORF1b (replicase, incl. RdRp), E, M, N. Spike is left out
#: (immune escape keeps selecting changes there) and so are the accessory ORFs 3a/6/7a/7b/8/10
#: (frequently deleted in circulating lineages). For another reference every annotated gene is allowed.
DEFAULT_SARS2_TARGET_GENES = ("ORF1a", "ORF1b", "E", "M", "N")

Progress = Callable[[str, float], None]
#: Lowest-risk candidates per role and gene that go on to pairing (Tm already in range).
PER_GENE_LIMIT = 1000


@dataclass
class DesignInput:
    genomes: Path
    reference: Path
    targets: int = 3
    neighbours: Path | None = None
    annotation: Path | None = None
    genes: tuple[str, ...] | None = None
    max_genomes: int | None = None
    metadata: Path | None = None  # TSV with strain and date columns (Nextstrain layout)
    collected_before: str | None = None  # ISO date: keep genomes collected strictly before it
    background: Path | None = None  # host/background FASTA for the 3′ k-mer check (e.g. human genome)
    oligo_rules: candidates.OligoRules = field(default_factory=candidates.OligoRules)
    panel_rules: panel.PanelRules = field(default_factory=panel.PanelRules)
    prior_weight: float = 1.0


@dataclass
class DesignResult:
    reference_name: str
    reference: np.ndarray
    genes: list[genes.Gene]
    names: list[str]
    matrix: np.ndarray
    issues: list[seqio.Issue]
    variability: variability.Variability
    prior: prior.MutationPrior
    risk: np.ndarray
    panel: list[panel.Amplicon]
    exclusivity: list[exclusivity.ExclusivityRow]
    timings: dict[str, float]
    n_read: int
    warnings: list[str] = field(default_factory=list)
    background_hits: list[background.BackgroundHit] = field(default_factory=list)

    def placed(self) -> dict[str, list[inclusivity.PlacedOligo]]:
        """The panel's oligos, by target, in the form surveillance scores."""
        return {
            amp.target: [
                inclusivity.PlacedOligo(amp.target, o.name, o.role, o.sequence, o.start, o.end, o.strand)
                for o in amp.oligos
            ]
            for amp in self.panel
        }


def _noop(message: str, fraction: float) -> None:
    return None


def metadata_filter(metadata: Path, before: str) -> set[str]:
    """Strains collected strictly before an ISO date; partial dates like 2020-03-XX count as their month."""
    table = pd.read_csv(metadata, sep="\t", dtype=str).fillna("")
    for column in ("strain", "date"):
        if column not in table.columns:
            raise ValueError(f"{metadata}: metadata needs a '{column}' column (has {list(table.columns)[:8]})")
    dates = table["date"].str.replace("XX", "01", regex=False)
    return set(table.loc[(dates != "") & (dates < before), "strain"])


def load_genomes(
    source: Path,
    reference: str,
    max_genomes: int | None,
    progress: Progress,
    keep: set[str] | None = None,
) -> tuple[list[str], np.ndarray, list[seqio.Issue], int]:
    records: Iterator[seqio.Record] = seqio.read_fasta(source)
    if keep is not None:
        records = (r for r in records if r.name.split()[0] in keep)
    limited = (r for i, r in enumerate(records) if max_genomes is None or i < max_genomes)
    qc = seqio.qc_records(limited, reference_length=len(reference))
    progress(f"QC: {len(qc.kept)} of {qc.n_read} records kept", 0.05)

    def step(done: int, total: int) -> None:
        if done % 50 == 0 or done == total:
            progress(f"aligned {done}/{total} genomes", 0.05 + 0.3 * done / max(total, 1))

    result = align.align_records(qc.kept, reference, progress=step)
    return result.names, result.matrix, qc.issues + result.issues, qc.n_read


def amplicons_by_gene(
    inp: DesignInput,
    reference: np.ndarray,
    risk: np.ndarray,
    tail_variable: np.ndarray,
    nb_matrix: np.ndarray,
    target_genes: list[genes.Gene],
    progress: Progress,
) -> dict[str, list[panel.Amplicon]]:
    """Screen candidates once, then the best few amplicons inside each allowed gene."""
    tables: dict[str, pd.DataFrame] = {}
    for role in ("forward", "reverse", "probe"):
        tables[role] = candidates.screen(reference, risk, tail_variable, role, inp.oligo_rules, nb_matrix)
    progress("conserved k-mers screened", 0.5)
    per_gene: dict[str, list[panel.Amplicon]] = {}
    exclusion_mask = (1 << len(nb_matrix)) - 1
    rules = replace(inp.oligo_rules, per_role_limit=PER_GENE_LIMIT)
    for gi, gene in enumerate(target_genes):
        thermo_tables = {}
        for role, table in tables.items():
            inside = table[(table["start"] >= gene.start) & (table["start"] + table["length"] <= gene.end)]
            thermo_tables[role] = candidates.add_thermodynamics(inside, reference, role, rules)
        per_gene[gene.name] = panel.amplicons_for_gene(
            gene.name,
            thermo_tables["forward"],
            thermo_tables["reverse"],
            thermo_tables["probe"],
            inp.panel_rules,
            exclusion_mask,
            inp.oligo_rules,
        )
        progress(
            f"gene {gene.name}: {len(per_gene[gene.name])} amplicons",
            0.5 + 0.3 * (gi + 1) / len(target_genes),
        )
    return per_gene


def risk_map(var: variability.Variability, learned: prior.MutationPrior, weight: float) -> np.ndarray:
    """Per-position risk: observed change dominates (any variation ≥ 1), the learned prior ranks the rest."""
    return var.alt_fraction * 5.0 + var.variable * 1.0 + weight * learned.probability + 0.5 * var.density


def design(inp: DesignInput, progress: Progress = _noop) -> DesignResult:
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    ref_record = seqio.read_reference(inp.reference)
    reference = seqio.encode(ref_record.seq)
    keep = None
    if inp.metadata is not None and inp.collected_before:
        keep = metadata_filter(inp.metadata, inp.collected_before)
    names, matrix, issues, n_read = load_genomes(Path(inp.genomes), ref_record.seq, inp.max_genomes, progress, keep)
    if not names:
        raise ValueError("no usable genome left after QC and alignment; see the per-record messages")
    timings["qc_align"] = time.perf_counter() - t0

    t = time.perf_counter()
    gene_list = genes.genes_for(ref_record.name, len(ref_record.seq), inp.annotation)
    var = variability.variability(matrix, reference)
    learned = prior.learn_prior(reference, gene_list, var.variable)
    risk = risk_map(var, learned, inp.prior_weight)
    timings["variability_prior"] = time.perf_counter() - t
    progress(f"risk map: {int(var.variable.sum())} variable positions of {len(reference)}", 0.4)

    neighbour_records: list[seqio.Record] = []
    nb_matrix = np.zeros((0, len(reference)), dtype=np.uint8)
    if inp.neighbours is not None:
        neighbour_records = [r for r in seqio.read_fasta(inp.neighbours) if r.seq]
        for r in neighbour_records:
            r.seq = r.seq.upper().replace("-", "")
        _, nb_matrix = exclusivity.project_neighbours(neighbour_records, ref_record.seq)

    t = time.perf_counter()
    allowed = inp.genes
    if allowed is None and ref_record.name.startswith(genes.SARS_COV_2_PREFIXES) and inp.annotation is None:
        allowed = DEFAULT_SARS2_TARGET_GENES
    target_genes = [g for g in gene_list if allowed is None or g.name in allowed]
    per_gene = amplicons_by_gene(inp, reference, risk, var.variable, nb_matrix, target_genes, progress)
    timings["candidates_amplicons"] = time.perf_counter() - t

    t = time.perf_counter()
    warnings: list[str] = []
    chosen = panel.assemble_panel(per_gene, inp.targets, inp.panel_rules)
    if len(chosen) < inp.targets:
        # Too variable for the strict rule (no observed change under any primer's 3′ end): retry letting
        # rare variants (< 1 % of genomes) sit there, and say so.
        common = (var.alt_fraction > 0.01) & (var.alt_count >= 2)
        relaxed = amplicons_by_gene(inp, reference, risk, common, nb_matrix, target_genes, progress)
        retry = panel.assemble_panel(relaxed, inp.targets, inp.panel_rules)
        if len(retry) > len(chosen):
            chosen = retry
            warnings.append("relaxed: primers' 3′ ends may cover variants seen once or in < 1 % of the genomes")
    if len(chosen) < inp.targets:
        warnings.append(f"only {len(chosen)} compatible targets in distinct genes (asked for {inp.targets})")
    for amp in chosen:
        amp.target = f"{amp.gene}_{amp.start + 1}"
        for oligo, suffix in zip(amp.oligos, ("F", "R", "P"), strict=True):
            oligo.name = f"{amp.target}_{suffix}"
        if not amp.excludes_all:
            warnings.append(f"{amp.target}: no candidate discriminates every excluded neighbour at the homologous site")
    detection = inclusivity.panel_detection(
        {
            a.target: [
                inclusivity.PlacedOligo(a.target, o.name, o.role, o.sequence, o.start, o.end, o.strand)
                for o in a.oligos
            ]
            for a in chosen
        },
        matrix,
    )
    for key, rate in detection.items():
        if key.endswith("_detected") and rate < 0.98:
            warnings.append(f"{key.removesuffix('_detected')}: only {rate:.1%} of the design genomes pass the rule")
    timings["panel"] = time.perf_counter() - t
    progress(f"panel of {len(chosen)} targets assembled", 0.85)

    t = time.perf_counter()
    excl: list[exclusivity.ExclusivityRow] = []
    if neighbour_records:
        excl = exclusivity.check(
            {a.target: (a.forward.sequence, a.reverse.sequence, a.probe.sequence) for a in chosen},
            neighbour_records,
        )
        bad = sorted({r.neighbour.split("|")[0] for r in excl if r.must_exclude and r.amplifies})
        if bad:
            warnings.append(f"predicted to amplify must-exclude neighbours: {', '.join(bad)}")
    timings["exclusivity"] = time.perf_counter() - t
    hits: list[background.BackgroundHit] = []
    if inp.background is not None:
        t = time.perf_counter()
        progress("background 3′ k-mer check", 0.95)
        hits = background.screen({o.name: o.sequence for a in chosen for o in a.oligos}, inp.background)
        if hits:
            warnings.append(f"{len({h.oligo for h in hits})} oligos have an exact 3′ 12-mer in the background")
        timings["background"] = time.perf_counter() - t
    timings["total"] = time.perf_counter() - t0
    progress("done", 1.0)
    return DesignResult(
        ref_record.name,
        reference,
        gene_list,
        names,
        matrix,
        issues,
        var,
        learned,
        risk,
        chosen,
        excl,
        timings,
        n_read,
        warnings,
        hits,
    )
