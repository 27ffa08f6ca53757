from __future__ import annotations

from django.urls import path

from epiaid.assay import views

app_name = "assay"

urlpatterns = [
    path("", views.index, name="index"),
    path("surveil/", views.surveil, name="surveil"),
    path("jobs/<int:job_id>/", views.job_detail, name="job"),
    path("jobs/<int:job_id>/files/<str:name>", views.job_file, name="job-file"),
]
