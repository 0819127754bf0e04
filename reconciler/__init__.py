"""reconciler: sync-as-code for Polytomic model syncs and bulk syncs."""

__version__ = "0.2.0"
