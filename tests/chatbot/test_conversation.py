"""A message in, a reply out; an abstention says so, gives 1339 and queues the question word for word,
durably: in the same transaction as the turn, retried through a database error, never half written."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.db import OperationalError, connection

from epiaid.chatbot.models import Conversation, QueuedQuestion, Turn
from epiaid.chatbot.services import feedback, handle_message, history
from epiaid.core.actors import Actor
from epiaid.core.errors import BadInput, Forbidden, NotFound, Unavailable

from .conftest import CHATBOT

pytestmark = pytest.mark.django_db
UNANSWERABLE = "Qzxv  blorft   wuggle snarfen 17?"


def test_an_unsure_bot_says_so_gives_the_hotline_and_queues_the_question_word_for_word(kb: Any, say: Any) -> None:
    reply = say(UNANSWERABLE)
    assert reply.kind == "abstain" and reply.queued and reply.hotline == "1339"
    assert "1339" in reply.text and "staff" in reply.text
    queued = QueuedQuestion.objects.get()
    assert queued.text == UNANSWERABLE  # spaces and all
    assert queued.turn_id == reply.turn_id and queued.status == "open"
    ko = say("뷁쉙 퓌퓌 쀍?", session="k1")
    assert ko.kind == "abstain" and "1339" in ko.text and "상담원" in ko.text


def test_an_answered_question_is_not_queued(kb: Any, say: Any) -> None:
    reply = say("How does the virus spread?")
    assert reply.kind == "faq" and not reply.queued and QueuedQuestion.objects.count() == 0
    assert Turn.objects.get().entry_id == reply.source["entry_id"]


@contextmanager
def failing_inserts(table: str, times: int) -> Iterator[dict[str, int]]:
    """The database refuses the next ``times`` INSERTs into ``table`` as a restarting server would."""
    seen = {"failed": 0}

    def wrapper(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        if sql.lstrip().upper().startswith("INSERT") and f'"{table}"' in sql and seen["failed"] < times:
            seen["failed"] += 1
            raise OperationalError("server closed the connection unexpectedly")
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        yield seen


def test_a_database_error_while_queueing_is_retried_and_the_question_survives(kb: Any, say: Any) -> None:
    with failing_inserts("chatbot_queuedquestion", times=2) as seen:
        reply = say(UNANSWERABLE, client_message_id="m-1")
    assert seen["failed"] == 2 and reply.queued
    assert QueuedQuestion.objects.get().text == UNANSWERABLE
    assert Turn.objects.count() == 1  # the turns of the failed attempts were rolled back with them


def test_when_the_database_stays_down_nothing_is_half_written_and_the_client_can_resend(kb: Any, say: Any) -> None:
    with failing_inserts("chatbot_queuedquestion", times=100), pytest.raises(Unavailable) as refused:
        say(UNANSWERABLE, client_message_id="m-2")
    assert refused.value.status == 503
    assert Turn.objects.count() == 0 and QueuedQuestion.objects.count() == 0
    first = say(UNANSWERABLE, client_message_id="m-2")
    again = say(UNANSWERABLE, client_message_id="m-2")  # the client's own retry of the same message
    assert first.turn_id == again.turn_id and again.queued
    assert QueuedQuestion.objects.count() == 1 and Turn.objects.count() == 1


def test_conversation_state_is_per_session(kb: Any, say: Any) -> None:
    asked = say("Where is the nearest screening clinic?", session="a")
    assert asked.kind == "clarify"
    assert Conversation.objects.get(session_id="a").state["pending"]["intent"] == "nearest_clinic"
    other = say("How does the virus spread?", session="b")
    assert other.kind == "faq" and "pending" not in Conversation.objects.get(session_id="b").state


def test_did_this_help_is_recorded_on_the_reply_of_this_conversation_only(kb: Any, say: Any) -> None:
    reply = say("How does the virus spread?", session="a")
    feedback(CHATBOT, channel="web", session_id="a", turn_id=reply.turn_id, helpful=True)
    assert Turn.objects.get(id=reply.turn_id).helpful is True
    with pytest.raises(NotFound):
        feedback(CHATBOT, channel="web", session_id="intruder", turn_id=reply.turn_id, helpful=False)
    assert [t["turn_id"] for t in history(CHATBOT, channel="web", session_id="a")] == [reply.turn_id]


def test_only_the_chatbot_system_actor_runs_the_public_side(kb: Any, staff: Actor) -> None:
    with pytest.raises(Forbidden):
        handle_message(staff, channel="web", session_id="x", text="hi")
    with pytest.raises(BadInput):
        handle_message(CHATBOT, channel="fax", session_id="x", text="hi")
    with pytest.raises(BadInput):
        handle_message(CHATBOT, channel="web", session_id="<script>", text="hi")
