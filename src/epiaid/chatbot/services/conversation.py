"""A message in, a reply out: self-check step, live answer from our data, FAQ answer, or abstention.

The order is fixed: an ongoing self-check takes the message first; then a live intent (clinics, case
visits, mask stock, "can I buy masks today?"); then the knowledge base. When the retriever is unsure the
bot abstains: the reply says so, gives the 1339 hotline, and the message goes word for word into the
staff queue **in the same transaction as the turn**. Writes are retried when the database is briefly
gone (a restart); if it stays gone the caller gets ``Unavailable`` and nothing was half written, so the
client can send the same message again (``client_message_id`` makes that idempotent).
"""

from __future__ import annotations

import logging
import re
import time
import unicodedata
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any, TypeVar

from django.conf import settings
from django.db import IntegrityError, InterfaceError, OperationalError, connection, transaction
from django.utils import timezone

from epiaid.chatbot.engine.retrieval import detect_lang
from epiaid.chatbot.models import Channel, Conversation, KnowledgeEntry, QueuedQuestion, QueueStatus, ReplyKind, Turn
from epiaid.core.actors import Actor
from epiaid.core.errors import BadInput, NotFound, Unavailable

from . import knowledge, live, messages, selfcheck_flow
from .access import require_system
from .messages import HOTLINE, say

logger = logging.getLogger(__name__)

#: Longest message the bot reads; longer ones get a polite refusal (and are not queued).
MAX_MESSAGE_CHARS = 1000
#: What we keep of an over-long message in the turn log.
MAX_STORED_CHARS = 4000
_SESSION = re.compile(r"^[A-Za-z0-9_.:@\-]{1,200}$")
_WRITE_ATTEMPTS = 6

T = TypeVar("T")


@dataclass
class Reply:
    kind: str
    text: str
    lang: str
    turn_id: int | None = None
    source: dict[str, Any] | None = None
    quick_replies: list[str] = field(default_factory=list)
    items: list[dict[str, Any]] = field(default_factory=list)
    hotline: str | None = None
    queued: bool = False
    staff_answers: list[dict[str, Any]] = field(default_factory=list)
    disclaimer: str | None = None
    intent: str = ""
    score: float | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Plan:
    """What to answer, decided before anything is written."""

    kind: str
    text: str
    lang: str
    state: dict[str, Any]
    entry: KnowledgeEntry | None = None
    score: float | None = None
    intent: str = ""
    items: list[dict[str, Any]] = field(default_factory=list)
    quick_replies: list[str] = field(default_factory=list)
    disclaimer: str | None = None
    source: dict[str, Any] | None = None


# --------------------------------------------------------------------------- input screening


def _storable(text: str) -> str:
    """NUL written as ``\\x00``: PostgreSQL text cannot hold it, and staff should see it was there."""
    return text.replace("\x00", "\\x00")


def screen(text: Any) -> tuple[str, str | None]:
    """(text as the asker wrote it, problem): problem is ``empty``, ``too_long``, ``binary`` or None.

    The text comes back storable on every database: a NUL byte is kept visibly, as ``\\x00``."""
    raw_text, problem = _screen(text)
    return _storable(raw_text), problem


def _screen(text: Any) -> tuple[str, str | None]:
    if isinstance(text, bytes | bytearray):
        raw = bytes(text)
        if b"\x00" in raw:
            return raw[:MAX_STORED_CHARS].decode("utf-8", errors="replace"), "binary"
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            return raw[:MAX_STORED_CHARS].decode("utf-8", errors="replace"), "binary"
    if text is None:
        return "", "empty"
    text = str(text)
    if len(text) > MAX_MESSAGE_CHARS:
        return text[:MAX_STORED_CHARS], "too_long"
    text = unicodedata.normalize("NFC", text)
    controls = sum(1 for ch in text if unicodedata.category(ch) in {"Cc", "Cs", "Co", "Cn"} and ch not in "\t\n\r")
    if "\x00" in text or "\ufffd" in text or (text and controls / len(text) > 0.1):
        return text, "binary"
    if not any(ch.isalnum() for ch in text):
        return text.strip(), "empty"
    return text.strip(), None


def entry_source(entry: KnowledgeEntry) -> dict[str, Any]:
    return {
        "entry_id": entry.id,
        "question": entry.question,
        "source_name": entry.source_name,
        "source_url": entry.source_url,
        "last_reviewed": entry.last_reviewed.isoformat(),
        "authored_by": entry.authored_by,
    }


# --------------------------------------------------------------------------- understanding


def _lang_of(text: str, hint: str | None, conv: Conversation | None) -> str:
    if any(ch.isalpha() for ch in text):
        return detect_lang(text)
    if hint in {"ko", "en"}:
        return str(hint)
    return conv.lang if conv is not None else "ko"


def _plan(text: str, lang: str, state: dict[str, Any], location: tuple[float, float] | None) -> Plan:
    state = dict(state)
    # 1. an ongoing self-check, or a request to start one
    step = selfcheck_flow.handle(state, text, lang)
    if step is not None:
        return Plan(
            ReplyKind.SELFCHECK,
            step.text,
            lang,
            step.state,
            quick_replies=step.choices,
            disclaimer=step.disclaimer,
            intent="selfcheck",
        )
    # 2. live answers from our own data
    answer = live.handle(state, text, lang, location)
    if answer is not None:
        return Plan(
            ReplyKind.LIVE if answer.complete else ReplyKind.CLARIFY,
            answer.text,
            lang,
            answer.state,
            intent=answer.intent,
            items=answer.items,
            quick_replies=answer.choices,
            source=answer.source,
        )
    state.pop("pending", None)
    # 3. the knowledge base
    retriever, entries = knowledge.retriever()
    result = retriever.search(text, k=3)
    stricter = getattr(settings, "CHATBOT_ABSTAIN_BELOW", None)  # an operator's stricter floor, if any
    unsure = result.abstain or (stricter is not None and bool(result.hits) and result.hits[0].score < float(stricter))
    if not unsure and result.hits:
        hit = result.hits[0]
        entry = entries.get(int(hit.entry_id))
        if entry is not None:
            footer = say("faq_footer", lang, source=entry.source_name, reviewed=entry.last_reviewed.isoformat())
            return Plan(
                ReplyKind.FAQ,
                f"{entry.answer}\n\n{footer}",
                lang,
                state,
                entry=entry,
                score=hit.score,
                source=entry_source(entry),
            )
    best = result.hits[0].score if result.hits else None
    return Plan(ReplyKind.ABSTAIN, say("abstain", lang), lang, state, score=best)


def _refusal(problem: str, lang: str, state: dict[str, Any]) -> Plan:
    values = {"limit": MAX_MESSAGE_CHARS} if problem == "too_long" else {}
    return Plan(ReplyKind.SAFE, say(problem, lang, **values), lang, state, quick_replies=messages.QUICK_REPLIES[lang])


# --------------------------------------------------------------------------- writing, durably


def _retrying(fn: Callable[[], T]) -> T:
    """Run a transaction, again after a lost or locked database (a restart), a few times with back-off."""
    delay = 0.05
    for attempt in range(1, _WRITE_ATTEMPTS + 1):
        try:
            return fn()
        except IntegrityError:
            raise
        except (OperationalError, InterfaceError) as exc:
            logger.warning("chatbot write failed (attempt %d/%d): %s", attempt, _WRITE_ATTEMPTS, exc)
            if attempt == _WRITE_ATTEMPTS:
                raise Unavailable(
                    "the chatbot could not store your message just now; please send it again",
                    code="store_unavailable",
                ) from None
            if not connection.in_atomic_block:
                connection.close()  # reconnect on the next query (the server may have restarted)
            time.sleep(delay)
            delay = min(delay * 2, 1.0)
    raise AssertionError("unreachable")


def _undelivered(conv: Conversation) -> list[QueuedQuestion]:
    return list(
        QueuedQuestion.objects.filter(conversation=conv, status=QueueStatus.ANSWERED, delivered_at__isnull=True)
    )


def staff_answer_dict(q: QueuedQuestion, lang: str) -> dict[str, Any]:
    return {
        "question_id": q.id,
        "question": q.text,
        "answer": q.answer,
        "answered_at": q.answered_at.isoformat() if q.answered_at else None,
        "text": say("staff_answer", lang, question=q.text[:200], answer=q.answer),
    }


def _take_undelivered(conv: Conversation, lang: str) -> list[dict[str, Any]]:
    pending = _undelivered(conv)
    if not pending:
        return []
    now = timezone.now()
    QueuedQuestion.objects.filter(id__in=[q.id for q in pending]).update(delivered_at=now)
    return [staff_answer_dict(q, lang) for q in pending]


def _check_channel(channel: str, session_id: str) -> None:
    if channel not in Channel.values:
        raise BadInput(f"unknown channel {channel!r}", code="bad_channel")
    if not isinstance(session_id, str) or not _SESSION.match(session_id):
        raise BadInput("session_id must be 1–200 letters, digits or . _ : @ -", code="bad_session")


def handle_message(
    actor: Actor,
    *,
    channel: str,
    session_id: str,
    text: Any,
    lang: str | None = None,
    client_message_id: str = "",
    location: tuple[float, float] | None = None,
) -> Reply:
    """Answer one message of a conversation and record the turn (and, on abstention, the queue item)."""
    require_system(actor)
    _check_channel(channel, session_id)
    client_message_id = _storable(str(client_message_id or ""))[:100]
    raw, problem = screen(text)
    conv = Conversation.objects.filter(channel=channel, session_id=session_id).first()
    if conv is not None and client_message_id:
        done = Turn.objects.filter(conversation=conv, client_message_id=client_message_id).first()
        if done is not None:  # the client sent the same message again (a retry): same answer, nothing new
            return _replay(done)
    reply_lang = _lang_of(raw if problem is None else "", lang, conv)
    state = dict(conv.state) if conv is not None else {}
    if problem is not None:
        plan = _refusal(problem, reply_lang, state)
    else:
        try:
            plan = _plan(raw, reply_lang, state, location)
        except (OperationalError, InterfaceError):
            raise Unavailable(
                "the chatbot's database is unavailable; please try again", code="store_unavailable"
            ) from None
    stored_text = raw if plan.kind == ReplyKind.ABSTAIN else raw[:MAX_STORED_CHARS]

    def write() -> Reply:
        with transaction.atomic():
            conversation, _ = Conversation.objects.get_or_create(
                channel=channel, session_id=session_id, defaults={"lang": reply_lang}
            )
            if client_message_id:
                done = Turn.objects.filter(conversation=conversation, client_message_id=client_message_id).first()
                if done is not None:
                    return _replay(done)
            turn = Turn.objects.create(
                conversation=conversation,
                client_message_id=client_message_id,
                text=stored_text,
                kind=plan.kind,
                reply=plan.text,
                entry=plan.entry,
                intent=plan.intent,
                score=plan.score,
            )
            queued = False
            if plan.kind == ReplyKind.ABSTAIN:
                QueuedQuestion.objects.create(turn=turn, conversation=conversation, text=raw, lang=plan.lang)
                queued = True
            conversation.state = plan.state
            conversation.lang = plan.lang
            conversation.save(update_fields=["state", "lang", "updated_at"])
            delivered = _take_undelivered(conversation, plan.lang)
        return Reply(
            kind=plan.kind,
            text=plan.text,
            lang=plan.lang,
            turn_id=turn.id,
            source=plan.source,
            quick_replies=plan.quick_replies
            or (messages.QUICK_REPLIES[plan.lang] if plan.kind in {ReplyKind.ABSTAIN, ReplyKind.SAFE} else []),
            items=plan.items,
            hotline=HOTLINE if plan.kind in {ReplyKind.ABSTAIN, ReplyKind.SAFE} else None,
            queued=queued,
            staff_answers=delivered,
            disclaimer=plan.disclaimer,
            intent=plan.intent,
            score=plan.score,
        )

    return _retrying(write)


def _replay(turn: Turn) -> Reply:
    lang = turn.conversation.lang
    return Reply(
        kind=turn.kind,
        text=turn.reply,
        lang=lang,
        turn_id=turn.id,
        source=entry_source(turn.entry) if turn.entry is not None else None,
        hotline=HOTLINE if turn.kind in {ReplyKind.ABSTAIN, ReplyKind.SAFE} else None,
        queued=hasattr(turn, "queued"),
        intent=turn.intent,
        score=turn.score,
    )


def poll(actor: Actor, *, channel: str, session_id: str) -> list[dict[str, Any]]:
    """Staff answers that reached this conversation since the last message or poll (then marked delivered)."""
    require_system(actor)
    _check_channel(channel, session_id)

    def take() -> list[dict[str, Any]]:
        with transaction.atomic():
            conv = Conversation.objects.filter(channel=channel, session_id=session_id).first()
            return [] if conv is None else _take_undelivered(conv, conv.lang)

    return _retrying(take)


def feedback(actor: Actor, *, channel: str, session_id: str, turn_id: int, helpful: bool) -> None:
    """ "Did this help?" on one reply of this conversation (a turn of another conversation is not found)."""
    require_system(actor)
    _check_channel(channel, session_id)
    updated = Turn.objects.filter(
        id=turn_id, conversation__channel=channel, conversation__session_id=session_id
    ).update(helpful=bool(helpful))
    if not updated:
        raise NotFound(f"no reply {turn_id} in this conversation", code="no_turn")


def history(actor: Actor, *, channel: str, session_id: str, limit: int = 50) -> list[dict[str, Any]]:
    """This conversation's own turns (the asker's own history; the widget redraws it after a reload)."""
    require_system(actor)
    _check_channel(channel, session_id)
    turns = Turn.objects.filter(conversation__channel=channel, conversation__session_id=session_id).select_related(
        "entry"
    )
    rows = list(turns.order_by("-id")[: max(1, min(limit, 200))])
    return [
        {
            "turn_id": t.id,
            "text": t.text,
            "kind": t.kind,
            "reply": t.reply,
            "source": entry_source(t.entry) if t.entry is not None else None,
            "helpful": t.helpful,
        }
        for t in reversed(rows)
    ]
