"""Reading files people upload and writing their rows: one CSV reader, one upserter, one import report.

Every capability that imports a file (the situation map's case and clinic lists, the mask outlet
lists, the care call's roster …) reads it the same way and reports the same way:

- :func:`read_csv` decodes UTF-8 or CP949, finds columns by name or alias (header cells may span
  lines), and yields rows with the line number a person sees in an editor;
- the ``*_cell`` parsers turn one cell into a value or raise :class:`RowError` naming the column;
- :class:`Upserter` collects rows keyed by a natural key and writes creates and updates in bulk, so
  re-importing a file updates in place and never duplicates;
- :class:`ImportReport` counts what was read, created, updated, unchanged and rejected (with row,
  column and reason) for the page, the API and the CLI.

A file that cannot be read at all raises :class:`ImportFileError` (400): nothing is written.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from django.db import models

from epiaid.core.errors import BadInput
from epiaid.core.geo import CoordinateError, check_korea
from epiaid.core.korean import TextError, decode_bytes, normalise, plain_text


class ImportFileError(BadInput, ValueError):
    """The file as a whole cannot be imported (nothing was written)."""

    code = "unreadable_file"


class RowError(ValueError):
    """One row is rejected; ``field`` names the offending column."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


@dataclass
class Rejection:
    row: int
    field: str
    reason: str
    file: str = ""

    def __str__(self) -> str:
        where = f"{self.file}: " if self.file else ""
        return f"{where}row {self.row}, {self.field}: {self.reason}"


@dataclass
class ImportReport:
    kind: str
    encoding: str = "utf-8"
    read: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[Rejection] = field(default_factory=list)
    warnings: list[Rejection] = field(default_factory=list)

    def warn(self, row: int, field: str, reason: str) -> None:
        self.warnings.append(Rejection(row=row, field=field, reason=reason))

    def reject(self, row: int, error: RowError) -> None:
        self.rejected.append(Rejection(row=row, field=error.field, reason=error.reason))

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "encoding": self.encoding,
            "read": self.read,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": [{k: v for k, v in r.__dict__.items() if k != "file" or v} for r in self.rejected],
            "warnings": [{k: v for k, v in w.__dict__.items() if k != "file" or v} for w in self.warnings],
        }

    def summary(self) -> str:
        return (
            f"{self.kind}: read {self.read}, created {self.created}, updated {self.updated}, "
            f"unchanged {self.unchanged}, rejected {len(self.rejected)}"
            + (f", warnings {len(self.warnings)}" if self.warnings else "")
        )


# --------------------------------------------------------------------------- reading


def read_text(source: str | Path | bytes) -> tuple[str, str]:
    data = source if isinstance(source, bytes) else Path(source).read_bytes()
    try:
        return decode_bytes(data)
    except TextError as exc:
        raise ImportFileError(str(exc)) from exc


def header_key(name: str) -> str:
    """Header cells may span lines or carry stray spaces (the MOHW list does): compare them squeezed."""
    return "".join(normalise(name).split()).lower()


def read_csv(
    source: str | Path | bytes,
    required: Iterable[str],
    aliases: Mapping[str, Iterable[str]] | None = None,
) -> tuple[Iterator[tuple[int, dict[str, str]]], str]:
    """Rows as dicts keyed by canonical column names, with 1-based file row numbers (header = row 1)."""
    text, encoding = read_text(source)
    reader = csv.reader(io.StringIO(text), strict=True)
    try:
        header = next(reader)
    except StopIteration as exc:
        raise ImportFileError("file is empty") from exc
    except csv.Error as exc:
        raise ImportFileError(f"not a CSV file: {exc}") from exc
    index: dict[str, int] = {}
    squeezed = [header_key(h) for h in header]
    wanted = {**{r: [r] for r in required}, **{k: list(v) for k, v in (aliases or {}).items()}}
    for canonical, names in wanted.items():
        for name in [canonical, *names]:
            key = header_key(name)
            if key in squeezed:
                index[canonical] = squeezed.index(key)
                break
    missing = [r for r in required if r not in index]
    if missing:
        raise ImportFileError(f"missing column(s): {', '.join(missing)} (found: {', '.join(header)})")

    def rows() -> Iterator[tuple[int, dict[str, str]]]:
        try:
            for cells in reader:
                if not any(c.strip() for c in cells):
                    continue
                # Physical line where the record ends: what a person sees in an editor, even when a
                # quoted header or cell spans several lines.
                yield reader.line_num, {k: (cells[i].strip() if i < len(cells) else "") for k, i in index.items()}
        except csv.Error as exc:
            raise ImportFileError(f"malformed CSV near row {reader.line_num}: {exc}") from exc

    return rows(), encoding


# --------------------------------------------------------------------------- cells


def text_cell(row: dict[str, str], name: str, *, required: bool = False, max_length: int = 200) -> str:
    try:
        value = plain_text(row.get(name, ""), name, max_length=max_length)
    except TextError as exc:
        raise RowError(name, str(exc).removeprefix(f"{name} ")) from exc
    if required and not value:
        raise RowError(name, "is empty")
    return value


def strptime_any(value: str, formats: tuple[str, ...]) -> datetime | None:
    for fmt in formats:
        try:
            return datetime.strptime(value, fmt)
        except ValueError:
            continue
    return None


def date_cell(row: dict[str, str], name: str, *, required: bool = False) -> date | None:
    value = (row.get(name) or "").strip()
    if not value or value == "-":
        if required:
            raise RowError(name, "is empty")
        return None
    parsed = strptime_any(value, ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d"))
    if parsed is None:
        raise RowError(name, f"is not a date (YYYY-MM-DD): {value!r}")
    return parsed.date()


def time_cell(row: dict[str, str], name: str) -> time | None:
    value = (row.get(name) or "").strip()
    if not value:
        return None
    parsed = strptime_any(value, ("%H:%M", "%H:%M:%S"))
    if parsed is None:
        raise RowError(name, f"is not a time (HH:MM): {value!r}")
    return parsed.time()


def int_cell(row: dict[str, str], name: str) -> int | None:
    value = (row.get(name) or "").strip()
    if not value or value == "-":
        return None
    try:
        number = int(float(value))
    except ValueError as exc:
        raise RowError(name, f"is not a number: {value!r}") from exc
    if number < 0:
        raise RowError(name, f"is negative: {value!r}")
    return number


def coords_cell(row: dict[str, str], lat: str, lng: str) -> tuple[float, float]:
    try:
        return check_korea(row.get(lat), row.get(lng), lat_field=lat, lng_field=lng)
    except CoordinateError as exc:
        raise RowError(f"{lat}/{lng}", str(exc)) from exc


def bool_cell(row: dict[str, str], name: str, default: bool) -> bool:
    value = (row.get(name) or "").strip().lower()
    if not value:
        return default
    if value in {"1", "true", "yes", "y", "o", "예", "가능", "t"}:
        return True
    if value in {"0", "false", "no", "n", "x", "아니오", "불가", "f"}:
        return False
    raise RowError(name, f"is not yes/no: {value!r}")


# --------------------------------------------------------------------------- writing


class Upserter:
    """Collects model instances keyed by a natural key and writes creates and updates in bulk.

    ``scope`` fixes fields shared by every row and narrows the rows compared against (the situation
    map keys by ``(source, source_key)``: ``key_field="source_key", scope={"source": ...}``; mask
    outlets key by ``code``). A key seen twice in one file rejects the second row.
    """

    def __init__(
        self,
        model: type[models.Model],
        fields: Iterable[str],
        report: ImportReport,
        *,
        key_field: str = "source_key",
        scope: Mapping[str, Any] | None = None,
    ) -> None:
        self.model, self.fields, self.report = model, list(fields), report
        self.key_field, self.scope = key_field, dict(scope or {})
        self.existing: dict[str, Any] = {
            getattr(obj, key_field): obj for obj in model._default_manager.filter(**self.scope)
        }
        self.seen: dict[str, int] = {}
        self.to_create: list[Any] = []
        self.to_update: list[Any] = []

    def add(self, row_number: int, key: str, values: dict[str, Any]) -> None:
        if key in self.seen:
            raise RowError("row", f"duplicate of row {self.seen[key]}")
        self.seen[key] = row_number
        current = self.existing.get(key)
        if current is None:
            self.to_create.append(self.model(**self.scope, **{self.key_field: key}, **values))
            self.report.created += 1
            return
        changed = [f for f in self.fields if getattr(current, f) != values.get(f, getattr(current, f))]
        if changed:
            for name in self.fields:
                if name in values:
                    setattr(current, name, values[name])
            self.to_update.append(current)
            self.report.updated += 1
        else:
            self.report.unchanged += 1

    @property
    def pending(self) -> bool:
        return bool(self.to_create or self.to_update)

    def flush(self, *, batch_size: int = 1000, **stamp: Any) -> None:
        """Write what was collected; ``stamp`` sets more fields on every written row (e.g. a version)."""
        update_fields = [*self.fields, *stamp]
        for obj in (*self.to_create, *self.to_update):
            for name, value in stamp.items():
                setattr(obj, name, value)
        self.model._default_manager.bulk_create(self.to_create, batch_size=batch_size)
        if self.to_update:
            self.model._default_manager.bulk_update(self.to_update, update_fields, batch_size=batch_size)
        self.to_create, self.to_update = [], []


def run_rows(
    report: ImportReport, rows: Iterable[tuple[int, dict[str, Any]]], handle: Callable[[int, dict[str, Any]], None]
) -> None:
    """Handle each row; a :class:`RowError` rejects that row (with its number) and the import goes on."""
    for number, row in rows:
        report.read += 1
        try:
            handle(number, row)
        except RowError as exc:
            report.reject(number, exc)
