"""Admin: the knowledge base is edited here too (the retriever follows). Conversations, turns and the staff
queue are not in the admin: they may hold personal data, and are read only through the audited staff pages."""

from __future__ import annotations

from typing import Any

from django.contrib import admin

from epiaid.chatbot.models import KnowledgeEntry
from epiaid.chatbot.services.knowledge import bump_version


@admin.register(KnowledgeEntry)
class KnowledgeEntryAdmin(admin.ModelAdmin[KnowledgeEntry]):
    list_display = ("question", "lang", "topic", "source_name", "last_reviewed", "active", "origin")
    list_filter = ("lang", "active", "origin", "topic")
    search_fields = ("question", "answer", "source_name")
    readonly_fields = ("origin", "origin_key", "created_at", "updated_at")

    def save_model(self, request: Any, obj: KnowledgeEntry, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        bump_version()

    def delete_model(self, request: Any, obj: KnowledgeEntry) -> None:
        super().delete_model(request, obj)
        bump_version()

    def delete_queryset(self, request: Any, queryset: Any) -> None:
        super().delete_queryset(request, queryset)
        bump_version()
