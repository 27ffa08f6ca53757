"""Programmes and tracks as data: the YAML/JSON layout, checked before anything is stored.

One file lists programmes, each with tracks. A track says what it grants (``unit``: ``tf_months`` of
compute or ``krw``), its budget, the caps per grant (``sizes_tf`` × ``months`` for compute, or
``grant_min``/``grant_max``), the co-payment rate, who may apply (``eligibility``), the review SLA in
Korean business days, open/close dates, extension rules, milestones and whether a supplier is paid
only after delivery. Unknown keys are errors, so a typo never silently means "no limit".
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

KINDS = ("compute", "data_voucher", "cloud_voucher")
UNITS = ("tf_months", "krw")
ELIGIBLE = ("company", "university_team", "research_institute")

TRACK_KEYS = {
    "code",
    "name_en",
    "name_ko",
    "unit",
    "budget",
    "sizes_tf",
    "months",
    "grant_min",
    "grant_max",
    "co_payment_rate",
    "eligibility",
    "review_sla_business_days",
    "opens_on",
    "closes_on",
    "extension",
    "pay_supplier_after_delivery",
    "milestones",
}
PROGRAMME_KEYS = {"code", "kind", "name_en", "name_ko", "tracks"}
EXTENSION_KEYS = {"allowed", "months", "max_extensions", "needs_review"}


class ConfigError(ValueError):
    pass


@dataclass(frozen=True)
class Extension:
    allowed: bool = False
    months: int = 0
    max_extensions: int = 0
    needs_review: bool = True


@dataclass(frozen=True)
class TrackSpec:
    code: str
    name_en: str
    name_ko: str
    unit: str
    budget: Decimal
    eligibility: tuple[str, ...]
    review_sla_business_days: int
    opens_on: dt.date
    closes_on: dt.date
    sizes_tf: tuple[int, ...] = ()
    months: int = 0
    grant_min: Decimal = Decimal(0)
    grant_max: Decimal | None = None
    co_payment_rate: Decimal = Decimal(0)
    extension: Extension = field(default_factory=Extension)
    pay_supplier_after_delivery: bool = False
    milestones: tuple[dict[str, Any], ...] = ()

    @property
    def cap(self) -> Decimal:
        """The largest grant: biggest size × months for compute, ``grant_max`` for money."""
        if self.unit == "tf_months":
            return Decimal(max(self.sizes_tf) * self.months)
        return self.grant_max if self.grant_max is not None else self.budget


@dataclass(frozen=True)
class ProgrammeSpec:
    code: str
    kind: str
    name_en: str
    name_ko: str
    tracks: tuple[TrackSpec, ...]


def _date(value: Any, where: str) -> dt.date:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError as exc:
        raise ConfigError(f"{where}: {value!r} is not a date (YYYY-MM-DD)") from exc


def _unknown(keys: set[str], allowed: set[str], where: str) -> None:
    extra = sorted(keys - allowed)
    if extra:
        raise ConfigError(f"{where}: unknown keys {extra}")


def parse_track(raw: dict[str, Any], programme_kind: str) -> TrackSpec:
    where = f"track {raw.get('code', '?')}"
    _unknown(set(raw), TRACK_KEYS, where)
    for key in ("code", "name_en", "name_ko", "unit", "budget", "eligibility", "review_sla_business_days"):
        if key not in raw:
            raise ConfigError(f"{where}: {key} is required")
    unit = raw["unit"]
    if unit not in UNITS:
        raise ConfigError(f"{where}: unit must be one of {UNITS}")
    if (unit == "tf_months") != (programme_kind == "compute"):
        raise ConfigError(f"{where}: compute programmes grant tf_months, voucher programmes krw")
    eligibility = tuple(raw["eligibility"])
    if not eligibility or set(eligibility) - set(ELIGIBLE):
        raise ConfigError(f"{where}: eligibility must list some of {ELIGIBLE}")
    sla = int(raw["review_sla_business_days"])
    if sla < 1:
        raise ConfigError(f"{where}: the review SLA is at least 1 business day")
    rate = Decimal(str(raw.get("co_payment_rate", 0)))
    if not Decimal(0) <= rate < Decimal(1):
        raise ConfigError(f"{where}: co_payment_rate is a fraction in [0, 1)")
    opens, closes = _date(raw.get("opens_on", "2000-01-01"), where), _date(raw.get("closes_on", "2999-12-31"), where)
    if closes < opens:
        raise ConfigError(f"{where}: closes_on is before opens_on")
    ext_raw = raw.get("extension") or {}
    _unknown(set(ext_raw), EXTENSION_KEYS, f"{where} extension")
    extension = Extension(**ext_raw)
    sizes = tuple(int(s) for s in raw.get("sizes_tf", ()))
    months = int(raw.get("months", 0))
    if unit == "tf_months" and (not sizes or months < 1):
        raise ConfigError(f"{where}: a compute track needs sizes_tf and months")
    grant_max = Decimal(str(raw["grant_max"])) if "grant_max" in raw else None
    grant_min = Decimal(str(raw.get("grant_min", 0)))
    if grant_max is not None and grant_min > grant_max:
        raise ConfigError(f"{where}: grant_min is above grant_max")
    milestones = tuple(raw.get("milestones", ()))
    if milestones and abs(sum((Decimal(str(m["share"])) for m in milestones), Decimal(0)) - 1) > Decimal("0.0001"):
        raise ConfigError(f"{where}: milestone shares must add up to 1")
    return TrackSpec(
        code=str(raw["code"]),
        name_en=str(raw["name_en"]),
        name_ko=str(raw["name_ko"]),
        unit=unit,
        budget=Decimal(str(raw["budget"])),
        eligibility=eligibility,
        review_sla_business_days=sla,
        opens_on=opens,
        closes_on=closes,
        sizes_tf=sizes,
        months=months,
        grant_min=grant_min,
        grant_max=grant_max,
        co_payment_rate=rate,
        extension=extension,
        pay_supplier_after_delivery=bool(raw.get("pay_supplier_after_delivery", False)),
        milestones=milestones,
    )


def parse(document: dict[str, Any]) -> list[ProgrammeSpec]:
    if not isinstance(document, dict) or "programmes" not in document:
        raise ConfigError("the file must have a top-level 'programmes' list")
    out, codes = [], set()
    for raw in document["programmes"]:
        _unknown(set(raw), PROGRAMME_KEYS, f"programme {raw.get('code', '?')}")
        if raw.get("kind") not in KINDS:
            raise ConfigError(f"programme {raw.get('code')}: kind must be one of {KINDS}")
        tracks = tuple(parse_track(t, raw["kind"]) for t in raw.get("tracks", ()))
        for t in tracks:
            if t.code in codes:
                raise ConfigError(f"track code {t.code} appears twice")
            codes.add(t.code)
        out.append(ProgrammeSpec(str(raw["code"]), raw["kind"], str(raw["name_en"]), str(raw["name_ko"]), tracks))
    return out


def load(path: Path) -> list[ProgrammeSpec]:
    text = path.read_text(encoding="utf-8")
    document = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    return parse(document)


DEFAULT = Path(__file__).resolve().parents[1] / "fixtures" / "programmes_2020.yaml"
