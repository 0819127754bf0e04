"""Moved to :mod:`reconciler.render.status` (one render package); kept so existing imports work."""

from reconciler.render.status import FORMAT_VERSION, render_json, render_text, status_json

__all__ = ["FORMAT_VERSION", "render_json", "render_text", "status_json"]
