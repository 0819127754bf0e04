"""A local, faithful stand-in for the Polytomic REST API (see docs/emulator.md).

This package imports nothing from the rest of `reconciler`, so that the client and the
emulator cannot share a misunderstanding of the wire format.
"""

from __future__ import annotations

from reconciler.emulator.app import create_app

__all__ = ["create_app"]
