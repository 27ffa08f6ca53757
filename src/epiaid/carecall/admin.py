"""Admin: health centres and the outbox in full; people and check-ins without names or numbers in lists."""

from django.contrib import admin

from epiaid.carecall.models import Alert, CheckIn, HealthCentre, Person, Report


@admin.register(HealthCentre)
class HealthCentreAdmin(admin.ModelAdmin):
    list_display = ("name", "name_en", "lat", "lng", "phone")


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    list_display = ("id", "masked_name", "masked_phone", "status", "reason", "case_number", "start", "end", "officer")
    list_filter = ("status", "reason", "channel", "lang")
    exclude = ("phone_hash", "phone_enc")  # the number is changed on the roster page, never shown here
    readonly_fields = ("phone_last4", "created_at")


@admin.register(CheckIn)
class CheckInAdmin(admin.ModelAdmin):
    list_display = ("id", "person_id", "round_date", "slot", "attempt", "channel", "status", "flagged", "emergency")
    list_filter = ("status", "channel", "flagged", "emergency", "round_date")
    exclude = ("token",)


@admin.register(Alert)
class AlertAdmin(admin.ModelAdmin):
    list_display = ("id", "person_id", "kind", "day", "status", "outcome", "handled_by")
    list_filter = ("kind", "status", "day")


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    list_display = ("id", "kind", "officer", "subject", "status", "attempts", "sent_at")
    list_filter = ("kind", "status")
