"""Idempotency keys derived from the change itself.

A key is a digest of what the write means: the kind, the identity (name for a create, live id
otherwise), the action, a hash of the exact body sent and, for updates and deletes, the
fingerprint of the live object the change was computed against. So:

- every retry of one write carries the same key (the server replays instead of acting twice);
- the same edit made again later, after the live object moved, gets a new key and is not
  swallowed by the server's 24 h replay of the earlier outcome;
- a create whose replayed outcome names a sync that no longer exists can continue with a
  fresh key derived from the same change plus the stale id (``after``), still deterministic.

Keys never appear in output: the body hash covers sensitive values.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any, Mapping

from reconciler.planning.model import Change

KEY_PATTERN = re.compile(r"^[A-Za-z0-9_-]{8,255}$")
_SCHEME = "rc1"  # bump when the derivation changes
_DIGEST_CHARS = 48


def _canonical(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str).encode()


def body_hash(body: Mapping[str, Any] | None) -> str:
    """Digest of the exact request body (``None`` for bodiless writes)."""
    return hashlib.sha256(_canonical(body)).hexdigest()


def idempotency_key(change: Change, body: Mapping[str, Any] | None, *, after: str | None = None) -> str:
    """The ``Idempotency-Key`` for one write of ``change`` with ``body``.

    ``after`` continues a create's key chain once the outcome replayed for the previous key
    proved stale (its sync is gone): pass the id that outcome named.
    """
    identity: dict[str, Any] = {"name": change.name} if change.action == "create" else {"id": change.sync_id}
    material: dict[str, Any] = {
        "scheme": _SCHEME,
        "kind": change.kind,
        "identity": identity,
        "action": change.action,
        "body": body_hash(body),
    }
    if change.action in ("update", "delete"):
        material["live"] = change.fingerprint or ""
    if after is not None:
        material["after"] = after
    digest = hashlib.sha256(_canonical(material)).hexdigest()[:_DIGEST_CHARS]
    key = f"{_SCHEME}-{change.action}-{digest}"
    assert KEY_PATTERN.match(key), key
    return key
