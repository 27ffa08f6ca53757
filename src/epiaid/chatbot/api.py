"""The chatbot's REST API (``/api/chatbot/…``, OpenAPI at ``/api/docs``) and the messenger webhook.

Public (rate-limited per client): ``POST /messages`` (a message in, the reply out), ``GET /poll``
(staff answers that arrived), ``POST /feedback`` ("did this help?"), ``GET /history`` and
``POST /kakao/skill`` (Kakao i Open Builder skill server). Staff (``health_staff``): the queue, the
FAQ-gap report, the knowledge base and imports under ``/staff/…``. Everything calls the services.
"""

from __future__ import annotations

import json
import os
from datetime import date
from typing import Any, Literal

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from ninja import File, Router, Schema
from ninja.files import UploadedFile

from epiaid.chatbot import services
from epiaid.core import ratelimit
from epiaid.core.actors import Actor
from epiaid.core.errors import BadInput, EpiaidError, Forbidden, TooLarge
from epiaid.core.roles import Role, session_or_token

router = Router()
STAFF = session_or_token(Role.HEALTH_STAFF)
MAX_IMPORT_BYTES = 50 * 1024 * 1024
MAX_SKILL_BYTES = 64 * 1024


def _limit() -> int:
    return int(getattr(settings, "CHATBOT_RATE_PER_MINUTE", 0) or os.environ.get("EPIAID_CHATBOT_RATE_PER_MINUTE", 60))


def _rate(request: HttpRequest, scope: str, who: str | None = None) -> None:
    ratelimit.check(f"chatbot:{scope}:{who or ratelimit.client_key(request)}", limit=_limit())


class MessageIn(Schema):
    session_id: str
    text: Any = ""  # anything: the service answers empty, huge or binary text politely
    channel: Literal["web", "api"] = "api"
    lang: Literal["ko", "en"] | None = None
    client_message_id: str = ""
    lat: float | None = None
    lng: float | None = None


class FeedbackIn(Schema):
    session_id: str
    channel: Literal["web", "api"] = "api"
    turn_id: int
    helpful: bool


@router.post("/messages", summary="Send a message; get the reply (FAQ, live answer, self-check step or abstention)")
def post_message(request: HttpRequest, payload: MessageIn) -> dict[str, Any]:
    _rate(request, "messages")
    location = (payload.lat, payload.lng) if payload.lat is not None and payload.lng is not None else None
    text = payload.text if isinstance(payload.text, str) else json.dumps(payload.text)[:5000]
    reply = services.handle_message(
        services.CHATBOT,
        channel=payload.channel,
        session_id=payload.session_id,
        text=text,
        lang=payload.lang,
        client_message_id=payload.client_message_id,
        location=location,
    )
    return reply.as_dict()


@router.get("/poll", summary="Staff answers that reached this conversation since the last message")
def get_poll(request: HttpRequest, session_id: str, channel: Literal["web", "api"] = "api") -> dict[str, Any]:
    _rate(request, "poll")
    return {"staff_answers": services.poll(services.CHATBOT, channel=channel, session_id=session_id)}


@router.post("/feedback", summary="Did this reply help?")
def post_feedback(request: HttpRequest, payload: FeedbackIn) -> dict[str, bool]:
    _rate(request, "feedback")
    services.feedback(
        services.CHATBOT,
        channel=payload.channel,
        session_id=payload.session_id,
        turn_id=payload.turn_id,
        helpful=payload.helpful,
    )
    return {"ok": True}


@router.get("/history", summary="This conversation's turns (for redrawing the widget)")
def get_history(request: HttpRequest, session_id: str, channel: Literal["web", "api"] = "api") -> dict[str, Any]:
    _rate(request, "history")
    return {"turns": services.history(services.CHATBOT, channel=channel, session_id=session_id)}


@router.post("/kakao/skill", summary="Kakao i Open Builder skill server (userRequest.utterance in, template out)")
def kakao_skill(request: HttpRequest) -> JsonResponse:
    """Always a skill-format answer (HTTP 200), also for malformed requests: the builder shows our text."""
    secret = getattr(settings, "CHATBOT_KAKAO_SECRET", "") or os.environ.get("EPIAID_CHATBOT_KAKAO_SECRET", "")
    if secret and request.headers.get("X-Epiaid-Skill-Key") != secret:
        raise Forbidden("unknown skill client", code="bad_skill_key")
    try:
        if len(request.body) > MAX_SKILL_BYTES:
            raise TooLarge("skill request too large", code="too_large")
        try:
            payload = json.loads(request.body.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise BadInput("the skill request is not JSON", code="bad_skill_request") from None
        session, utterance, extras = services.parse_skill_request(payload)
        _rate(request, "kakao", session)
        reply = services.handle_message(
            services.CHATBOT, channel="kakao", session_id=session, text=utterance, lang=extras["lang"]
        ).as_dict()
    except EpiaidError as exc:
        reply = {"kind": "safe", "text": _skill_error(exc), "quick_replies": []}
    return JsonResponse(services.skill_response(reply), json_dumps_params={"ensure_ascii": False})


def _skill_error(exc: EpiaidError) -> str:
    if exc.status == 429:
        return "잠시 후 다시 시도해 주세요. (Too many messages; please try again shortly.) 급한 상담: 1339"
    if exc.status == 503:
        return (
            "일시적인 오류로 메시지를 저장하지 못했습니다. 다시 보내 주세요. "
            "(Please send your message again.) 급한 상담: 1339"
        )
    return "메시지를 읽지 못했습니다. 다시 입력해 주세요. (I could not read that message.) 급한 상담: 1339"


# --- staff -----------------------------------------------------------------------------------------


def _staff(request: HttpRequest) -> Actor:
    return Actor.from_request(request)


class AnswerIn(Schema):
    answer: str


class PromoteIn(Schema):
    question: str | None = None
    answer: str | None = None
    variants: list[str] = []
    lang: Literal["ko", "en"] | None = None
    source_name: str | None = None
    source_url: str | None = None
    topic: str | None = None


class EntryIn(Schema):
    question: str
    variants: list[str] = []
    answer: str
    source_name: str
    source_url: str = ""
    lang: Literal["ko", "en"]
    last_reviewed: date
    topic: str = ""
    authored_by: str = ""
    active: bool = True


@router.get("/staff/queue", auth=STAFF, summary="Queued questions (masked), oldest first")
def staff_queue(request: HttpRequest, status: str = "open") -> dict[str, Any]:
    return {"questions": services.list_queue(_staff(request), status=status or None)}


@router.get("/staff/queue/{question_id}", auth=STAFF, summary="One queued question, word for word (audited)")
def staff_question(request: HttpRequest, question_id: int) -> dict[str, Any]:
    return services.get_question(_staff(request), question_id)


@router.post("/staff/queue/{question_id}/answer", auth=STAFF, summary="Answer a queued question")
def staff_answer(request: HttpRequest, question_id: int, payload: AnswerIn) -> dict[str, Any]:
    return services.answer_question(_staff(request), question_id, payload.answer)


@router.post("/staff/queue/{question_id}/dismiss", auth=STAFF, summary="Dismiss a queued question")
def staff_dismiss(request: HttpRequest, question_id: int) -> dict[str, Any]:
    return services.dismiss_question(_staff(request), question_id)


@router.post("/staff/queue/{question_id}/promote", auth=STAFF, summary="Promote question + answer into the FAQ")
def staff_promote(request: HttpRequest, question_id: int, payload: PromoteIn) -> dict[str, Any]:
    entry = services.promote(_staff(request), question_id, payload.dict(exclude_none=True))
    return services.entry_dict(entry)


@router.get("/staff/gaps", auth=STAFF, summary="FAQ-gap report: unanswered questions grouped by similarity")
def staff_gaps(request: HttpRequest) -> dict[str, Any]:
    return {"groups": [g.__dict__ for g in services.gap_report(_staff(request))]}


@router.get("/staff/entries", auth=STAFF, summary="Knowledge-base entries")
def staff_entries(request: HttpRequest, lang: str | None = None, q: str | None = None) -> dict[str, Any]:
    rows = services.list_entries(_staff(request), lang=lang, text=q)
    return {"entries": [services.entry_dict(e) for e in rows]}


@router.post("/staff/entries", auth=STAFF, summary="Create a knowledge-base entry")
def staff_create_entry(request: HttpRequest, payload: EntryIn) -> dict[str, Any]:
    return services.entry_dict(services.save_entry(_staff(request), payload.dict()))


@router.put("/staff/entries/{entry_id}", auth=STAFF, summary="Change a knowledge-base entry")
def staff_update_entry(request: HttpRequest, entry_id: int, payload: EntryIn) -> dict[str, Any]:
    return services.entry_dict(services.save_entry(_staff(request), payload.dict(), entry_id=entry_id))


@router.post("/staff/imports", auth=STAFF, summary="Import an FAQ file (faq_covidbert CSV, JHU TSV, project FAQ)")
def staff_import(request: HttpRequest, file: UploadedFile = File(...)) -> dict[str, Any]:
    if file.size and file.size > MAX_IMPORT_BYTES:
        raise TooLarge(f"the file is larger than {MAX_IMPORT_BYTES // (1024 * 1024)} MiB")
    report = services.import_faq(file.read(), actor=_staff(request), name=file.name or "upload.csv")
    return report.as_dict()
