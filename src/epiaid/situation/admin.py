"""Admin: browse and edit situation data, and upload files through the same importers as the CLI."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path

from epiaid.core.actors import Actor
from epiaid.core.errors import BadInput
from epiaid.situation.models import Case, Clinic, Cluster, DisclosureSettings, Visit
from epiaid.situation.services import staff
from epiaid.situation.services.importers import IMPORTERS


class ImportForm(forms.Form):
    kind = forms.ChoiceField(choices=[(k, k) for k in IMPORTERS])
    file = forms.FileField()


class VisitInline(admin.TabularInline[Visit, Case]):
    model = Visit
    extra = 0
    fields = ("date", "start_time", "end_time", "place_name", "category", "address", "lat", "lng", "disclosed")


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin[Case]):
    list_display = ("number", "confirmed_date", "province", "city", "infection_case", "status", "source")
    list_filter = ("status", "source", "province")
    search_fields = ("number", "infection_case")
    inlines = [VisitInline]
    change_list_template = "admin/situation/case_changelist.html"

    def get_urls(self) -> list[Any]:
        return [
            path("import/", self.admin_site.admin_view(self.import_view), name="situation_import"),
            *super().get_urls(),
        ]

    def import_view(self, request: HttpRequest) -> HttpResponse:
        form = ImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            kind = form.cleaned_data["kind"]
            upload = form.cleaned_data["file"]
            try:
                report = staff.import_file(Actor.from_request(request), kind, upload.name or "upload", upload.read())
            except BadInput as exc:
                messages.error(request, f"nothing imported: {exc.message}")
            else:
                messages.success(request, report.summary())
                for r in report.rejected[:50]:
                    messages.warning(request, f"row {r.row}, {r.field}: {r.reason}")
                return redirect("admin:situation_case_changelist")
        return render(request, "admin/situation/import.html", {"form": form, **self.admin_site.each_context(request)})


@admin.register(Visit)
class VisitAdmin(admin.ModelAdmin[Visit]):
    list_display = ("case", "date", "place_name", "category", "province", "disclosed", "source")
    list_filter = ("disclosed", "source", "category", "province")
    search_fields = ("place_name", "address", "case__number")
    raw_id_fields = ("case",)


@admin.register(Clinic)
class ClinicAdmin(admin.ModelAdmin[Clinic]):
    list_display = ("name", "province", "district", "phone", "specimen_collection")
    list_filter = ("province", "specimen_collection")
    search_fields = ("name", "address")


@admin.register(Cluster)
class ClusterAdmin(admin.ModelAdmin[Cluster]):
    list_display = ("name", "province", "city", "case_count")
    search_fields = ("name",)


admin.site.register(DisclosureSettings)
