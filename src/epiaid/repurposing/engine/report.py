"""Self-contained HTML report with PNG charts (no scripts: it opens offline and under the site's CSP)."""

from __future__ import annotations

import base64
import html
import io
from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    from epiaid.repurposing.engine.rank import RankResult

_STYLE = """body{font-family:system-ui,'Noto Sans KR',sans-serif;margin:1.5rem;max-width:1100px}
table{border-collapse:collapse;margin:.5rem 0 1.5rem}td,th{border:1px solid #ccc;padding:.2rem .5rem;
font-size:.9rem}th{background:#f3f3f3}.warn{background:#fff4e0;border-left:4px solid #e90;padding:.5rem 1rem}
img{max-width:100%}"""


def _png(fig: object) -> str:
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90, bbox_inches="tight")  # type: ignore[attr-defined]
    plt.close(fig)  # type: ignore[arg-type]
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _cjk_font() -> str | None:
    """A Korean-capable font if the system has one (Noto CJK, Nanum), so drug names render in charts."""
    from matplotlib import font_manager

    for font in font_manager.fontManager.ttflist:
        if any(k in font.name for k in ("CJK", "Nanum", "Malgun", "AppleGothic")):
            return str(font.name)
    return None


def _label(name: str, drug_id: str, rank: int, cjk: bool) -> str:
    """Chart label: the name, else the id, else the rank, where no installed font has the glyphs."""
    for text in (name, drug_id):
        if cjk or text.isascii():
            return text[:28]
    return f"#{rank}"


def _target_charts(sub: pd.DataFrame, unit: str, top: int) -> str:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    font = _cjk_font()
    if font:
        plt.rcParams["font.family"] = [font, "DejaVu Sans"]
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 4.2))
    head = sub.head(top).iloc[::-1]
    labels = [
        _label(str(n), str(d), int(r), font is not None)
        for n, d, r in zip(head["name"], head["drug_id"], head["rank"], strict=True)
    ]
    ax1.barh(labels, head["prediction"], xerr=head["uncertainty"], color="#3a7bd5")
    ax1.set_xlabel(f"predicted {unit} (± ensemble sd)")
    ax1.set_title(f"top {len(head)}")
    lo = float(sub["prediction"].min())
    ax1.set_xlim(left=lo - 0.1 * abs(lo))
    ax2.scatter(sub["nearest_drug_tanimoto"], sub["prediction"], s=6, alpha=0.5, color="#555")
    ax2.set_xlabel("Tanimoto to nearest training drug (low = extrapolation)")
    ax2.set_ylabel(f"predicted {unit}")
    ax2.set_title("every library drug")
    return f'<img alt="charts" src="{_png(fig)}">'


def _table(frame: pd.DataFrame) -> str:
    return frame.to_html(index=False, float_format=lambda v: f"{v:.3f}", na_rep="–", border=0, escape=True)


def html_report(result: RankResult, marks: pd.DataFrame, top: int = 25) -> str:
    """The whole report as one HTML string."""
    t = result.table
    parts = [
        f"<!doctype html><html><head><meta charset='utf-8'><title>Repurposing report</title>"
        f"<style>{_STYLE}</style></head><body>",
        "<h1>Drug repurposing ranking</h1>",
        f"<p>Model: {html.escape(result.benchmark.upper())} ({html.escape(result.mode)} mode), "
        "predictions in "
        f"{html.escape(result.unit)} (higher = stronger binding). {t['drug_id'].nunique()} drugs × "
        f"{t['target'].nunique()} targets; {len(result.problems)} input rows skipped (listed below).</p>",
        "<p class='warn'>The model was trained on kinase benchmarks. For viral proteins every target is far "
        "from training (see <em>nearest training target similarity</em>) and most approved drugs are far "
        "from training chemistry (<em>Tanimoto to nearest training drug</em>): read the ranking as a "
        "hypothesis generator to shortlist for docking and assays, not as measured affinity.</p>",
    ]
    targets = t.groupby("target")[["nearest_train_target", "nearest_target_similarity"]].first().reset_index()
    parts += ["<h2>Targets</h2>", _table(targets)]
    if not marks.empty:
        parts += [
            "<h2>Beck et al. (2020) top five and nirmatrelvir on 3CLpro</h2>",
            "<p>Beck et al. ranked with MT-DTI (Kd nM, lower = stronger); here is where the same drugs "
            "land in this ranking.</p>",
            _table(marks),
        ]
    cols = [
        c
        for c in (
            "rank",
            "name",
            "drug_id",
            "prediction",
            "kd_nm",
            "uncertainty",
            "nearest_train_drug",
            "nearest_drug_tanimoto",
            "atc",
        )
        if c in t.columns
    ]
    for target, sub in t.groupby("target", sort=True):
        parts += [
            f"<h2>{html.escape(str(target))}</h2>",
            _target_charts(sub, result.unit, top),
            _table(sub[cols].head(top)),
        ]
    if result.problems:
        parts += ["<h2>Skipped input rows</h2>", _table(pd.DataFrame([p.as_dict() for p in result.problems]))]
    parts.append("</body></html>")
    return "\n".join(parts)
