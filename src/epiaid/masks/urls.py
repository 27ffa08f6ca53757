"""Pages under /masks/ and the 2020-compatible API at /corona19-masks/v1/ (outside the slug)."""

from __future__ import annotations

from django.urls import URLPattern, path, re_path
from django.views.decorators.csrf import csrf_exempt

from epiaid.masks import views

app_name = "masks"

urlpatterns: list[URLPattern] = [
    path("", views.index, name="index"),
]

root_urlpatterns: list[URLPattern] = [
    re_path(
        r"^corona19-masks/v1/(?P<endpoint>(?:stores|sales|storesByGeo|storesByAddr)/json)$",
        csrf_exempt(views.v1),
        name="masks-v1",
    ),
]
