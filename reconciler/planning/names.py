"""When two sync names are one identity: the server may hand a name back normalised.

Servers seen in the wild store names in Unicode NFC, strip surrounding whitespace, and some fold
case. A name that differs from the file's only in those ways is the same sync: matching by it,
comparing it, reading before a create and deriving the create's idempotency key all go through
:func:`name_key`, so a normalising server can never turn one definition into several syncs.
"""

from __future__ import annotations

import unicodedata


def name_key(name: str) -> str:
    """The form two names share when a normalising server would store them alike."""
    return unicodedata.normalize("NFC", name).strip().casefold()


def same_name(a: object, b: object) -> bool:
    """Whether two live/file names are one identity (exactly equal, or equal once normalised)."""
    if not isinstance(a, str) or not isinstance(b, str):
        return a == b
    return a == b or name_key(a) == name_key(b)
