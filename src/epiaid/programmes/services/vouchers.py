"""Data and cloud vouchers: supplier catalogue, delivery confirmed by the beneficiary, then payment.

Data vouchers pay the supplier, never the beneficiary, and only after the beneficiary confirmed the
delivery (the track's ``pay_supplier_after_delivery``); processing vouchers pay per milestone. Cloud
vouchers reimburse a provider's invoice less the track's co-payment, up to what is left of the voucher.
Payments are made by a finance officer who did not approve the grant.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import QuerySet, Sum
from django.utils import timezone

from epiaid.core.audit import AuditAction
from epiaid.core.errors import BadInput, Conflict, Forbidden, NotFound
from epiaid.programmes.engine import brn as brn_engine
from epiaid.programmes.models import Invoice, Milestone, Supplier, Voucher
from epiaid.programmes.services import chain, ledger
from epiaid.programmes.services.base import TARGET, Actor, Role, audit, mail, refuse, require


def add_supplier(
    actor: Any,
    *,
    name: str,
    brn: str,
    kind: str,
    catalogue: list[dict[str, Any]] | None = None,
    contact_email: str = "",
) -> Supplier:
    actor = require(actor, Role.PROGRAMME_OFFICER, target="programmes.supplier")
    try:
        number = brn_engine.normalise(brn)
    except brn_engine.InvalidBRN as exc:
        raise refuse(actor, BadInput(str(exc), code="invalid_brn"), "programmes.supplier") from exc
    if kind not in Supplier.Kind.values:
        raise BadInput(f"kind must be one of {Supplier.Kind.values}", code="bad_kind")
    try:
        supplier = Supplier.objects.create(
            name=name, brn=number, kind=kind, catalogue=catalogue or [], contact_email=contact_email
        )
    except IntegrityError as exc:
        raise refuse(
            actor,
            Conflict(f"supplier {number} is already in the catalogue", code="brn_registered"),
            "programmes.supplier",
        ) from exc
    audit(actor, AuditAction.CREATE, "programmes.supplier", supplier.pk, brn=number)
    return supplier


def catalogue(kind: str | None = None) -> QuerySet[Supplier]:
    """The public supplier catalogue (names and offers; no personal data)."""
    rows = Supplier.objects.order_by("name")
    return rows.filter(kind=kind) if kind else rows


def _beneficiary(actor: Actor, voucher: Voucher) -> None:
    org = voucher.application.organisation
    if actor.user is None or not org.members.filter(pk=actor.user.pk).exists():
        raise refuse(
            actor,
            Forbidden("only the beneficiary organisation confirms deliveries", code="not_beneficiary"),
            TARGET,
            voucher.application_id,
        )


def _payer(actor: Actor, voucher: Voucher) -> None:
    if actor.user is not None and voucher.application.decided_by_id == actor.user.pk:
        raise refuse(
            actor,
            Forbidden(
                "the person who approved a grant may not pay it (separation of duties)", code="separation_of_duties"
            ),
            TARGET,
            voucher.application_id,
        )


def confirm_delivery(actor: Any, voucher: Voucher, *, milestone: Milestone | None = None) -> Voucher:
    """The beneficiary confirms the supplier delivered (the voucher, or one milestone of it)."""
    actor = require(actor, Role.APPLICANT, object_id=voucher.application_id)
    _beneficiary(actor, voucher)
    try:
        with transaction.atomic():
            v = Voucher.objects.select_for_update().get(pk=voucher.pk)
            if milestone is not None or v.milestones.exists():
                chosen = milestone or v.milestones.filter(status="pending").first() or v.milestones.first()
                assert chosen is not None
                found = Milestone.objects.select_for_update().filter(pk=chosen.pk, voucher=v).first()
                if found is None:
                    raise NotFound("no such milestone on this voucher")
                m = found
                if m.status != Milestone.Status.PENDING:
                    raise Conflict(f"milestone {m.seq} is already {m.status}", code="already_delivered")
                m.status, m.delivered_at, m.confirmed_by = Milestone.Status.DELIVERED, timezone.now(), actor.user
                m.save(update_fields=["status", "delivered_at", "confirmed_by"])
                what = f"milestone {m.seq}"
            else:
                if v.status != Voucher.Status.ISSUED:
                    raise Conflict(f"the voucher is already {v.status}", code="already_delivered")
                v.status = Voucher.Status.DELIVERED
                v.save(update_fields=["status"])
                what = "delivery"
            chain.append("delivered", v.application.reference, actor, what=what)
            audit(actor, AuditAction.PROGRAMMES_DELIVERY, TARGET, v.application_id, what=what)
    except Conflict as exc:
        raise refuse(actor, exc, TARGET, voucher.application_id) from exc
    return v


def pay_supplier(actor: Any, voucher: Voucher, *, milestone: Milestone | None = None) -> Voucher:
    """A finance officer pays the supplier for a confirmed delivery (never before it)."""
    actor = require(actor, Role.FINANCE_OFFICER, object_id=voucher.application_id)
    _payer(actor, voucher)
    try:
        with transaction.atomic():
            v = (
                Voucher.objects.select_for_update(of=("self",))
                .select_related("application", "application__track")
                .get(pk=voucher.pk)
            )
            app = v.application
            if v.supplier_id is None:
                raise Conflict("the voucher names no supplier", code="no_supplier")
            if v.milestones.exists():
                chosen = milestone or v.milestones.filter(status="delivered").first() or v.milestones.first()
                assert chosen is not None
                found = Milestone.objects.select_for_update().filter(pk=chosen.pk, voucher=v).first()
                if found is None:
                    raise NotFound("no such milestone on this voucher")
                m = found
                if m.status != Milestone.Status.DELIVERED:
                    raise Conflict(
                        f"milestone {m.seq} is {m.status}: the beneficiary has not confirmed it", code="not_delivered"
                    )
                amount = m.amount
                ledger.pay(app, amount, actor, note=f"milestone {m.seq} to {v.supplier_id}")
                m.status, m.paid_at, m.paid_by = Milestone.Status.PAID, timezone.now(), actor.user
                m.save(update_fields=["status", "paid_at", "paid_by"])
                if not v.milestones.exclude(status="paid").exists():
                    v.status = Voucher.Status.PAID
                    v.save(update_fields=["status"])
            else:
                if v.status == Voucher.Status.PAID:
                    raise Conflict("the voucher is already paid", code="already_paid")
                if app.track.pay_supplier_after_delivery and v.status != Voucher.Status.DELIVERED:
                    raise Conflict(
                        "the supplier is paid only after the beneficiary confirms delivery", code="not_delivered"
                    )
                amount = v.amount
                ledger.pay(app, amount, actor, note=f"supplier {v.supplier_id}")
                v.status = Voucher.Status.PAID
                v.save(update_fields=["status"])
            chain.append("paid", app.reference, actor, amount=str(amount), supplier=v.supplier_id)
            audit(actor, AuditAction.PROGRAMMES_PAY, TARGET, app.pk, amount=str(amount), supplier=v.supplier_id)
            if v.supplier and v.supplier.contact_email:
                mail(
                    [v.supplier.contact_email],
                    f"[epiaid] payment for {app.reference}",
                    f"{amount:,.0f} KRW will be paid for voucher {app.reference}.\n",
                )
    except Conflict as exc:
        raise refuse(actor, exc, TARGET, voucher.application_id) from exc
    return v


def _provider(actor: Actor, voucher: Voucher) -> None:
    from epiaid.core.roles import has_role

    is_provider = (
        voucher.supplier is not None
        and actor.user is not None
        and voucher.supplier.users.filter(pk=actor.user.pk).exists()
    )
    if not (is_provider or (actor.user is not None and has_role(actor.user, Role.FINANCE_OFFICER))):
        raise refuse(
            actor,
            Forbidden("only the voucher's provider or a finance officer enters invoices", code="not_provider"),
            TARGET,
            voucher.application_id,
        )


def submit_invoice(actor: Any, voucher: Voucher, *, number: str, total: Decimal) -> Invoice:
    """A cloud provider's invoice: the programme owes ``total × (1 − co-payment)``, up to what is left."""
    from epiaid.programmes.services.base import actor_of

    actor = actor_of(actor)
    _provider(actor, voucher)
    if total <= 0 or not number.strip():
        raise refuse(
            actor,
            BadInput("an invoice has a number and a positive total", code="bad_invoice"),
            TARGET,
            voucher.application_id,
        )
    try:
        with transaction.atomic():
            v = Voucher.objects.select_for_update().get(pk=voucher.pk)
            if v.status not in (Voucher.Status.ISSUED, Voucher.Status.DELIVERED):
                raise Conflict(f"the voucher is {v.status}", code="voucher_closed")
            owed = (total * (1 - v.co_payment_rate)).quantize(Decimal(1), rounding=ROUND_HALF_UP)
            already = v.invoices.aggregate(t=Sum("reimbursable"))["t"] or Decimal(0)
            reimbursable = max(min(owed, v.amount - already), Decimal(0))
            invoice = Invoice.objects.create(
                voucher=v,
                number=number.strip()[:60],
                total=total,
                co_payment=total - reimbursable,
                reimbursable=reimbursable,
            )
            audit(
                actor,
                AuditAction.PROGRAMMES_INVOICE,
                TARGET,
                v.application_id,
                number=invoice.number,
                total=str(total),
                reimbursable=str(reimbursable),
            )
    except IntegrityError as exc:
        raise refuse(
            actor,
            Conflict(f"invoice {number} was already submitted", code="duplicate_invoice"),
            TARGET,
            voucher.application_id,
        ) from exc
    except Conflict as exc:
        raise refuse(actor, exc, TARGET, voucher.application_id) from exc
    return invoice


def reimburse(actor: Any, invoice: Invoice) -> Invoice:
    actor = require(actor, Role.FINANCE_OFFICER, object_id=invoice.voucher.application_id)
    _payer(actor, invoice.voucher)
    try:
        with transaction.atomic():
            inv = (
                Invoice.objects.select_for_update(of=("self",))
                .select_related("voucher__application")
                .get(pk=invoice.pk)
            )
            if inv.status != Invoice.Status.SUBMITTED:
                raise Conflict("the invoice is already reimbursed", code="already_paid")
            app = inv.voucher.application
            if inv.reimbursable > 0:
                ledger.pay(app, inv.reimbursable, actor, note=f"invoice {inv.number}")
            inv.status, inv.reimbursed_at, inv.reimbursed_by = Invoice.Status.REIMBURSED, timezone.now(), actor.user
            inv.save(update_fields=["status", "reimbursed_at", "reimbursed_by"])
            chain.append("reimbursed", app.reference, actor, invoice=inv.number, amount=str(inv.reimbursable))
            audit(actor, AuditAction.PROGRAMMES_PAY, TARGET, app.pk, invoice=inv.number, amount=str(inv.reimbursable))
    except Conflict as exc:
        raise refuse(actor, exc, TARGET, invoice.voucher.application_id) from exc
    return inv


def payables(actor: Any) -> dict[str, Any]:
    """The finance officer's list: deliveries confirmed and unpaid, invoices to reimburse."""
    actor = require(actor, Role.FINANCE_OFFICER, Role.AUDITOR, target="programmes.finance")
    vouchers = list(
        Voucher.objects.filter(status="delivered", milestones__isnull=True).select_related("application", "supplier")
    )
    milestones = list(
        Milestone.objects.filter(status="delivered").select_related("voucher__application", "voucher__supplier")
    )
    invoices = list(Invoice.objects.filter(status="submitted").select_related("voucher__application"))
    audit(actor, AuditAction.LIST, "programmes.finance", None, vouchers=len(vouchers), invoices=len(invoices))
    return {"vouchers": vouchers, "milestones": milestones, "invoices": invoices}
