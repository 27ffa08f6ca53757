"""The messenger channel: Kakao i Open Builder's skill-server format, and the hand-back of staff answers.

A skill request carries ``userRequest.utterance`` (what the user typed or tapped) and
``userRequest.user.id`` (the bot-scoped user key, our session id); the reply is
``{"version": "2.0", "template": {"outputs": [{"simpleText": {"text": …}}], "quickReplies": […]}}``
(at most 3 outputs of 1,000 characters, 10 quick replies with labels of 14 characters).

A skill server can only answer when the user writes. A staff answer is therefore *pushed* through the
adapter configured in ``EPIAID_CHATBOT_KAKAO_EVENT_URL`` (Kakao's event API, or a gateway of the
health department), and otherwise travels with the bot's next reply to that user.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import urllib.error
import urllib.request
from typing import Any

from django.conf import settings
from django.utils import timezone

from epiaid.chatbot.models import QueuedQuestion
from epiaid.core.actors import Actor
from epiaid.core.audit import AuditAction, record
from epiaid.core.errors import BadInput

logger = logging.getLogger(__name__)

TEXT_LIMIT = 1000
OUTPUTS_LIMIT = 3
QUICK_LIMIT = 10
LABEL_LIMIT = 14
SYSTEM = Actor.system("chatbot")
_SAFE_ID = re.compile(r"^[A-Za-z0-9_.:@\-]{1,200}$")


def parse_skill_request(payload: Any) -> tuple[str, str, dict[str, Any]]:
    """(session id, utterance, extras) of a skill request; BadInput for anything else."""
    if not isinstance(payload, dict):
        raise BadInput("a skill request is a JSON object", code="bad_skill_request")
    user_request = payload.get("userRequest")
    if not isinstance(user_request, dict):
        raise BadInput("userRequest is missing", code="bad_skill_request")
    utterance = user_request.get("utterance")
    user: dict[str, Any] = user_request["user"] if isinstance(user_request.get("user"), dict) else {}
    user_id = user.get("id")
    if not isinstance(user_id, str) or not user_id:
        raise BadInput("userRequest.user.id is missing", code="bad_skill_request")
    session = user_id if _SAFE_ID.match(user_id) else "k" + hashlib.sha256(user_id.encode()).hexdigest()[:40]
    extras = {
        "lang": user_request.get("lang") if user_request.get("lang") in {"ko", "en"} else None,
        "callback_url": user_request.get("callbackUrl"),
        "block": (user_request.get("block") or {}).get("name") if isinstance(user_request.get("block"), dict) else None,
    }
    return session, utterance if isinstance(utterance, str) else "", extras


def _chunks(text: str, limit: int) -> list[str]:
    out: list[str] = []
    rest = text.strip()
    while rest:
        if len(rest) <= limit:
            out.append(rest)
            break
        cut = rest.rfind("\n", 0, limit)
        cut = cut if cut > limit // 2 else limit
        out.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    return out


def skill_response(reply: dict[str, Any]) -> dict[str, Any]:
    """A conversation reply (``Reply.as_dict()``) in the skill-server response format."""
    texts: list[str] = [a["text"] for a in reply.get("staff_answers") or []]
    body = reply.get("text") or ""
    source = reply.get("source") or {}
    if reply.get("kind") == "faq" and source.get("source_url"):
        body += f"\n{source['source_url']}"
    texts.append(body)
    if reply.get("disclaimer") and reply.get("kind") == "selfcheck" and reply.get("disclaimer") not in body:
        texts.insert(0, str(reply["disclaimer"]))
    chunks = [c for t in texts for c in _chunks(t, TEXT_LIMIT)]
    if len(chunks) > OUTPUTS_LIMIT:  # keep the newest: the reply itself comes last
        chunks = chunks[-OUTPUTS_LIMIT:]
    template: dict[str, Any] = {"outputs": [{"simpleText": {"text": c}} for c in chunks or ["…"]]}
    quick = []
    for choice in (reply.get("quick_replies") or [])[:QUICK_LIMIT]:
        label = choice if len(choice) <= LABEL_LIMIT else choice[: LABEL_LIMIT - 1] + "…"
        quick.append({"label": label, "action": "message", "messageText": choice})
    if quick:
        template["quickReplies"] = quick
    return {"version": "2.0", "template": template}


def push_staff_answer(question_id: int) -> bool:
    """Push one staff answer to a messenger user through the configured event endpoint.

    Without one (or when it fails) the answer waits and goes with the bot's next reply to that user.
    """
    url = getattr(settings, "CHATBOT_KAKAO_EVENT_URL", "") or ""
    q = QueuedQuestion.objects.select_related("conversation").filter(id=question_id).first()
    if q is None or not url or q.delivered_at is not None:
        return False
    from .conversation import staff_answer_dict

    message = staff_answer_dict(q, q.lang)
    payload = {
        "event": {"name": "staff_answer", "data": {"text": message["text"], "question_id": q.id}},
        "user": [{"type": "botUserKey", "id": q.conversation.session_id}],
    }
    headers = {"Content-Type": "application/json; charset=utf-8"}
    key = getattr(settings, "CHATBOT_KAKAO_EVENT_KEY", "") or ""
    if key:
        headers["Authorization"] = f"KakaoAK {key}"
    if not url.startswith(("https://", "http://")):
        return False
    body = json.dumps(payload, ensure_ascii=False).encode()
    request = urllib.request.Request(url, data=body, headers=headers)  # noqa: S310 (http(s) only, checked above)
    try:
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
            ok = 200 <= response.status < 300
            error = "" if ok else f"HTTP {response.status}"
    except (urllib.error.URLError, OSError, ValueError) as exc:
        ok, error = False, str(exc)[:300]
    if ok:
        QueuedQuestion.objects.filter(id=q.id, delivered_at__isnull=True).update(delivered_at=timezone.now())
    else:
        logger.warning("staff answer %s not pushed to the messenger: %s", q.id, error)
        QueuedQuestion.objects.filter(id=q.id).update(delivery_error=error)
    record(
        None,
        AuditAction.CHATBOT_DELIVER,
        "chatbot.question",
        object_id=q.id,
        detail={"channel": q.conversation.channel, "pushed": ok, "error": error},
        actor=SYSTEM,
    )
    return ok
