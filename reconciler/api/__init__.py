"""HTTP access to the Polytomic API: one client, one transport seam."""

from reconciler.api.client import PolytomicClient
from reconciler.api.retry import RetryPolicy

__all__ = ["PolytomicClient", "RetryPolicy"]
