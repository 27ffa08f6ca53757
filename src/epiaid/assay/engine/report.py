"""Outputs a lab can act on: panel.tsv, oligo order sheet, BED, risk map, tables and an HTML report.

The HTML report is one self-contained file with no script (charts are PNGs inlined as data URIs), so
it opens from disk, can be mailed, and passes the web app's content-security policy unchanged.
"""

from __future__ import annotations

import base64
import html
import io
import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from epiaid.assay.engine import panel as panel_mod
from epiaid.assay.engine.design import DesignResult

#: One reporter channel per target in a single tube, each with the dark quencher whose absorbance
#: matches it (BHQ1 for the green/yellow dyes, BHQ2 for the red ones).
DYES: tuple[tuple[str, str], ...] = (
    ("FAM", "BHQ1"),
    ("HEX", "BHQ1"),
    ("Cy5", "BHQ2"),
    ("ROX", "BHQ2"),
    ("Cy5.5", "BHQ2"),
)


def panel_table(result: DesignResult) -> pd.DataFrame:
    rows = []
    for amp in result.panel:
        for oligo in amp.oligos:
            rows.append({"target": amp.target, "oligo": oligo.name, "role": oligo.role, "sequence": oligo.sequence})
    return pd.DataFrame(rows, columns=["target", "oligo", "role", "sequence"])


def detail_table(result: DesignResult) -> pd.DataFrame:
    rows = []
    for amp in result.panel:
        for oligo in amp.oligos:
            rows.append(
                {
                    "target": amp.target,
                    "gene": amp.gene,
                    "oligo": oligo.name,
                    "role": oligo.role,
                    "sequence": oligo.sequence,
                    "length": len(oligo.sequence),
                    "start_1based": oligo.start + 1,
                    "end": oligo.end,
                    "strand": oligo.strand,
                    "tm": round(oligo.tm, 2),
                    "gc": round(oligo.gc, 3),
                    "hairpin_tm": round(oligo.hairpin_tm, 1),
                    "homodimer_dg": round(oligo.homodimer_dg, 2),
                    "end_stability_dg": round(oligo.end_dg, 2),
                    "risk": round(oligo.risk, 4),
                    "amplicon_length": amp.length,
                }
            )
    return pd.DataFrame(rows)


def order_sheet(result: DesignResult) -> pd.DataFrame:
    """What goes to the oligo vendor: probes dual-labelled, one reporter dye per target."""
    rows = []
    for i, amp in enumerate(result.panel):
        dye, quencher = DYES[i % len(DYES)]
        for oligo in amp.oligos:
            probe = oligo.role == "probe"
            rows.append(
                {
                    "name": oligo.name,
                    "sequence_5to3": oligo.sequence,
                    "length": len(oligo.sequence),
                    "scale": "100 nmol" if probe else "25 nmol",
                    "purification": "HPLC" if probe else "desalted",
                    "modification_5prime": dye if probe else "",
                    "modification_3prime": quencher if probe else "",
                    "tm_c": round(oligo.tm, 1),
                    "gc_percent": round(100 * oligo.gc, 1),
                }
            )
    return pd.DataFrame(rows)


def bed_lines(result: DesignResult) -> list[str]:
    lines = []
    for i, amp in enumerate(result.panel):
        for oligo in amp.oligos:
            lines.append(f"{result.reference_name}\t{oligo.start}\t{oligo.end}\t{oligo.name}\t{i + 1}\t{oligo.strand}")
    return lines


def variability_frame(result: DesignResult) -> pd.DataFrame:
    var = result.variability
    return pd.DataFrame(
        {
            "position": np.arange(1, len(result.reference) + 1),
            "entropy": var.entropy.round(4),
            "gap_fraction": var.gap_fraction.round(4),
            "alt_fraction": var.alt_fraction.round(4),
            "density": var.density.round(4),
            "prior": result.prior.probability.round(4),
            "risk": result.risk.round(4),
        }
    )


def variability_png(result: DesignResult) -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    var = result.variability
    x = np.arange(1, len(result.reference) + 1)
    fig, axes = plt.subplots(3, 1, figsize=(12, 6), sharex=True)
    axes[0].plot(x, var.entropy, lw=0.5, color="#444")
    axes[0].set_ylabel("entropy (bits)")
    axes[1].plot(x, var.density, lw=0.8, color="#c0392b", label="observed mutation density")
    axes[1].plot(
        x,
        np.convolve(result.prior.probability, np.ones(101) / 101, mode="same"),
        lw=0.8,
        color="#2471a3",
        label="learned prior (±50 nt mean)",
    )
    axes[1].legend(loc="upper left", fontsize=7)
    axes[1].set_ylabel("rate")
    for gene in result.genes:
        axes[2].axvspan(gene.start, gene.end, alpha=0.15, color="#7f8c8d")
        axes[2].text((gene.start + gene.end) / 2, 0.85, gene.name, ha="center", fontsize=6)
    for i, amp in enumerate(result.panel):
        axes[2].axvspan(amp.start, amp.end, color=f"C{i}", alpha=0.9)
        axes[2].text(amp.start, 0.4, amp.target, fontsize=7, color=f"C{i}", rotation=90)
    axes[2].set_yticks([])
    axes[2].set_xlabel(f"position on {result.reference_name}")
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90)
    plt.close(fig)
    return buf.getvalue()


def dimer_frame(result: DesignResult) -> pd.DataFrame:
    oligos = [o for a in result.panel for o in a.oligos]
    matrix = panel_mod.dimer_matrix(oligos) if oligos else np.zeros((0, 0))
    names = [o.name for o in oligos]
    return pd.DataFrame(matrix.round(2), index=names, columns=names)


def inclusivity_frame(result: DesignResult) -> pd.DataFrame:
    from epiaid.assay.engine import inclusivity

    rows = []
    for target, oligos in result.placed().items():
        for oligo in oligos:
            at_risk, count = inclusivity.oligo_risk(oligo, result.matrix)
            rows.append(
                {
                    "target": target,
                    "oligo": oligo.name,
                    "role": oligo.role,
                    "genomes": len(at_risk),
                    "with_mismatch": int((count > 0).sum()),
                    "at_risk": int(at_risk.sum()),
                    "inclusivity": round(1 - float(at_risk.mean()), 4),
                }
            )
    return pd.DataFrame(rows)


def _table(frame: pd.DataFrame, index: bool = False) -> str:
    return frame.to_html(index=index, border=0, classes="t", escape=True)


def render_html(
    result: DesignResult, png: bytes, summary: dict[str, Any], dimers: pd.DataFrame, incl: pd.DataFrame
) -> str:
    def td_style(v: float) -> str:
        return "background:#f5b7b1" if v < -9 else ("background:#fdebd0" if v < -6 else "")

    dimer_html = [
        "<table class='t'><tr><th></th>" + "".join(f"<th>{html.escape(c)}</th>" for c in dimers.columns) + "</tr>"
    ]
    for name, row in dimers.iterrows():
        cells = "".join(f"<td style='{td_style(v)}'>{v:.1f}</td>" for v in row.to_numpy())
        dimer_html.append(f"<tr><th>{html.escape(str(name))}</th>{cells}</tr>")
    dimer_html.append("</table>")
    excl = pd.DataFrame([r.__dict__ for r in result.exclusivity])
    excl_html = "<p>No neighbour genomes given.</p>"
    if not excl.empty:
        excl["neighbour"] = excl["neighbour"].str.split("|").str[:2].str.join(" ")
        excl_html = _table(excl)
    issues = pd.DataFrame([i.as_row() for i in result.issues])
    b64png = base64.b64encode(png).decode()
    bg = pd.DataFrame([h.__dict__ for h in result.background_hits])
    bg_html = _table(bg.head(200)) if not bg.empty else "<p>none (or no background given)</p>"
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Assay design report</title>
<style>body{{font-family:sans-serif;margin:2em;max-width:1200px}}
.t{{border-collapse:collapse;font-size:12px}}
.t td,.t th{{border:1px solid #ccc;padding:2px 6px}} .warn{{color:#b03a2e}}</style></head><body>
<h1>RT-PCR assay design report</h1>
<p>Reference {html.escape(result.reference_name)}; {len(result.names)} genomes used of {result.n_read} read;
{int(result.variability.variable.sum())} variable positions. Total {result.timings.get("total", 0):.1f} s.</p>
{"".join(f'<p class="warn">⚠ {html.escape(w)}</p>' for w in result.warnings)}
<h2>Variability and risk map</h2>
<img alt="variability map" style="max-width:100%" src="data:image/png;base64,{b64png}">
<p>Risk = 5 × share of genomes differing + 1 if any genome differs + learned prior + 0.5 × local density.
The prior is a logistic regression on reference base, neighbours, codon position, synonymous share,
CpG/UpA, GC and genome ends, fitted to the positions already variable in these genomes.
Strongest coefficients: {html.escape(json.dumps(result.prior.feature_importance))}</p>
<h2>Panel</h2>{_table(detail_table(result))}
<h2>Cross-dimer matrix (ΔG kcal/mol; red below −9)</h2>{"".join(dimer_html)}
<h2>Inclusivity on the design genomes</h2>{_table(incl)}
<h2>Exclusivity (near neighbours)</h2>{excl_html}
<h2>Background 3′ k-mer hits</h2>{bg_html}
<h2>Input messages</h2>{_table(issues) if not issues.empty else "<p>none</p>"}
<h2>Summary</h2><pre>{html.escape(json.dumps(summary, indent=2))}</pre>
</body></html>"""


def inclusivity_rates(result: DesignResult) -> dict[str, float]:
    from epiaid.assay.engine import inclusivity

    return inclusivity.panel_detection(result.placed(), result.matrix) if result.panel else {}


def summary_dict(result: DesignResult) -> dict[str, Any]:
    return {
        "reference": result.reference_name,
        "genomes_read": result.n_read,
        "genomes_used": len(result.names),
        "variable_positions": int(result.variability.variable.sum()),
        "targets": [
            {
                "target": a.target,
                "gene": a.gene,
                "start": a.start + 1,
                "end": a.end,
                "length": a.length,
                "score": round(a.score, 4),
                "excludes_neighbours": a.excludes_all,
            }
            for a in result.panel
        ],
        "must_exclude_amplified": sorted(
            {r.neighbour.split("|")[0] for r in result.exclusivity if r.must_exclude and r.amplifies}
        ),
        "warnings": result.warnings,
        "timings_s": {k: round(v, 2) for k, v in result.timings.items()},
        "prior_top_features": result.prior.feature_importance,
        "background_hits": len(result.background_hits),
        "detection_on_design_genomes": {k: round(v, 4) for k, v in inclusivity_rates(result).items()},
    }


def write_outputs(result: DesignResult, out: Path) -> dict[str, Path]:
    out.mkdir(parents=True, exist_ok=True)
    paths = {
        name: out / name
        for name in (
            "panel.tsv",
            "panel_detail.tsv",
            "order_sheet.tsv",
            "panel.bed",
            "variability.tsv.gz",
            "dimer_matrix.tsv",
            "inclusivity.tsv",
            "exclusivity.tsv",
            "qc.tsv",
            "variability.png",
            "report.html",
            "summary.json",
        )
    }
    panel_table(result).to_csv(paths["panel.tsv"], sep="\t", index=False)
    detail_table(result).to_csv(paths["panel_detail.tsv"], sep="\t", index=False)
    order_sheet(result).to_csv(paths["order_sheet.tsv"], sep="\t", index=False)
    paths["panel.bed"].write_text("\n".join(bed_lines(result)) + "\n", encoding="utf-8")
    variability_frame(result).to_csv(paths["variability.tsv.gz"], sep="\t", index=False)
    dimers = dimer_frame(result)
    dimers.to_csv(paths["dimer_matrix.tsv"], sep="\t")
    incl = inclusivity_frame(result)
    incl.to_csv(paths["inclusivity.tsv"], sep="\t", index=False)
    pd.DataFrame([r.__dict__ for r in result.exclusivity]).to_csv(paths["exclusivity.tsv"], sep="\t", index=False)
    pd.DataFrame([i.as_row() for i in result.issues], columns=["record", "line", "dropped", "problem"]).to_csv(
        paths["qc.tsv"], sep="\t", index=False
    )
    png = variability_png(result)
    paths["variability.png"].write_bytes(png)
    summary = summary_dict(result)
    paths["summary.json"].write_text(json.dumps(summary, indent=2, ensure_ascii=False), encoding="utf-8")
    paths["report.html"].write_text(render_html(result, png, summary, dimers, incl), encoding="utf-8")
    return paths
