"""Idempotency keys derived from the change itself.

A key is a digest of what the write means. A create's key is derived from its identity alone
(kind and normalised name, :mod:`reconciler.planning.names`), never from its body: two jobs
applying different versions of one definition at once send the same key, so the server runs one
create and hands the other job the same sync back (replay, or 409 while in flight), which that
job then updates. Updates and deletes: the live id, the action, a hash of the exact body sent and
the fingerprint of the live object the change was computed against. So:

- every retry of one write carries the same key (the server replays instead of acting twice);
- the same edit made again later, after the live object moved, gets a new key and is not
  swallowed by the server's 24 h replay of the earlier outcome;
- a create whose replayed outcome names a sync that no longer exists can continue with a
  fresh key derived from the same change plus the stale id (``after``), still deterministic;
  so can a create whose key replays an earlier refusal (``after`` = the body hash).

Keys never appear in output: the body hash covers sensitive values.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any, Mapping

from reconciler.planning.model import Change
from reconciler.planning.names import name_key

KEY_PATTERN = re.compile(r"^[A-Za-z0-9_-]{8,255}$")
_SCHEME = "rc2"  # bump when the derivation changes
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
    material: dict[str, Any] = {"scheme": _SCHEME, "kind": change.kind, "action": change.action}
    if change.action == "create":
        given = body.get("name") if isinstance(body, Mapping) else None
        material["identity"] = {"name": name_key(given if isinstance(given, str) else change.name)}
    else:
        material.update(identity={"id": change.sync_id}, body=body_hash(body), live=change.fingerprint or "")
    if after is not None:
        material["after"] = after
    digest = hashlib.sha256(_canonical(material)).hexdigest()[:_DIGEST_CHARS]
    key = f"{_SCHEME}-{change.action}-{digest}"
    assert KEY_PATTERN.match(key), key
    return key
