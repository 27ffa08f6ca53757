"""Public services of the mask-stock capability — the only part other capabilities may import.

- :mod:`.intake` — what the API, pages and CLI call: who may change an outlet's stock, and the audit;
- :mod:`.stock` — stock changes with their history (one transaction each);
- :mod:`.rationing` — the cross-outlet weekly ledger (buyer IDs only as a keyed hash);
- :mod:`.tokens` — sellers' tokens and their replay guard;
- :mod:`.outlets` — the outlet list import;
- :mod:`.readmodel` — the in-memory snapshot the public APIs answer from, and v2's filters and feed.
"""

from __future__ import annotations

from epiaid.masks.services import intake
from epiaid.masks.services.base import (
    MasksError,
    PurchaseRefused,
    StockConflict,
    TokenError,
    UnknownOutlet,
    bump_version,
    current_version,
    get_outlet,
)
from epiaid.masks.services.outlets import ImportReport, import_outlets
from epiaid.masks.services.rationing import PurchaseResult, buyer_hash, hmac_key, purchase, rules
from epiaid.masks.services.readmodel import (
    READ_MODEL,
    change_feed,
    changes_since,
    fresh_snapshot,
    load_snapshot,
    refresh_after_commit,
    refresh_due,
    refresh_read_model,
    reset_read_model,
    stores_geojson,
)
from epiaid.masks.services.stock import history, record_arrival, record_sale, report_stock, set_halted
from epiaid.masks.services.tokens import TOKEN_PREFIX, authenticate_token, issue_token, revoke_tokens

__all__ = [
    "READ_MODEL",
    "TOKEN_PREFIX",
    "ImportReport",
    "MasksError",
    "PurchaseRefused",
    "PurchaseResult",
    "StockConflict",
    "TokenError",
    "UnknownOutlet",
    "authenticate_token",
    "bump_version",
    "buyer_hash",
    "change_feed",
    "changes_since",
    "current_version",
    "fresh_snapshot",
    "get_outlet",
    "history",
    "hmac_key",
    "import_outlets",
    "intake",
    "issue_token",
    "load_snapshot",
    "purchase",
    "record_arrival",
    "record_sale",
    "refresh_after_commit",
    "refresh_due",
    "refresh_read_model",
    "report_stock",
    "reset_read_model",
    "revoke_tokens",
    "rules",
    "set_halted",
    "stores_geojson",
]
