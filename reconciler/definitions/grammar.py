"""The one home of the ``${kind:name}`` grammar: every module that reads or writes it calls this one.

- ``${env:NAME}``: an environment variable, substituted at load time (definitions/interpolate.py);
- ``${connection|model|sync|bulk_sync:NAME}``: a reference, resolved at plan time to a live id
  (planning/references.py) or, for a sync this same plan creates, at apply time (apply/refs.py);
- ``$${``: a literal ``${`` (the text after it is data, never a placeholder).

References are whole values and stand only in id fields (:func:`reference_slot`).
"""

from __future__ import annotations

import functools
import re
from typing import Iterator

from reconciler import kinds

OPEN = "${"
ESCAPE = "$${"
ENV = "env"
#: Reference kinds resolved against the live organisation.
REFERENCE_KINDS = ("connection", "model", "sync", "bulk_sync")

_KINDS = "|".join(REFERENCE_KINDS)
PLACEHOLDER = re.compile(r"\$\{([^{}]*)\}")
#: An escaped ``$${`` (a literal ``${``), else a placeholder; scanned left to right.
TOKEN = re.compile(r"\$\$\{|\$\{([^{}]*)\}")
ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
#: A value that is exactly one reference, e.g. ``${connection:Salesforce CRM}``.
REFERENCE = re.compile(rf"^\$\{{({_KINDS}):([^{{}}]+)\}}$")
#: The start of a reference anywhere inside a longer text.
REFERENCE_ANYWHERE = re.compile(rf"\$\{{({_KINDS}):")
#: Each complete reference inside a text (the planner resolves them where they stand).
REFERENCE_IN_TEXT = re.compile(rf"\$\{{({_KINDS}):([^}}]+)\}}")

# Which reference kind each id field takes (field paths of the create request).
_REFERENCE_SLOTS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^(target|schedule)\.connection_id$|^(source|destination)_connection_id$"), "connection"),
    (re.compile(r"(^|\.)model_id$"), "model"),
    (re.compile(r"^schedule\.run_after\.sync_ids\[\d+\]$"), "sync"),
    (re.compile(r"^schedule\.run_after\.bulk_sync_ids\[\d+\]$"), "bulk_sync"),
)


@functools.lru_cache(maxsize=4096)  # the same few paths in every file
def reference_slot(path: str) -> str | None:
    """The reference kind an id field takes (``connection``, ``model``, ...), or None."""
    for pattern, kind in _REFERENCE_SLOTS:
        if pattern.search(path):
            return kind
    return None


def placeholder(kind: str, name: str) -> str:
    """The text of one placeholder: ``${kind:name}``."""
    return f"${{{kind}:{name}}}"


def whole_reference(text: str) -> tuple[str, str] | None:
    """(kind, name) when ``text`` is exactly one reference, else None."""
    match = REFERENCE.fullmatch(text)
    return (match.group(1), match.group(2)) if match else None


def references_in(text: str) -> Iterator[re.Match[str]]:
    """Each complete reference inside ``text``: group 1 its kind, group 2 its name."""
    return REFERENCE_IN_TEXT.finditer(text)


def sync_kind(kind: str) -> str | None:
    """The sync kind a reference kind names (``sync`` -> ``ModelSync``; the registry says); None for others."""
    return kinds.sync_schemes().get(kind)


def sync_key(kind: str, name: str) -> str | None:
    """The change key (``Kind/name``) a sync reference points at; None for other kinds."""
    named = sync_kind(kind)
    return f"{named}/{name}" if named is not None else None


def escape(text: str) -> str:
    """``text`` as a file value that interpolates back to exactly ``text`` (every ``${`` escaped)."""
    return text.replace(OPEN, ESCAPE)


def unescape(text: str) -> str:
    """Each ``$${`` of ``text`` as the literal ``${`` it writes."""
    return text.replace(ESCAPE, OPEN)
