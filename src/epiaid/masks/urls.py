"""Pages under /masks/ and the 2020-compatible API at /corona19-masks/v1/ (outside the slug)."""

from __future__ import annotations

from django.urls import URLPattern, path, re_path
from django.views.decorators.csrf import csrf_exempt

from epiaid.masks import views

app_name = "masks"

urlpatterns: list[URLPattern] = [
    path("", views.index, name="index"),
]

#: Everything under /corona19-masks/ is the API's: one view answers it all in JSON (unknown paths,
#: other methods and preflights included), so no HTML page of Django's can ever answer there.
root_urlpatterns: list[URLPattern] = [
    re_path(r"^/*corona19-masks(?:/(?P<rest>.*))?$", csrf_exempt(views.v1), name="masks-v1"),
]
