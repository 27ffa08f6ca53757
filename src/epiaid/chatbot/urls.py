"""Pages under /chatbot/: the public chat page and the staff queue, gap report and knowledge base."""

from __future__ import annotations

from django.urls import path

from epiaid.chatbot import views

app_name = "chatbot"

urlpatterns = [
    path("", views.chat_page, name="index"),
    path("staff/", views.staff_queue, name="staff-queue"),
    path("staff/questions/<int:question_id>/", views.staff_question, name="staff-question"),
    path("staff/gaps/", views.staff_gaps, name="staff-gaps"),
    path("staff/knowledge/", views.staff_knowledge, name="staff-knowledge"),
    path("staff/knowledge/new/", views.staff_entry, name="staff-entry-new"),
    path("staff/knowledge/<int:entry_id>/", views.staff_entry, name="staff-entry"),
]
