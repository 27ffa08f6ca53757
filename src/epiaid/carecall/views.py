"""Pages: the staff dashboard, roster, person page with the 14-day chart, import, exports; the public
web check-in page; and the provider's webhooks (TwiML voice/keypad, SMS-style text).

Views only call services: the services check roles and objects and write the audit log.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import translation
from django.utils.safestring import mark_safe
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from twilio.twiml.messaging_response import MessagingResponse

from epiaid.carecall import config
from epiaid.carecall.models import Alert, HealthCentre, Person
from epiaid.carecall.services import alerts, calls, reports, roster, webhooks
from epiaid.carecall.services.access import SYSTEM
from epiaid.carecall.transports import twiml
from epiaid.core.errors import BadInput
from epiaid.core.roles import Role, role_required

STAFF = role_required(Role.HEALTH_STAFF)


def _today() -> date:
    return reports.local_day()


# --------------------------------------------------------------------------------------------- staff


@STAFF
def index(request: HttpRequest) -> HttpResponse:
    day = _today()
    data = reports.dashboard(request.user, day, request=request)
    return render(
        request,
        "carecall/dashboard.html",
        {**data, "outcomes": Alert.Outcome.choices, "rounds_setting": ", ".join(config.rounds())},
    )


@STAFF
def people(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    rows = roster.people(request.user, status=status, request=request)[:500]
    return render(
        request, "carecall/people.html", {"people": rows, "status": status, "statuses": Person.Status.choices}
    )


@STAFF
def person(request: HttpRequest, person_id: int) -> HttpResponse:
    found = roster.person(request.user, person_id, request=request)
    rows = reports.history(request.user, found, request=request)
    lang = "ko" if translation.get_language() == "ko" else "en"
    chart = mark_safe(reports.chart_svg(rows, max(found.start, found.end - timedelta(days=13)), found.end, lang))  # noqa: S308  (our own SVG; text escaped)
    return render(
        request,
        "carecall/person.html",
        {
            "person": found,
            "rows": rows,
            "chart": chart,
            "is_officer": request.user.pk == found.officer_id,
            "centres": HealthCentre.objects.all(),
            "officers": get_user_model().objects.filter(groups__name=Role.HEALTH_STAFF.value).order_by("username"),
            "channels": Person.Channel.choices,
        },
    )


@STAFF
@require_POST
def reveal(request: HttpRequest, person_id: int) -> HttpResponse:
    found = roster.person(request.user, person_id, request=request)
    number = roster.reveal_phone(request.user, found, request=request)
    return render(request, "carecall/phone.html", {"person": found, "number": number})


@STAFF
@require_POST
def details(request: HttpRequest, person_id: int) -> HttpResponse:
    found = roster.person(request.user, person_id, request=request)
    centre = get_object_or_404(HealthCentre, pk=request.POST.get("centre") or 0)
    officer = get_object_or_404(get_user_model(), pk=request.POST.get("officer") or 0)
    roster.complete_details(
        request.user,
        found,
        name=request.POST.get("name", ""),
        phone=request.POST.get("phone", ""),
        centre=centre,
        officer=officer,
        lang=request.POST.get("lang", "ko"),
        channel=request.POST.get("channel", Person.Channel.KEYPAD),
        consent_channel=request.POST.get("consent_channel", ""),
        request=request,
    )
    messages.success(request, translation.gettext("Contact details saved: monitoring has started."))
    return redirect("carecall:person", person_id=found.pk)


@STAFF
@require_POST
def person_action(request: HttpRequest, person_id: int) -> HttpResponse:
    found = roster.person(request.user, person_id, request=request)
    action = request.POST.get("action", "")
    channel = request.POST.get("channel", "staff")
    if action == "consent":
        roster.record_consent(request.user, found, channel=channel, request=request)
    elif action == "opt_out":
        roster.opt_out(request.user, found, channel=channel, request=request)
    else:
        raise BadInput(f"unknown action {action!r}", code="bad_action")
    return redirect("carecall:person", person_id=found.pk)


@STAFF
@require_POST
def alert_done(request: HttpRequest, alert_id: int) -> HttpResponse:
    alerts.called_back(
        request.user,
        alert_id,
        outcome=request.POST.get("outcome", ""),
        note=request.POST.get("note", ""),
        request=request,
    )
    messages.success(request, translation.gettext("Recorded."))
    return redirect("carecall:index")


@STAFF
def import_page(request: HttpRequest) -> HttpResponse:
    report = None
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            raise BadInput("choose a CSV file", code="no_file")
        report = roster.import_roster(request.user, upload.read(), request=request)
    return render(request, "carecall/import.html", {"report": report})


def _range(request: HttpRequest) -> tuple[date, date]:
    try:
        until = date.fromisoformat(request.GET.get("until") or _today().isoformat())
        since = date.fromisoformat(request.GET.get("since") or (until - timedelta(days=13)).isoformat())
    except ValueError as exc:
        raise BadInput("since/until must be dates (YYYY-MM-DD)", code="bad_date") from exc
    if since > until:
        raise BadInput("since is after until", code="bad_date")
    return since, until


@STAFF
def export_csv(request: HttpRequest) -> HttpResponse:
    since, until = _range(request)
    body = reports.export_csv(request.user, since, until, request=request)
    response = HttpResponse("\ufeff" + body, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="carecall-{since}-{until}.csv"'
    return response


@STAFF
def export_pdf(request: HttpRequest) -> HttpResponse:
    since, until = _range(request)
    response = HttpResponse(
        reports.export_pdf(request.user, since, until, request=request), content_type="application/pdf"
    )
    response["Content-Disposition"] = f'attachment; filename="carecall-{since}-{until}.pdf"'
    return response


# ------------------------------------------------------------------------------- public check-in page


def checkin_page(request: HttpRequest, token: str) -> HttpResponse:
    """The person's own page (no sign-in: the one-time token is the key). One question per screen."""
    if request.method == "POST":
        turn = request.POST.get("turn", "")
        prompt = calls.respond(
            SYSTEM,
            token,
            text=request.POST.get("text") or None,
            digits=request.POST.get("key") or None,
            delivery_id=f"web:{turn}" if turn else None,
        )
        if prompt is not None and not prompt.final:
            return redirect("carecall:checkin", token=token)
        checkin = calls.by_token(token)
        goodbye = prompt.text if prompt is not None else ""
        return render(request, "carecall/checkin.html", {"done": True, "goodbye": goodbye, "lang": checkin.person.lang})
    checkin = calls.by_token(token)
    prompt = calls.begin(SYSTEM, token)
    checkin.refresh_from_db()
    translation.activate(checkin.person.lang)
    choices = [(k, v) for k, v in (prompt.keypad.items() if prompt else []) if v not in ("repeat",)]
    return render(
        request,
        "carecall/checkin.html",
        {
            "prompt": prompt,
            "question": prompt.text.removesuffix(prompt.hint).strip() if prompt else "",
            "done": prompt is None,
            "turn": (checkin.state.get("result") or {}).get("turns", 0),
            "choices": choices,
            "lang": checkin.person.lang,
        },
    )


# ------------------------------------------------------------------------------------------ webhooks


def _twiml(body: str) -> HttpResponse:
    return HttpResponse(body, content_type="application/xml; charset=utf-8")


def _speech(checkin: Any) -> bool:
    return bool(checkin.channel != "keypad")


def _turn(checkin: Any) -> int:
    return int((checkin.state.get("result") or {}).get("turns", 0))


@csrf_exempt
@require_POST
def voice(request: HttpRequest, token: str) -> HttpResponse:
    webhooks.verify(request)
    prompt = calls.begin(SYSTEM, token, channel_ref=request.POST.get("CallSid", ""))
    checkin = calls.by_token(token)
    return _twiml(twiml.render(prompt, token, turn=_turn(checkin), speech=_speech(checkin)))


@csrf_exempt
@require_POST
def voice_answer(request: HttpRequest, token: str) -> HttpResponse:
    webhooks.verify(request)
    turn = request.GET.get("turn", "")
    delivery = request.headers.get("I-Twilio-Idempotency-Token") or f"{request.POST.get('CallSid', '')}:{turn}"
    silence = request.GET.get("silence") == "1"
    prompt = calls.respond(
        SYSTEM,
        token,
        text=None if silence else (request.POST.get("SpeechResult") or None),
        digits=None if silence else (request.POST.get("Digits") or None),
        delivery_id=delivery,
    )
    checkin = calls.by_token(token)
    return _twiml(twiml.render(prompt, token, turn=_turn(checkin), speech=_speech(checkin)))


@csrf_exempt
@require_POST
def voice_status(request: HttpRequest, token: str) -> HttpResponse:
    webhooks.verify(request)
    status = request.POST.get("CallStatus", "")
    if status in ("completed", "no-answer", "busy", "failed", "canceled"):
        calls.hangup(SYSTEM, token, reached=status == "completed")
    return HttpResponse(status=204)


@csrf_exempt
@require_POST
def text_hook(request: HttpRequest) -> HttpResponse:
    webhooks.verify(request)
    prompt = calls.text_reply(
        SYSTEM,
        request.POST.get("From", ""),
        request.POST.get("Body", ""),
        message_id=request.POST.get("MessageSid", ""),
    )
    response = MessagingResponse()
    if prompt is not None:
        response.message(prompt.text)
    return HttpResponse(str(response), content_type="application/xml; charset=utf-8")
