"""Article tables: title, body, date, outlet, section, URL and optional view counts.

Column names vary by source (Korean CMS exports, CoAID's CSVs, scraper dumps), so common aliases are
accepted. Empty articles are skipped, huge bodies are cut, undated rows are kept only when a fallback
date is given (e.g. a snapshot date) — and every such decision is reported with its row.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

import pandas as pd

from epiaid.core.korean import decode_bytes
from epiaid.trends.engine.series import Issue
from epiaid.trends.engine.text import MAX_CHARS, normalise

ALIASES: dict[str, tuple[str, ...]] = {
    "title": ("title", "headline", "제목", "newstitle"),
    "body": ("body", "content", "text", "본문", "abstract"),
    "date": ("date", "published", "publish_date", "pubdate", "날짜", "일자", "작성일"),
    "outlet": ("outlet", "press", "source", "site", "언론사", "매체"),
    "section": ("section", "category", "섹션", "분야"),
    "url": ("url", "news_url", "link", "주소"),
    "views": ("views", "view_count", "reads", "조회수"),
}
COLUMNS = ("title", "body", "date", "outlet", "section", "url", "views")


@dataclass
class ArticleTable:
    frame: pd.DataFrame  # COLUMNS, date as Timestamp (day), views float or NaN
    issues: list[Issue] = field(default_factory=list)

    @property
    def texts(self) -> list[str]:
        return (self.frame["title"].fillna("") + " " + self.frame["body"].fillna("")).str.strip().tolist()


def _pick(frame: pd.DataFrame, name: str) -> str | None:
    lower = {c.lower().strip(): c for c in frame.columns}
    for alias in ALIASES[name]:
        if alias in lower:
            return lower[alias]
    return None


def _outlet_from_url(url: str) -> str:
    host = urlparse(url).netloc.lower()
    return host.removeprefix("www.") if host else ""


def standardise(frame: pd.DataFrame, fallback_date: str | None = None) -> ArticleTable:
    issues: list[Issue] = []
    cols = {name: _pick(frame, name) for name in COLUMNS}
    if cols["title"] is None and cols["body"] is None:
        raise ValueError(f"no title or body column; columns are {', '.join(map(str, frame.columns))}")
    out = pd.DataFrame(index=frame.index)
    for name in ("title", "body", "outlet", "section", "url"):
        src = cols[name]
        out[name] = frame[src].astype(str).where(frame[src].notna(), "") if src else ""
    out["title"] = out["title"].map(normalise)
    long_body = out["body"].str.len() > MAX_CHARS
    if long_body.any():
        issues.append(
            Issue(
                int(long_body.to_numpy().nonzero()[0][0]) + 1,
                "body",
                f"{int(long_body.sum())} body text(s) longer than {MAX_CHARS} characters were cut",
            )
        )
    out["body"] = out["body"].map(normalise)
    missing_outlet = out["outlet"] == ""
    out.loc[missing_outlet, "outlet"] = out.loc[missing_outlet, "url"].map(_outlet_from_url)
    if cols["date"]:
        raw = frame[cols["date"]].astype(str)
        dates = pd.to_datetime(raw, errors="coerce", utc=True, format="mixed")
    else:
        dates = pd.Series(pd.NaT, index=frame.index, dtype="datetime64[ns, UTC]")
    undated = dates.isna()
    if undated.any():
        if fallback_date:
            dates = dates.where(~undated, pd.Timestamp(fallback_date, tz="UTC"))
            issues.append(Issue(None, "date", f"{int(undated.sum())} undated article(s) given {fallback_date}"))
        else:
            issues.append(
                Issue(
                    int(undated.to_numpy().nonzero()[0][0]) + 1,
                    "date",
                    f"{int(undated.sum())} article(s) without a readable date skipped",
                )
            )
    out["date"] = dates.dt.tz_convert("Asia/Seoul").dt.tz_localize(None).dt.normalize()
    out["views"] = pd.to_numeric(frame[cols["views"]], errors="coerce") if cols["views"] else float("nan")
    empty = (out["title"] == "") & (out["body"] == "")
    if empty.any():
        issues.append(
            Issue(
                int(empty.to_numpy().nonzero()[0][0]) + 1,
                "title/body",
                f"{int(empty.sum())} empty article(s) skipped",
            )
        )
    keep = ~empty & out["date"].notna()
    return ArticleTable(out.loc[keep, list(COLUMNS)].reset_index(drop=True), issues)


def read_articles(source: str | Path | bytes, fallback_date: str | None = None) -> ArticleTable:
    """An article CSV in UTF-8 or CP949 (BOM tolerated), columns by the aliases above."""
    data = source if isinstance(source, bytes) else Path(source).read_bytes()
    text, _ = decode_bytes(data)
    frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, na_values=[""])
    return standardise(frame, fallback_date)


def read_coaid(folder: str | Path, include_fake: bool = False) -> ArticleTable:
    """CoAID snapshots (English news): folders named MM-DD-YYYY; undated rows get the snapshot date."""
    tables = []
    issues: list[Issue] = []
    for snap in sorted(p for p in Path(folder).iterdir() if p.is_dir()):
        month, day, year = snap.name.split("-")
        names = ["NewsRealCOVID-19.csv", *(["NewsFakeCOVID-19.csv"] if include_fake else [])]
        for name in names:
            path = snap / name
            if path.exists():
                t = read_articles(path, fallback_date=f"{year}-{month}-{day}")
                tables.append(t.frame)
                issues += [Issue(i.row, f"{snap.name}/{name}:{i.field}", i.message) for i in t.issues]
    if not tables:
        raise ValueError(f"{folder}: no CoAID snapshot folders found")
    return ArticleTable(pd.concat(tables, ignore_index=True), issues)


def daily_counts(table: ArticleTable, docs_tokens: list[list[str]], terms: dict[str, set[str]]) -> pd.DataFrame:
    """Documents per day mentioning each keyword group (any synonym), plus all documents."""
    rows = []
    for day, toks in zip(table.frame["date"], docs_tokens, strict=True):
        s = set(toks)
        rows.append({"date": day, "all": 1, **{g: int(bool(s & ts)) for g, ts in terms.items()}})
    return pd.DataFrame(rows).groupby("date").sum().asfreq("D", fill_value=0)
