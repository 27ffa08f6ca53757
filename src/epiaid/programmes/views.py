"""Pages for applicants, reviewers, programme officers and finance officers (ko/en). Every step is a
service call; the services check roles and objects and write the audit log."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from epiaid.core.actors import Actor
from epiaid.core.errors import BadInput, EpiaidError, NotFound
from epiaid.core.roles import Role, role_required
from epiaid.programmes.models import (
    ExtensionRequest,
    Invoice,
    Milestone,
    Organisation,
    ReportObligation,
    Supplier,
    Track,
    Voucher,
)
from epiaid.programmes.services import applications, compute, review, vouchers
from epiaid.programmes.services.base import STAFF_READERS, portal_roles

ANY_PORTAL_ROLE = (Role.APPLICANT, Role.REVIEWER, *STAFF_READERS)


class OrganisationForm(forms.Form):
    name = forms.CharField(max_length=200)
    brn = forms.CharField(max_length=12, help_text="XXX-XX-XXXXX")
    kind = forms.ChoiceField(choices=Organisation.Kind.choices)
    contact_email = forms.EmailField(required=False)


class ApplicationForm(forms.Form):
    organisation = forms.ModelChoiceField(queryset=Organisation.objects.none())
    track = forms.ModelChoiceField(queryset=Track.objects.none())
    title = forms.CharField(max_length=300)
    summary = forms.CharField(widget=forms.Textarea, required=False)
    size_tf = forms.IntegerField(required=False, min_value=1)
    amount = forms.DecimalField(required=False, min_value=1, max_digits=15, decimal_places=0)
    supplier = forms.ModelChoiceField(queryset=Supplier.objects.order_by("name"), required=False)
    attachments = forms.FileField(required=False)


def index(request: HttpRequest) -> HttpResponse:
    """Open tracks (public) and, for a signed-in person, where their work is."""
    user = request.user
    return render(
        request,
        "programmes/index.html",
        {
            "tracks": applications.open_tracks(),
            "all_tracks": Track.objects.select_related("programme").order_by("programme__code", "code"),
            **portal_roles(Actor.from_request(request)),
            "mine": applications.list_for(Actor.from_request(request), limit=50) if user.is_authenticated else [],
            "suppliers": vouchers.catalogue(),
        },
    )


@role_required(Role.APPLICANT)
def apply(request: HttpRequest) -> HttpResponse:
    actor = Actor.from_request(request)
    orgs = applications.organisations_of(actor)
    org_form = OrganisationForm(request.POST if "register" in request.POST else None, prefix="org")
    app_form = ApplicationForm(request.POST if "submit" in request.POST else None, request.FILES or None, prefix="app")
    app_form.fields["organisation"].queryset = orgs  # type: ignore[attr-defined]
    app_form.fields["track"].queryset = applications.open_tracks()  # type: ignore[attr-defined]
    if request.method == "POST" and "register" in request.POST and org_form.is_valid():
        try:
            applications.register_organisation(actor, **org_form.cleaned_data)
        except EpiaidError as exc:
            org_form.add_error(None, exc.message)
        else:
            return redirect("programmes:apply")
    if request.method == "POST" and "submit" in request.POST and app_form.is_valid():
        data = app_form.cleaned_data
        uploads = [applications.Upload(f.name or "", f.read()) for f in request.FILES.getlist("app-attachments")]
        try:
            app = applications.submit(
                actor,
                organisation=data["organisation"],
                track=data["track"],
                title=data["title"],
                summary=data["summary"],
                size_tf=data["size_tf"],
                amount=data["amount"],
                supplier=data["supplier"],
                uploads=uploads,
            )
        except EpiaidError as exc:
            app_form.add_error(None, exc.message)
        else:
            messages.success(request, app.reference)
            return redirect("programmes:application", app_id=app.pk)
    return render(request, "programmes/apply.html", {"org_form": org_form, "app_form": app_form, "orgs": orgs})


@role_required(*ANY_PORTAL_ROLE)
def application(request: HttpRequest, app_id: int) -> HttpResponse:
    actor = Actor.from_request(request)
    flags = portal_roles(actor)
    if flags["is_reviewer"] and not flags["is_staff_reader"]:
        mine = review.reviewer_assignment(actor, app_id)
        if mine is not None and mine.declared_no_conflict_at is None and mine.status == "assigned":
            return render(request, "programmes/declare.html", {"assignment": mine})
    app = applications.get(actor, app_id)
    return render(
        request,
        "programmes/application.html",
        {
            "app": app,
            "summary": review.score_summary(app),
            "rubric": review.RUBRIC,
            **flags,
            "is_member": applications.is_member(actor, app.organisation),
            "assignments": app.assignments.select_related("reviewer") if flags["is_staff_reader"] else [],
            "pool": review.reviewer_pool().order_by("username") if flags["is_officer"] else [],
            "reviews": review.reviews_for(actor, app),
            "allocation": getattr(app, "allocation", None),
            "voucher": getattr(app, "voucher", None),
            "suggestions": app.allocation.suggestions.order_by("-month")[:6] if hasattr(app, "allocation") else [],
        },
    )


def _decimal(value: str | None) -> Decimal | None:
    if not value:
        return None
    try:
        return Decimal(value)
    except InvalidOperation as exc:
        raise BadInput("not a number", code="bad_amount") from exc


@require_POST
@role_required(*ANY_PORTAL_ROLE)
def application_action(request: HttpRequest, app_id: int, action: str) -> HttpResponse:
    """One POST per step; the service decides whether this person may take it."""
    actor = Actor.from_request(request)
    post = request.POST
    app = applications.Application.objects.select_related("track", "organisation").filter(pk=app_id).first()
    if app is None:
        raise NotFound("no such application")
    try:
        if action == "declare":
            review.declare(actor, app, conflict=post.get("conflict") == "yes", reason=post.get("reason", ""))
        elif action == "review":
            scores = {k: int(post.get(k) or -1) for k in review.RUBRIC}
            review.submit_review(actor, app, scores=scores, comment=post.get("comment", ""))
        elif action == "eligibility":
            review.check_eligibility(
                actor, app, eligible=post.get("eligible") == "yes", reasons=post.get("reasons", "")
            )
        elif action == "decide":
            review.decide(
                actor,
                app,
                approve=post.get("approve") == "yes",
                reasons=post.get("reasons", ""),
                amount=_decimal(post.get("amount")),
                late_reason=post.get("late_reason", ""),
            )
        elif action == "provision":
            compute.provision(actor, app.allocation)
        elif action == "extend":
            applications.request_extension(
                actor, app, months=int(post.get("months") or 0), reason=post.get("reason", "")
            )
        elif action == "extension":
            ext = get_object_or_404(ExtensionRequest, pk=post.get("extension") or 0, application=app)
            compute.decide_extension(actor, ext, approve=post.get("approve") == "yes", reasons=post.get("reasons", ""))
        elif action == "report":
            obligation = get_object_or_404(ReportObligation, pk=post.get("report") or 0, application=app)
            applications.submit_report(actor, obligation, post.get("text", ""))
        elif action == "assign":
            reviewer = get_object_or_404(review.reviewer_pool(), pk=post.get("reviewer") or 0)
            review.assign(actor, app, reviewer)
        elif action == "withdraw":
            applications.withdraw(actor, app)
        elif action == "delivered":
            milestone = Milestone.objects.filter(pk=post.get("milestone") or 0).first()
            vouchers.confirm_delivery(actor, app.voucher, milestone=milestone)
        else:
            raise NotFound(f"no step {action!r}")
    except EpiaidError as exc:
        if exc.status in (401, 403, 404):
            raise
        messages.error(request, exc.message)
    else:
        messages.success(request, action)
    if action == "declare" and post.get("conflict") == "yes":
        return redirect("programmes:review")
    return redirect("programmes:application", app_id=app_id)


@role_required(Role.REVIEWER)
def reviewer_queue(request: HttpRequest) -> HttpResponse:
    return render(request, "programmes/review.html", {"rows": review.reviewer_queue(Actor.from_request(request))})


@role_required(*STAFF_READERS)
def officer(request: HttpRequest) -> HttpResponse:
    return render(request, "programmes/officer.html", {"d": review.dashboard(Actor.from_request(request))})


@role_required(Role.FINANCE_OFFICER, Role.AUDITOR)
def finance(request: HttpRequest) -> HttpResponse:
    return render(request, "programmes/finance.html", {"p": vouchers.payables(Actor.from_request(request))})


@require_POST
@role_required(Role.FINANCE_OFFICER)
def finance_action(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    actor = Actor.from_request(request)
    target: Any
    if kind == "voucher":
        target = get_object_or_404(Voucher, pk=pk)
        vouchers.pay_supplier(actor, target)
    elif kind == "milestone":
        target = get_object_or_404(Milestone, pk=pk)
        vouchers.pay_supplier(actor, target.voucher, milestone=target)
    elif kind == "invoice":
        target = get_object_or_404(Invoice, pk=pk)
        vouchers.reimburse(actor, target)
    else:
        raise NotFound("unknown payment kind")
    messages.success(request, f"{kind} {pk}")
    return redirect("programmes:finance")
