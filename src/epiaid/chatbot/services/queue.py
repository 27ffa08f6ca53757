"""The staff queue: questions the bot did not answer, answered by people, promoted into the FAQ.

Questions may carry personal data (a phone number, a symptom, a name): lists show them masked, every
read of a question is audited, and only staff (``health_staff``) see them. A staff answer reaches the
asker on the channel the question came from: the web widget shows it at its next poll or message; a
messenger conversation gets it through its channel adapter (:mod:`.messenger`), or with the next reply
when the messenger cannot be called.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from epiaid.chatbot.models import Channel, KnowledgeEntry, Origin, QueuedQuestion, QueueStatus
from epiaid.core.actors import Actor
from epiaid.core.audit import AuditAction, record
from epiaid.core.errors import BadInput, Conflict, NotFound

from . import knowledge, messenger
from .access import require_staff

_PHONE = re.compile(r"(?<!\d)(01[016789]|0\d{1,2})[-. ]?(\d{3,4})[-. ]?(\d{4})(?!\d)")
_RRN = re.compile(r"(?<!\d)(\d{6})[- ]?([1-4]\d{6})(?!\d)")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+")
MAX_ANSWER = 5000
GAP_LIMIT = 1000
#: Retriever.similarity is a calibrated probability that two questions ask the same: close paraphrases
#: score near 1, unrelated questions mostly under 0.1 and at most ~0.4 (measured on the engine's proxy
#: pairs; CHATBOT_GAP_SIMILARITY overrides).
GAP_SIMILARITY = 0.5


def mask(text: str) -> str:
    """A question as lists show it: phone numbers, resident numbers and e-mail addresses masked."""
    text = _RRN.sub(lambda m: m.group(1) + "-*******", text)
    text = _PHONE.sub(lambda m: f"{m.group(1)}-****-{m.group(3)[-2:].rjust(4, '*')}", text)
    return _EMAIL.sub("***@***", text)


def question_row(q: QueuedQuestion, *, full: bool = False) -> dict[str, Any]:
    return {
        "id": q.id,
        "text": q.text if full else mask(q.text[:300]),
        "lang": q.lang,
        "channel": q.conversation.channel,
        "status": q.status,
        "created_at": q.created_at.isoformat(),
        "answer": q.answer,
        "answered_by": q.answered_by.get_username() if q.answered_by else None,
        "answered_at": q.answered_at.isoformat() if q.answered_at else None,
        "delivered_at": q.delivered_at.isoformat() if q.delivered_at else None,
        "delivery_error": q.delivery_error,
        "promoted_entry": q.promoted_entry_id,
    }


def list_queue(actor: Actor, *, status: str | None = QueueStatus.OPEN, limit: int = 200) -> list[dict[str, Any]]:
    """The queue, oldest first, questions masked; audited as one list read."""
    require_staff(actor, "chatbot.queue")
    rows = QueuedQuestion.objects.select_related("conversation", "answered_by")
    if status:
        if status not in QueueStatus.values:
            raise BadInput(f"unknown status {status!r}", code="bad_status")
        rows = rows.filter(status=status)
    found = list(rows.order_by("created_at", "id")[: max(1, min(limit, 1000))])
    record(
        None,
        AuditAction.CHATBOT_QUEUE_LIST,
        "chatbot.queue",
        detail={"status": status or "all", "count": len(found), "ids": [q.id for q in found][:200]},
        actor=actor,
    )
    return [question_row(q) for q in found]


def _get(question_id: int) -> QueuedQuestion:
    q = QueuedQuestion.objects.select_related("conversation", "answered_by").filter(id=question_id).first()
    if q is None:
        raise NotFound(f"no queued question {question_id}", code="no_question")
    return q


def get_question(actor: Actor, question_id: int) -> dict[str, Any]:
    """One question word for word (audited: it may contain personal data)."""
    require_staff(actor, "chatbot.queue")
    q = _get(question_id)
    record(None, AuditAction.CHATBOT_QUESTION_VIEW, "chatbot.question", object_id=q.id, actor=actor)
    return question_row(q, full=True)


def answer_question(actor: Actor, question_id: int, answer: str) -> dict[str, Any]:
    """Answer a queued question; the answer goes back on the channel the question came from."""
    require_staff(actor, "chatbot.queue")
    text = (answer or "").strip()
    if not text:
        raise BadInput("the answer is empty", code="empty_answer")
    if len(text) > MAX_ANSWER:
        raise BadInput(f"the answer is longer than {MAX_ANSWER} characters", code="answer_too_long")
    with transaction.atomic():
        q = QueuedQuestion.objects.select_for_update().filter(id=question_id).first()
        if q is None:
            raise NotFound(f"no queued question {question_id}", code="no_question")
        if q.status == QueueStatus.DISMISSED:
            raise Conflict("the question was dismissed", code="dismissed")
        q.answer = text
        q.status = QueueStatus.ANSWERED
        q.answered_by = actor.user
        q.answered_at = timezone.now()
        q.delivered_at = None
        q.delivery_error = ""
        q.save()
        record(
            None,
            AuditAction.CHATBOT_ANSWER,
            "chatbot.question",
            object_id=q.id,
            detail={"channel": q.conversation.channel},
            actor=actor,
        )
        channel = q.conversation.channel
        if channel == Channel.KAKAO:
            transaction.on_commit(lambda: messenger.push_staff_answer(q.id))
    return question_row(_get(question_id), full=True)


def dismiss_question(actor: Actor, question_id: int) -> dict[str, Any]:
    require_staff(actor, "chatbot.queue")
    with transaction.atomic():
        q = _get(question_id)
        q.status = QueueStatus.DISMISSED
        q.save(update_fields=["status"])
        record(None, AuditAction.CHATBOT_DISMISS, "chatbot.question", object_id=q.id, actor=actor)
    return question_row(q)


def promote(actor: Actor, question_id: int, data: dict[str, Any] | None = None) -> KnowledgeEntry:
    """Turn an answered question (or staff's edited wording of it) into a knowledge-base entry."""
    require_staff(actor, "chatbot.queue")
    data = dict(data or {})
    with transaction.atomic():
        q = _get(question_id)
        if q.status != QueueStatus.ANSWERED and not data.get("answer"):
            raise Conflict("answer the question before promoting it (or give an answer)", code="not_answered")
        fields = knowledge.clean_entry_fields(
            {
                "question": data.get("question") or q.text,
                "variants": data.get("variants") or [],
                "answer": data.get("answer") or q.answer,
                "source_name": data.get("source_name") or "epiaid staff answer",
                "source_url": data.get("source_url") or "",
                "lang": data.get("lang") or q.lang,
                "last_reviewed": data.get("last_reviewed") or timezone.localdate(),
                "topic": data.get("topic") or "",
                "authored_by": actor.label,
                "active": True,
            }
        )
        entry = KnowledgeEntry.objects.create(origin=Origin.PROMOTED, origin_key=f"queue:{q.id}", **fields)
        q.promoted_entry = entry
        q.save(update_fields=["promoted_entry"])
        knowledge.bump_version()
        record(
            None,
            AuditAction.CHATBOT_PROMOTE,
            "chatbot.knowledge",
            object_id=entry.id,
            detail={"question": q.id},
            actor=actor,
        )
    return entry


@dataclass
class Gap:
    representative: str
    count: int
    question_ids: list[int]
    examples: list[str]
    lang: str


def gap_report(actor: Actor, *, status: str | None = None, threshold: float | None = None) -> list[Gap]:
    """Unanswered (or all queued) questions grouped by similarity, biggest group first: the FAQ's gaps."""
    require_staff(actor, "chatbot.queue")
    if threshold is None:
        threshold = float(getattr(settings, "CHATBOT_GAP_SIMILARITY", None) or GAP_SIMILARITY)
    rows = QueuedQuestion.objects.order_by("-created_at", "-id")
    if status:
        rows = rows.filter(status=status)
    else:
        rows = rows.exclude(promoted_entry__isnull=False).exclude(status=QueueStatus.DISMISSED)
    items = list(rows[:GAP_LIMIT])
    retriever, _ = knowledge.retriever()
    groups: list[tuple[QueuedQuestion, list[QueuedQuestion]]] = []
    for q in items:
        for rep, members in groups:
            if rep.lang == q.lang and retriever.similarity(rep.text, q.text) >= threshold:
                members.append(q)
                break
        else:
            groups.append((q, [q]))
    groups.sort(key=lambda g: (-len(g[1]), -g[0].id))
    record(
        None,
        AuditAction.CHATBOT_GAP_REPORT,
        "chatbot.queue",
        detail={"questions": len(items), "groups": len(groups)},
        actor=actor,
    )
    return [
        Gap(
            representative=mask(rep.text[:300]),
            count=len(members),
            question_ids=[m.id for m in members],
            examples=[mask(m.text[:200]) for m in members[:5]],
            lang=rep.lang,
        )
        for rep, members in groups
    ]
