"""Secrets come from the environment; only the local demo may derive them.

``EPIAID_DEBUG`` (off by default) marks the local demo that ``make run`` starts. There a missing
secret is derived from the secret key with a domain separator, so the demo works out of the box;
anywhere else a missing secret stops the start-up with the variable's name, so a deployment can never
run with a key an attacker could guess. Capabilities name their secrets in ``AppConfig.ready``.
"""

from __future__ import annotations

import hashlib
import hmac
import os

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


def demo_mode() -> bool:
    """The deployment's switch (not ``settings.DEBUG``, which the test runner turns off)."""
    return bool(getattr(settings, "EPIAID_DEBUG", False))


def secret(name: str, *, purpose: str) -> bytes:
    """The secret in environment variable ``name``; refused (naming it) when unset outside the demo."""
    value = os.environ.get(name, "")
    if value:
        return value.encode()
    if not demo_mode():
        raise ImproperlyConfigured(f"{name} must be set when EPIAID_DEBUG is off ({purpose})")
    return hmac.new(settings.SECRET_KEY.encode(), f"epiaid:{name}".encode(), hashlib.sha256).digest()


def require(*names: str) -> None:
    """Stop the start-up when any of these variables is unset outside the demo (AppConfig.ready)."""
    if demo_mode():
        return
    missing = [n for n in names if not os.environ.get(n)]
    if missing:
        raise ImproperlyConfigured(f"{', '.join(missing)} must be set when EPIAID_DEBUG is off")
