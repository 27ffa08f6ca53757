from __future__ import annotations

from django.contrib import admin

from epiaid.assay.models import DesignJob


@admin.register(DesignJob)
class DesignJobAdmin(admin.ModelAdmin[DesignJob]):
    list_display = ("id", "title", "status", "targets", "created_by", "created_at")
    list_filter = ("status",)
    readonly_fields = ("summary", "panel", "issues", "error", "work_dir")
