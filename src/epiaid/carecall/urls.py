from django.urls import path

from epiaid.carecall import views

app_name = "carecall"

urlpatterns = [
    path("", views.index, name="index"),
    path("people/", views.people, name="people"),
    path("people/<int:person_id>/", views.person, name="person"),
    path("people/<int:person_id>/phone/", views.reveal, name="reveal"),
    path("people/<int:person_id>/details/", views.details, name="details"),
    path("people/<int:person_id>/action/", views.person_action, name="person-action"),
    path("alerts/<int:alert_id>/done/", views.alert_done, name="alert-done"),
    path("import/", views.import_page, name="import"),
    path("export.csv", views.export_csv, name="export-csv"),
    path("export.pdf", views.export_pdf, name="export-pdf"),
    path("c/<str:token>/", views.checkin_page, name="checkin"),
    path("hooks/voice/<str:token>/", views.voice, name="hook-voice"),
    path("hooks/voice/<str:token>/answer/", views.voice_answer, name="hook-voice-answer"),
    path("hooks/voice/<str:token>/status/", views.voice_status, name="hook-voice-status"),
    path("hooks/text/", views.text_hook, name="hook-text"),
]
