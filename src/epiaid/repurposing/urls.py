from django.urls import path

from epiaid.repurposing import views

app_name = "repurposing"

urlpatterns = [
    path("", views.index, name="index"),
    path("jobs/", views.submit, name="submit"),
    path("jobs/<int:job_id>/", views.job_detail, name="job"),
    path("jobs/<int:job_id>/report.html", views.job_report, name="report"),
]
