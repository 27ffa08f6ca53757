from django.contrib import admin

from epiaid.xray.models import Override, Read, Study


@admin.register(Study)
class StudyAdmin(admin.ModelAdmin):
    list_display = ("id", "filename", "source", "status", "reject_code", "received_at")
    list_filter = ("source", "status")


@admin.register(Read)
class ReadAdmin(admin.ModelAdmin):
    list_display = ("id", "study", "p_pneumonia", "severity_extent", "flag", "urgency", "model_sha256")


@admin.register(Override)
class OverrideAdmin(admin.ModelAdmin):
    list_display = ("id", "read", "reviewer", "decision", "flag", "created_at")
