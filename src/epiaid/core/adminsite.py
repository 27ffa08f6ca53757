"""The admin site: superusers only, workflow records read-only, proof records untouchable, reads audited.

The admin is an emergency operator's window on the data, not a second way through the workflow: an
investigation, a data request or a delivery changes only through its service (with its checks and
audit), so they are read-only here; a deletion record, a radiologist's override or an audit event is
proof, which nobody may edit or delete. Which models are which is declared once per capability in the
registry (``Capability.admin_read_only`` / ``admin_proof``) and applied here to every registration,
so a capability cannot forget it. Every list and record an admin opens is audited.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.http import HttpRequest


def _policies() -> tuple[set[str], set[str]]:
    from epiaid.core.capabilities import CAPABILITIES

    read_only = {m.lower() for c in CAPABILITIES for m in c.admin_read_only}
    proof = {m.lower() for c in CAPABILITIES for m in c.admin_proof} | {"core.auditevent"}
    return read_only, proof


class AuditedReads:
    """Mixin: opening a list or a record in the admin is recorded (who, which model, which row)."""

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> Any:
        _audit_read(request, self.model, None)  # type: ignore[attr-defined]
        return super().changelist_view(request, extra_context)  # type: ignore[misc]

    def change_view(self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None) -> Any:
        _audit_read(request, self.model, object_id)  # type: ignore[attr-defined]
        return super().change_view(request, object_id, form_url, extra_context)  # type: ignore[misc]


def _audit_read(request: HttpRequest, model: Any, object_id: str | None) -> None:
    from epiaid.core.actors import Actor
    from epiaid.core.audit import admin_read

    admin_read(Actor.from_request(request), model._meta.label_lower, object_id)


class ReadOnly:
    """Mixin: the record can be read; adding, changing and deleting go through the services."""

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class EpiaidAdminSite(admin.AdminSite):
    site_header = "epiaid"

    def has_permission(self, request: HttpRequest) -> bool:
        """Superusers only: staff roles work through the pages, whose services check and audit."""
        return bool(request.user.is_active and request.user.is_superuser)

    def register(self, model_or_iterable: Any, admin_class: Any = None, **options: Any) -> None:
        models: list[Any] = [model_or_iterable] if isinstance(model_or_iterable, type) else list(model_or_iterable)
        read_only, proof = _policies()
        for model in models:
            base = admin_class or admin.ModelAdmin
            label = model._meta.label_lower
            mixins: tuple[type, ...] = (AuditedReads,)
            if label in read_only or label in proof:
                mixins = (AuditedReads, ReadOnly)
            wrapped = type(base.__name__, (*mixins, base), {"__module__": base.__module__})
            super().register(model, wrapped, **options)


class EpiaidAdminConfig(AdminConfig):
    default_site = "epiaid.core.adminsite.EpiaidAdminSite"
