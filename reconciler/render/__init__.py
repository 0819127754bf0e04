"""Renderers of a frozen :class:`~reconciler.planning.model.Plan`: text, JSON and Markdown.

Renderers only read the plan; they never recompute it. Sensitive values are always shown as
``(sensitive)`` and write-only values as ``(write-only)``.
"""
