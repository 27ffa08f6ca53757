"""The provider's webhooks: TwiML voice and keypad calls, SMS-style texts. Signatures are checked
(forged or unsigned: 403, audited), duplicate deliveries change nothing, hang-ups keep the answers."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.utils import timezone

from epiaid.carecall.models import CheckIn
from epiaid.carecall.services import calls, webhooks
from epiaid.core.models import AuditEvent


def post(client: Client, url: str, params: dict[str, str], *, signature: str | None = None, **headers: str) -> Any:
    """POST as the provider does: form fields, signed over the full URL."""
    sig = webhooks.sign(url, params) if signature is None else signature
    parts = urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    return client.post(path, params, HTTP_X_TWILIO_SIGNATURE=sig, **headers)


def call(person: Any) -> CheckIn:
    return CheckIn.objects.create(
        person=person,
        round_date=timezone.localdate(),
        slot="09:00",
        channel=person.channel,
        token=calls.new_token(),
        due_at=timezone.now(),
        status="calling",
        started_at=timezone.now(),
    )


def gather_action(twiml: str) -> str:
    import re

    m = re.search(r'<Gather [^>]*action="([^"]+)"', twiml)
    assert m, twiml
    return m.group(1).replace("&amp;", "&")


@pytest.fixture
def voice_call(make_person: Any) -> CheckIn:
    return call(make_person(channel="twilio"))


def test_a_voice_call_gathers_speech_and_keys_and_ends_with_a_goodbye(voice_call: CheckIn) -> None:
    c = Client()
    base = f"http://testserver/carecall/hooks/voice/{voice_call.token}/"
    first = post(c, base, {"CallSid": "CA1"}).content.decode()
    assert "<Gather " in first and 'input="speech dtmf"' in first and 'language="ko-KR"' in first
    assert "열이 나거나" in first and 'hints="' in first and "<Redirect" in first
    said = ["아니요", "없어요", "없습니다", "아니요", "없어요", "없어요", "없습니다"]
    twiml = first
    for text in said:
        twiml = post(c, gather_action(twiml), {"CallSid": "CA1", "SpeechResult": text}).content.decode()
    assert "<Hangup" in twiml and "감사합니다" in twiml
    voice_call.refresh_from_db()
    assert voice_call.status == "answered" and voice_call.channel_ref == "CA1"
    assert voice_call.result["answers"]["cough"] == "no"


def test_a_keypad_call_gathers_digits_only(make_person: Any) -> None:
    ci = call(make_person(channel="keypad", lang="en"))
    twiml = post(Client(), f"http://testserver/carecall/hooks/voice/{ci.token}/", {"CallSid": "CA2"}).content.decode()
    assert 'input="dtmf"' in twiml and 'numDigits="1"' in twiml and "Press 1 for yes" in twiml


def test_forged_and_unsigned_webhooks_are_refused(voice_call: CheckIn) -> None:
    c = Client()
    url = f"http://testserver/carecall/hooks/voice/{voice_call.token}/"
    assert post(c, url, {"CallSid": "CA1"}, signature="Zm9yZ2Vk").status_code == 403
    assert c.post(urlsplit(url).path, {"CallSid": "CA1"}).status_code == 403
    signed_for_other_params = webhooks.sign(url, {"CallSid": "CA9"})
    assert post(c, url, {"CallSid": "CA1"}, signature=signed_for_other_params).status_code == 403
    assert AuditEvent.objects.filter(action="carecall.webhook_refused").count() == 3
    voice_call.refresh_from_db()
    assert voice_call.state == {}  # nothing happened to the call


def test_a_duplicate_delivery_is_answered_the_same_and_applied_once(voice_call: CheckIn) -> None:
    c = Client()
    first = post(c, f"http://testserver/carecall/hooks/voice/{voice_call.token}/", {"CallSid": "CA1"}).content.decode()
    action = gather_action(first)
    a = post(c, action, {"CallSid": "CA1", "Digits": "1"}).content.decode()
    b = post(c, action, {"CallSid": "CA1", "Digits": "1"}).content.decode()
    assert a == b and "체온" in a
    voice_call.refresh_from_db()
    assert voice_call.state["result"]["turns"] == 1


def test_silence_re_prompts_and_a_hang_up_keeps_the_answers(voice_call: CheckIn) -> None:
    c = Client()
    base = f"http://testserver/carecall/hooks/voice/{voice_call.token}/"
    first = post(c, base, {"CallSid": "CA1"}).content.decode()
    silence = first.split("<Redirect")[1].split(">")[1].split("<")[0].replace("&amp;", "&")
    again = post(c, silence, {"CallSid": "CA1"}).content.decode()
    assert "죄송합니다" in again and "열이 나거나" in again
    post(c, gather_action(again), {"CallSid": "CA1", "Digits": "1"})
    post(c, base + "status/", {"CallSid": "CA1", "CallStatus": "completed"})
    voice_call.refresh_from_db()
    assert voice_call.status == "partial" and voice_call.result["hung_up"]
    assert voice_call.result["answers"] == {"fever": "yes"}
    assert voice_call.result["flags"] == ["fever_unmeasured"]


def test_a_call_nobody_picks_up_is_a_no_answer(voice_call: CheckIn) -> None:
    post(Client(), f"http://testserver/carecall/hooks/voice/{voice_call.token}/status/", {"CallStatus": "no-answer"})
    voice_call.refresh_from_db()
    assert voice_call.status == "no_answer"


def test_texts_answer_a_text_check_in(make_person: Any) -> None:
    person = make_person(channel="text", phone="010-3131-2424")
    ci = call(person)
    c = Client()
    url = "http://testserver/carecall/hooks/text/"
    reply = post(c, url, {"From": "+821031312424", "Body": "네", "MessageSid": "SM1"}).content.decode()
    assert "<Message>" in reply and "체온" in reply
    dup = post(c, url, {"From": "+821031312424", "Body": "네", "MessageSid": "SM1"}).content.decode()
    assert dup == reply
    assert post(c, url, {"From": "+821099998888", "Body": "네", "MessageSid": "SM2"}).status_code == 404
    ci.refresh_from_db()
    assert ci.state["result"]["answers"] == {"fever": "yes"}
