"""Seller tokens: an outlet's own bearer token, with a replay guard (nonce and timestamp)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from epiaid.masks.models import SellerToken, TokenNonce
from epiaid.masks.services.base import TokenError, get_outlet

TOKEN_PREFIX = "msk"  # noqa: S105 - the public label of a token, not a secret
NONCE_WINDOW_S = 300


def _secret_hash(secret: str) -> str:
    # The secret has 256 bits of entropy, so a plain SHA-256 suffices (no slow hash needed).
    return hashlib.sha256(secret.encode()).hexdigest()


def issue_token(code: str, actor: str, *, rotate: bool = True) -> str:
    """Create a token for an outlet and return it (shown once). ``rotate`` revokes the older ones."""
    outlet = get_outlet(code)
    prefix, secret = secrets.token_hex(6), secrets.token_urlsafe(32)
    with transaction.atomic():
        if rotate:
            SellerToken.objects.filter(outlet=outlet, revoked_at__isnull=True).update(revoked_at=timezone.now())
        SellerToken.objects.create(outlet=outlet, prefix=prefix, secret_hash=_secret_hash(secret), created_by=actor)
    return f"{TOKEN_PREFIX}_{prefix}_{secret}"


def revoke_tokens(code: str) -> int:
    outlet = get_outlet(code)
    return SellerToken.objects.filter(outlet=outlet, revoked_at__isnull=True).update(revoked_at=timezone.now())


def authenticate_token(
    raw: str, *, nonce: str | None, timestamp: str | None, now: datetime | None = None
) -> SellerToken:
    """Check a seller token and its replay protection (a fresh nonce within ±5 minutes).

    Each request carries ``X-Mask-Nonce`` (8–64 characters, never reused with this token) and
    ``X-Mask-Timestamp`` (Unix seconds); a captured request replayed later is refused.
    """
    now = now or timezone.now()
    parts = (raw or "").split("_", 2)
    if len(parts) != 3 or parts[0] != TOKEN_PREFIX or not parts[1] or not parts[2]:
        raise TokenError("malformed seller token (expected msk_<prefix>_<secret>)")
    token = SellerToken.objects.select_related("outlet").filter(prefix=parts[1]).first()
    if token is None or not hmac.compare_digest(token.secret_hash, _secret_hash(parts[2])):
        raise TokenError("unknown seller token")
    if token.revoked_at is not None:
        raise TokenError("this seller token has been revoked")
    if not nonce or not 8 <= len(nonce) <= 64 or not nonce.isascii():
        raise TokenError("X-Mask-Nonce header is required (8–64 ASCII characters, new for every request)")
    try:
        stamp = float(timestamp or "")
    except ValueError:
        raise TokenError("X-Mask-Timestamp header must be Unix seconds") from None
    if abs(now.timestamp() - stamp) > NONCE_WINDOW_S:
        raise TokenError(f"X-Mask-Timestamp is more than {NONCE_WINDOW_S} s from the server's clock")
    try:
        with transaction.atomic():
            TokenNonce.objects.create(token=token, nonce=nonce)
    except IntegrityError:
        raise TokenError("replayed request: this nonce was already used", status=409) from None
    TokenNonce.objects.filter(token=token, at__lt=now - timedelta(seconds=2 * NONCE_WINDOW_S)).delete()
    SellerToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token
