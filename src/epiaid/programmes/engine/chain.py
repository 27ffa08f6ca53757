"""A hash chain over the portal's decision records: each record's hash covers its content and the hash
before it, so editing, deleting or reordering any record breaks every later link.

``link(prev, payload)`` is SHA-256 over the previous hash and the record's canonical JSON (sorted keys,
no spaces, UTF-8). The first record's ``prev`` is 64 zeros.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

GENESIS = "0" * 64


def canonical(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str).encode()


def link(prev: str, payload: dict[str, Any]) -> str:
    return hashlib.sha256(prev.encode() + b"\n" + canonical(payload)).hexdigest()


@dataclass(frozen=True)
class Broken:
    seq: int
    reason: str


def verify(records: Iterable[tuple[int, str, str, dict[str, Any]]]) -> Broken | None:
    """Check ``(seq, prev_hash, hash, payload)`` rows in order; the first broken link, or ``None``."""
    expected_prev, expected_seq = GENESIS, 1
    for seq, prev, digest, payload in records:
        if seq != expected_seq:
            return Broken(seq, f"record {expected_seq} is missing (found {seq})")
        if prev != expected_prev:
            return Broken(seq, "its link to the record before does not match")
        if link(prev, payload) != digest:
            return Broken(seq, "its content does not match its hash (edited)")
        expected_prev, expected_seq = digest, seq + 1
    return None
