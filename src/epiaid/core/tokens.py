"""Bearer tokens for machines: issue, verify, revoke.

Why not HTTP Basic with the user's password: Django hashes passwords with hundreds of thousands of
PBKDF2 rounds, a deliberate ~0.3 s per check that a PACS pushing thousands of instances would pay on
every request. A random 256-bit token needs no slow hash; its SHA-256 is looked up directly.
"""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from django.contrib.auth import get_user_model
from django.utils import timezone

from epiaid.core.models import ApiToken

SCHEME_PREFIX = "epi_"


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def issue(username: str, name: str) -> tuple[ApiToken, str]:
    """A new token for an existing, active user; returns the row and the secret (shown once)."""
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise ValueError(f"no user named {username!r}")
    if not user.is_active:
        raise ValueError(f"user {username!r} is not active")
    if not name.strip():
        raise ValueError("give the token a name saying what will use it")
    secret = SCHEME_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(user=user, name=name.strip()[:100], prefix=secret[:12], digest=digest(secret))
    return token, secret


def verify(secret: str) -> Any | None:
    """The active user a secret belongs to, or None (unknown, revoked, or the user is disabled)."""
    token = ApiToken.objects.select_related("user").filter(digest=digest(secret), revoked_at=None).first()
    if token is None or not token.user.is_active:
        return None
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
    return token.user


def revoke(prefix: str) -> int:
    """Revoke every active token with this prefix; returns how many."""
    return ApiToken.objects.filter(prefix=prefix, revoked_at=None).update(revoked_at=timezone.now())
