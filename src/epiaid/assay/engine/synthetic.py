"""Small seeded genomes for tests and the offline demo: a made-up virus, its variants and a neighbour.

The reference has real-looking composition (38 % GC, no long runs), three annotated genes, and the
variants carry mutations concentrated in hotspots, so that a design must steer around them.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from epiaid.assay.engine.seqio import revcomp

GENES = (("geneA", 100, 1300), ("geneB", 1400, 2300), ("geneC", 2400, 3500))
LENGTH = 3600


def _random_sequence(rng: np.random.Generator, length: int) -> str:
    seq: list[str] = []
    while len(seq) < length:
        base = str(rng.choice(list("ACGT"), p=[0.31, 0.19, 0.19, 0.31]))
        if len(seq) >= 3 and seq[-1] == seq[-2] == seq[-3] == base:
            continue
        seq.append(base)
    return "".join(seq)


def mutate(rng: np.random.Generator, seq: str, n: int, hotspots: list[int] | None = None) -> str:
    chars = list(seq)
    for _ in range(n):
        if hotspots and rng.random() < 0.7:
            pos = int(rng.choice(hotspots)) + int(rng.integers(-30, 30))
        else:
            pos = int(rng.integers(0, len(chars)))
        pos = min(max(pos, 0), len(chars) - 1)
        chars[pos] = str(rng.choice([b for b in "ACGT" if b != chars[pos]]))
    return "".join(chars)


def write_dataset(folder: Path, n_genomes: int = 40, seed: int = 7, bad_records: bool = True) -> dict[str, Path]:
    """reference.fasta, genomes.fasta (with deliberately bad records), neighbours.fasta, genes.gff3."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    reference = _random_sequence(rng, LENGTH)
    hotspots = [int(h) for h in rng.integers(200, LENGTH - 200, size=6)]
    lines = []
    for i in range(n_genomes):
        genome = mutate(rng, reference, int(rng.integers(2, 12)), hotspots)
        lines.append(f">variant_{i:03d} synthetic\n{genome}")
    if bad_records:
        lines.append(">empty_record\n")
        lines.append(f">variant_000 duplicate name\n{reference}")
        lines.append(">protein_record\n" + "MKVLAAGIVGLLLAVAQAEEFGHIKLMNPQRSTVWY" * 30)
        lines.append(f">reverse_complemented\n{revcomp(mutate(rng, reference, 3, hotspots))}")
        lines.append(f">iupac_codes\n{reference[:500]}RYKMS{reference[505:]}")
        lines.append(f">other_virus\n{_random_sequence(rng, LENGTH)}")
    (folder / "genomes.fasta").write_text("\n".join(lines) + "\n")
    (folder / "reference.fasta").write_text(f">SYNTH_REF synthetic reference\n{reference}\n")
    neighbour = mutate(rng, reference, int(0.12 * LENGTH))
    distant = _random_sequence(rng, LENGTH)
    (folder / "neighbours.fasta").write_text(
        f">NB1|sarbecovirus_RaTG13-like|synthetic close neighbour\n{neighbour}\n"
        f">NB2|other_CoV|synthetic distant virus\n{distant}\n"
    )
    gff = ["##gff-version 3"]
    for name, start, end in GENES:
        gff.append(f"SYNTH_REF\tsynthetic\tCDS\t{start + 1}\t{end}\t.\t+\t0\tID=cds-{name};gene={name}")
    (folder / "genes.gff3").write_text("\n".join(gff) + "\n")
    return {
        name: folder / f
        for name, f in (
            ("reference", "reference.fasta"),
            ("genomes", "genomes.fasta"),
            ("neighbours", "neighbours.fasta"),
            ("annotation", "genes.gff3"),
        )
    }
