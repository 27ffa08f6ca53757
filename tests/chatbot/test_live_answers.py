"""Live answers from our own data, exact, through the other capabilities' public services: clinics with
phones, disclosed visits only as the public map shows them, outlets with stock, the mask rota; places
resolve offline in Korean and English, and an unknown or shared name gets a question back."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.utils import timezone

from epiaid.chatbot.models import Conversation

from ..masks.conftest import OUTLETS, parsed
from ..situation.factories import CLINICS_CSV_CP949, template_csv

pytestmark = pytest.mark.django_db

AS_OF = date(2020, 3, 5)


def _visit(case: str, day: str, place: str, en: str, address: str, lat: float, lng: float, disclosed: str) -> list[str]:
    return [case, "2020-03-01", day, "12:00", "13:00", place, en, "restaurant", address, str(lat), str(lng), disclosed]


@pytest.fixture
def world(db: Any) -> None:
    from epiaid.masks import services as masks
    from epiaid.masks.engine.importer import OutletRow
    from epiaid.situation.services import set_policy
    from epiaid.situation.services.importers import import_clinics, import_template

    import_clinics(CLINICS_CSV_CP949)
    visits = [
        _visit(
            "T-1", "2020-03-04", "명동교자", "Myeongdong Kyoja", "서울특별시 중구 명동10길 29", 37.5626, 126.9856, "yes"
        ),
        _visit(
            "T-1", "2020-03-01", "강남역", "Gangnam Station", "서울특별시 강남구 강남대로 396", 37.4979, 127.0276, "yes"
        ),
        _visit("T-2", "2020-02-10", "오래된식당", "Old Diner", "서울특별시 중구 명동8길 1", 37.5630, 126.9850, "yes"),
        _visit("T-3", "2020-03-04", "비공개카페", "Hidden Cafe", "서울특별시 중구 명동8길 2", 37.5631, 126.9852, "no"),
    ]
    report = import_template(template_csv(visits))
    assert not report.rejected, report.rejected
    set_policy(window_days=14, as_of=AS_OF)
    rows = (*OUTLETS, OutletRow("11000010", "동인약국", "대구광역시 중구 동인동 1", "01", 35.8694, 128.6062))
    masks.import_outlets(parsed(rows))
    masks.report_stock("11000001", 150, "test")  # 가나약국: plenty
    masks.report_stock("11000002", 0, "test")  # 다라약국: empty
    masks.report_stock("11000003", 40, "test")  # 마바약국: some
    masks.refresh_read_model(full=True)


def test_nearest_clinics_to_a_district_with_phone_numbers(world: None, say: Any) -> None:
    reply = say("강남구 선별진료소 어디야?")
    assert reply.kind == "live" and reply.intent == "nearest_clinic"
    first = reply.items[0]
    assert first["name"] == "강남구보건소" and first["phone"] == "02-3423-5555"
    assert "02-3423-5555" in reply.text and "강남구보건소" in reply.text
    assert [i["distance_m"] for i in reply.items] == sorted(i["distance_m"] for i in reply.items)
    assert "남양디에스병원" not in reply.text  # no coordinates: never in a distance answer


def test_english_place_names_resolve_to_the_same_district(world: None, say: Any) -> None:
    reply = say("nearest screening clinic to Gangnam-gu", session="en")
    assert reply.kind == "live" and reply.lang == "en" and reply.items[0]["name"] == "강남구보건소"
    assert "Gangnam-gu" in reply.text


def test_the_users_location_is_used_when_given(world: None, say: Any) -> None:
    reply = say("내 주변 선별진료소 알려줘", location=(37.517, 127.041))
    assert reply.kind == "live" and reply.items[0]["name"] == "강남구보건소"


def test_an_unknown_place_gets_a_question_back_not_a_guess(world: None, say: Any) -> None:
    reply = say("뷁뷁동 선별진료소 어디야?")
    assert reply.kind == "clarify" and "뷁뷁동" in reply.text and not reply.items
    assert Conversation.objects.get(session_id="s1").state["pending"]["intent"] == "nearest_clinic"
    answered = say("강남구")  # the answer to our question
    assert answered.kind == "live" and answered.items[0]["name"] == "강남구보건소"


def test_a_name_several_cities_share_is_asked_back_then_narrowed(world: None, say: Any) -> None:
    reply = say("중구 마스크 재고 있는 약국")
    assert reply.kind == "clarify" and reply.intent == "masks_near"
    assert any("서울" in c for c in reply.quick_replies) and any("대구" in c for c in reply.quick_replies)
    narrowed = say("대구 중구")
    assert narrowed.kind == "live" and narrowed.intent == "masks_near"


def test_case_visits_are_never_more_than_the_public_map_shows(world: None, say: Any) -> None:
    from epiaid.situation.services.disclosure import PUBLIC_VISIT_FIELDS

    reply = say("명동 근처 확진자 동선 알려줘")
    assert reply.kind == "live" and reply.intent == "cases_near"
    names = [i["place_name"] for i in reply.items]
    assert names == ["명동교자"]  # not the visit outside the window, not the undisclosed one
    assert set(reply.items[0]) <= {*PUBLIC_VISIT_FIELDS, "distance_m"}
    assert "오래된식당" not in reply.text and "비공개카페" not in reply.text
    recent = say("명동 최근 1일 확진자 동선", session="s2")
    assert recent.kind == "live" and recent.items == []  # the 4 March visit is two days before 5 March
    two = say("명동 최근 2일 확진자 동선", session="s3")
    assert [i["place_name"] for i in two.items] == ["명동교자"]


def test_outlets_with_masks_in_stock_near_a_place(world: None, say: Any) -> None:
    reply = say("용산구 보광동 마스크 재고 있는 약국")
    assert reply.kind == "live" and reply.intent == "masks_near"
    names = {i["name"] for i in reply.items}
    assert {"가나약국", "마바약국"} <= names and "다라약국" not in names
    assert all(i["remain_stat"] in {"plenty", "some", "few"} for i in reply.items)


def test_can_i_buy_masks_today_follows_the_rationing_rules(world: None, say: Any) -> None:
    from epiaid.masks.engine.rationing import can_buy_summary

    today = timezone.localtime().date()
    expected = can_buy_summary(1985, today)
    reply = say("1985년생인데 오늘 마스크 살 수 있나요?")
    assert reply.kind == "live" and reply.intent == "mask_buy_day"
    assert reply.items[0]["today_allowed"] == expected["today_allowed"]
    assert ("네," in reply.text) == expected["today_allowed"]
    asked = say("Can I buy masks today?", session="en")
    assert asked.kind == "clarify" and "born" in asked.text
    answered = say("1990", session="en")
    assert answered.kind == "live" and "1990" in answered.text


@pytest.mark.slow
def test_place_mentions_of_the_query_set_resolve_on_the_real_data(shared_data: Any, say: Any) -> None:
    """Every place the generated queries name resolves (or is asked back when several cities share it)."""
    import csv

    from epiaid.chatbot import intents
    from epiaid.chatbot.services import live
    from epiaid.masks import services as masks
    from epiaid.masks.engine.importer import parse_outlets
    from epiaid.situation.services.importers import import_clinics

    import_clinics(shared_data / "map" / "screening_centers_2020-03-17_MOHW_geocoded.csv")
    masks.import_outlets(parse_outlets((shared_data / "map" / "mask_stores_2020-06-29_michael-cho77.csv").read_bytes()))
    masks.refresh_read_model(full=True)
    live.reset_places()
    gaz = live.gazetteer()
    path = intents.__file__.replace("intents.py", "data/live_queries_ko_en.csv")
    with open(path, encoding="utf-8") as fh:
        rows = [r for r in csv.DictReader(fh) if r["place"]]
    unresolved = []
    for row in rows:
        res = gaz.resolve(row["place"])
        if res.status not in {"found", "ambiguous"}:
            unresolved.append(row["place"])
    assert unresolved == []
