"""Compute the plan: match definitions to live syncs, read what is needed, compare, decide actions.

Data flows one way: definitions + live reads -> frozen :class:`Plan`. Reads made:

- the complete model-sync listing (pages of 50) and the bulk-sync listing (both kinds, always:
  unmanaged syncs are reported);
- connections / models lists only when a definition uses ``${connection:...}`` / ``${model:...}``
  or a model sync is compared (``target.configuration`` defaults depend on the connection type);
- ``GET /api/syncs/{id}`` only for syncs the files could own (and prune deletions) when list items
  are light, started while the listing is still paged (:mod:`reconciler.planning.prefetch`);
- ``GET /api/bulk/syncs/{id}/schemas`` for each matched bulk sync (a file without ``schemas`` asks
  for every schema of the source: a schema deselected in the UI is drift), and
  ``GET /api/bulk/syncs/{id}/schemas/{schema_id}`` for each selected schema (fields, filters):
  :mod:`reconciler.planning.bulk_schemas`;
- for the creates and updates only, the catalogue they name, each object once
  (:mod:`reconciler.planning.catalogue`): ``GET /api/models/{id}``, the connections list,
  ``modelsync/targetobjects`` per target connection, ``bulksync/source`` per bulk source.
"""

from __future__ import annotations

import copy
import dataclasses
from concurrent.futures import Future
from dataclasses import dataclass, field
from contextlib import closing
from typing import Any, Mapping, Sequence

from reconciler.api.client import PolytomicClient
from reconciler.config import PruneScope
from reconciler.definitions.model import Definition, Kind
from reconciler.errors import ApiError
from reconciler import kinds
from reconciler.planning import align, carry, liveread, paths, target_create, views
from reconciler.planning.cache import ReadCache
from reconciler.planning.catalogue import Catalogue, check_changes
from reconciler.planning.diff import diff_views
from reconciler.planning.hints import rename_hints
from reconciler.planning.identity import Match, Matching, match
from reconciler.planning.model import (Action, Change, FieldDiff, Hint, Plan, Problem, SecretSource, Unmanaged,
                                       fingerprint)
from reconciler.planning.names import same_name
from reconciler.planning.overlap import EarlyChanges
from reconciler.planning.ownership import owned_unmanaged, ownership_hints
from reconciler.planning.prefetch import Reads
from reconciler.planning.references import Resolver, by_name, schemes_in, sync_refs
from reconciler.planning.refnames import referenced_names
from reconciler.planning.rotation import resend
from reconciler.planning.secrets import contains_secret, mark, masked, plain
from reconciler.planning.unknowns import missing_variables, planned, unknown_hints

def plan_against(
    client: PolytomicClient,
    definitions: Sequence[Definition],
    *,
    prune: PruneScope | None = None,
    parallelism: int = 4,
    owns: PruneScope | None = None,
    resend_write_only: frozenset[str] = frozenset(),
    cache: ReadCache | None = None,
) -> Plan:
    """The plan that makes the live organisation match ``definitions`` (see SPEC section 4).

    ``prune``: unmanaged syncs it covers are deleted; ``owns``: only unmanaged syncs it covers are
    reported (the others are counted); None: all of them. ``resend_write_only``: names of syncs
    whose write-only values are sent again (:mod:`reconciler.planning.rotation`). ``cache``
    answers reads of syncs that have not moved since it was filled.
    """
    with Reads(client, definitions, parallelism, cache) as reads:
        catalog = _Catalog(client, reads, definitions)  # (the lists are read while the syncs are listed)
        compare = (lambda d, live: _compare_one(d, live, catalog.early_resolver(), catalog,
                                                d.name in resend_write_only)) if catalog.early else None
        with closing(EarlyChanges(reads, definitions, compare)) as early:
            return _plan(client, reads, early, catalog, definitions, prune, owns, resend_write_only)


def _plan(client: PolytomicClient, reads: Reads, early: EarlyChanges[_One], catalog: _Catalog,
          definitions: Sequence[Definition], prune: PruneScope | None,
          owns: PruneScope | None, resend_write_only: frozenset[str]) -> Plan:
    live_items = _list_live(client, reads, early)
    matching = match(definitions, live_items)
    problems = [_problem(m.definition, m.problem) for m in matching.matches if m.problem]
    ok = matching.unrefused()
    deletions = _prune_candidates(matching, prune)
    full, taken = _read_or_take(client, reads, early, ok, deletions)
    catalog.settle(client, ok)
    syncs = _sync_names(ok, live_items)
    resolver = Resolver(catalog.connections_by_name(), catalog.models_by_name(), syncs, _created_keys(ok))
    compared = _compare_all(ok, full, taken, resolver, catalog, resend_write_only)
    problems += compared.problems
    unknown = check_changes(Catalogue(client, reads.submit, catalog.connections or None), compared.sent)
    problems += [problem for _, problem in unknown]
    refused_ids = {id(bad) for bad, _ in unknown}  # not planned
    changes = [c for c in compared.changes if id(c) not in refused_ids]
    created = [(d, c) for d, c in compared.created if id(c) not in refused_ids]
    deletes, refused = _delete_changes(deletions, full, _referenced(ok, syncs) if deletions else {})
    changes += deletes
    problems += refused
    every_unmanaged = _unmanaged(matching, {c.sync_id for c in deletes})
    unmanaged, unowned = owned_unmanaged(every_unmanaged, owns)
    hints = ownership_hints(unmanaged, unowned, owns) + unknown_hints([m.definition for m in ok])
    hints += compared.hints()
    hints += _rename_hints(client, catalog, resolver, created, matching, unmanaged)
    return Plan(
        changes=tuple(sorted(changes, key=lambda c: (c.kind, c.name, c.sync_id or ""))),
        unmanaged=unmanaged,
        problems=_sorted_problems(problems),
        hints=hints,
        unowned=unowned,
        not_listed=tuple(u for u in every_unmanaged if u not in set(unmanaged)),
        unknown_variables=tuple(missing_variables([m.definition for m in ok])),
    )


def _sorted_problems(problems: Sequence[Problem]) -> tuple[Problem, ...]:
    return tuple(sorted(problems, key=lambda p: (p.kind or "", p.name or "", p.message)))


def _created_keys(matches: Sequence[Match]) -> frozenset[str]:
    """``Kind/name`` of each definition with nothing live yet (the plan creates it)."""
    return frozenset(f"{m.definition.kind}/{m.definition.name}" for m in matches if m.item is None)


def _prune_candidates(matching: Matching, prune: PruneScope | None) -> list[tuple[Kind, Mapping[str, Any]]]:
    """The unmanaged syncs inside the prune scope (none without --prune)."""
    if prune is None:
        return []
    return [(kind, item) for kind, item in matching.unmanaged if prune.covers(str(item.get("name", "")))]


def _unmanaged(matching: Matching, deleting: set[str | None]) -> tuple[Unmanaged, ...]:
    """The live syncs no definition claims and the plan does not delete, sorted."""
    left = (Unmanaged(kind, str(item["id"]), str(item.get("name", ""))) for kind, item in matching.unmanaged
            if str(item["id"]) not in deleting)
    return tuple(sorted(left, key=lambda u: (u.kind, u.name, u.sync_id)))


def _list_live(client: PolytomicClient, reads: Reads, early: EarlyChanges[_One]) -> dict[Kind, list[dict[str, Any]]]:
    """Every kind's listing. The streamed kind's is paged here (its pages start the reads and the
    early comparisons); the other kinds' listings are read alongside it."""
    paged = kinds.streamed()
    alongside = {k.name: reads.submit(k.list_live, client) for k in kinds.all() if k is not paged}
    url = paged.routes.collection
    items = paged.list_live(client, on_items=early.on_items, known=reads.known_listing(url))
    reads.keep_listing(url, items)
    return {paged.name: items, **{name: listing.result() for name, listing in alongside.items()}}


@dataclass
class _Compared:
    """What comparing every matched definition with its live sync gave."""

    changes: list[Change] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    rotations: list[Hint] = field(default_factory=list)
    target_hints: list[Hint] = field(default_factory=list)
    created: list[tuple[Definition, Change]] = field(default_factory=list)
    sent: list[tuple[Change, Definition]] = field(default_factory=list)

    def hints(self) -> tuple[Hint, ...]:
        return tuple(self.rotations) + tuple(sorted(self.target_hints,
                                                    key=lambda h: (h.kind or "", h.name or "", h.message)))


@dataclass(frozen=True)
class _One:
    """What comparing one definition with its live sync (or with nothing: a create) gave."""

    change: Change | None = None  # None: refused (problems)
    problems: tuple[Problem, ...] = ()
    rotations: tuple[Hint, ...] = ()
    target_hint: Hint | None = None


def _read_or_take(client: PolytomicClient, reads: Reads, early: EarlyChanges[_One], ok: Sequence[Match],
                  deletions: Sequence[tuple[Kind, Mapping[str, Any]]],
                  ) -> tuple[dict[tuple[Kind, str], dict[str, Any]], dict[tuple[Kind, str], _One]]:
    """The full live objects to compare (:func:`_read_full`) and the comparisons made during the
    listing, by (kind, sync id): a sync compared early is not read again, unless its comparison
    could not be used (its read failed, or the comparison raised)."""
    expected = {(m.definition.kind, str(m.sync_id)): m for m in ok if m.sync_id and early.expects(m.definition, m.item)}
    full = _read_full(client, reads, [m for m in ok if (m.definition.kind, str(m.sync_id)) not in expected], deletions)
    taken = {}
    for key, m in expected.items():
        one = early.take(m.definition, m.item)  # (waits for the comparisons still queued)
        if one is not None:
            taken[key] = one
    full.update(_read_full(client, reads, [m for key, m in expected.items() if key not in taken], ()))
    return full, taken


def _compare_all(ok: Sequence[Match], full: dict[tuple[Kind, str], dict[str, Any]],
                 taken: Mapping[tuple[Kind, str], _One], resolver: Resolver, catalog: _Catalog,
                 resend_write_only: frozenset[str]) -> _Compared:
    out = _Compared()
    for m in ok:
        d = m.definition
        one = taken.get((d.kind, m.sync_id)) if m.sync_id else None  # compared during the listing
        if one is None:
            live = full.pop((d.kind, m.sync_id), None) if m.sync_id else None  # (one match per sync: freed as we go)
            if m.sync_id and live is None and d.pinned_id:
                out.problems.append(_problem(d, f"pinned sync {m.sync_id} was deleted while planning"))
                continue
            # (a sync deleted between the listing and the read is simply not live any more: a create)
            one = _compare_one(d, live, resolver, catalog, d.name in resend_write_only)
        out.problems.extend(one.problems)
        if one.change is None:
            continue
        out.rotations.extend(one.rotations)
        out.changes.append(one.change)
        out.target_hints += [one.target_hint] if one.target_hint else []
        if one.change.action == "create":
            out.created.append((d, one.change))
        out.sent.append((one.change, d))
    return out


def _compare_one(d: Definition, live: dict[str, Any] | None, resolver: Resolver, catalog: _Catalog,
                 resend_write_only: bool) -> _One:
    """The change for ``d`` against ``live`` with its hints, or its problems (no change)."""
    try:
        change = _change(planned(d), live, resolver, catalog)
    except _Unresolved as exc:
        return _One(problems=tuple(_problem(d, text, path) for path, text in exc.problems))
    change, rotations = resend(change, d, live, resend_write_only)
    return _One(change, (), rotations, target_create.hint(d, live) if live is not None else None)


def _delete_changes(deletions: Sequence[tuple[Kind, Mapping[str, Any]]], full: Mapping[tuple[Kind, str], Any],
                    referenced: Mapping[str, list[str]]) -> tuple[list[Change], list[Problem]]:
    """The prune deletions still live, and a problem for each one another sync refers to."""
    changes: list[Change] = []
    problems: list[Problem] = []
    for kind, item in deletions:
        sync_id = str(item["id"])
        live = full.get((kind, sync_id))
        if live is None:
            continue  # already gone
        if sync_id in referenced:
            # deleting it would leave the referring syncs' run_after naming a deleted sync
            problems.append(Problem(
                message=f"not deleted (prune): {sync_id} is referred to by {', '.join(sorted(referenced[sync_id]))}; "
                        "declare it in a file or stop referring to it",
                kind=kind, name=str(item.get("name", ""))))
            continue
        changes.append(Change(kind=kind, name=str(item.get("name", "")), action="delete", sync_id=sync_id,
                              diffs=tuple(_delete_diffs(kind, live)), fingerprint=fingerprint(live)))
    return changes, problems


def _rename_hints(client: PolytomicClient, catalog: _Catalog, resolver: Resolver,
                  created: Sequence[tuple[Definition, Change]], matching: Matching,
                  unmanaged: Sequence[Unmanaged]) -> tuple[Hint, ...]:
    """Creates that look like a listed unmanaged sync renamed (bounded reads)."""
    listed = {u.sync_id for u in unmanaged}
    candidates = [(k, i) for k, i in matching.unmanaged if str(i["id"]) in listed]
    if any(kinds.get(d.kind).has_target for d, _ in created) and any(kinds.get(k).has_target for k, _ in candidates):
        catalog.ensure_connections(client)  # comparing a model sync needs its connection's defaults
    return rename_hints(client, created, candidates, lambda d, live: _same_but_name(d, live, resolver, catalog))


def _referenced(matches: Sequence[Match], syncs: Mapping[tuple[str, str], list[str]]) -> dict[str, list[str]]:
    """Live sync id -> labels of the definitions that refer to it (``${sync:NAME}``, ``${bulk_sync:NAME}``)."""
    out: dict[str, list[str]] = {}
    for m in matches:
        for kind, name in sync_refs(m.definition.spec):
            ids = syncs.get((kind, name), [])
            if len(ids) == 1:
                out.setdefault(ids[0], []).append(m.definition.label)
    return out


# ---- reading ----------------------------------------------------------------------------------


def _read_full(
    client: PolytomicClient,
    reads: Reads,
    matches: Sequence[Match],
    deletions: Sequence[tuple[Kind, Mapping[str, Any]]],
) -> dict[tuple[Kind, str], dict[str, Any]]:
    """Full live objects of the matched syncs (and prune deletions), keyed by (kind, id).

    Model-sync list items are used as they are when they are full objects; light items are read
    by id (most reads were started during the listing). Every matched bulk sync gets its schema
    selection read. A sync gone meanwhile (404) is left out.
    """
    wanted: dict[tuple[Kind, str], tuple[Mapping[str, Any], bool]] = {}
    for m in matches:
        if m.item is not None and m.sync_id:
            # the selection is compared even when the file omits it
            schemas = kinds.get(m.definition.kind).schema_selection
            wanted[(m.definition.kind, m.sync_id)] = (m.item, schemas)
    for kind, item in deletions:
        wanted.setdefault((kind, str(item["id"])), (item, False))

    def read_bulk(spec: kinds.SyncKind, sync_id: str, item: Mapping[str, Any], schemas: bool) -> dict[str, Any]:
        live = dict(item) if spec.is_full_item(item) else spec.get(client, sync_id)
        return {**live, "schemas": reads.bulk_schemas(sync_id, item)} if schemas else live

    out: dict[tuple[Kind, str], dict[str, Any]] = {}
    pending: dict[tuple[Kind, str], Future[dict[str, Any]]] = {}
    for key, (item, schemas) in sorted(wanted.items()):
        kind, sync_id = key
        spec = kinds.get(kind)
        if spec.is_full_item(item) and not schemas:
            out[key] = dict(item)
        elif spec.schema_selection:
            pending[key] = reads.submit(read_bulk, spec, sync_id, item, schemas)
        else:
            pending[key] = reads.early_read(item) or reads.submit(spec.get, client, sync_id)
    for key, future in pending.items():
        try:
            out[key] = future.result()
        except ApiError as exc:
            if exc.status != 404:
                raise
    return out


class _Catalog:
    """Connections and models, read once and only when a definition needs them.

    The lists a reference names are read on the plan's pool while the syncs are listed; the
    connections only a comparison needs (``target.configuration`` defaults) once the matches say so."""

    def __init__(self, client: PolytomicClient, reads: Reads, definitions: Sequence[Definition]) -> None:
        schemes: set[str] = set()
        for d in definitions:
            schemes |= schemes_in(d.spec)
        self._connections = reads.submit(client.list_connections) if "connection" in schemes else None
        self._models = reads.submit(client.list_models) if "model" in schemes else None
        self.connections: list[dict[str, Any]] = []
        self.models: list[dict[str, Any]] = []
        self._resolver: Resolver | None = None
        #: whether model syncs can be compared before the listing ends (their connections are being read)
        self.early = self._connections is not None

    def _wait(self) -> None:
        self.connections = self._connections.result() if self._connections is not None else self.connections
        self.models = self._models.result() if self._models is not None else self.models

    def early_resolver(self) -> Resolver:
        """Connections and models only (for definitions without sync references), once read."""
        if self._resolver is None:
            self._wait()
            self._resolver = Resolver(self.connections_by_name(), self.models_by_name())
        return self._resolver

    def settle(self, client: PolytomicClient, matches: Sequence[Match]) -> None:
        """The lists as the comparisons need them, once the listing is matched."""
        self._wait()
        compares_model = any(m.item is not None and kinds.get(m.definition.kind).has_target for m in matches)
        if self._connections is None and compares_model:
            self.connections = client.list_connections()

    def ensure_connections(self, client: PolytomicClient) -> None:
        if not self.connections:
            self.connections = client.list_connections()

    def connections_by_name(self) -> dict[str, list[str]]:
        return by_name(self.connections)

    def models_by_name(self) -> dict[str, list[str]]:
        return by_name(self.models)

    def configuration_defaults(self, connection_id: Any) -> dict[str, Any]:
        for conn in self.connections:
            if conn.get("id") == connection_id:
                ctype = conn.get("type")
                type_id = ctype.get("id") if isinstance(ctype, Mapping) else ctype
                return dict(align.TARGET_CONFIGURATION_DEFAULTS.get(str(type_id), {}))
        return {}


def _sync_names(matches: Sequence[Match],
                live: Mapping[Kind, Sequence[Mapping[str, Any]]]) -> dict[tuple[str, str], list[str]]:
    """(kind, name) -> live ids; a managed sync is known by its definition's name (not by a live
    name it is being renamed from: a reference to that would resolve once and fail after apply)."""
    names: dict[tuple[str, str], list[str]] = {}
    for kind, items in live.items():
        for item in items:
            if isinstance(item.get("id"), str) and isinstance(item.get("name"), str):
                names.setdefault((kind, item["name"]), []).append(item["id"])
    for m in matches:
        if m.sync_id and m.item is not None and m.item.get("name") != m.definition.name:
            # renamed by this plan (pinned id): its live name is about to go away
            old = names.get((m.definition.kind, str(m.item.get("name"))), [])
            if m.sync_id in old:
                old.remove(m.sync_id)
    managed: dict[tuple[str, str], list[str]] = {}
    for m in matches:
        if m.sync_id:  # (several when definitions share a name and pin ids: ambiguous to refer to)
            managed.setdefault((m.definition.kind, m.definition.name), []).append(m.sync_id)
    names.update(managed)
    return {k: v for k, v in names.items() if v}


# ---- comparing --------------------------------------------------------------------------------


class _Unresolved(Exception):
    def __init__(self, problems: list[tuple[str, str]]) -> None:
        self.problems = problems


def _change(d: Definition, live: dict[str, Any] | None, resolver: Resolver, catalog: _Catalog) -> Change:
    marked = mark(d.spec, d.sensitive_paths)
    desired, depends, problems = resolver.resolve(marked, d.literal_paths)
    if problems:
        raise _Unresolved(problems)
    names = referenced_names(marked, resolver)
    if live is None:
        secrets = _secret_sources(d, desired)
        return Change(kind=d.kind, name=d.name, action="create", source=d.position,
                      diffs=tuple(_create_diffs(d.kind, desired)), body=plain(desired),
                      depends_on=tuple(depends), secrets=secrets, names=names)
    sync_id = str(live["id"])
    paired = _paired_paths(d, desired, live)
    body = _with_ignored(d, desired, live, paired)
    spec = kinds.get(d.kind)
    body = target_create.update_body(body, live) if spec.has_target else body
    body = carry.with_live_labels(d.kind, body, live)
    body = carry.with_schedule_ids(d.kind, body, live)
    secrets = _secret_sources(d, body)
    desired_view = views.view(d.kind, body)
    live_req = liveread.live_request(d.kind, live)
    live_view = views.view(d.kind, live_req)
    target = body.get("target") if isinstance(body.get("target"), Mapping) else {}
    live_view = align.align_live(
        d.kind, body, live_view,
        configuration_defaults=catalog.configuration_defaults(target.get("connection_id")) if target else None,
    )
    if spec.schema_selection and body.get("schemas") is None:
        everything = align.default_schemas(d.kind, body, live)
        if everything is None:
            live_view.pop("schemas", None)  # the selection cannot be known: not compared
        elif everything:
            desired_view["schemas"] = everything
    live_view = align.align_timestamps(d.kind, desired_view, live_view)
    desired_view, live_view = align.align_schemas(desired_view, live_view)
    if same_name(live_view.get("name"), desired_view.get("name")):
        live_view["name"] = desired_view.get("name")  # stored normalised by the server: the same name
    for path in d.ignore_changes:
        if path in paired:
            continue  # the body carries the paired live item's value (the views' orders differ)
        carry.drop_ignored(d.kind, desired_view, path)
        carry.drop_ignored(d.kind, live_view, path)
    diffs = diff_views(d.kind, live_view, desired_view)
    action: Action = "update" if diffs else "no-op"
    if diffs:
        diffs += _write_only_diffs(d.kind, body)
    return Change(kind=d.kind, name=d.name, action=action, sync_id=sync_id, source=d.position,
                  diffs=tuple(sorted(diffs, key=lambda x: x.path)),
                  fingerprint=fingerprint(_fingerprinted(d.kind, live)),
                  body=plain(body), depends_on=tuple(depends), secrets=secrets, names=names)


def _same_but_name(d: Definition, live: Mapping[str, Any], resolver: Resolver, catalog: _Catalog) -> bool:
    """Whether ``d`` would change nothing on ``live`` but its name (a likely rename)."""
    name = str(live.get("name"))
    # (the live name is data: never resolved as a reference, whatever ${...} it holds)
    renamed = dataclasses.replace(d, name=name, spec={**d.spec, "name": name}, literal_paths=d.literal_paths | {"name"})
    try:
        return _change(planned(renamed), dict(live), resolver, catalog).action == "no-op"
    except _Unresolved:
        return False


def _fingerprinted(kind: Kind, live: Mapping[str, Any]) -> Mapping[str, Any]:
    """The object as ``GET`` returns it (the schemas read separately are not part of it)."""
    if kinds.get(kind).schema_selection:
        return {k: v for k, v in live.items() if k != "schemas"}
    return live


def _paired_paths(d: Definition, desired: Mapping[str, Any], live: Mapping[str, Any]) -> dict[str, str]:
    """Ignored paths into an item of an unordered list (``filters[0].value``: the file's first
    filter) -> the same field of the live item paired with it by key (the live list is in the
    server's order). Paths without a single paired live item keep their position."""
    if not d.ignore_changes:
        return {}
    current = liveread.request_body_from_live(d.kind, live)
    out = {}
    for path in d.ignore_changes:
        where = _paired_live_path(d.kind, path, desired, current)
        if where is not None:
            out[path] = where
    return out


def _with_ignored(d: Definition, desired: dict[str, Any], live: Mapping[str, Any],
                  paired: Mapping[str, str]) -> dict[str, Any]:
    """The update body: the file's values, with ``ignore_changes`` paths carried over from live."""
    if not d.ignore_changes:
        return desired
    body = copy.deepcopy(desired)
    for path in d.ignore_changes:
        if _keeps_file_value(d.kind, path):
            continue
        carry.carry(d.kind, body, live, path, paired.get(path, path))
    target = body.get("target")
    if isinstance(target, Mapping) and "object" in target and "create" in target:
        # the live object was carried over (ignored `target.object`): it exists, so nothing is
        # created, and a request may not name both
        body["target"] = {k: v for k, v in target.items() if k != "create"}
    return body


def _in_unordered_item(kind: Kind, path: str) -> bool:
    """Whether ``path`` points into one item of a list compared regardless of order (``filters[0].value``)."""
    parts = paths.split(path)
    rule = kinds.get(kind).list_rules.get(str(parts[0])) if parts else None
    return len(parts) >= 2 and isinstance(parts[1], int) and rule is not None and rule.key is not None


def _paired_live_path(kind: Kind, path: str, desired: Mapping[str, Any], live_body: Mapping[str, Any]) -> str | None:
    """``path`` into the file's list item rewritten to the live item paired with it (same key), or
    None when there is no single one. The live list is in the server's order, not the file's."""
    if not _in_unordered_item(kind, path):
        return None
    parts = paths.split(path)
    name, index = str(parts[0]), int(parts[1])
    items = desired.get(name)
    if not isinstance(items, list) or index >= len(items):
        return None
    key = kinds.get(kind).list_rules[name].key
    assert key is not None
    wanted = key(items[index])
    if wanted is None:
        return None
    live_name = kinds.get(kind).live_list(name)  # the API returns override_fields merged into fields
    live_items = live_body.get(live_name)
    found = [j for j, item in enumerate(live_items if isinstance(live_items, list) else []) if key(item) == wanted]
    if len(found) != 1:
        return None
    rest = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in parts[2:])
    return f"{live_name}[{found[0]}]{rest}"


def _keeps_file_value(kind: Kind, ignored: str) -> bool:
    """An ignored write-only path: the live value cannot be read, so the file's is sent again
    (update is a full replacement: leaving it out would remove it from the live sync)."""
    return any(_under(ignored, path) for path in kinds.get(kind).write_only_paths)


def _create_diffs(kind: Kind, desired: Mapping[str, Any]) -> list[FieldDiff]:
    """Every value the file sets, one line per leaf or list item (write-only values masked)."""
    shown = {k: v for k, v in desired.items() if k not in kinds.get(kind).always_sensitive}
    if isinstance(shown.get("target"), Mapping):
        shown["target"] = {k: v for k, v in shown["target"].items() if k != "create"}
    diffs = diff_views(kind, {}, shown) + _write_only_diffs(kind, desired)
    return sorted(diffs, key=lambda x: x.path)


def _delete_diffs(kind: Kind, live: Mapping[str, Any]) -> list[FieldDiff]:
    """What a delete removes: every setting of the live sync, as its request would send it.

    Configuration text is masked: the file that is gone may have filled it from ``${env:...}``,
    and nothing is left to say which value was a secret.
    """
    diffs = diff_views(kind, views.view(kind, liveread.live_request(kind, live)), {})
    return [FieldDiff(d.path, d.before, d.after, sensitive=True) if "configuration" in d.path and _has_text(d.before)
            else d for d in diffs]


def _has_text(value: Any) -> bool:
    if isinstance(value, Mapping):
        return any(_has_text(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return any(_has_text(v) for v in value)
    return isinstance(value, str) and value != ""


def _write_only_diffs(kind: Kind, body: Mapping[str, Any]) -> list[FieldDiff]:
    """Write-only values the request (re)sends: shown masked, never compared."""
    out = []
    spec = kinds.get(kind)
    for path in spec.write_only_paths:
        if paths.has(body, path) and paths.get(body, path) is not None:
            sensitive = path in spec.always_sensitive or contains_secret(paths.get(body, path))
            out.append(FieldDiff(path, None, None, sensitive=sensitive, write_only=True))
    return out


def _secret_sources(d: Definition, body: Mapping[str, Any]) -> tuple[SecretSource, ...]:
    """Where each sensitive value of the body comes from, for saved plans (never the value).

    Only the values that the body still carries. A live value carried over by ``ignore_changes``
    equal to the file's is the same secret (re-derived like it); another live value at a sensitive
    path has no source (neither ``template`` nor ``file``): a saved plan refuses to hold it."""
    out = []
    for path in sorted(d.sensitive_paths):
        if not paths.has(d.spec, path) or not paths.has(body, path):
            continue
        carried = any(_under(path, ignored) and not _keeps_file_value(d.kind, ignored) for ignored in d.ignore_changes)
        if carried and plain(paths.get(body, path)) != plain(paths.get(d.spec, path)):
            # another (live) value at a sensitive path: nowhere to re-derive it from, never saved
            out.append(SecretSource(path=path))
            continue
        template = d.templates.get(path)
        out.append(SecretSource(path=path, template=template, file=None if template else d.position.file))
    return tuple(out)


def _under(path: str, parent: str) -> bool:
    return path == parent or path.startswith(parent + ".") or path.startswith(parent + "[")


def _problem(d: Definition, message: str, path: str = "") -> Problem:
    """A problem of one definition, at the position of ``path`` when given (else the document's)."""
    where = d.position_of(path) if path else d.position
    return Problem(message=str(masked(message)), kind=d.kind, name=d.name, source=where)
