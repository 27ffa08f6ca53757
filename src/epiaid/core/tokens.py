"""Bearer tokens for machines: issue, verify, revoke.

Why not HTTP Basic with the user's password: Django hashes passwords with hundreds of thousands of
PBKDF2 rounds, a deliberate ~0.3 s per check that a PACS pushing thousands of instances would pay on
every request. A random 256-bit token needs no slow hash; its SHA-256 is looked up directly.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.utils import timezone

from epiaid.core.models import ApiToken

SCHEME_PREFIX = "epi_"

#: The scopes a token can carry; a service that serves machines checks the one it needs. A token with
#: only ``xray.stow`` can push studies but not read any back.
SCOPES: dict[str, str] = {
    "xray.stow": "push studies to the X-ray triage (DICOMweb STOW-RS)",
    "xray.wado": "retrieve studies, heatmaps and reports (DICOMweb WADO-RS)",
}
ALL_SCOPES: tuple[str, ...] = tuple(SCOPES)
DEFAULT_DAYS = 365


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def issue(
    username: str, name: str, *, scopes: Iterable[str] | None = None, days: int | None = DEFAULT_DAYS
) -> tuple[ApiToken, str]:
    """A new token for an existing, active user; returns the row and the secret (shown once).

    ``scopes`` defaults to every scope; ``days`` is how long it lives (``None``: until revoked)."""
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise ValueError(f"no user named {username!r}")
    if not user.is_active:
        raise ValueError(f"user {username!r} is not active")
    if not name.strip():
        raise ValueError("give the token a name saying what will use it")
    chosen = sorted(set(ALL_SCOPES if scopes is None else scopes))
    unknown = [s for s in chosen if s not in SCOPES]
    if unknown:
        raise ValueError(f"unknown scope {', '.join(unknown)}; known: {', '.join(ALL_SCOPES)}")
    if not chosen:
        raise ValueError(f"give the token at least one scope ({', '.join(ALL_SCOPES)})")
    if days is not None and days < 1:
        raise ValueError("a token must live at least one day (--days 1 or more)")
    secret = SCHEME_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name.strip()[:100],
        prefix=secret[:12],
        digest=digest(secret),
        scopes=chosen,
        expires_at=None if days is None else timezone.now() + timedelta(days=days),
    )
    return token, secret


def verify_token(secret: str) -> ApiToken | None:
    """The token row a secret belongs to, or None (unknown, revoked, expired, or the user is disabled)."""
    token = ApiToken.objects.select_related("user").filter(digest=digest(secret), revoked_at=None).first()
    if token is None or not token.user.is_active or token.expired():
        return None
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
    return token


def verify(secret: str) -> Any | None:
    """The active user a secret belongs to, or None (unknown, revoked, expired, or the user is disabled)."""
    token = verify_token(secret)
    return None if token is None else token.user


def revoke(prefix: str) -> int:
    """Revoke every active token with this prefix; returns how many."""
    return ApiToken.objects.filter(prefix=prefix, revoked_at=None).update(revoked_at=timezone.now())
