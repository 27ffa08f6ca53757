from django.contrib import admin, messages
from django.http import HttpRequest

from epiaid.core.actors import Actor
from epiaid.programmes import models
from epiaid.programmes.services import config


class ReadOnly(admin.ModelAdmin):
    """Programmes, tracks and budgets change only through the configuration file (checked on load),
    and the ledger only through the services: the admin shows them."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.action(description="Load the programme configuration file (programmes_2020.yaml)")
def load_configuration(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: object) -> None:
    for line in config.load_config(Actor.from_request(request)):
        messages.info(request, line)


@admin.register(models.Programme)
class ProgrammeAdmin(ReadOnly):
    list_display = ("code", "kind", "name_en", "name_ko")
    actions = [load_configuration]


@admin.register(models.Track)
class TrackAdmin(ReadOnly):
    list_display = ("code", "programme", "unit", "budget", "review_sla_business_days", "opens_on", "closes_on")


@admin.register(models.TrackLedger)
class LedgerAdmin(ReadOnly):
    list_display = ("track", "budget", "committed", "paid")


@admin.register(models.Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ("name", "brn", "kind")
    search_fields = ("name", "brn")


@admin.register(models.Supplier)
class SupplierAdmin(admin.ModelAdmin):
    list_display = ("name", "brn", "kind")


@admin.register(models.ReviewerProfile)
class ReviewerProfileAdmin(admin.ModelAdmin):
    list_display = ("user", "organisation", "expertise")


@admin.register(models.Collaboration)
class CollaborationAdmin(admin.ModelAdmin):
    list_display = ("reviewer", "organisation", "last_on", "what")
