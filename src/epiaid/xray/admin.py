from django.contrib import admin

from epiaid.xray.models import Override, Read, Site, SiteAeTitle, SiteMembership, Study


class MembershipInline(admin.TabularInline):
    model = SiteMembership
    extra = 1
    autocomplete_fields = ("user",)


class AeTitleInline(admin.TabularInline):
    model = SiteAeTitle
    extra = 1


@admin.register(Site)
class SiteAdmin(admin.ModelAdmin):
    list_display = ("code", "name")
    search_fields = ("code", "name")
    inlines = (MembershipInline, AeTitleInline)


@admin.register(Study)
class StudyAdmin(admin.ModelAdmin):
    list_display = ("id", "filename", "site", "source", "status", "reject_code", "received_at")
    list_filter = ("site", "source", "status")


@admin.register(Read)
class ReadAdmin(admin.ModelAdmin):
    list_display = ("id", "study", "p_pneumonia", "severity_extent", "flag", "urgency", "model_sha256")


@admin.register(Override)
class OverrideAdmin(admin.ModelAdmin):
    list_display = ("id", "read", "reviewer", "decision", "flag", "created_at")
