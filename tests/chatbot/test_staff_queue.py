"""Staff answer queued questions; the answer reaches the asker on the channel it came from; questions can be
promoted into the knowledge base; the FAQ-gap report groups similar unanswered questions; reads are audited."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest

from epiaid.chatbot.models import QueuedQuestion
from epiaid.chatbot.services import (
    answer_question,
    gap_report,
    get_question,
    handle_message,
    list_queue,
    mask,
    poll,
    promote,
)
from epiaid.core.actors import Actor
from epiaid.core.errors import Forbidden
from epiaid.core.models import AuditEvent

from .conftest import CHATBOT

pytestmark = pytest.mark.django_db
QUESTION = "Zorblat frimble 010-1234-5678 quxx?"


def test_lists_mask_personal_data_and_every_read_is_audited(kb: Any, say: Any, staff: Actor) -> None:
    say(QUESTION)
    rows = list_queue(staff)
    assert len(rows) == 1 and "010-1234-5678" not in rows[0]["text"] and "010-****" in rows[0]["text"]
    full = get_question(staff, rows[0]["id"])
    assert full["text"] == QUESTION
    assert AuditEvent.objects.filter(action="chatbot.queue_list", actor_label="agent").exists()
    assert AuditEvent.objects.filter(action="chatbot.question_view", object_id=str(rows[0]["id"])).exists()


def test_people_without_the_staff_role_and_the_public_actor_are_refused(kb: Any, make_user: Any) -> None:
    nobody = Actor.of(make_user("reviewer", username="rev"))
    for who in (nobody, CHATBOT):
        with pytest.raises(Forbidden):
            list_queue(who)
    assert AuditEvent.objects.filter(action="denied", actor_label="rev", target="chatbot.queue").exists()


def test_a_staff_answer_reaches_the_web_asker_at_the_next_poll_once(kb: Any, say: Any, staff: Actor) -> None:
    say(QUESTION, session="web-1")
    qid = QueuedQuestion.objects.get().id
    assert poll(CHATBOT, channel="web", session_id="web-1") == []
    answer_question(staff, qid, "Please call your local public health centre.")
    got = poll(CHATBOT, channel="web", session_id="web-1")
    assert [a["answer"] for a in got] == ["Please call your local public health centre."]
    assert got[0]["question"] == QUESTION
    assert poll(CHATBOT, channel="web", session_id="web-1") == []  # delivered once
    assert poll(CHATBOT, channel="web", session_id="someone-else") == []


def test_an_undelivered_answer_travels_with_the_next_reply(kb: Any, say: Any, staff: Actor) -> None:
    say(QUESTION, session="web-2")
    answer_question(staff, QueuedQuestion.objects.get().id, "Answer from staff.")
    reply = say("How does the virus spread?", session="web-2")
    assert [a["answer"] for a in reply.staff_answers] == ["Answer from staff."]


class _Receiver(BaseHTTPRequestHandler):
    received: list[dict[str, Any]] = []

    def do_POST(self) -> None:
        length = int(self.headers["Content-Length"])
        _Receiver.received.append(
            {"body": json.loads(self.rfile.read(length)), "auth": self.headers.get("Authorization")}
        )
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b'{"status":"SUCCESS"}')

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def event_endpoint(settings: Any) -> Iterator[list[dict[str, Any]]]:
    server = HTTPServer(("127.0.0.1", 0), _Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _Receiver.received = []
    settings.CHATBOT_KAKAO_EVENT_URL = f"http://127.0.0.1:{server.server_port}/v2/bots/epiaid/talk"
    settings.CHATBOT_KAKAO_EVENT_KEY = "test-key"
    yield _Receiver.received
    server.shutdown()


def test_a_messenger_asker_gets_the_staff_answer_pushed_through_the_adapter(
    kb: Any, staff: Actor, event_endpoint: list[dict[str, Any]], django_capture_on_commit_callbacks: Any
) -> None:
    handle_message(CHATBOT, channel="kakao", session_id="botUserKey-abc", text=QUESTION)
    qid = QueuedQuestion.objects.get().id
    with django_capture_on_commit_callbacks(execute=True):
        answer_question(staff, qid, "상담원 답변입니다.")
    assert len(event_endpoint) == 1
    pushed = event_endpoint[0]
    assert pushed["auth"] == "KakaoAK test-key"
    assert pushed["body"]["user"] == [{"type": "botUserKey", "id": "botUserKey-abc"}]
    assert "상담원 답변입니다." in pushed["body"]["event"]["data"]["text"]
    assert QueuedQuestion.objects.get().delivered_at is not None


def test_without_an_adapter_the_messenger_answer_goes_with_the_next_reply(
    kb: Any, staff: Actor, django_capture_on_commit_callbacks: Any
) -> None:
    handle_message(CHATBOT, channel="kakao", session_id="u-1", text=QUESTION)
    with django_capture_on_commit_callbacks(execute=True):
        answer_question(staff, QueuedQuestion.objects.get().id, "Later answer.")
    reply = handle_message(CHATBOT, channel="kakao", session_id="u-1", text="How does the virus spread?")
    assert [a["answer"] for a in reply.staff_answers] == ["Later answer."]


def test_promoting_a_question_puts_it_into_the_knowledge_base(kb: Any, say: Any, staff: Actor) -> None:
    question = "Are the jjimjilbang saunas of Suseong-gu shut?"
    first = say(question)
    assert first.kind == "abstain"
    qid = QueuedQuestion.objects.get().id
    answer_question(staff, qid, "Daegu asked public baths to close from 29 February 2020.")
    entry = promote(staff, qid, {"source_name": "Daegu city notice", "source_url": "https://www.daegu.go.kr/"})
    assert entry.question == question and entry.origin == "promoted" and entry.authored_by == "agent"
    again = say(question, session="later")
    assert again.kind == "faq" and again.source["entry_id"] == entry.id
    assert again.source["source_name"] == "Daegu city notice"
    assert AuditEvent.objects.filter(action="chatbot.promote", object_id=str(entry.id)).exists()


def test_the_gap_report_groups_similar_unanswered_questions(kb: Any, say: Any, staff: Actor) -> None:
    for i, text in enumerate(
        [
            "Is the vaccine free of charge?",
            "is the vaccine free of charge",
            "Will the vaccine be free of charge?",
            "Where can I park near the stadium?",
        ]
    ):
        assert say(text, session=f"g{i}").kind == "abstain"
    groups = gap_report(staff)
    assert [g.count for g in groups] == [3, 1]
    assert "vaccine" in groups[0].representative.lower()
    assert AuditEvent.objects.filter(action="chatbot.gap_report").exists()


def test_mask_hides_phone_numbers_resident_numbers_and_emails() -> None:
    masked = mask("call 010-9876-5432 or 02 123 4567, RRN 900101-1234567, me@example.org")
    assert "9876" not in masked and "1234567" not in masked and "me@example.org" not in masked
