"""The check-in dialog: a versioned data file validated on load, and one call's state machine over it."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from epiaid.carecall.engine.dialog import DEFAULT_DIALOG, DialogError, Session, load_dialog
from epiaid.carecall.engine.numbers import parse_keypad_temperature, parse_temperature
from epiaid.carecall.transports.base import Reply, drive


@pytest.fixture(scope="module")
def raw() -> dict[str, Any]:
    return yaml.safe_load(DEFAULT_DIALOG.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def dialog() -> Any:
    return load_dialog()


def run(dialog: Any, lang: str, replies: list[dict[str, str]], **context: str) -> tuple[Session, list[str]]:
    """Answer prompts in order; returns the session and the prompt ids seen."""
    session = Session(dialog, lang, context=context)
    seen = []
    for reply in replies:
        prompt = session.prompt()
        assert prompt is not None and not prompt.final, f"call ended before reply {reply}"
        seen.append(prompt.id)
        session.answer(**reply)
    return session, seen


NO_SYMPTOMS_KO = [{"text": "아니요"}] + [{"text": "없어요"}] * 5 + [{"text": "없습니다"}]


# ------------------------------------------------------------------------------------- the data file


def test_the_shipped_dialog_loads_with_version_and_credits(dialog: Any) -> None:
    assert dialog.label == "carecall-symptoms v1"
    assert "CDC" in dialog.credits
    assert {"fever", "temperature", "cough", "sore_throat", "shortness_of_breath", "taste_smell", "message"} <= set(
        dialog.questions
    )


def test_korean_wording_is_the_official_cdc_translation_where_it_fits(dialog: Any, shared_data: Path) -> None:
    import csv

    path = shared_data / "chat" / "cdc_selfchecker" / "localization_strings_en_es_ko_vi_zh.csv"
    strings = {r["string_id"]: r for r in csv.DictReader(path.open(encoding="utf-8"))}
    ko = {qid: q.text["ko"] for qid, q in dialog.questions.items()}
    en = {qid: q.text["en"] for qid, q in dialog.questions.items()}
    assert strings["CDC/covid_symptoms/difficulty_breathing"]["ko_kr"] in ko["shortness_of_breath"]
    assert strings["CDC/covid_symptoms/cough"]["ko_kr"] in ko["cough"]
    for sign in ("gasping_for_air", "pain_chest", "blue_lips"):
        assert strings[f"CDC/emer_911_symptoms/{sign}"]["ko_kr"].split("(")[0].strip() in ko["emergency_signs"]
    assert strings["CDC/second_person_questions/emergency_question"]["ko_kr"] in ko["emergency_signs"]
    assert strings["CDC/second_person_questions/emergency_question"]["en_us"] in en["emergency_signs"]
    emergency = next(r for r in dialog.rules if r.action == "emergency")
    assert "증상에 따라 긴급한 치료가 필요할 수 있습니다." in emergency.say["ko"] and "119" in emergency.say["ko"]


def test_a_json_copy_of_the_dialog_loads_the_same(raw: dict[str, Any], tmp_path: Path) -> None:
    path = tmp_path / "d.json"
    path.write_text(json.dumps(raw, ensure_ascii=False), encoding="utf-8")
    assert load_dialog(path).questions.keys() == load_dialog().questions.keys()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.update(schema="other/9"), "schema: must be"),
        (lambda d: d.update(version=0), "version: must be a positive integer"),
        (lambda d: d["questions"][2].update(next="cuogh"), "questions[2].next.*: unknown question 'cuogh'"),
        (lambda d: d["questions"][2]["text"].pop("en"), "questions[2].text: missing the 'en' text"),
        (lambda d: d["questions"][0].update(kind="multiple"), "questions[0].kind: must be one of"),
        (lambda d: d["questions"][3].update(id="cough"), "duplicate question id 'cough'"),
        (lambda d: d["questions"][1]["confirm"].update(ko="맞나요?"), "questions[1].confirm.ko: must contain {value}"),
        (lambda d: d["questions"][0].update(next={"yes": "temperature"}), "questions[0].next: needs ['no', 'yes']"),
        (lambda d: d["rules"][0].update(action="panic"), "rules[0].action: must be one of"),
        (lambda d: d["rules"][1]["when"].update(answer="temprature"), "rules[1].when: unknown question 'temprature'"),
        (lambda d: d["keypad"]["yes_no"].pop("2"), "keypad.yes_no: needs a key for yes and for no"),
        (lambda d: d["vocabulary"]["no"].pop("ko"), "vocabulary.no.ko: must be a non-empty list"),
        (lambda d: d["questions"][4].update(next="message"), "unreachable from 'fever'"),
    ],
)
def test_a_broken_dialog_is_refused_naming_the_problem(raw: dict[str, Any], change: Any, message: str) -> None:
    broken = copy.deepcopy(raw)
    change(broken)
    with pytest.raises(DialogError) as exc:
        load_dialog(broken)
    assert message in str(exc.value)


def test_a_file_that_is_not_yaml_is_refused_with_its_name(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("questions: [\n", encoding="utf-8")
    with pytest.raises(DialogError, match=r"bad\.yaml: not valid YAML"):
        load_dialog(path)


# -------------------------------------------------------------------------------------------- calls


def test_a_person_without_symptoms_answers_every_question_and_nothing_is_flagged(dialog: Any) -> None:
    session, seen = run(dialog, "ko", NO_SYMPTOMS_KO)
    assert seen == ["fever", "cough", "sore_throat", "shortness_of_breath", "taste_smell", "other_symptoms", "message"]
    goodbye = session.prompt()
    assert goodbye is not None and goodbye.final and "감사합니다" in goodbye.text
    session.close()
    assert session.prompt() is None
    r = session.result
    assert r.completed and not r.flags and not r.escalations and not r.unanswered
    assert r.answers["cough"] == "no" and "temperature" not in r.answers


def test_the_first_prompt_greets_and_offers_the_keypad(dialog: Any) -> None:
    p = Session(dialog, "ko", context={"centre": "분당구보건소"}).prompt()
    assert p is not None and p.text.startswith("안녕하세요. 분당구보건소")
    assert "있으면 1번, 없으면 2번" in p.text
    assert p.keypad["1"] == "yes" and p.keypad["2"] == "no" and p.keypad["9"] == "stop"
    assert "네" in p.grammar and "아니요" in p.grammar


def test_fever_asks_the_temperature_and_confirms_it_in_korean_words(dialog: Any) -> None:
    session, _seen = run(dialog, "ko", [{"text": "네, 열이 나요"}, {"text": "삼십칠 점 팔"}])
    confirm = session.prompt()
    assert confirm is not None and confirm.kind == "confirm"
    assert confirm.text.startswith("37.8도라고 하셨나요?")
    session.answer(text="네 맞아요")
    assert session.result.answers["temperature"] == 37.8
    assert session.prompt().id == "cough"  # type: ignore[union-attr]


def test_a_temperature_the_person_says_was_misheard_is_asked_again(dialog: Any) -> None:
    session, _ = run(dialog, "en", [{"text": "yes"}, {"text": "thirty eight point two"}, {"text": "no"}])
    assert session.prompt().id == "temperature"  # type: ignore[union-attr]
    session.answer(text="thirty seven point two")
    session.answer(text="yes")
    assert session.result.answers["temperature"] == 37.2


def test_the_grammar_of_the_temperature_prompt_lists_spoken_numbers(dialog: Any) -> None:
    session, _ = run(dialog, "ko", [{"digits": "1"}])
    p = session.prompt()
    assert p is not None and p.kind == "number" and "삼십칠 점 팔" in p.grammar and "모르겠어요" in p.grammar


def test_keypad_answers_a_whole_call(dialog: Any) -> None:
    session, _ = run(dialog, "ko", [{"digits": "1"}, {"digits": "385"}, {"digits": "1"}, {"digits": "1"}])
    session.answer(digits="2")  # sore throat
    session.answer(digits="2")  # breath
    session.answer(digits="2")  # taste
    session.answer(digits="2")  # other
    session.answer(digits="2")  # message: none
    r = session.result
    assert r.answers["temperature"] == 38.5 and r.answers["cough"] == "yes"
    assert r.completed and r.flags == ["fever", "respiratory"]


def test_no_match_re_prompts_then_moves_on_recording_no_answer(dialog: Any) -> None:
    session = Session(dialog, "ko")
    session.answer(text="바나나")
    again = session.prompt()
    assert again is not None and again.id == "fever" and again.reprompt and again.text.startswith("죄송합니다")
    session.answer()  # silence
    session.answer(text="음...")
    assert session.prompt().id == "cough"  # type: ignore[union-attr]
    assert session.result.unanswered == ["fever"] and session.result.no_matches == 3


def test_breathing_difficulty_with_an_emergency_sign_ends_the_call_telling_119(dialog: Any) -> None:
    session, _ = run(
        dialog, "ko", [{"text": "아니요"}, {"text": "아니요"}, {"text": "아니요"}, {"text": "네"}, {"text": "네"}]
    )
    r = session.result
    assert r.emergency and r.escalations[0].rule == "emergency" and r.escalations[0].question == "emergency_signs"
    goodbye = session.prompt()
    assert goodbye is not None and goodbye.final and "119" in goodbye.text
    assert "respiratory" in r.flags  # the shortness of breath is also flagged for testing


def test_symptoms_advise_testing_at_the_given_clinic(dialog: Any) -> None:
    session, _ = run(
        dialog,
        "en",
        [{"text": "no"}, {"text": "yes I do"}] + [{"text": "no"}] * 4 + [{"text": "nothing"}],
        clinic="Bundang Jesaeng Hospital",
    )
    goodbye = session.prompt()
    assert goodbye is not None and "Bundang Jesaeng Hospital" in goodbye.text
    assert session.result.flags == ["respiratory"] and goodbye.text.count("get tested") == 1


def test_fever_without_a_measurement_is_still_advised_to_test(dialog: Any) -> None:
    session, _ = run(
        dialog, "ko", [{"text": "네"}, {"text": "안 재봤어요"}] + [{"text": "아니요"}] * 5 + [{"digits": "2"}]
    )
    assert session.result.answers["temperature"] is None and session.result.flags == ["fever_unmeasured"]


def test_the_free_message_reaches_the_result(dialog: Any) -> None:
    session, _ = run(dialog, "ko", [*NO_SYMPTOMS_KO[:-1], {"text": "약이 떨어졌어요. 연락 부탁드립니다."}])
    assert session.result.message == "약이 떨어졌어요. 연락 부탁드립니다."


def test_opting_out_mid_call_ends_it_with_the_opt_out_message(dialog: Any) -> None:
    session, _ = run(dialog, "ko", [{"text": "아니요"}, {"text": "수신 거부할게요"}])
    p = session.prompt()
    assert session.result.opted_out and p is not None and p.final and "수신 거부가 등록되었습니다" in p.text
    keypad, _ = run(dialog, "en", [{"digits": "9"}])
    assert keypad.result.opted_out


def test_a_hang_up_keeps_the_answers_so_far_and_still_flags_them(dialog: Any) -> None:
    session, _ = run(dialog, "ko", [{"text": "네"}, {"text": "삼십팔 점 오"}, {"text": "네"}])
    session.hangup()
    r = session.result
    assert session.prompt() is None and r.hung_up and not r.completed
    assert r.answers == {"fever": "yes", "temperature": 38.5} and r.flags == ["fever"]


def test_repeat_says_the_same_prompt_again_without_a_no_match(dialog: Any) -> None:
    session, _ = run(dialog, "ko", [{"text": "아니요"}, {"text": "다시 한번 말씀해 주세요"}])
    assert session.prompt().id == "cough" and session.result.no_matches == 0  # type: ignore[union-attr]


def test_a_session_survives_being_stored_between_webhook_requests(dialog: Any) -> None:
    session, _ = run(dialog, "ko", [{"text": "네"}, {"text": "37.9"}])
    stored = json.loads(json.dumps(session.to_state()))
    again = Session.from_state(dialog, stored)
    assert again.prompt().text == session.prompt().text  # type: ignore[union-attr]
    again.answer(digits="1")
    assert again.result.answers["temperature"] == 37.9


def test_drive_runs_a_call_from_a_reply_function(dialog: Any) -> None:
    replies = iter([Reply(digits="2")] * 6 + [Reply(digits="2")])
    said: list[str] = []
    result = drive(Session(dialog, "en"), lambda p: next(replies), say_final=lambda p: said.append(p.text))
    assert result.completed and said and "Thank you" in said[0]
    hung = drive(Session(dialog, "en"), lambda p: None)
    assert hung.hung_up


# ------------------------------------------------------------------------------------- temperatures


@pytest.mark.parametrize(
    ("said", "value"),
    [
        ("삼십칠 점 팔", 37.8),
        ("삼십칠점팔도", 37.8),
        ("서른일곱 점 팔", 37.8),
        ("37도 8부", 37.8),
        ("칠도 팔부", None),
        ("37.8도", 37.8),
        ("체온은 삼십팔 점 이도입니다", 38.2),
        ("삼십육 점 오요", 36.5),
        ("사십 도", 40.0),
        ("thirty seven point eight", 37.8),
        ("thirty-eight degrees", 38.0),
        ("37 point 5", 37.5),
        ("100.4 F", 38.0),
        ("바나나", None),
        ("육십", None),
        ("", None),
    ],
)
def test_spoken_temperatures_are_read(said: str, value: float | None) -> None:
    assert parse_temperature(said) == value


@pytest.mark.parametrize(
    ("digits", "value"), [("378", 37.8), ("37*8", 37.8), ("37", 37.0), ("1004", 38.0), ("9", None), ("abc", None)]
)
def test_keypad_temperatures_are_read(digits: str, value: float | None) -> None:
    assert parse_keypad_temperature(digits) == value
