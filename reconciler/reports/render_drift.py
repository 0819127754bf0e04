"""Moved to :mod:`reconciler.render.drift` (one render package); kept so existing imports work."""

from reconciler.render.drift import (FORMAT_VERSION, MARKER, drift_json, execution_json, render_json,
                                     render_markdown, render_text)

__all__ = ["FORMAT_VERSION", "MARKER", "drift_json", "execution_json", "render_json", "render_markdown", "render_text"]
