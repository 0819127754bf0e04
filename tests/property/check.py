"""One property run over a generated organisation, counting what the issue measures.

For each example: syncs created through the API as a UI user would (every optional field set now
and then), against an emulator that reorders order-free lists; then

1. adopt (``export`` to files, load them) -> the plan is empty (else: false drift);
2. one out-of-band edit of one field of each sync -> the plan names that field (else: missed
   drift); the sync is put back and the plan is empty again;
3. an unrelated update applied from the adopted files -> only that field changes on the live
   side, every per-schema setting stays (else: settings lost); the plan is empty after it;
4. a generated definition applied as a create -> the plan right after is empty (apply -> empty).
"""

from __future__ import annotations

import copy
import dataclasses
import json
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

from reconciler.definitions.model import Definition
from reconciler.errors import InvalidDefinitions
from tests.planning.helpers import bulk_def, model
from tests.property import generate
from tests.property.harness import adopt, apply, changed, plan
from tests.support.inprocess import InProcessEmulator

REORDER = [{"action": "reorder", "probability": 0.7, "seed": 11}]
# Server-kept bookkeeping.
VOLATILE = ("updated_at", "updated_by", "created_at", "created_by")


@dataclass
class Figures:
    examples: int = 0
    syncs_adopted: int = 0
    edits: int = 0
    false_drift: int = 0
    missed_drift: int = 0
    settings_lost: int = 0
    applied: int = 0
    apply_drift: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def bad(self) -> int:
        return self.false_drift + self.missed_drift + self.settings_lost + self.apply_drift

    def line(self) -> str:
        return (f"examples {self.examples}, syncs adopted {self.syncs_adopted}, edits {self.edits}, "
                f"false drift {self.false_drift}, missed drift {self.missed_drift}, settings lost "
                f"{self.settings_lost}, applied {self.applied}, drift after apply {self.apply_drift}")


def _post(emu: InProcessEmulator, kind: str, body: dict[str, Any]) -> str:
    path = "/api/syncs" if kind == "ModelSync" else "/api/bulk/syncs"
    return emu.data("POST", path, json=body)["id"]


def _put(emu: InProcessEmulator, kind: str, sync_id: str, body: dict[str, Any]) -> None:
    path = "/api/syncs" if kind == "ModelSync" else "/api/bulk/syncs"
    emu.data("PUT", f"{path}/{sync_id}", json=body)


def _state(emu: InProcessEmulator, kind: str, sync_id: str) -> dict[str, Any]:
    """Everything the API holds about a sync (per-schema settings included), in a stable order."""
    if kind == "ModelSync":
        return _stable(emu.data("GET", f"/api/syncs/{sync_id}"))
    live = emu.data("GET", f"/api/bulk/syncs/{sync_id}")
    schemas = {s["id"]: emu.data("GET", f"/api/bulk/syncs/{sync_id}/schemas/{s['id']}")
               for s in emu.data("GET", f"/api/bulk/syncs/{sync_id}/schemas")}
    return _stable({**live, "schemas": schemas})


def _stable(value: Any) -> Any:
    """Lists sorted (the emulator may answer in any order), volatile keys dropped."""
    if isinstance(value, dict):
        return {k: _stable(v) for k, v in value.items() if k not in VOLATILE}
    if isinstance(value, list):
        return sorted((_stable(v) for v in value), key=lambda v: json.dumps(v, sort_keys=True))
    return value


def _differences(before: Any, after: Any, path: str = "") -> list[str]:
    """Where two JSON values differ, as ``path: before -> after`` lines."""
    if isinstance(before, dict) and isinstance(after, dict):
        return [line for k in sorted(set(before) | set(after), key=str)
                for line in _differences(before.get(k), after.get(k), f"{path}.{k}")]
    if before != after:
        return [f"{path}: {before!r} -> {after!r}"]
    return []


def _names(paths: list[str], prefix: str, leaf: str | None = None) -> bool:
    """Whether a diff path names ``prefix`` (and the edited ``leaf`` in it, or its whole item)."""
    return any((p == prefix or p.startswith(prefix + ".") or p.startswith(prefix + "["))
               and (leaf is None or p == prefix or p.endswith("]") or f".{leaf}" in p) for p in paths)


def run_example(data: st.DataObject, emu: InProcessEmulator, figures: Figures) -> None:
    """Draw one organisation and check it (see the module docstring); problems are counted."""
    emu.reset()
    figures.examples += 1
    anchors = {"sync_ids": [_post(emu, "ModelSync", generate_anchor_model())],
               "bulk_sync_ids": [_post(emu, "BulkSync", generate_anchor_bulk())]}
    n_model = data.draw(st.integers(1, 3), label="model syncs")
    n_bulk = data.draw(st.integers(0, 2), label="bulk syncs")
    created: dict[str, tuple[str, dict[str, Any]]] = {}
    for i in range(n_model):
        name = f"m{i}" + data.draw(st.one_of(st.just(""), generate.TEXT.map(lambda t: f" {t}")), label="name")
        body = data.draw(generate.model_sync(name.strip(), anchors), label=f"model sync {i}")
        created[body["name"]] = ("ModelSync", body)
    for i in range(n_bulk):
        name = f"b{i}" + data.draw(st.one_of(st.just(""), generate.TEXT.map(lambda t: f" {t}")), label="name")
        body = data.draw(generate.bulk_sync(name.strip(), anchors), label=f"bulk sync {i}")
        created[body["name"]] = ("BulkSync", body)
    ids = {name: _post(emu, kind, body) for name, (kind, body) in created.items()}

    with tempfile.TemporaryDirectory() as tmp:
        try:
            definitions = adopt(emu, Path(tmp) / "adopted")
        except InvalidDefinitions as exc:  # export wrote a file that does not validate
            figures.false_drift += 1
            figures.notes.append(f"invalid export: {[str(p) for p in exc.problems]}")
            return
    figures.syncs_adopted += len(definitions)
    first = plan(emu, definitions)
    _count_false(figures, first, "after adopt")

    for name, (kind, body) in created.items():
        _edit_once(data, emu, figures, definitions, name, kind, body, ids[name])

    for name, (kind, _) in sorted(created.items()):
        _unrelated_update(emu, figures, definitions, name, kind, ids[name])

    name = data.draw(st.sampled_from(sorted(created)), label="applied as a create")
    kind, body = created[name]
    fresh = {**copy.deepcopy(body), "name": f"{name}-applied"}
    d = model(fresh, sensitive=["encryption_passphrase"]) if kind == "ModelSync" else bulk_def(fresh)
    apply(emu, plan(emu, [d]))
    figures.applied += 1
    after = changed(plan(emu, [d]))
    if after:
        figures.apply_drift += 1
        figures.notes.append(f"drift after apply of {fresh['name']}: {after} body={fresh}")


def _count_false(figures: Figures, result: Any, when: str) -> None:
    drift = changed(result)
    if result.problems:
        figures.false_drift += len(result.problems)
        figures.notes.append(f"problems {when}: {[p.message for p in result.problems]}")
    if drift:
        figures.false_drift += len(drift)
        figures.notes.append(f"false drift {when}: {drift}")


def _edit_once(data: st.DataObject, emu: InProcessEmulator, figures: Figures, definitions: list[Definition],
               name: str, kind: str, body: dict[str, Any], sync_id: str) -> None:
    if kind == "ModelSync":
        edit = data.draw(generate.model_edit(body), label=f"edit of {name}")
    else:
        listing = emu.data("GET", f"/api/bulk/syncs/{sync_id}/schemas")
        full = [emu.data("GET", f"/api/bulk/syncs/{sync_id}/schemas/{s['id']}") for s in listing]
        edit = data.draw(generate.bulk_edit(body, full), label=f"edit of {name}")
    figures.edits += 1
    if edit.body is not None:
        _put(emu, kind, sync_id, edit.body)
    else:
        assert edit.schema_call is not None
        method, suffix, payload = edit.schema_call
        emu.data(method, f"/api/bulk/syncs/{sync_id}/schemas{suffix}", json=payload)
    drift = changed(plan(emu, definitions)).get(name, [])
    if not _names(drift, edit.path, edit.leaf):
        figures.missed_drift += 1
        figures.notes.append(f"missed drift of {name}: edited {edit.path}, plan said {drift}; body={body}")
    _ignored_edit(emu, figures, definitions, name, kind, sync_id, edit)
    _put(emu, kind, sync_id, body)  # put back as created
    _count_false(figures, plan(emu, definitions), f"after putting {name} back")


def _ignored_edit(emu: InProcessEmulator, figures: Figures, definitions: list[Definition], name: str, kind: str,
                  sync_id: str, edit: generate.Edit) -> None:
    """The file ignores the edited field: no drift, and an update of another field keeps the edit."""
    d = next(x for x in definitions if x.name == name)
    ignored = dataclasses.replace(d, ignore_changes=(edit.ignore_path,))
    others = [x for x in definitions if x.name != name]
    drift = changed(plan(emu, [*others, ignored])).get(name)
    if drift:
        figures.false_drift += 1
        figures.notes.append(f"ignore_changes: [{edit.ignore_path}] on {name} still drifts: {drift}; edit {edit}")
        return
    key = "sync_all_records" if kind == "ModelSync" else "concurrency_limit"
    if edit.ignore_path == key:
        key = "active"
    value = (d.spec.get(key) or 0) + 1 if key == "concurrency_limit" else not d.spec.get(key)
    update = dataclasses.replace(ignored, spec={**ignored.spec, key: value})
    before = _state(emu, kind, sync_id)
    result = plan(emu, [*others, update])
    if changed(result) != {name: [key]}:
        figures.false_drift += 1
        figures.notes.append(f"ignore_changes: [{edit.ignore_path}] on {name}: update of {key} planned {changed(result)}")
        return
    apply(emu, result)
    after = _state(emu, kind, sync_id)
    lost = _differences({**before, key: value}, after)
    if lost:
        figures.settings_lost += 1
        figures.notes.append(f"ignore_changes: [{edit.ignore_path}] on {name}: updating {key} changed {lost}")


def _unrelated_update(emu: InProcessEmulator, figures: Figures, definitions: list[Definition],
                      name: str, kind: str, sync_id: str) -> None:
    """Change one top-level field in the adopted file and apply: nothing else may move."""
    d = next(x for x in definitions if x.name == name)
    key = "sync_all_records" if kind == "ModelSync" else "concurrency_limit"
    value = (not d.spec.get(key)) if kind == "ModelSync" else (d.spec.get(key) or 0) + 1
    edited = dataclasses.replace(d, spec={**d.spec, key: value})
    before = _state(emu, kind, sync_id)
    others = [x for x in definitions if x.name != d.name]
    result = plan(emu, [*others, edited])
    drift = changed(result)
    if drift != {d.name: [key]}:
        figures.false_drift += 1
        figures.notes.append(f"unrelated update of {d.name}.{key} planned {drift}")
    apply(emu, result)
    after = _state(emu, kind, sync_id)
    expected = {**before, key: value}
    lost = sorted(k for k in set(expected) | set(after) if expected.get(k) != after.get(k))
    if lost:
        figures.settings_lost += len(lost)
        figures.notes.append(f"settings lost on {d.name} by updating {key}: {lost}: "
                             f"{_differences(expected, after)}")
    _count_false(figures, plan(emu, [*others, edited]), f"after applying {d.name}.{key}")
    definitions[definitions.index(d)] = edited


def generate_anchor_model() -> dict[str, Any]:
    """A sync the generated ones may run after."""
    return {"name": "anchor", "mode": "create", "schedule": {"frequency": "manual"},
            "target": {"connection_id": generate.SALESFORCE, "object": "Contact"},
            "fields": [{"source": {"model_id": generate.USERS_MODEL, "field": "email"}, "target": "Email"}]}


def generate_anchor_bulk() -> dict[str, Any]:
    return {"name": "anchor bulk", "mode": "snapshot", "source_connection_id": generate.WAREHOUSE,
            "destination_connection_id": generate.S3, "default_schedule": {"frequency": "manual"},
            "destination_configuration": {}}
