"""Webhook requests from the telephony/SMS provider: the signature decides, refusals are audited."""

from __future__ import annotations

from django.http import HttpRequest
from twilio.request_validator import RequestValidator

from epiaid.carecall import config
from epiaid.carecall.services.access import SYSTEM
from epiaid.core.audit import AuditAction, record
from epiaid.core.errors import Forbidden


def signed_url(request: HttpRequest) -> str:
    """The URL the provider called (behind a proxy: ``CARECALL_PUBLIC_URL`` + the path)."""
    base = config.get("CARECALL_PUBLIC_URL", "")
    return f"{str(base).rstrip('/')}{request.get_full_path()}" if base else request.build_absolute_uri()


def verify(request: HttpRequest) -> None:
    """Refuse (403, audited) a webhook without a valid ``X-Twilio-Signature`` for our auth token."""
    token = config.twilio_auth_token()
    signature = request.headers.get("X-Twilio-Signature", "")
    params = {k: request.POST.get(k, "") for k in request.POST}
    if token and signature and RequestValidator(token).validate(signed_url(request), params, signature):
        return
    reason = "no auth token configured" if not token else ("unsigned" if not signature else "bad signature")
    record(request, AuditAction.CARECALL_WEBHOOK_REFUSED, "carecall.webhook", actor=SYSTEM, detail={"reason": reason})
    raise Forbidden(f"webhook refused: {reason}", code="bad_signature")


def sign(url: str, params: dict[str, str]) -> str:
    """The signature a provider would send (for simulators, the benchmark and tests)."""
    return str(RequestValidator(config.twilio_auth_token()).compute_signature(url, params))
