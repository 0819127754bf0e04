"""``target.create`` is write-only and sent on create only.

An update keeps the live ``target.object`` (sending ``create`` again would ask for another new
object), and since the file cannot name the object it got, a change to it cannot be checked: the
plan says so for each such sync, with the live value to pin.
"""

from __future__ import annotations

from typing import Any, Mapping

from reconciler import kinds
from reconciler.definitions.model import Definition
from reconciler.planning.model import Hint


def creates_target(body: Mapping[str, Any]) -> bool:
    """Whether a model-sync body asks for a new target object (and names none)."""
    target = body.get("target")
    return isinstance(target, Mapping) and "create" in target and "object" not in target


def update_body(body: dict[str, Any], live: Mapping[str, Any]) -> dict[str, Any]:
    """The update body: ``target.create`` replaced by the live ``target.object``."""
    if not creates_target(body):
        return body
    target = {k: v for k, v in body["target"].items() if k != "create"}
    live_target = live.get("target")
    if isinstance(live_target, Mapping) and live_target.get("object"):
        target["object"] = live_target["object"]
    return {**body, "target": target}


def hint(d: Definition, live: Mapping[str, Any]) -> Hint | None:
    """The warning for a live sync whose file uses ``target.create``: name the object to pin."""
    if not kinds.get(d.kind).has_target or not creates_target(d.spec):
        return None
    live_target = live.get("target")
    obj = live_target.get("object") if isinstance(live_target, Mapping) else None
    if not obj:
        return None
    return Hint(
        message=(f"target.create is sent on create only; this sync writes to target.object {obj!r}, "
                 f"which cannot be checked until the file names it: replace target.create with "
                 f"`object: {obj}` to pin it"),
        kind=d.kind, name=d.name, source=d.position)
