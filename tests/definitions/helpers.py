"""Shared helpers for the definition tests."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "syncs"
SCHEMAS = ROOT / "schemas"
OPENAPI = ROOT / "reference" / "polytomic-openapi.json"
DEMO_ENV = {"DEMO_ENCRYPTION_PASSPHRASE": "demo-passphrase-not-a-real-secret"}
_REF = re.compile(r"^\$\{(connection|model|sync|bulk_sync):(.+)\}$")


def resolve(value: Any, ids: dict[tuple[str, str], str]) -> Any:
    """Replace every ${kind:NAME} reference by the id in ``ids``."""
    if isinstance(value, dict):
        return {k: resolve(v, ids) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve(v, ids) for v in value]
    if isinstance(value, str):
        match = _REF.match(value)
        if match:
            return ids[(match.group(1), match.group(2))]
    return value


def write(tmp: Path, name: str, text: str) -> Path:
    path = tmp / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path
