"""One analysis of a set of series (and optionally articles), and its outputs: HTML, PDF, CSV, JSON.

The HTML report embeds plotly.js from the installed Python package (never a CDN) so it opens offline
on a ministry laptop; the PDF uses matplotlib's PDF backend for printing and e-mail.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from epiaid.trends.engine.bursts import kleinberg
from epiaid.trends.engine.changepoints import detect, run_all
from epiaid.trends.engine.series import SeriesSet
from epiaid.trends.engine.timing import issue_timing, lead_lag

KIND_COLOURS = {
    "level_up": "#c0392b",
    "level_down": "#2471a3",
    "spike": "#d35400",
    "dip": "#7d3c98",
    "spike_end": "#d35400",
    "dip_end": "#7d3c98",
    "slope_up": "#b9770e",
    "slope_down": "#117a65",
    "variance_up": "#6c3483",
    "variance_down": "#5d6d7e",
}


def analyse(
    series: SeriesSet,
    cases: SeriesSet | None = None,
    events_path: str | Path | None = None,
    since: str | None = None,
    until: str | None = None,
) -> dict[str, Any]:
    """Change points (consensus and per method), bursts, issue timing and lead–lag for every series."""
    frame = series.frame.loc[since:until] if (since or until) else series.frame
    dates = [d.strftime("%Y-%m-%d") for d in frame.index]
    out: dict[str, Any] = {
        "dates": dates,
        "frequency": series.frequency,
        "series": {},
        "issues": [str(i) for i in series.issues],
        "events": [],
        "lead_lag": {},
    }
    for name in frame.columns:
        values = [None if pd.isna(v) else float(v) for v in frame[name]]
        cps = detect(values, dates=dates)
        bursts = kleinberg([v or 0.0 for v in values])
        out["series"][str(name)] = {
            "values": values,
            "changepoints": [c.as_dict() for c in cps],
            "methods": {m: [dates[i] for i in idx] for m, idx in run_all(values).items()},
            "bursts": [{**b.as_dict(), "start_date": dates[b.start], "end_date": dates[b.end]} for b in bursts],
            "timing": issue_timing(values).as_dict(dates),
        }
    if cases is not None and len(frame):
        case_col = cases.names[0]
        aligned = cases.frame[case_col].reindex(frame.index)
        out["cases"] = {"name": case_col, "values": [None if pd.isna(v) else float(v) for v in aligned]}
        for name in frame.columns:
            ll = lead_lag(frame[name].tolist(), aligned.tolist())
            out["lead_lag"][f"{name}→{case_col}"] = {"lag": ll["lag"], "r": ll["r"]}
    if events_path is not None:
        ev = pd.read_csv(events_path, dtype=str)
        if len(dates):
            ev = ev[(ev["date"] >= dates[0]) & (ev["date"] <= dates[-1])]
        out["events"] = ev.fillna("").to_dict("records")
    return out


def figure(result: dict[str, Any], names: Sequence[str] | None = None) -> Any:
    """plotly figure: one panel per series, change points coloured by kind, bursts shaded, events marked."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    names = list(names or result["series"])
    fig = make_subplots(rows=max(len(names), 1), cols=1, shared_xaxes=True, subplot_titles=names, vertical_spacing=0.06)
    dates = result["dates"]
    # Shapes are collected and set once: plotly's add_vline re-validates the whole figure on each call.
    shapes: list[dict[str, Any]] = []
    notes: list[dict[str, Any]] = []
    for row, name in enumerate(names, start=1):
        s = result["series"][name]
        ref = "" if row == 1 else str(row)
        axes = {"xref": f"x{ref}", "yref": f"y{ref} domain", "y0": 0, "y1": 1}
        fig.add_trace(go.Scatter(x=dates, y=s["values"], name=name, mode="lines", line={"width": 1.5}), row=row, col=1)
        for b in s["bursts"]:
            shapes.append(
                {
                    "type": "rect",
                    **axes,
                    "x0": b["start_date"],
                    "x1": b["end_date"],
                    "fillcolor": "#f7dc6f",
                    "opacity": 0.25,
                    "line": {"width": 0},
                }
            )
        for c in s["changepoints"]:
            shapes.append(
                {
                    "type": "line",
                    **axes,
                    "x0": c["date"],
                    "x1": c["date"],
                    "line": {"color": KIND_COLOURS.get(c["kind"], "#555"), "width": 2},
                }
            )
        cps = s["changepoints"]
        fig.add_trace(
            go.Scatter(
                x=[c["date"] for c in cps],
                y=[s["values"][c["index"]] for c in cps],
                mode="markers",
                marker={"size": 9, "color": [KIND_COLOURS.get(c["kind"], "#555") for c in cps]},
                name=f"{name} change points",
                text=[f"{c['kind']} ({c['votes']} votes)" for c in cps],
                hovertemplate="%{x}: %{text}<extra></extra>",
            ),
            row=row,
            col=1,
        )
    for e in result.get("events", []):
        shapes.append(
            {
                "type": "line",
                "xref": "x",
                "yref": "paper",
                "x0": e["date"],
                "x1": e["date"],
                "y0": 0,
                "y1": 1,
                "line": {"color": "#888", "width": 1, "dash": "dot"},
            }
        )
        notes.append(
            {
                "x": e["date"],
                "y": 1.0,
                "yref": "paper",
                "text": str(e.get("event", ""))[:28],
                "showarrow": False,
                "textangle": -60,
                "font": {"size": 9},
                "xanchor": "left",
                "yanchor": "bottom",
            }
        )
    fig.update_layout(
        shapes=shapes,
        annotations=[*fig.layout.annotations, *notes],
        height=260 * max(len(names), 1) + 160,
        template="plotly_white",
        showlegend=False,
        margin={"t": 140, "l": 50, "r": 20, "b": 40},
    )
    return fig


def network_figure(graph: Any, title: str = "") -> Any:
    """Interactive co-occurrence network (spring layout, edge width by co-occurrence)."""
    import networkx as nx
    import plotly.graph_objects as go

    pos = nx.spring_layout(graph, seed=1, weight="weight") if len(graph) else {}
    xs: list[float | None] = []
    ys: list[float | None] = []
    for u, v in graph.edges():
        xs += [pos[u][0], pos[v][0], None]
        ys += [pos[u][1], pos[v][1], None]
    nodes = list(graph.nodes(data=True))
    fig = go.Figure(
        [
            go.Scatter(x=xs, y=ys, mode="lines", line={"width": 0.6, "color": "#aaa"}, hoverinfo="skip"),
            go.Scatter(
                x=[pos[n][0] for n, _ in nodes],
                y=[pos[n][1] for n, _ in nodes],
                mode="markers+text",
                text=[n for n, _ in nodes],
                textposition="top center",
                marker={"size": [6 + 2 * d.get("count", 1) ** 0.5 for _, d in nodes], "color": "#2e86c1"},
                hovertext=[f"{n}: {d.get('count', 0)} docs" for n, d in nodes],
                hoverinfo="text",
            ),
        ]
    )
    fig.update_layout(
        title=title,
        showlegend=False,
        template="plotly_white",
        xaxis={"visible": False},
        yaxis={"visible": False},
        height=600,
    )
    return fig


def changepoint_rows(result: dict[str, Any]) -> pd.DataFrame:
    rows = [
        {"series": name, **{k: v for k, v in c.items() if k != "methods"}, "methods": "+".join(c["methods"])}
        for name, s in result["series"].items()
        for c in s["changepoints"]
    ]
    return pd.DataFrame(rows, columns=["series", "index", "date", "kind", "votes", "magnitude", "methods"])


HANGUL_FONTS = ("NanumGothic", "NanumBarunGothic", "Noto Sans CJK KR", "UnDotum")


def _hangul_fonts(font_manager: Any) -> list[str]:
    """Installed Hangul font families; registers system fonts matplotlib's cache predates."""
    installed = {f.name for f in font_manager.fontManager.ttflist}
    if not installed & set(HANGUL_FONTS):
        for path in font_manager.findSystemFonts():
            if any(key in Path(path).name for key in ("Nanum", "NotoSansCJK", "UnDotum")):
                try:
                    font_manager.fontManager.addfont(path)
                except (OSError, RuntimeError):
                    continue
        installed = {f.name for f in font_manager.fontManager.ttflist}
    return [f for f in HANGUL_FONTS if f in installed]


def write_pdf(result: dict[str, Any], path: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib import font_manager

    # Korean labels need a Hangul font (Debian: fonts-nanum); without one the PDF shows boxes.
    hangul = _hangul_fonts(font_manager)
    plt.rcParams["font.family"] = [*hangul, "DejaVu Sans"]
    plt.rcParams["axes.unicode_minus"] = False
    from matplotlib.backends.backend_pdf import PdfPages

    dates = pd.to_datetime(result["dates"])
    with PdfPages(path) as pdf:
        for name, s in result["series"].items():
            fig, ax = plt.subplots(figsize=(11.7, 5.0))
            ax.plot(dates, [float("nan") if v is None else v for v in s["values"]], lw=1.2, color="#34495e")
            for b in s["bursts"]:
                ax.axvspan(pd.Timestamp(b["start_date"]), pd.Timestamp(b["end_date"]), color="#f7dc6f", alpha=0.3)
            for c in s["changepoints"]:
                ax.axvline(pd.Timestamp(c["date"]), color=KIND_COLOURS.get(c["kind"], "#555"), lw=1.6)
            for e in result.get("events", []):
                ax.axvline(pd.Timestamp(e["date"]), color="#999", ls=":", lw=0.8)
                ax.text(
                    pd.Timestamp(e["date"]),
                    ax.get_ylim()[1],
                    str(e.get("event", ""))[:30],
                    rotation=60,
                    fontsize=6,
                    va="bottom",
                )
            ax.set_title(f"{name}: {len(s['changepoints'])} change points", loc="left")
            fig.tight_layout()
            pdf.savefig(fig)
            plt.close(fig)
    return path


def write_html(result: dict[str, Any], html: Path, extra_figures: Sequence[Any] = ()) -> Path:
    """The interactive report; plotly.js is embedded from the Python package, so it works offline."""
    parts = [figure(result).to_html(include_plotlyjs=True, full_html=False)]
    parts += [f.to_html(include_plotlyjs=False, full_html=False) for f in extra_figures]
    timing = pd.DataFrame({n: s["timing"] for n, s in result["series"].items()}).T
    html.write_text(
        "<!doctype html><html><head><meta charset='utf-8'><title>epiaid trends report</title></head><body>"
        "<h1>Media and search trends</h1>"
        + "".join(parts)
        + "<h2>Change points</h2>"
        + changepoint_rows(result).to_html(index=False)
        + "<h2>Issue timing</h2>"
        + timing.to_html()
        + "<h2>Lead–lag (positive: series leads cases)</h2>"
        + pd.DataFrame(result.get("lead_lag", {})).T.to_html()
        + "</body></html>",
        encoding="utf-8",
    )
    return html


def write_all(result: dict[str, Any], folder: Path, extra_figures: Sequence[Any] = ()) -> list[Path]:
    """report.html (interactive), report.pdf, changepoints.csv, series.csv and result.json."""
    folder.mkdir(parents=True, exist_ok=True)
    html = write_html(result, folder / "report.html", extra_figures)
    pdf = write_pdf(result, folder / "report.pdf")
    cps = folder / "changepoints.csv"
    changepoint_rows(result).to_csv(cps, index=False)
    series_csv = folder / "series.csv"
    pd.DataFrame({n: s["values"] for n, s in result["series"].items()}, index=result["dates"]).to_csv(
        series_csv, index_label="date"
    )
    js = folder / "result.json"
    js.write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
    return [html, pdf, cps, series_csv, js]
