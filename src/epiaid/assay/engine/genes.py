"""Gene coordinates on the reference: where targets may sit, and codon positions for the prior.

For MN908947.3 / NC_045512.2 (identical sequences) the default annotation below is the RefSeq one
(genes from the NC_045512.2 record; ORF1ab split at the ribosomal frameshift into ORF1a and ORF1b,
RdRp = nsp12, as in /work/shared/data/dti/sars_cov_2/NC_045512.2_mature_peptides.gff3). Any other
reference takes a GFF3 (``CDS`` or ``gene`` rows), or is cut into equal segments as a last resort.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote


@dataclass(frozen=True)
class Gene:
    name: str
    start: int  # 0-based inclusive
    end: int  # 0-based exclusive
    frame_start: int | None  # 0-based position of the first codon base; None for non-coding segments


#: RefSeq NC_045512.2 coding regions (1-based inclusive in the record; stored 0-based half-open).
SARS_COV_2_GENES: tuple[Gene, ...] = (
    Gene("ORF1a", 265, 13483, 265),
    Gene("ORF1b", 13467, 21555, 13467),  # after the -1 frameshift at 13468
    Gene("S", 21562, 25384, 21562),
    Gene("ORF3a", 25392, 26220, 25392),
    Gene("E", 26244, 26472, 26244),
    Gene("M", 26522, 27191, 26522),
    Gene("ORF6", 27201, 27387, 27201),
    Gene("ORF7a", 27393, 27759, 27393),
    Gene("ORF7b", 27755, 27887, 27755),
    Gene("ORF8", 27893, 28259, 27893),
    Gene("N", 28273, 29533, 28273),
    Gene("ORF10", 29557, 29674, 29557),
)
SARS_COV_2_LENGTH = 29903
SARS_COV_2_PREFIXES = ("MN908947", "NC_045512")


def parse_gff3(path: Path | str) -> list[Gene]:
    """CDS rows (or gene rows when there are no CDS) of a GFF3, named by their gene/Name attribute."""
    rows: list[Gene] = []
    genes: list[Gene] = []
    for line in Path(path).read_text(encoding="utf-8", errors="replace").splitlines():
        if not line or line.startswith("#"):
            continue
        cols = line.split("\t")
        if len(cols) < 9:
            continue
        attrs = dict(kv.split("=", 1) for kv in cols[8].split(";") if "=" in kv)
        name = unquote(attrs.get("gene") or attrs.get("Name") or attrs.get("ID") or cols[2])
        start, end = int(cols[3]) - 1, int(cols[4])
        if cols[2] == "CDS":
            rows.append(Gene(name, start, end, start))
        elif cols[2] == "gene":
            genes.append(Gene(name, start, end, None))
    chosen = rows or genes
    unique: dict[tuple[str, int], Gene] = {(g.name, g.start): g for g in chosen}
    return sorted(unique.values(), key=lambda g: g.start)


def segments(reference_length: int, n: int = 8) -> list[Gene]:
    step = reference_length // n
    return [
        Gene(f"segment{i + 1}", i * step, (i + 1) * step if i < n - 1 else reference_length, None) for i in range(n)
    ]


def genes_for(reference_name: str, reference_length: int, annotation: Path | str | None = None) -> list[Gene]:
    if annotation is not None:
        genes = parse_gff3(annotation)
        if not genes:
            raise ValueError(f"{annotation}: no CDS or gene rows found in the GFF3")
        return genes
    if reference_name.startswith(SARS_COV_2_PREFIXES) and reference_length == SARS_COV_2_LENGTH:
        return list(SARS_COV_2_GENES)
    return segments(reference_length)


def gene_at(genes: list[Gene], position: int) -> str:
    for g in genes:
        if g.start <= position < g.end:
            return g.name
    return "intergenic"
