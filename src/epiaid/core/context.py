"""Template context shared by every page."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from epiaid.core.capabilities import CAPABILITIES
from epiaid.core.roles import Role, has_role


def platform(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    return {
        "capabilities": CAPABILITIES,
        "tile_url": settings.TILE_URL,
        "is_staff_member": bool(user and user.is_authenticated),
        "is_admin": bool(user and has_role(user, Role.ADMIN)),
    }
