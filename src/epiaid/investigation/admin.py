from django.contrib import admin

from epiaid.investigation.models import (
    ApproverAuthority,
    DataRequest,
    DeletionRecord,
    Delivery,
    Investigation,
    ProviderAccount,
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
