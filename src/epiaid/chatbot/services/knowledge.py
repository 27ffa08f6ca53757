"""The knowledge base: imports with a per-row report, staff curation, and the cached retriever.

Imports read the deepset COVID-QA format (``faq_covidbert.csv``, ``faq_200327.tsv``: question, answer,
link, source, lang, last_update …), the JHU scraped format (``scraped.tsv``: sourceUrl, sourceName,
language, ID, dateLastChanged, question, answer) and the project's own Korean FAQ (id, topic, question,
variants, answer, source_name, source_url, lang, last_reviewed, authored_by). One transaction per file:
a file malformed as a whole changes nothing; a bad row is rejected with its row number, field and reason;
rows in a language the bot does not serve are skipped and counted. Re-importing updates in place.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import logging
import os
import pickle
import re
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from epiaid.chatbot.engine.retrieval import Entry, Retriever
from epiaid.chatbot.models import KnowledgeEntry, KnowledgeVersion, Lang, Origin
from epiaid.core.actors import Actor
from epiaid.core.audit import AuditAction, record
from epiaid.core.errors import BadInput, NotFound
from epiaid.core.korean import TextError, decode_bytes, normalise, strip_markup
from epiaid.core.roles import Role, has_role

from .access import require_staff

csv.field_size_limit(10_000_000)
logger = logging.getLogger(__name__)

MAX_QUESTION = 1000
MAX_ANSWER = 20_000
VARIANT_SEP = " || "
SERVED_LANGS = tuple(Lang.values)
PROJECT_AUTHOR = "epiaid project"


class ImportFileError(BadInput):
    """The file as a whole cannot be imported; nothing was written."""

    code = "bad_import_file"


class RowError(ValueError):
    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


@dataclass
class RowNote:
    row: int
    field: str
    reason: str


@dataclass
class ImportReport:
    kind: str
    encoding: str = "utf-8"
    read: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: list[RowNote] = field(default_factory=list)  # languages the bot does not serve
    rejected: list[RowNote] = field(default_factory=list)
    warnings: list[RowNote] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "encoding": self.encoding,
            "read": self.read,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "skipped": len(self.skipped),
            "rejected": [r.__dict__ for r in self.rejected],
            "warnings": [w.__dict__ for w in self.warnings],
        }

    def summary(self) -> str:
        return (
            f"{self.kind}: read {self.read}, created {self.created}, updated {self.updated}, "
            f"unchanged {self.unchanged}, skipped {len(self.skipped)} (language not served), "
            f"rejected {len(self.rejected)}" + (f", warnings {len(self.warnings)}" if self.warnings else "")
        )


# --------------------------------------------------------------------------- row parsing

_DEEPSET = {"question", "answer"}
_JHU = {"sourceUrl", "sourceName", "language", "question", "answer"}
_PROJECT = {"id", "topic", "question", "variants", "answer", "source_name", "source_url", "lang", "last_reviewed"}
_URL = re.compile(r"^https?://[^\s<>\"']+$")


def _text(value: str | None, name: str, *, limit: int, required: bool = True) -> str:
    try:
        text, _ = strip_markup(value, name, max_length=limit)
    except TextError as exc:
        raise RowError(name, str(exc)) from None
    if required and not text:
        raise RowError(name, "is empty")
    return text


def _url(value: str | None) -> str:
    url = normalise(value)
    if not url:
        return ""
    if not _URL.match(url) or len(url) > 1000:
        raise RowError("link", f"not an http(s) URL: {url[:80]!r}")
    return url


def _date(value: str | None, name: str) -> date | None:
    raw = normalise(value)
    if not raw:
        return None
    for fmt in ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d"):
        try:
            return datetime.strptime(raw[:10], fmt).date()
        except ValueError:
            continue
    try:  # JHU: seconds since the epoch
        return datetime.fromtimestamp(float(raw), tz=UTC).date()
    except (ValueError, OverflowError, OSError):
        raise RowError(name, f"not a date (YYYY-MM-DD): {raw[:40]!r}") from None


def _lang(value: str | None) -> str:
    lang = normalise(value).lower()[:2]
    if not lang:
        raise RowError("lang", "is empty")
    return lang


def _key(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:40]


def _parse_row(fmt: str, row: Mapping[str, str | None], origin: str, source_label: str) -> dict[str, Any]:
    """One file row as KnowledgeEntry fields (``lang`` first, so that unserved languages skip early)."""
    if fmt == "jhu":
        lang = _lang(row.get("language"))
        question = _text(row.get("question"), "question", limit=MAX_QUESTION)
        return {
            "lang": lang,
            "question": question,
            "answer": _text(row.get("answer"), "answer", limit=MAX_ANSWER),
            "source_name": _text(row.get("sourceName"), "sourceName", limit=300, required=False) or source_label,
            "source_url": _url(row.get("sourceUrl")),
            "last_reviewed": _date(row.get("dateLastChanged"), "dateLastChanged"),
            "topic": _text(row.get("targetLocation"), "targetLocation", limit=120, required=False),
            "authored_by": _text(row.get("sourceName"), "sourceName", limit=200, required=False),
            "variants": [],
            "origin_key": normalise(row.get("ID")) or _key(question, lang),
        }
    if fmt == "project":
        lang = _lang(row.get("lang"))
        question = _text(row.get("question"), "question", limit=MAX_QUESTION)
        variants = [v for v in (normalise(x) for x in (row.get("variants") or "").split("||")) if v]
        for v in variants:
            _text(v, "variants", limit=MAX_QUESTION)
        source_name = _text(row.get("source_name"), "source_name", limit=300)
        reviewed = _date(row.get("last_reviewed"), "last_reviewed")
        if reviewed is None:
            raise RowError("last_reviewed", "is empty")
        return {
            "lang": lang,
            "question": question,
            "variants": variants,
            "answer": _text(row.get("answer"), "answer", limit=MAX_ANSWER),
            "source_name": source_name,
            "source_url": _url(row.get("source_url")),
            "last_reviewed": reviewed,
            "topic": _text(row.get("topic"), "topic", limit=120, required=False),
            "authored_by": _text(row.get("authored_by"), "authored_by", limit=200, required=False) or PROJECT_AUTHOR,
            "origin_key": normalise(row.get("id")) or _key(question, lang),
        }
    # deepset / any CSV in the faq_covidbert format (only question and answer are required)
    lang = _lang(row.get("lang") or "en")
    question = _text(row.get("question"), "question", limit=MAX_QUESTION)
    link = _url(row.get("link"))
    source = _text(row.get("source"), "source", limit=300, required=False)
    return {
        "lang": lang,
        "question": question,
        "answer": _text(row.get("answer"), "answer", limit=MAX_ANSWER),
        "source_name": source or _text(row.get("name"), "name", limit=300, required=False) or source_label,
        "source_url": link,
        "last_reviewed": _date(row.get("last_update"), "last_update"),
        "topic": _text(row.get("category"), "category", limit=120, required=False),
        "authored_by": source,
        "variants": [],
        "origin_key": _key(link, question, lang) if origin == Origin.DEEPSET else _key(question, lang),
    }


def _detect_format(header: Iterable[str]) -> str:
    cols = set(header)
    if cols >= _PROJECT:
        return "project"
    if cols >= _JHU:
        return "jhu"
    if cols >= _DEEPSET:
        return "deepset"
    raise ImportFileError(
        "unknown FAQ file: needs the faq_covidbert columns (question, answer[, link, source, lang, last_update]), "
        "the JHU scraped columns (sourceUrl, sourceName, language, question, answer) or the project FAQ columns "
        f"({', '.join(sorted(_PROJECT))}); found {', '.join(sorted(cols)) or 'none'}"
    )


_FIELDS = (
    "topic",
    "question",
    "variants",
    "answer",
    "source_name",
    "source_url",
    "lang",
    "last_reviewed",
    "authored_by",
)


def import_faq(
    source: str | Path | bytes,
    *,
    actor: Actor,
    origin: str | None = None,
    name: str = "",
    today: date | None = None,
) -> ImportReport:
    """Import one FAQ file (see the module docstring); returns the per-row report.

    ``origin`` defaults from the format: the project FAQ is ``project``, the JHU format ``jhu``, the
    deepset corpora ``deepset`` when the file is named like them, any other CSV ``csv``.
    """
    actor = Actor.of(actor)
    if not actor.is_system:
        require_staff(actor, "chatbot.knowledge")
    if isinstance(source, bytes):
        data = source
    else:
        path = Path(source)
        name = name or path.name
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise ImportFileError(f"cannot read {path}: {exc.strerror}") from None
    if b"\x00" in data[:65536]:
        raise ImportFileError("the file is binary, not a CSV/TSV text file")
    try:
        text, encoding = decode_bytes(data)
    except TextError as exc:
        raise ImportFileError(str(exc)) from None
    first = text.split("\n", 1)[0]
    delimiter = "\t" if first.count("\t") > first.count(",") else ","
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
    fmt = _detect_format(reader.fieldnames or [])
    if origin is None:
        origin = {"project": Origin.PROJECT, "jhu": Origin.JHU}.get(fmt) or (
            Origin.DEEPSET if name.startswith(("faq_covidbert", "faq_200327")) else Origin.CSV
        )
    report = ImportReport(kind=f"{fmt}:{name or 'upload'}", encoding=encoding)
    today = today or timezone.localdate()
    label = name or "uploaded FAQ"
    seen: dict[str, int] = {}
    try:
        rows = list(reader)
    except csv.Error as exc:
        raise ImportFileError(f"malformed CSV: {exc}") from None
    with transaction.atomic():
        existing = {e.origin_key: e for e in KnowledgeEntry.objects.filter(origin=origin)}
        changed = False
        for number, row in enumerate(rows, start=2):
            report.read += 1
            if None in row:  # more cells than columns
                report.rejected.append(RowNote(number, "row", "more cells than the header has columns"))
                continue
            if not _served(row, fmt):
                report.skipped.append(RowNote(number, "lang", "language not served (ko, en)"))
                continue
            try:
                fields = _parse_row(fmt, row, origin, label)
            except RowError as exc:
                report.rejected.append(RowNote(number, exc.field, exc.reason))
                continue
            if fields["last_reviewed"] is None:
                fields["last_reviewed"] = today
                report.warnings.append(RowNote(number, "last_update", "no date given: the import date is shown"))
            key = fields.pop("origin_key")[:300]
            if key in seen:
                report.rejected.append(RowNote(number, "question", f"duplicate of row {seen[key]}"))
                continue
            seen[key] = number
            entry = existing.get(key)
            if entry is None:
                KnowledgeEntry.objects.create(origin=origin, origin_key=key, **fields)
                report.created += 1
                changed = True
            elif all(getattr(entry, f) == fields[f] for f in _FIELDS):
                report.unchanged += 1
            else:
                for f in _FIELDS:
                    setattr(entry, f, fields[f])
                entry.save()
                report.updated += 1
                changed = True
        if changed:
            bump_version()
        record(
            None,
            AuditAction.CHATBOT_KB_IMPORT,
            "chatbot.knowledge",
            detail={
                "file": name,
                "format": fmt,
                "origin": str(origin),
                **report.as_dict(),
                "rejected": len(report.rejected),
            },
            actor=actor,
        )
    return report


def _served(row: Mapping[str, str | None], fmt: str) -> bool:
    raw = row.get("language") if fmt == "jhu" else (row.get("lang") or ("en" if fmt == "deepset" else ""))
    return normalise(raw).lower()[:2] in SERVED_LANGS


# --------------------------------------------------------------------------- versions and retriever


def bump_version() -> int:
    """Move the knowledge-base version (inside the caller's transaction)."""
    KnowledgeVersion.objects.get_or_create(id=1)
    KnowledgeVersion.objects.filter(id=1).update(version=F("version") + 1)
    return current_version()


def current_version() -> int:
    row = KnowledgeVersion.objects.filter(id=1).values_list("version", flat=True).first()
    return int(row or 0)


def _cache_key() -> tuple[Any, ...]:
    """The version, and what the active entries look like (a restored database can repeat a version)."""
    from django.db.models import Count, Max

    agg = KnowledgeEntry.objects.filter(active=True).aggregate(n=Count("id"), top=Max("id"), at=Max("updated_at"))
    return (current_version(), agg["n"], agg["top"], agg["at"])


@dataclass
class _Cache:
    version: tuple[Any, ...] = ()
    retriever: Retriever | None = None
    entries: dict[int, KnowledgeEntry] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)


_CACHE = _Cache()


def retriever() -> tuple[Retriever, dict[int, KnowledgeEntry]]:
    """The retriever over the active entries, rebuilt when the knowledge-base version moves.

    A built index is also kept on disk (``EPIAID_DATA_DIR/chatbot/``, keyed by the entries and the engine's
    code), so a restarted server loads it in a second instead of embedding every entry again.
    """
    version = _cache_key()
    if _CACHE.retriever is not None and _CACHE.version == version:
        return _CACHE.retriever, _CACHE.entries
    with _CACHE.lock:
        if _CACHE.retriever is None or _CACHE.version != version:
            rows = list(KnowledgeEntry.objects.filter(active=True).order_by("id"))
            entries = [
                Entry(id=str(e.id), question=e.question, answer=e.answer, variants=tuple(e.variants or ()), lang=e.lang)
                for e in rows
            ]
            built = _stored_index(entries)
            _CACHE.retriever, _CACHE.entries, _CACHE.version = built, {e.id: e for e in rows}, version
    assert _CACHE.retriever is not None
    return _CACHE.retriever, _CACHE.entries


def _index_folder() -> Path:
    return Path(settings.DATA_DIR) / "chatbot"


def _index_key(entries: list[Entry]) -> str:
    import epiaid.chatbot.engine as engine

    folder = Path(engine.__file__).parent
    digest = hashlib.sha256()
    for source in sorted([*folder.glob("*.py"), *folder.glob("*.json")]):
        digest.update(source.read_bytes())
    for e in entries:
        digest.update(json.dumps([e.id, e.question, e.answer, list(e.variants), e.lang], ensure_ascii=False).encode())
    digest.update(os.environ.get("EPIAID_CHATBOT_EMBEDDER", "").encode())
    return digest.hexdigest()[:32]


def _stored_index(entries: list[Entry]) -> Retriever:
    """Load the index of exactly these entries from disk, or build it and store it (best effort)."""
    folder = _index_folder()
    try:
        key = _index_key(entries)
    except OSError:
        return Retriever.build(entries)
    path = folder / f"retriever-{key}.pickle"
    if path.is_file():
        try:
            loaded = _load_index(path)
            if loaded is not None:
                return loaded
        except Exception:  # a file of another version, truncated, unreadable: build afresh
            logger.warning("chatbot index %s unusable; rebuilding", path.name, exc_info=True)
    built = Retriever.build(entries)
    try:
        _save_index(built, folder, path)
    except Exception:  # the engine's objects may not pickle; the in-memory cache still works
        logger.warning("chatbot index not stored on disk", exc_info=True)
    return built


def _save_index(built: Retriever, folder: Path, path: Path) -> None:
    state = dict(built.__dict__)
    embedders = state.pop("embedders", [])
    state["__embedder_names__"] = [getattr(e, "name", "") for e in embedders]
    folder.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    with tmp.open("wb") as fh:
        pickle.dump(state, fh, protocol=pickle.HIGHEST_PROTOCOL)
    tmp.replace(path)
    for old in folder.glob("retriever-*.pickle"):  # keep the newest only (older ones an hour on)
        if old != path and old.stat().st_mtime < path.stat().st_mtime - 3600:
            old.unlink(missing_ok=True)


def _load_index(path: Path) -> Retriever | None:
    from epiaid.chatbot.engine import semantic

    with path.open("rb") as fh:
        state = pickle.load(fh)  # noqa: S301 - our own file in the data folder, written by _save_index
    names = state.pop("__embedder_names__", [])
    embedders = semantic.get_embedders()
    if [getattr(e, "name", "") for e in embedders] != names:
        return None  # another embedder configuration: the stored vectors do not fit
    index = Retriever.__new__(Retriever)
    index.__dict__.update(state)
    index.embedders = embedders
    return index


# --------------------------------------------------------------------------- staff curation


def entry_dict(entry: KnowledgeEntry) -> dict[str, Any]:
    return {
        "id": entry.id,
        "topic": entry.topic,
        "question": entry.question,
        "variants": list(entry.variants or []),
        "answer": entry.answer,
        "source_name": entry.source_name,
        "source_url": entry.source_url,
        "lang": entry.lang,
        "last_reviewed": entry.last_reviewed.isoformat(),
        "authored_by": entry.authored_by,
        "active": entry.active,
        "origin": entry.origin,
    }


def list_entries(
    actor: Actor, *, lang: str | None = None, text: str | None = None, active: bool | None = None
) -> list[KnowledgeEntry]:
    require_staff(actor, "chatbot.knowledge")
    rows = KnowledgeEntry.objects.all()
    if lang:
        rows = rows.filter(lang=lang)
    if active is not None:
        rows = rows.filter(active=active)
    if text:
        rows = rows.filter(question__icontains=text) | rows.filter(answer__icontains=text)
    return list(rows.order_by("lang", "topic", "id")[:500])


def get_entry(actor: Actor, entry_id: int) -> KnowledgeEntry:
    require_staff(actor, "chatbot.knowledge")
    entry = KnowledgeEntry.objects.filter(id=entry_id).first()
    if entry is None:
        raise NotFound(f"no knowledge entry {entry_id}", code="no_entry")
    return entry


def clean_entry_fields(data: Mapping[str, Any]) -> dict[str, Any]:
    """Validate staff input for an entry (the same rules as the importers)."""
    try:
        variants_raw = data.get("variants") or []
        if isinstance(variants_raw, str):
            variants_raw = [v for v in re.split(r"\n|\|\|", variants_raw)]
        variants = [_text(v, "variants", limit=MAX_QUESTION) for v in variants_raw if normalise(v)]
        lang = _lang(data.get("lang"))
        if lang not in SERVED_LANGS:
            raise RowError("lang", f"must be one of {', '.join(SERVED_LANGS)}")
        reviewed = data.get("last_reviewed")
        if isinstance(reviewed, str):
            reviewed = _date(reviewed, "last_reviewed")
        if not isinstance(reviewed, date):
            raise RowError("last_reviewed", "is required (YYYY-MM-DD)")
        return {
            "topic": _text(data.get("topic"), "topic", limit=120, required=False),
            "question": _text(data.get("question"), "question", limit=MAX_QUESTION),
            "variants": variants,
            "answer": _text(data.get("answer"), "answer", limit=MAX_ANSWER),
            "source_name": _text(data.get("source_name"), "source_name", limit=300),
            "source_url": _url(data.get("source_url")),
            "lang": lang,
            "last_reviewed": reviewed,
            "authored_by": _text(data.get("authored_by"), "authored_by", limit=200, required=False),
            "active": bool(data.get("active", True)),
        }
    except RowError as exc:
        raise BadInput(f"{exc.field}: {exc.reason}", code="bad_entry", field=exc.field) from None


def save_entry(actor: Actor, data: Mapping[str, Any], *, entry_id: int | None = None) -> KnowledgeEntry:
    """Create (``entry_id`` None) or change an entry; staff only, audited."""
    require_staff(actor, "chatbot.knowledge")  # outside the transaction: a refusal stays audited
    fields = clean_entry_fields(data)
    with transaction.atomic():
        return _save_entry(actor, fields, entry_id)


def _save_entry(actor: Actor, fields: dict[str, Any], entry_id: int | None) -> KnowledgeEntry:
    if entry_id is None:
        entry = KnowledgeEntry.objects.create(
            origin=Origin.STAFF, origin_key=_key(fields["question"], fields["lang"], str(timezone.now())), **fields
        )
        action = AuditAction.CHATBOT_KB_CREATE
    else:
        entry = get_entry(actor, entry_id)
        for name, value in fields.items():
            setattr(entry, name, value)
        entry.save()
        action = AuditAction.CHATBOT_KB_UPDATE
    bump_version()
    record(None, action, "chatbot.knowledge", object_id=entry.id, detail={"lang": entry.lang}, actor=actor)
    return entry


def can_curate(user: Any) -> bool:
    return has_role(user, Role.HEALTH_STAFF)
