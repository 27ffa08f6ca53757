"""Phone numbers at rest: a keyed hash to find a person by number, Fernet encryption to dial.

Keys come from the environment (or Django settings, which tests override):

- ``EPIAID_CARECALL_PHONE_KEY`` / ``settings.CARECALL_PHONE_KEY``: a Fernet key
  (``python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"``).
  Required when ``EPIAID_DEBUG`` is off: the app refuses to start without it (apps.py). In debug a
  key is derived from the secret key so that ``make run`` works out of the box.
- ``EPIAID_CARECALL_LOOKUP_KEY`` / ``settings.CARECALL_LOOKUP_KEY``: the HMAC key of the lookup hash
  (default: derived from the Fernet key, so one secret suffices).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os

import phonenumbers
from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


class PhoneError(ValueError):
    """Not a dialable phone number."""


def _setting(name: str) -> str:
    return str(getattr(settings, name, "") or os.environ.get(f"EPIAID_{name}", "") or "")


def demo_mode() -> bool:
    """The local demo (``EPIAID_DEBUG``), where a missing key may be derived; never a deployment."""
    try:
        from epiaid.core.secrets import demo_mode as platform_demo_mode
    except ImportError:  # older platform: Django's DEBUG is the switch
        return bool(settings.DEBUG)
    return platform_demo_mode()


def phone_key() -> bytes:
    key = _setting("CARECALL_PHONE_KEY")
    if key:
        return key.encode()
    if not demo_mode():
        raise ImproperlyConfigured(
            "EPIAID_CARECALL_PHONE_KEY must be set (a Fernet key) when EPIAID_DEBUG is off: "
            "care-call phone numbers are encrypted with it"
        )
    digest = hashlib.sha256(b"epiaid.carecall.phone:" + settings.SECRET_KEY.encode()).digest()
    return base64.urlsafe_b64encode(digest)


def check_configured() -> None:
    """Raise :class:`ImproperlyConfigured` when production lacks the phone key (called at start-up)."""
    Fernet(phone_key())  # also refuses a malformed key


def lookup_key() -> bytes:
    key = _setting("CARECALL_LOOKUP_KEY")
    if key:
        return key.encode()
    return hashlib.sha256(b"epiaid.carecall.lookup:" + phone_key()).digest()


def normalise_phone(raw: str, region: str = "KR") -> str:
    """E.164 form of a phone number ("010-1234-5678" → "+821012345678"), or :class:`PhoneError`."""
    text = (raw or "").strip()
    if not text:
        raise PhoneError("phone number is empty")
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException as exc:
        raise PhoneError(f"{text!r} is not a phone number ({exc})") from exc
    if not phonenumbers.is_valid_number(number):
        raise PhoneError(f"{text!r} is not a valid phone number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def phone_hash(e164: str) -> str:
    return hmac.new(lookup_key(), e164.encode(), hashlib.sha256).hexdigest()


def encrypt_phone(e164: str) -> str:
    return Fernet(phone_key()).encrypt(e164.encode()).decode()


def decrypt_phone(token: str) -> str:
    try:
        return Fernet(phone_key()).decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise ImproperlyConfigured("a stored phone number cannot be decrypted with the configured key") from exc


def display_phone(e164: str) -> str:
    """The national form a Korean officer dials by hand ("010-1234-5678")."""
    number = phonenumbers.parse(e164, None)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
