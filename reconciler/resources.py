"""Files shipped with the package: the definition schemas and the documentation.

A wheel carries them inside the package (``reconciler/schemas``, ``reconciler/docs``, copied at
build time by setup.py); an editable install reads them where they are committed, at the
repository root.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def data_dir(name: str, probe: str) -> Path:
    """The folder ``name`` (``schemas`` or ``docs``) that holds the file ``probe``."""
    candidates = (_PACKAGE / name, _PACKAGE.parent / name)
    return next((p for p in candidates if (p / probe).is_file()), candidates[-1])
