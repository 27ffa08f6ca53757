from typing import Any

from django.contrib import admin

from epiaid.investigation.models import (
    ApproverAuthority,
    DataRequest,
    DeletionRecord,
    Delivery,
    Investigation,
    ProviderAccount,
    Publication,
)


@admin.register(Investigation)
class InvestigationAdmin(admin.ModelAdmin[Investigation]):
    list_display = ("id", "case_number", "symptom_onset", "isolation_date", "retention_until", "purged_at")
    filter_horizontal = ("investigators",)


@admin.register(DataRequest)
class DataRequestAdmin(admin.ModelAdmin[DataRequest]):
    list_display = ("id", "investigation", "source", "scope", "provider", "status", "requested_at", "decided_at")
    list_filter = ("status", "source")


admin.site.register(ApproverAuthority)
admin.site.register(ProviderAccount)


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin[Delivery]):
    list_display = ("id", "request", "uploaded_at", "rows")


@admin.register(DeletionRecord)
class DeletionRecordAdmin(admin.ModelAdmin[DeletionRecord]):
    list_display = ("id", "investigation", "deleted_at", "files_deleted", "rows_deleted", "reason")


@admin.register(Publication)
class PublicationAdmin(admin.ModelAdmin[Publication]):
    """Read-only: publications are proposed and reviewed through the workflow, never edited here."""

    list_display = ("id", "investigation", "status", "requested_by", "requested_at", "reviewed_by", "reviewed_at")
    list_filter = ("status",)

    def has_add_permission(self, request: Any) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False
