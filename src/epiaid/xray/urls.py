from django.urls import path

from epiaid.xray import views

app_name = "xray"

urlpatterns = [
    path("", views.index, name="index"),
    path("upload/", views.upload, name="upload"),
    path("study/<int:study_id>/", views.study, name="study"),
    path("study/<int:study_id>/review/", views.review, name="review"),
]
