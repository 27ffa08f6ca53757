"""Every channel, registered by name on import (the voice stack's SIP transport when it is installed)."""

from __future__ import annotations

import importlib
import logging

from epiaid.carecall.transports import base

log = logging.getLogger(__name__)
MODULES = ("epiaid.carecall.transports.text", "epiaid.carecall.transports.web", "epiaid.carecall.transports.twiml")
OPTIONAL = ("epiaid.carecall.transports.sip",)


def load() -> dict[str, base.Transport]:
    for name in MODULES:
        importlib.import_module(name)
    for name in OPTIONAL:
        try:
            importlib.import_module(name)
        except ImportError as exc:  # the voice stack is optional (no espeak/Vosk on this machine)
            log.info("channel %s not available: %s", name, exc)
    return base.TRANSPORTS
