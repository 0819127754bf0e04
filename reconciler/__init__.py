"""reconciler: sync-as-code for Polytomic model syncs and bulk syncs."""

__version__ = "0.1.0"
