"""Settings for the test suite: production's settings (``EPIAID_DEBUG`` off), with explicit test secrets.

The suite runs as a deployment would, so a missing secret or an insecure default shows up here first.
Secrets are random per run and set in the environment, so that worker processes, servers and CLI
subprocesses the tests start inherit the same ones. Plain HTTP on loopback: no HTTPS redirect.
"""

from __future__ import annotations

import base64
import os
import secrets

os.environ.setdefault("EPIAID_SECRET_KEY", "test-" + secrets.token_urlsafe(40))
os.environ.setdefault("EPIAID_MASKS_HMAC_KEY", "test-" + secrets.token_urlsafe(32))
os.environ.setdefault("EPIAID_CARECALL_PHONE_KEY", base64.urlsafe_b64encode(secrets.token_bytes(32)).decode())
os.environ.setdefault("EPIAID_SSL_REDIRECT", "0")

from epiaid.core.settings import *  # noqa: F403
