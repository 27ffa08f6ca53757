"""Benchmark: 500 genomes → 3-target panel, wall time and peak memory, with the peers' numbers beside.

Peers and limits compared in this one run:
- the issue's goal: ≤ 300 s on 2 cores for 500 genomes;
- varVAMP's qPCR mode: 494 s on 420 lineages (published figure quoted by the issue; varVAMP is not
  installed here, so it is quoted, not re-run);
- primer3's own ``design_primers`` with a probe, on ONE 1,000-nt window, timed here and extrapolated
  to all 30 windows of the genome: the loop the issue warns against. Here (qPCR settings, 1 kb) one
  window takes well under a second, not the ~90 s the issue quotes, so the printed ratio is the
  honest one; what the screen adds is conservation/risk/exclusivity awareness for every window.

Usage: OMP_NUM_THREADS=1 .venv/bin/python bench/assay/bench_design.py [--shared ../shared/data] [--genomes 500]
"""

from __future__ import annotations

import argparse
import itertools
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

GOAL_S = 300.0
VARVAMP_S = 494.0


def build_input(shared: Path, n: int, target: Path) -> int:
    from epiaid.assay.engine import seqio

    d = shared / "assay"
    early = seqio.read_fasta(d / "sars2" / "ncov_example_2019-12_to_2020-05_genbank.fasta.gz")
    later = seqio.read_fasta(d / "experiments" / "msa_lineages_pre2021-06.fasta.xz")
    count = 0
    with target.open("w") as fh:
        for record in itertools.islice(itertools.chain(early, later), n):
            fh.write(f">{record.name}\n{record.seq.replace('-', '')}\n")
            count += 1
    return count


def time_primer3_window(reference: str) -> float:
    from primer3 import bindings

    window = reference[28000:29000]
    t = time.perf_counter()
    bindings.design_primers(
        {"SEQUENCE_ID": "N_window", "SEQUENCE_TEMPLATE": window},
        {
            "PRIMER_PICK_INTERNAL_OLIGO": 1,
            "PRIMER_PRODUCT_SIZE_RANGE": [[60, 150]],
            "PRIMER_NUM_RETURN": 5,
            "PRIMER_OPT_TM": 60.0,
            "PRIMER_MIN_TM": 57.0,
            "PRIMER_MAX_TM": 63.0,
            "PRIMER_INTERNAL_OPT_TM": 68.0,
            "PRIMER_INTERNAL_MIN_TM": 64.0,
            "PRIMER_INTERNAL_MAX_TM": 72.0,
        },
    )
    return time.perf_counter() - t


def time_candidate_screen(reference_codes: object) -> float:
    import numpy as np

    from epiaid.assay.engine import candidates

    codes = np.asarray(reference_codes)
    risk = np.zeros(len(codes))
    variable = np.zeros(len(codes), dtype=bool)
    t = time.perf_counter()
    for role in ("forward", "reverse", "probe"):
        candidates.add_thermodynamics(
            candidates.screen(codes, risk, variable, role, candidates.OligoRules()),
            codes,
            role,
            candidates.OligoRules(per_role_limit=10**9),
        )
    return time.perf_counter() - t


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--shared", type=Path, default=Path(__file__).resolve().parents[3] / "shared" / "data")
    parser.add_argument("--genomes", type=int, default=500)
    args = parser.parse_args()
    from epiaid.assay.engine import seqio

    ref_path = args.shared / "assay" / "reference" / "MN908947.3.fasta"
    with tempfile.TemporaryDirectory() as tmp:
        genomes = Path(tmp) / "genomes.fasta"
        n = build_input(args.shared, args.genomes, genomes)
        cmd = [
            sys.executable,
            "-m",
            "epiaid",
            "assay",
            "design",
            "--genomes",
            str(genomes),
            "--reference",
            str(ref_path),
            "--targets",
            "3",
            "--out",
            str(Path(tmp) / "out"),
        ]
        t = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
        wall = time.perf_counter() - t
        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        if proc.returncode != 0:
            print(proc.stdout[-2000:], proc.stderr[-4000:], file=sys.stderr)
            raise SystemExit(f"design failed with exit code {proc.returncode}")
        summary = json.loads((Path(tmp) / "out" / "summary.json").read_text())
    reference = seqio.read_reference(ref_path).seq
    p3 = time_primer3_window(reference)
    screen = time_candidate_screen(seqio.encode(reference))
    result = {
        "genomes": n,
        "wall_s": round(wall, 1),
        "peak_rss_mb": round(peak_mb, 1),
        "stage_s": summary["timings_s"],
        "panel": [t["target"] for t in summary["targets"]],
        "goal_s": GOAL_S,
        "ratio_to_goal": round(wall / GOAL_S, 3),
        "varvamp_published_s": VARVAMP_S,
        "ratio_to_varvamp_published": round(wall / VARVAMP_S, 3),
        "primer3_design_primers_one_1kb_window_s": round(p3, 2),
        "our_screen_whole_genome_all_roles_s": round(screen, 2),
        "primer3_design_primers_all_1kb_windows_extrapolated_s": round(p3 * len(reference) / 1000, 1),
        "ratio_screen_to_primer3_all_windows": round(screen / (p3 * len(reference) / 1000), 3) if p3 else None,
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
