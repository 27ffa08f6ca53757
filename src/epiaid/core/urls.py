"""Root URLs: platform pages, the API, then each capability's pages under its slug."""

from __future__ import annotations

from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path

from epiaid.core import views
from epiaid.core.api import api
from epiaid.core.capabilities import capability_modules
from epiaid.core.jobs import views as job_views

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.landing, name="landing"),
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    path("accounts/logout/", views.logout_view, name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("audit/", views.audit_log, name="audit-log"),
    path("jobs/", job_views.job_list, name="jobs"),
    path("jobs/<int:job_id>/", job_views.job_detail, name="job"),
    path("jobs/<int:job_id>/files/<str:name>", job_views.job_file, name="job-file"),
    path("jobs/<int:job_id>/<str:action>/", job_views.job_action, name="job-action"),
    path("admin/", admin.site.urls),
    path("api/", api.urls),
]

for _cap, _urls in capability_modules("urls"):
    urlpatterns.append(path(f"{_cap.slug}/", include(_urls)))
    urlpatterns.extend(getattr(_urls, "root_urlpatterns", []))

__all__ = ["i18n_patterns", "urlpatterns"]
