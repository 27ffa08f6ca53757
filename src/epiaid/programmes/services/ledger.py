"""The budget ledger: commitments and payments per track that can never exceed the budget.

Every change locks the track's :class:`TrackLedger` row (``SELECT … FOR UPDATE`` on PostgreSQL; SQLite's
``IMMEDIATE`` transactions take the database write lock at ``BEGIN``), re-reads it, checks, writes an
entry and the new totals in the same transaction. Two approvals racing for the last won cannot both
pass the check, because the second waits for the first's commit and then sees its commitment.
"""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Sum

from epiaid.core.errors import Conflict
from epiaid.programmes.models import Application, LedgerEntry, TrackLedger
from epiaid.programmes.services.base import Actor


def locked(track_id: int) -> TrackLedger:
    return TrackLedger.objects.select_for_update().get(track_id=track_id)


def commit(application: Application, amount: Decimal, actor: Actor, note: str = "") -> TrackLedger:
    """Commit ``amount`` of the track's budget to the application (inside the caller's transaction)."""
    ledger = locked(application.track_id)
    if amount <= 0:
        raise Conflict("nothing to commit", code="bad_amount")
    if ledger.committed + amount > ledger.budget:
        raise Conflict(
            f"the track has {ledger.budget - ledger.committed} left, less than {amount}", code="budget_exhausted"
        )
    ledger.committed += amount
    ledger.save(update_fields=["committed"])
    LedgerEntry.objects.create(
        track_id=application.track_id,
        application=application,
        kind="commit",
        amount=amount,
        note=note,
        actor_label=actor.label,
    )
    return ledger


def committed_to(application: Application) -> Decimal:
    sums = {
        row["kind"]: row["total"]
        for row in LedgerEntry.objects.filter(application=application).values("kind").annotate(total=Sum("amount"))
    }
    return Decimal(sums.get("commit", 0)) - Decimal(sums.get("release", 0))


def paid_to(application: Application) -> Decimal:
    total = LedgerEntry.objects.filter(application=application, kind="pay").aggregate(t=Sum("amount"))["t"]
    return Decimal(total or 0)


def pay(application: Application, amount: Decimal, actor: Actor, note: str = "") -> TrackLedger:
    """Pay out of the application's commitment; never more than was committed to it."""
    ledger = locked(application.track_id)
    if amount <= 0:
        raise Conflict("nothing to pay", code="bad_amount")
    left = committed_to(application) - paid_to(application)
    if amount > left:
        raise Conflict(f"only {left} of the commitment is unpaid, less than {amount}", code="over_commitment")
    ledger.paid += amount
    ledger.save(update_fields=["paid"])
    LedgerEntry.objects.create(
        track_id=application.track_id,
        application=application,
        kind="pay",
        amount=amount,
        note=note,
        actor_label=actor.label,
    )
    return ledger


def release(application: Application, amount: Decimal, actor: Actor, note: str = "") -> TrackLedger:
    """Give back an unpaid part of a commitment (a voucher closed under its amount, an allocation ended)."""
    ledger = locked(application.track_id)
    left = committed_to(application) - paid_to(application)
    amount = min(amount, left)
    if amount <= 0:
        return ledger
    ledger.committed -= amount
    ledger.save(update_fields=["committed"])
    LedgerEntry.objects.create(
        track_id=application.track_id,
        application=application,
        kind="release",
        amount=amount,
        note=note,
        actor_label=actor.label,
    )
    return ledger


def reconcile(track_id: int) -> dict[str, Decimal | bool]:
    """The ledger row against its entries and the approved grants: ``exact`` when all three agree."""
    ledger = TrackLedger.objects.get(track_id=track_id)
    sums = {
        row["kind"]: Decimal(row["total"])
        for row in LedgerEntry.objects.filter(track_id=track_id).values("kind").annotate(total=Sum("amount"))
    }
    entries_committed = sums.get("commit", Decimal(0)) - sums.get("release", Decimal(0))
    entries_paid = sums.get("pay", Decimal(0))
    granted = Application.objects.filter(track_id=track_id, status="approved").aggregate(t=Sum("granted"))["t"]
    return {
        "budget": ledger.budget,
        "committed": ledger.committed,
        "paid": ledger.paid,
        "entries_committed": entries_committed,
        "entries_paid": entries_paid,
        "granted_commitments": Decimal(sums.get("commit", 0)),
        "approved_granted": Decimal(granted or 0),
        "exact": ledger.committed == entries_committed
        and ledger.paid == entries_paid
        and ledger.committed <= ledger.budget
        and ledger.paid <= ledger.committed,
    }
