"""Outlets, their stock, its full history, seller tokens and the weekly purchase ledger.

``MaskDataVersion`` is a single counter bumped in the same transaction as every change; each changed
row records the version that changed it. That one number is the change-feed cursor (``since=``), the
ETag, and the cheap "has anything changed?" check that lets other server processes refresh their
read model within a second.
"""

from __future__ import annotations

from django.db import models


class Outlet(models.Model):
    TYPES = [("01", "pharmacy"), ("02", "post office"), ("03", "Nonghyup mart")]

    code = models.CharField(max_length=10, primary_key=True)
    name = models.CharField(max_length=200)
    addr = models.CharField(max_length=300, blank=True)
    type = models.CharField(max_length=2, choices=TYPES)
    lat = models.FloatField(null=True, blank=True)
    lng = models.FloatField(null=True, blank=True)
    version = models.BigIntegerField(default=0, db_index=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Stock(models.Model):
    """Current stock of one outlet; exists once the seller has reported anything (else API nulls)."""

    outlet = models.OneToOneField(Outlet, primary_key=True, on_delete=models.CASCADE, related_name="stock")
    remain = models.IntegerField(default=0)
    halted = models.BooleanField(default=False)
    stock_at = models.DateTimeField(null=True, blank=True)  # when the last delivery arrived
    created_at = models.DateTimeField()  # when this record last changed (2020 field name)
    version = models.BigIntegerField(default=0, db_index=True)

    class Meta:
        constraints = [models.CheckConstraint(condition=models.Q(remain__gte=0), name="masks_stock_remain_gte_0")]

    def __str__(self) -> str:
        return f"{self.outlet_id}: {self.remain}"


class StockEvent(models.Model):
    """Append-only history of every stock change (who, what, the count before and after)."""

    KINDS = [
        ("set", "count reported"),
        ("arrival", "delivery arrived"),
        ("sale", "sale"),
        ("halt", "sales halted"),
        ("resume", "sales resumed"),
    ]

    outlet = models.ForeignKey(Outlet, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=10, choices=KINDS)
    quantity = models.IntegerField(default=0)
    remain_before = models.IntegerField()
    remain_after = models.IntegerField()
    at = models.DateTimeField(db_index=True)
    stock_at = models.DateTimeField(null=True, blank=True)
    actor = models.CharField(max_length=150)  # "token:<prefix>" or the staff username
    version = models.BigIntegerField()

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.outlet_id} {self.kind} {self.remain_before}->{self.remain_after}"


class MaskDataVersion(models.Model):
    """Single row (id=1): the global change counter."""

    version = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"v{self.version}"


class SellerToken(models.Model):
    """An outlet's API token; only a SHA-256 of the (high-entropy) secret is stored."""

    outlet = models.ForeignKey(Outlet, on_delete=models.CASCADE, related_name="tokens")
    prefix = models.CharField(max_length=16, unique=True)  # public part, shown in logs
    secret_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.CharField(max_length=150)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.prefix} ({self.outlet_id})"


class TokenNonce(models.Model):
    """Nonces already used with a token: a replayed request is refused."""

    token = models.ForeignKey(SellerToken, on_delete=models.CASCADE, related_name="nonces")
    nonce = models.CharField(max_length=64)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["token", "nonce"], name="masks_nonce_once")]

    def __str__(self) -> str:
        return f"{self.token_id}:{self.nonce}"


class PurchaseWeek(models.Model):
    """Masks bought for one person (keyed hash of their ID) in one week, across every outlet."""

    buyer_hash = models.CharField(max_length=64)
    week = models.DateField()  # Monday (KST)
    quantity = models.IntegerField(default=0)
    weekday_purchase = models.BooleanField(default=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["buyer_hash", "week"], name="masks_one_row_per_buyer_week")]

    def __str__(self) -> str:
        return f"{self.week}: {self.quantity}"


class Purchase(models.Model):
    buyer_hash = models.CharField(max_length=64, db_index=True)
    outlet = models.ForeignKey(Outlet, on_delete=models.PROTECT, related_name="purchases")
    quantity = models.IntegerField()
    at = models.DateTimeField()
    proxy = models.CharField(max_length=20, blank=True)
    actor = models.CharField(max_length=150)

    def __str__(self) -> str:
        return f"{self.outlet_id} x{self.quantity}"
