"""Who may change an outlet's stock, and the audit of each change: the API, pages and CLI call these.

A seller token acts only for its own outlet (the actor's ``scope``); health staff act for any outlet;
system actors (the demo, a CLI operator) are named in the log. Every write and every history read is
audited here, never by the caller.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils import timezone

from epiaid.core.access import require
from epiaid.core.actors import Actor
from epiaid.core.audit import AuditAction, event
from epiaid.core.errors import BadInput, Forbidden
from epiaid.core.roles import Role
from epiaid.masks.engine import rationing
from epiaid.masks.models import SellerToken, Stock, StockEvent
from epiaid.masks.services import stock as stock_changes
from epiaid.masks.services import tokens
from epiaid.masks.services.base import get_outlet
from epiaid.masks.services.outlets import ImportReport, import_outlets
from epiaid.masks.services.rationing import PurchaseResult, purchase, rules

TARGET = "masks.stock"


def seller(token: SellerToken, request: Any = None) -> Actor:
    """The actor of an authenticated seller token: labelled by its prefix, bound to its outlet."""
    actor = Actor("seller", f"token:{token.prefix}", scope=str(token.outlet_id))
    return Actor.from_request(request, actor) if request is not None else actor


def _writer(actor: Actor | Any, code: str) -> Actor:
    actor = Actor.of(actor)
    if actor.kind == "seller":
        if actor.scope != code:
            event(actor, AuditAction.DENIED, TARGET, object_id=code, detail={"seller_token": _prefix(actor)})
            raise Forbidden(f"this token belongs to outlet {actor.scope}, not {code}", code="other_outlet")
        return actor
    return require(actor, Role.HEALTH_STAFF, target=TARGET, object_id=code)


def _prefix(actor: Actor) -> str:
    return actor.label.removeprefix("token:")


def _audit_write(actor: Actor, code: str, detail: dict[str, Any]) -> None:
    if actor.kind == "seller":
        detail = {**detail, "seller_token": _prefix(actor)}
    event(actor, AuditAction.UPDATE, TARGET, object_id=code, detail=detail)


def report_stock(actor: Actor | Any, code: str, remain: int, *, stock_at: datetime | None = None) -> Stock:
    actor = _writer(actor, code)
    stock = stock_changes.report_stock(code, remain, actor.label, stock_at=stock_at)
    _audit_write(actor, code, {"remain": remain})
    return stock


def record_arrival(actor: Actor | Any, code: str, quantity: int, *, stock_at: datetime | None = None) -> Stock:
    actor = _writer(actor, code)
    stock = stock_changes.record_arrival(code, quantity, actor.label, stock_at=stock_at)
    _audit_write(actor, code, {"arrival": quantity})
    return stock


def record_sale(
    actor: Actor | Any,
    code: str,
    quantity: int,
    *,
    buyer_id: str | None = None,
    birth_year: int | None = None,
    proxy: rationing.ProxyReason | None = None,
) -> tuple[Stock, PurchaseResult | None]:
    """A sale; with a buyer ID (and birth year) the rationing rules are enforced across outlets."""
    actor = _writer(actor, code)
    if buyer_id is None:
        if proxy is not None or birth_year is not None:
            raise BadInput("buyer_id is required with birth_year or proxy", code="buyer_id_required")
        stock = stock_changes.record_sale(code, quantity, actor.label)
        _audit_write(actor, code, {"sale": quantity})
        return stock, None
    if birth_year is None:
        raise BadInput(
            "birth_year is required with buyer_id (the rotation day depends on it)", code="birth_year_required"
        )
    result = purchase(code, buyer_id=buyer_id, birth_year=birth_year, quantity=quantity, actor=actor.label, proxy=proxy)
    _audit_write(actor, code, {"sale": quantity, "rationed": True, "proxy": str(proxy or "")})
    return get_outlet(code).stock, result


def set_halted(actor: Actor | Any, code: str, halted: bool) -> Stock:
    actor = _writer(actor, code)
    stock = stock_changes.set_halted(code, halted, actor.label)
    _audit_write(actor, code, {"halted": halted})
    return stock


def history(actor: Actor | Any, code: str, limit: int = 200) -> list[StockEvent]:
    actor = _writer(actor, code)
    events = stock_changes.history(code, limit)
    event(actor, AuditAction.VIEW, "masks.stock_history", object_id=code)
    return events


def issue_token(actor: Actor | Any, code: str) -> str:
    """Issue (rotate) an outlet's seller token; shown once, only its hash stored (audited by prefix)."""
    actor = require(actor, Role.HEALTH_STAFF, target="masks.seller_token", object_id=code)
    token = tokens.issue_token(code, actor.label)
    event(actor, AuditAction.CREATE, "masks.seller_token", object_id=code, detail={"prefix": token.split("_")[1]})
    return token


def revoke_tokens(actor: Actor | Any, code: str) -> int:
    actor = require(actor, Role.HEALTH_STAFF, target="masks.seller_token", object_id=code)
    revoked = tokens.revoke_tokens(code)
    event(actor, AuditAction.DELETE, "masks.seller_token", object_id=code, detail={"revoked": revoked})
    return revoked


def import_outlet_list(actor: Actor | Any, parsed: Any, *, source: str = "") -> ImportReport:
    """Import or update outlets (health staff, or an operator at the CLI); audited with the counts."""
    actor = require(actor, Role.HEALTH_STAFF, target="masks.outlet")
    report = import_outlets(parsed)
    event(
        actor,
        AuditAction.IMPORT,
        "masks.outlet",
        detail={
            "source": source[:300],
            "read": report.read,
            "created": report.created,
            "updated": report.updated,
            "rejected": len(report.rejected),
        },
    )
    return report


def can_buy_today(birth_year: int) -> dict[str, object]:
    """The public "can I buy masks today?" answer for a birth year (no personal data, not audited)."""
    try:
        return rationing.can_buy_summary(birth_year, timezone.localtime().date(), rules())
    except rationing.RationingError as exc:
        raise BadInput(str(exc), code="bad_birth_year") from None
