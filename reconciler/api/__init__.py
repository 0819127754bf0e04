"""HTTP access to the Polytomic API: one client, one transport seam.

The client (and httpx under it) is imported on first use, so a command that never calls the API
(``validate``) does not pay for it; the retry policy is plain data.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from reconciler.api.retry import RetryPolicy

if TYPE_CHECKING:
    from reconciler.api.client import PolytomicClient

__all__ = ["PolytomicClient", "RetryPolicy"]


def __getattr__(name: str) -> Any:
    if name == "PolytomicClient":
        from reconciler.api.client import PolytomicClient

        return PolytomicClient
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
