"""Platform pages: landing, login/logout and the admins' audit-log view."""

from __future__ import annotations

from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_POST

from epiaid.core.actors import Actor
from epiaid.core.audit import log_page
from epiaid.core.capabilities import CAPABILITIES
from epiaid.core.jobs.worker import worker_alive
from epiaid.core.roles import Role, role_required, roles_of


def landing(request: HttpRequest) -> HttpResponse:
    links = []
    for cap in CAPABILITIES:
        try:
            url = reverse(f"{cap.slug}:index")
        except NoReverseMatch:
            continue  # the capability exists as an app but has no page yet
        links.append({"cap": cap, "url": url})
    # Staff learn at once when no worker runs: their jobs would wait without a word.
    no_worker = bool(roles_of(request.user) - {Role.PUBLIC}) and not worker_alive()
    return render(request, "core/landing.html", {"links": links, "no_worker": no_worker})


class LoginView(auth_views.LoginView):
    template_name = "core/login.html"
    redirect_authenticated_user = True


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect("landing")


@role_required(Role.ADMIN)
def audit_log(request: HttpRequest) -> HttpResponse:
    page = log_page(
        Actor.from_request(request),
        action=request.GET.get("action", ""),
        target=request.GET.get("target", ""),
        page=request.GET.get("page"),
    )
    return render(request, "core/audit.html", {"page": page})
