"""Update bodies that keep what live has: ``ignore_changes`` paths carried over from the live
sync, and the live identity of list items the file does not name (filter labels, schedule ids), so
that an update changes only what the file changes."""

from __future__ import annotations

from collections.abc import Mapping  # isinstance checks: typing's alias is three times slower
from typing import Any

from reconciler import kinds
from reconciler.planning import paths
from reconciler.planning.liveread import live_request, request_body_from_live, request_filter
from reconciler.planning.views import schedule_item, sort_key


def carry(kind: str, body: dict[str, Any], live: Mapping[str, Any], path: str, live_path: str) -> None:
    """Put the live value of an ignored ``path`` (read at ``live_path``) into the update body, in place.

    The API returns ``override_fields`` merged into ``fields`` (and a file may write them there
    too): ignoring ``fields`` carries the live fields and keeps the file's override entries,
    ignoring ``override_fields`` carries the live overrides and drops the file's, so that they
    are neither deleted nor sent twice.
    """
    value = carried_value(kind, live, live_path)
    found = kinds.get(kind).merge_of(path)
    if found is not None:
        merge = found[1]
        into = body.get(merge.into)
        listed: list[Any] = into if isinstance(into, list) else []
        if path == merge.into:
            value = (value or []) + [f for f in listed if merge.owns(f)]
        elif listed:
            body[merge.into] = [f for f in listed if not merge.owns(f)]
    if value is None:
        paths.remove(body, path)
    else:
        paths.put(body, path, value)


def carried_value(kind: str, live: Mapping[str, Any], path: str) -> Any:
    """The live value an ignored ``path`` keeps in the update body (None: the key is left out).

    In a model sync, ``fields`` and ``override_fields`` are each only their own entries of the
    merged live ``fields``. Carried filters keep their labels, which a ``filter_logic`` names.
    """
    spec = kinds.get(kind)
    current = request_body_from_live(kind, live)
    found = spec.merge_of(path)
    if found is not None:
        source, merge = found
        wanted = path == source
        items = [f for f in current.get(merge.into) or [] if merge.owns(f) == wanted]
        return items or None
    if spec.labeled_filters and path == "filters" and isinstance(live.get("filters"), list):
        return [request_filter(f, True) for f in live["filters"]] or None
    return paths.get(current, path, paths.get(live_request(kind, live), path))


def drop_ignored(kind: str, view_: dict[str, Any], path: str) -> None:
    """Remove an ignored ``path`` from a comparable view (in place); in a model-sync view the
    override fields live inside ``fields``, so ignoring either list drops only its entries."""
    found = kinds.get(kind).merge_of(path)
    if found is not None and isinstance(view_.get(found[1].into), list):
        merge = found[1]
        keep_merged = path == merge.into
        view_[merge.into] = [f for f in view_[merge.into] if merge.owns(f) == keep_merged]
        return
    paths.remove(view_, path)


def with_live_labels(kind: str, body: dict[str, Any], live: Mapping[str, Any]) -> dict[str, Any]:
    """The update body with each unlabeled filter given the label of the same live filter.

    Without a ``filter_logic`` a label means nothing to the filters, so the file need not say
    it; but the server labels unlabeled filters by position, so an update sending the filters in
    another order would relabel them. (Under a logic, labels are the file's business: an
    unlabeled filter's position is its label.)
    """
    filters, live_filters = body.get("filters"), live.get("filters")
    if not kinds.get(kind).labeled_filters or str(body.get("filter_logic") or "").strip():
        return body
    if not isinstance(filters, list) or not isinstance(live_filters, list):
        return body
    pool = [(sort_key(request_filter(f, False)), f.get("label")) for f in live_filters if isinstance(f, Mapping)]
    used = {f.get("label") for f in filters if isinstance(f, Mapping)}
    out = []
    for item in filters:
        out.append(_labeled(item, pool, used))
    return {**body, "filters": out}


def _labeled(item: Any, pool: list[tuple[str, Any]], used: set[Any]) -> Any:
    """An unlabeled filter with the label of an equal live filter in ``pool`` (taken from it, and
    marked ``used``), else as it is."""
    if not isinstance(item, Mapping) or item.get("label") is not None:
        return item
    wanted = sort_key(request_filter(item, False))
    found = next((i for i, (k, label) in enumerate(pool) if k == wanted and label and label not in used), None)
    if found is None:
        return item
    label = pool.pop(found)[1]
    used.add(label)
    return {**item, "label": label}


def with_schedule_ids(kind: str, body: dict[str, Any], live: Mapping[str, Any]) -> dict[str, Any]:
    """The update body with each additional schedule the live sync already has (same settings)
    naming that schedule's id, so that an update keeps it rather than replacing it by a new one."""
    wanted, have = body.get("additional_schedules"), live.get("additional_schedules")
    if not kinds.get(kind).schedule_ids or not isinstance(wanted, list) or not isinstance(have, list):
        return body
    pool = [(sort_key(schedule_item(s)), s.get("id")) for s in have if isinstance(s, Mapping) and s.get("id")]
    out = []
    for item in wanted:
        if isinstance(item, Mapping) and "id" not in item:
            found = next((i for i, (k, _) in enumerate(pool) if k == sort_key(schedule_item(item))), None)
            if found is not None:
                item = {**item, "id": pool.pop(found)[1]}
        out.append(item)
    return {**body, "additional_schedules": out}
