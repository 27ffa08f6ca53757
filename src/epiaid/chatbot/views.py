"""Pages: the public chat page (the widget, full size) and the staff pages. Views only call services."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from epiaid.chatbot import services
from epiaid.chatbot.models import QueueStatus
from epiaid.core.actors import Actor
from epiaid.core.errors import EpiaidError
from epiaid.core.roles import Role, role_required

STAFF = (Role.HEALTH_STAFF,)


def chat_page(request: HttpRequest) -> HttpResponse:
    return render(request, "chatbot/chat.html", {})


@role_required(*STAFF)
def staff_queue(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", QueueStatus.OPEN)
    try:
        rows = services.list_queue(Actor.from_request(request), status=status or None)
    except EpiaidError as exc:
        messages.error(request, exc.message)
        rows = []
    return render(
        request, "chatbot/staff_queue.html", {"rows": rows, "status": status, "statuses": QueueStatus.choices}
    )


@role_required(*STAFF)
def staff_question(request: HttpRequest, question_id: int) -> HttpResponse:
    actor = Actor.from_request(request)
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "answer":
                services.answer_question(actor, question_id, request.POST.get("answer", ""))
                messages.success(request, "answer sent")
            elif action == "dismiss":
                services.dismiss_question(actor, question_id)
                messages.success(request, "dismissed")
            elif action == "promote":
                entry = services.promote(actor, question_id, _entry_form(request.POST))
                messages.success(request, f"added to the knowledge base as entry {entry.id}")
        except EpiaidError as exc:
            messages.error(request, exc.message)
        return redirect("chatbot:staff-question", question_id=question_id)
    question = services.get_question(actor, question_id)  # audited: the text may hold personal data
    return render(request, "chatbot/staff_question.html", {"q": question, "today": timezone.localdate()})


@role_required(*STAFF)
def staff_gaps(request: HttpRequest) -> HttpResponse:
    groups = services.gap_report(Actor.from_request(request))
    return render(request, "chatbot/staff_gaps.html", {"groups": groups})


def _entry_form(post: Any) -> dict[str, Any]:
    data = {k: post.get(k, "") for k in ("question", "answer", "source_name", "source_url", "lang", "topic")}
    data["variants"] = [v for v in post.get("variants", "").splitlines() if v.strip()]
    data["last_reviewed"] = post.get("last_reviewed") or None
    data["authored_by"] = post.get("authored_by", "")
    data["active"] = "active" in post
    return {k: v for k, v in data.items() if v not in ("", None) or k in {"variants", "active"}}


@role_required(*STAFF)
def staff_knowledge(request: HttpRequest) -> HttpResponse:
    actor = Actor.from_request(request)
    report = None
    upload = request.FILES.get("file") if request.method == "POST" else None
    if isinstance(upload, UploadedFile):
        try:
            report = services.import_faq(upload.read(), actor=actor, name=upload.name or "upload.csv")
        except EpiaidError as exc:
            messages.error(request, exc.message)
    lang, q = request.GET.get("lang") or None, request.GET.get("q", "").strip() or None
    rows = services.list_entries(actor, lang=lang, text=q)
    return render(request, "chatbot/staff_knowledge.html", {"rows": rows, "report": report, "lang": lang, "q": q})


@role_required(*STAFF)
def staff_entry(request: HttpRequest, entry_id: int | None = None) -> HttpResponse:
    actor = Actor.from_request(request)
    entry = services.get_entry(actor, entry_id) if entry_id else None
    if request.method == "POST":
        try:
            saved = services.save_entry(actor, _entry_form(request.POST), entry_id=entry_id)
            messages.success(request, "saved")
            return redirect("chatbot:staff-entry", entry_id=saved.id)
        except EpiaidError as exc:
            messages.error(request, exc.message)
    return render(
        request,
        "chatbot/staff_entry.html",
        {"entry": services.entry_dict(entry) if entry else None, "today": timezone.localdate()},
    )
