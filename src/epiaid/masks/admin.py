"""Admin: outlets and stock are browsable; history and the purchase ledger are read-only."""

from __future__ import annotations

from django.contrib import admin

from epiaid.masks.models import Outlet, Purchase, SellerToken, Stock, StockEvent


@admin.register(Outlet)
class OutletAdmin(admin.ModelAdmin[Outlet]):
    list_display = ("code", "name", "type", "addr", "lat", "lng")
    list_filter = ("type",)
    search_fields = ("code", "name", "addr")


@admin.register(Stock)
class StockAdmin(admin.ModelAdmin[Stock]):
    list_display = ("outlet", "remain", "halted", "stock_at", "created_at")
    list_filter = ("halted",)
    search_fields = ("outlet__code", "outlet__name")


@admin.register(StockEvent)
class StockEventAdmin(admin.ModelAdmin[StockEvent]):
    list_display = ("outlet", "kind", "quantity", "remain_before", "remain_after", "at", "actor")
    list_filter = ("kind",)

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(SellerToken)
class SellerTokenAdmin(admin.ModelAdmin[SellerToken]):
    list_display = ("prefix", "outlet", "created_at", "created_by", "revoked_at", "last_used_at")
    exclude = ("secret_hash",)


@admin.register(Purchase)
class PurchaseAdmin(admin.ModelAdmin[Purchase]):
    list_display = ("outlet", "quantity", "at", "proxy")

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False
