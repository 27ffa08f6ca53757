from django.contrib import admin

from epiaid.repurposing.models import RankJob


@admin.register(RankJob)
class RankJobAdmin(admin.ModelAdmin[RankJob]):
    list_display = ("id", "status", "benchmark", "targets_label", "library_label", "created_by", "created_at")
    list_filter = ("status", "benchmark")
