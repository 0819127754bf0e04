"""Keyset pagination for `GET /api/syncs`: opaque, signed page tokens.

A token is urlsafe base64 (no padding) of JSON `{"v": 1, "u": updated_at, "i": id, "s": sig}`,
where `sig` is an HMAC-SHA256 (first 16 hex digits) of the position under a per-database secret.
It records only the position of the last item returned, so a sync updated between two page reads
moves to the front and is not on the following pages (like the real service).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json

from reconciler.emulator.errors import ApiError

TOKEN_VERSION = 1
DEFAULT_LIMIT = 50
MAX_LIMIT = 50


def _sign(secret: bytes, updated_at: str, sync_id: str) -> str:
    msg = f"{TOKEN_VERSION}|{updated_at}|{sync_id}".encode()
    return hmac.new(secret, msg, hashlib.sha256).hexdigest()[:16]


def encode_token(secret: bytes, updated_at: str, sync_id: str) -> str:
    """The token continuing after the item at (`updated_at`, `sync_id`)."""
    payload = {"v": TOKEN_VERSION, "u": updated_at, "i": sync_id,
               "s": _sign(secret, updated_at, sync_id)}
    raw = json.dumps(payload, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_token(secret: bytes, token: str) -> tuple[str, str]:
    """The (updated_at, id) position of a token; a 400 for anything malformed or forged."""
    bad = ApiError(400, "page_token is malformed; pass back the next_page_token unchanged",
                   key="invalid_page_token")
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        payload = json.loads(raw)
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise bad from None
    if not isinstance(payload, dict) or payload.get("v") != TOKEN_VERSION:
        raise bad
    updated_at, sync_id, sig = payload.get("u"), payload.get("i"), payload.get("s")
    if not (isinstance(updated_at, str) and isinstance(sync_id, str) and isinstance(sig, str)):
        raise bad
    if not hmac.compare_digest(sig, _sign(secret, updated_at, sync_id)):
        raise bad
    return updated_at, sync_id


def parse_limit(raw: str | None) -> int:
    """`limit`: default and cap 50; non-positive means the default; not a number is a 400."""
    if raw is None or raw == "":
        return DEFAULT_LIMIT
    try:
        value = int(raw)
    except ValueError:
        raise ApiError(400, f"limit must be an integer (got {raw!r})", key="invalid_request") from None
    if value <= 0:
        return DEFAULT_LIMIT
    return min(value, MAX_LIMIT)
