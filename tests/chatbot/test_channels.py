"""Channels: the REST API (OpenAPI) and the Kakao i Open Builder skill webhook, against recorded request
shapes; per-client rate limits on the public endpoints."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from epiaid.chatbot.models import QueuedQuestion

from .conftest import FIXTURES

pytestmark = pytest.mark.django_db
API = "/api/chatbot"


def _post(client: Client, path: str, body: Any, **extra: Any) -> Any:
    return client.post(f"{API}{path}", json.dumps(body), content_type="application/json", **extra)


def test_rest_message_reply_with_source(kb: Any, client: Client) -> None:
    response = _post(client, "/messages", {"session_id": "rest-1", "text": "How does the virus spread?"})
    assert response.status_code == 200
    body = response.json()
    assert body["kind"] == "faq" and body["source"]["source_url"].startswith("https://www.cdc.gov/")
    assert body["source"]["last_reviewed"] == "2020-03-17" and body["turn_id"]
    feedback = _post(client, "/feedback", {"session_id": "rest-1", "turn_id": body["turn_id"], "helpful": False})
    assert feedback.status_code == 200


def test_rest_abstention_and_poll(kb: Any, client: Client, staff: Any) -> None:
    from epiaid.chatbot.services import answer_question

    body = _post(client, "/messages", {"session_id": "rest-2", "text": "Zorblat frimble quxx?"}).json()
    assert body["kind"] == "abstain" and body["hotline"] == "1339" and body["queued"]
    answer_question(staff, QueuedQuestion.objects.get().id, "Staff answer.")
    polled = client.get(f"{API}/poll", {"session_id": "rest-2"}).json()
    assert [a["answer"] for a in polled["staff_answers"]] == ["Staff answer."]


def test_the_api_is_in_the_openapi_schema(client: Client) -> None:
    paths = client.get("/api/openapi.json").json()["paths"]
    for path in ("/messages", "/poll", "/feedback", "/kakao/skill", "/staff/queue", "/staff/gaps"):
        assert f"{API}{path}" in paths


def test_staff_endpoints_need_the_role(kb: Any, client_as: Any) -> None:
    assert client_as("public").get(f"{API}/staff/queue").status_code == 401
    assert client_as("clinician").get(f"{API}/staff/queue").status_code == 403
    assert client_as("health_staff").get(f"{API}/staff/queue").status_code == 200


def _skill(client: Client, name: str) -> dict[str, Any]:
    body = (FIXTURES / "kakao" / name).read_bytes()
    response = client.post(f"{API}/kakao/skill", body, content_type="application/json")
    assert response.status_code == 200
    return response.json()  # type: ignore[no-any-return]


def _valid_skill_response(doc: dict[str, Any]) -> None:
    assert doc["version"] == "2.0"
    outputs = doc["template"]["outputs"]
    assert 1 <= len(outputs) <= 3
    assert all(len(o["simpleText"]["text"]) <= 1000 for o in outputs)
    for q in doc["template"].get("quickReplies", []):
        assert q["action"] == "message" and len(q["label"]) <= 14 and q["messageText"]


def test_kakao_skill_request_gets_a_skill_response_with_the_faq_answer(kb: Any, client: Client) -> None:
    doc = _skill(client, "skill_request_text.json")
    _valid_skill_response(doc)
    text = doc["template"]["outputs"][-1]["simpleText"]["text"]
    assert "독립된 공간" in text and "출처:" in text and "http://ncov.mohw.go.kr/" in text


def test_kakao_abstention_is_queued_under_the_messenger_user(kb: Any, client: Client) -> None:
    doc = _skill(client, "skill_request_callback.json")
    _valid_skill_response(doc)
    assert "1339" in doc["template"]["outputs"][-1]["simpleText"]["text"]
    assert doc["template"]["quickReplies"]
    queued = QueuedQuestion.objects.select_related("conversation").get()
    assert queued.text == "Zorblat frimble quxx?" and queued.conversation.channel == "kakao"
    assert queued.conversation.session_id.startswith("k")  # an odd user id is hashed into a safe key


def test_kakao_quick_reply_starts_the_self_check_or_says_it_is_unavailable(kb: Any, client: Client) -> None:
    doc = _skill(client, "skill_request_quick_reply.json")
    _valid_skill_response(doc)


@pytest.mark.parametrize("body", [b"", b"not json", b'{"userRequest": 5}', b"[]", b"\xff\xfe\x00"])
def test_kakao_malformed_requests_still_get_a_skill_answer(kb: Any, client: Client, body: bytes) -> None:
    response = client.post(f"{API}/kakao/skill", body, content_type="application/json")
    assert response.status_code == 200
    _valid_skill_response(response.json())


def test_kakao_request_without_a_user_is_answered_not_crashed(kb: Any, client: Client) -> None:
    doc = _skill(client, "skill_request_no_user.json")
    _valid_skill_response(doc)
    assert QueuedQuestion.objects.count() == 0


def test_public_endpoints_are_rate_limited_per_client(kb: Any, settings: Any) -> None:
    settings.CHATBOT_RATE_PER_MINUTE = 3
    one, other = Client(REMOTE_ADDR="10.0.0.1"), Client(REMOTE_ADDR="10.0.0.2")
    codes = [_post(one, "/messages", {"session_id": "r", "text": "hello"}).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    refused = _post(one, "/messages", {"session_id": "r", "text": "hello"}).json()
    assert refused["code"] == "rate_limited" and refused["retry_after"] >= 1
    assert _post(other, "/messages", {"session_id": "r2", "text": "hello"}).status_code == 200
