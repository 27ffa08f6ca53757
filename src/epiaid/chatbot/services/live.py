"""Live answers from our own data, exact, through the other capabilities' public services only.

* clinics: ``epiaid.situation.services.nearest_clinics`` (great-circle distance, with phone numbers);
* case visits: the situation map's public query (``visits_for(staff=False)`` + ``serialise_visits``),
  so the disclosure policy decides: never a visit, or a field, the public map does not show;
* mask stock: the masks read model (``epiaid.masks.services.fresh_snapshot``);
* "can I buy masks today?": the rationing rules (``masks.engine.rationing.can_buy_summary`` with the
  rules in force from ``masks.services.rules``).

Places resolve offline (:mod:`epiaid.chatbot.gazetteer`) from the same data; an unknown or ambiguous
place gets a question back, kept in the conversation state so the next message can answer it.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.utils import timezone

from epiaid.chatbot import intents
from epiaid.chatbot.gazetteer import Gazetteer, Place, Resolution
from epiaid.core.geo import haversine_m, metres_to_degree_box

from .messages import say

#: Korea's rough centre: "every clinic, nearest first" from here is the whole located list.
_KOREA = (36.5, 127.8)
PLACES_TTL_S = 300.0
CLINICS_SHOWN = 5
VISIT_RADIUS_M = 2000.0
VISITS_SHOWN = 10
MASK_RADIUS_M = 1000.0
MASKS_SHOWN = 5
IN_STOCK = ("plenty", "some", "few")
STOCK_KO = {"plenty": "100개 이상", "some": "30~99개", "few": "2~29개"}
STOCK_EN = {"plenty": "100 or more", "some": "30–99", "few": "2–29"}
MAX_CLARIFY = 2


@dataclass
class LiveAnswer:
    intent: str
    text: str
    state: dict[str, Any]
    complete: bool = True
    items: list[dict[str, Any]] = field(default_factory=list)
    choices: list[str] = field(default_factory=list)
    source: dict[str, Any] | None = None


# --------------------------------------------------------------------------- data from public services


def _all_clinics() -> list[dict[str, Any]]:
    from epiaid.situation.services import nearest_clinics

    return nearest_clinics(*_KOREA, limit=1_000_000)


def _public_visits(first_day: Any = None) -> list[dict[str, Any]]:
    from epiaid.situation.services import VisitFilter
    from epiaid.situation.services.queries import serialise_visits, visits_for

    return serialise_visits(visits_for(staff=False, flt=VisitFilter(date_from=first_day)), staff=False)


def _policy() -> Any:
    from epiaid.situation.services import current_policy

    return current_policy()


def _snapshot() -> Any:
    from epiaid.masks.services import fresh_snapshot

    return fresh_snapshot()


_places_lock = threading.Lock()
_places: tuple[float, Gazetteer] | None = None


def build_gazetteer() -> Gazetteer:
    gaz = Gazetteer()
    for c in _all_clinics():
        gaz.add_named("clinic", c["name"], c["address"], c["lat"], c["lng"])
    for v in _public_visits():
        gaz.add_named(
            "visited place", v["place_name"], v["address"] or "", v["lat"], v["lng"], v["place_name_en"] or ""
        )
    snap = _snapshot()
    for o in snap.outlets.values():
        gaz.add_named("outlet", o.name, o.addr, o.lat, o.lng)
    return gaz.finish()


def gazetteer() -> Gazetteer:
    """The place index, rebuilt every few minutes (clinics, disclosures and outlets change slowly)."""
    global _places
    now = time.monotonic()
    if _places is None or now - _places[0] > PLACES_TTL_S:
        with _places_lock:
            if _places is None or now - _places[0] > PLACES_TTL_S:
                _places = (time.monotonic(), build_gazetteer())
    return _places[1]


def reset_places() -> None:
    """Forget the place index (after an import; tests)."""
    global _places
    _places = None


# --------------------------------------------------------------------------- the answers


def _km(metres: float) -> str:
    return f"{metres / 1000:.1f}"


def _where(place: Place | None, location: tuple[float, float] | None, lang: str) -> tuple[float, float, str]:
    if place is not None:
        return place.lat, place.lng, place.label(lang)
    assert location is not None
    return location[0], location[1], ("your location" if lang == "en" else "현재 위치")


def answer_clinics(lat: float, lng: float, label: str, lang: str) -> tuple[str, list[dict[str, Any]], dict[str, Any]]:
    from epiaid.situation.services import nearest_clinics

    rows = nearest_clinics(lat, lng, limit=CLINICS_SHOWN)
    source = {"source_name": "epiaid situation map: screening clinics (MOHW list)", "source_url": "/situation/"}
    if not rows:
        return say("clinics_none", lang), [], source
    lines = [say("clinics", lang, place=label)]
    items = []
    for i, c in enumerate(rows, 1):
        phone = c["phone"] or ("no phone listed" if lang == "en" else "전화번호 없음")
        lines.append(f"{i}. {c['name']} ({phone}) — {c['address']}, {_km(c['distance_m'])} km")
        items.append({k: c[k] for k in ("name", "address", "phone", "distance_m", "lat", "lng", "specimen_collection")})
    return "\n".join(lines), items, source


def answer_visits(
    lat: float, lng: float, label: str, lang: str, days: int | None
) -> tuple[str, list[dict[str, Any]], dict[str, Any]]:
    policy = _policy()
    window = policy.window_days
    days = max(1, min(days or window, window))
    first = policy.as_of - timedelta(days=days - 1)
    rows = _public_visits(max(first, policy.first_public_date))
    box = metres_to_degree_box(lat, lng, VISIT_RADIUS_M)
    near = []
    for v in rows:
        if not (box.south <= v["lat"] <= box.north and box.west <= v["lng"] <= box.east):
            continue
        d = haversine_m(lat, lng, v["lat"], v["lng"])
        if d <= VISIT_RADIUS_M:
            near.append((v["date"], d, v))
    near.sort(key=lambda x: (x[0], x[1]), reverse=True)
    km = f"{VISIT_RADIUS_M / 1000:g}"
    source = {
        "source_name": (
            f"epiaid situation map: disclosed visits (disclosure window {window} days, as of {policy.as_of})"
        ),
        "source_url": "/situation/",
    }
    if not near:
        return say("visits_none", lang, place=label, km=km, days=days), [], source
    lines = [say("visits", lang, place=label, km=km, days=days)]
    items = []
    for _, d, v in near[:VISITS_SHOWN]:
        name = (v["place_name_en"] or v["place_name"]) if lang == "en" else v["place_name"]
        when = (
            v["date"]
            + (f" {v['start_time']}" if v["start_time"] else "")
            + (f"–{v['end_time']}" if v["end_time"] else "")
        )
        lines.append(f"• {when} {name} ({v['address'] or ''}, {_km(d)} km)")
        items.append({**v, "distance_m": round(d, 1)})
    if len(near) > VISITS_SHOWN:
        more = len(near) - VISITS_SHOWN
        lines.append(f"… {more} more on the map" if lang == "en" else f"… 지도에 {more}곳 더")
    return "\n".join(lines), items, source


def answer_masks(lat: float, lng: float, label: str, lang: str) -> tuple[str, list[dict[str, Any]], dict[str, Any]]:
    snap = _snapshot()
    items = []
    for distance, code in snap.within(lat, lng, MASK_RADIUS_M):
        store = snap.store(code)
        if store is None or store.get("remain_stat") not in IN_STOCK:
            continue
        items.append(
            {
                "code": code,
                "name": store["name"],
                "addr": store["addr"],
                "remain_stat": store["remain_stat"],
                "stock_at": store.get("stock_at"),
                "distance_m": round(distance, 1),
            }
        )
        if len(items) >= MASKS_SHOWN:
            break
    km = f"{MASK_RADIUS_M / 1000:g}"
    source = {
        "source_name": f"epiaid mask stock (read model version {snap.version}, {snap.updated_at})",
        "source_url": "/masks/",
    }
    if not items:
        return say("masks_none", lang, place=label, km=km), [], source
    lines = [say("masks", lang, place=label, km=km)]
    names = STOCK_EN if lang == "en" else STOCK_KO
    for i, s in enumerate(items, 1):
        lines.append(f"{i}. {s['name']} — {names[s['remain_stat']]} ({s['addr']}, {_km(s['distance_m'])} km)")
    return "\n".join(lines), items, source


def answer_mask_day(year: int, lang: str) -> tuple[str, dict[str, Any] | None]:
    from epiaid.masks.engine.rationing import RationingError, can_buy_summary
    from epiaid.masks.services import rules

    today = timezone.localtime().date()
    try:
        s = can_buy_summary(year, today, rules())
    except RationingError as exc:
        return say("masks_day_bad", lang, reason=str(exc)), None
    key = "masks_day_yes" if s["today_allowed"] else "masks_day_no"
    text = say(
        key,
        lang,
        year=year,
        digit=year % 10,
        today=today.isoformat(),
        weekday=s["weekday"],
        weekday_ko=s["weekday_ko"],
        cap=s["weekly_cap"],
    )
    return text, s


# --------------------------------------------------------------------------- the conversation step


_STOP = {
    "where", "nearest", "near", "closest", "clinic", "clinics", "screening", "the", "is", "are", "in", "to", "a", "me",
    "masks", "mask", "stock", "case", "cases", "visited", "visits", "what", "which", "any", "around", "of", "for",
    "선별진료소", "어디", "어디예요", "어디야", "어디에", "가까운", "근처", "마스크", "재고", "확진자", "동선",
    "있나요", "알려줘",
    "알려주세요", "주변", "있어요", "있는", "곳", "요", "좀",
}  # fmt: skip


def _ask(intent: str, lang: str, state: dict[str, Any], res: Resolution, extra: dict[str, Any]) -> LiveAnswer:
    tries = int(state.get("pending", {}).get("tries", 0)) + 1
    new_state = {**state, "pending": {"intent": intent, "tries": tries, **extra}}
    if res.status == "ambiguous":
        options = [p.label(lang) for p in res.options]
        text = say("ask_place_ambiguous", lang, place=res.text, options=", ".join(options))
        return LiveAnswer(intent, text, new_state, complete=False, choices=options)
    if res.status == "unknown" and res.text:
        return LiveAnswer(intent, say("ask_place_unknown", lang, place=res.text), new_state, complete=False)
    return LiveAnswer(intent, say("ask_place", lang), new_state, complete=False)


def _answer_at(
    intent: str,
    lang: str,
    state: dict[str, Any],
    place: Place | None,
    location: tuple[float, float] | None,
    days: int | None,
) -> LiveAnswer:
    lat, lng, label = _where(place, location, lang)
    if intent == "nearest_clinic":
        text, items, source = answer_clinics(lat, lng, label, lang)
    elif intent == "cases_near":
        text, items, source = answer_visits(lat, lng, label, lang, days)
    else:
        text, items, source = answer_masks(lat, lng, label, lang)
    state = {k: v for k, v in state.items() if k != "pending"}
    if place is not None:
        state["last_place"] = {"name": place.name, "lat": place.lat, "lng": place.lng, "label": label}
        items_place = {
            "place": {"name": place.name, "label": label, "lat": place.lat, "lng": place.lng, "kind": place.kind}
        }
        source = {**source, **items_place}
    return LiveAnswer(intent, text, state, items=items, source=source)


def _resolve(text: str) -> Resolution:
    res = gazetteer().resolve(text)
    if res.status == "none":
        from epiaid.chatbot.gazetteer import unknown_place_words

        words = unknown_place_words(text, _STOP)
        return Resolution("unknown", text=words) if words else res
    return res


def handle(state: dict[str, Any], text: str, lang: str, location: tuple[float, float] | None) -> LiveAnswer | None:
    """A live answer (or a question back) for this message, or None when it is not a live question."""
    intent = intents.detect(text)
    pending = state.get("pending") or {}
    if intent is None and pending:
        name = str(pending.get("intent", ""))
        if name == "mask_buy_day":
            year = intents.birth_year_of(text)
            if year is not None:
                return _mask_day(state, year, lang)
        elif name in intents.INTENTS:
            res = _resolve(text)
            if res.status == "found":
                return _answer_at(name, lang, state, res.place, None, pending.get("days"))
            if int(pending.get("tries", 0)) < MAX_CLARIFY and res.status in {"ambiguous", "unknown"}:
                return _ask(name, lang, state, res, {"days": pending.get("days")})
        return None  # not an answer to our question: the FAQ takes it
    if intent is None:
        return None
    state = {k: v for k, v in state.items() if k != "pending"}
    if intent.name == "mask_buy_day":
        if intent.birth_year is None:
            return LiveAnswer(
                "mask_buy_day",
                say("ask_birth_year", lang),
                {**state, "pending": {"intent": "mask_buy_day"}},
                complete=False,
            )
        return _mask_day(state, intent.birth_year, lang)
    res = _resolve(text)
    if res.status == "found":
        return _answer_at(intent.name, lang, state, res.place, None, intent.days)
    if location is not None and (intent.near_me or res.status in {"none", "unknown"}):
        return _answer_at(intent.name, lang, state, None, location, intent.days)
    return _ask(intent.name, lang, state, res, {"days": intent.days})


def _mask_day(state: dict[str, Any], year: int, lang: str) -> LiveAnswer:
    text, summary = answer_mask_day(year, lang)
    state = {k: v for k, v in state.items() if k != "pending"}
    source = {"source_name": "epiaid mask rationing rules (2020 five-day rota, 마스크 5부제)", "source_url": "/masks/"}
    return LiveAnswer(
        "mask_buy_day", text, state, items=[summary] if summary else [], source=source, complete=summary is not None
    )
