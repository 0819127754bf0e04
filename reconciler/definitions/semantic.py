"""Checks one document needs beyond its schema: the rules the API enforces with 422, offline."""

from __future__ import annotations

import re
from typing import Any, Container, Iterable, Iterator

from reconciler import kinds
from reconciler.definitions.grammar import OPEN, REFERENCE, REFERENCE_ANYWHERE, reference_slot
from reconciler.definitions.model import Kind
from reconciler.definitions.schema import Problem, join, kind_schema

MODES_NEEDING_IDENTITY = ("update", "updateOrCreate", "remove")
LOGIC_WORDS = {"AND", "OR", "NOT"}
DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")

def document_problems(doc: dict[str, Any], kind: Kind, hidden: Container[str] = frozenset(),
                      literal: Container[str] = frozenset(),
                      placeholders: Iterable[tuple[str, str]] | None = None) -> list[Problem]:
    """Every semantic problem of one document (already interpolated) as (path, message).

    ``hidden`` paths hold sensitive values (``${env:...}`` substitutions): messages never quote them.
    ``literal`` paths were written with a ``$${`` escape: their ``${`` is text, not a reference.
    ``placeholders``: (path, text) of each string of ``doc`` holding a ``${``, when the caller knows them.
    """
    problems: list[Problem] = []
    name = doc.get("name")
    if isinstance(name, str) and not name.strip():
        problems.append(("name", "must not be empty"))
    problems += kinds.get(kind).check(doc, hidden)
    misplaced = _references(_placeholder_strings(doc) if placeholders is None else placeholders, hidden, literal)
    # A reference where none belongs is the one message about that value.
    wrong = {path for path, _ in misplaced}
    problems = [p for p in problems if p[0] not in wrong] + misplaced
    problems += _ignore_changes(doc, kind, hidden)
    return problems


def document_warnings(doc: dict[str, Any], kind: Kind) -> list[Problem]:
    """What validate is stricter about than the API, as (path, message): reported, never refused."""
    warnings: list[Problem] = []
    spec = kinds.get(kind)
    for path, values in spec.response_only.items():
        if doc.get(path) in values:
            warnings.append((path, f"{doc[path]!r} is a value the API returns but does not document for "
                                   "requests; kept for a sync that has it live (a new sync cannot be created with it)"))
    return warnings + spec.warn(doc)


def override_warnings(doc: dict[str, Any]) -> list[Problem]:
    """A model-sync target field both mapped and overridden (the API keeps both)."""
    return [(path, f"this target field is also mapped by {first}: the API keeps both "
                   "(the mapping and the override value)") for path, first in _overridden_targets(doc)]


def _mapped(doc: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for key in ("fields", "override_fields"):
        for i, item in enumerate(_list(doc.get(key))):
            if isinstance(item, dict) and isinstance(item.get("target"), str):
                yield f"{key}[{i}]", item


def _overridden_targets(doc: dict[str, Any]) -> list[tuple[str, str]]:
    """(path of the later entry's target, first entry) for each target field that one entry maps
    from a source and another sets to an override value: the API accepts (and returns) that pair."""
    sources: dict[str, str] = {}
    overrides: dict[str, str] = {}
    out = []
    for path, item in _mapped(doc):
        mine, other = (overrides, sources) if "source" not in item else (sources, overrides)
        target = item["target"]
        if target in other and target not in mine:
            out.append((f"{path}.target", other[target]))
        mine.setdefault(target, path)
    return out


# -- model syncs ------------------------------------------------------------------------------


def model_sync_problems(doc: dict[str, Any], hidden: Container[str]) -> list[Problem]:
    problems: list[Problem] = []
    mode = doc.get("mode")
    if mode in MODES_NEEDING_IDENTITY and "identity" not in doc:
        problems.append(("mode", f"{mode!r} needs an identity (how target records are matched)"))
    problems += _filters(doc, hidden)
    problems += _fields(doc, hidden)
    for i, item in enumerate(_list(doc.get("overrides"))):
        if isinstance(item, dict) and "field" not in item and "field_id" not in item:
            problems.append((f"overrides[{i}]", "needs either field or field_id"))
    target = doc.get("target")
    if isinstance(target, dict):
        problems += _target(target)
    schedule = doc.get("schedule")
    if isinstance(schedule, dict):
        problems += schedule_problems(schedule, "schedule", hidden)
    return problems


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def filter_labels(filters: list[Any]) -> list[str]:
    """The label of each filter as the API assigns them: given, else the next unused A, B, ... AA."""
    given = {f["label"] for f in filters if isinstance(f, dict) and isinstance(f.get("label"), str)}
    fresh = (label for label in label_sequence() if label not in given)
    return [f["label"] if isinstance(f, dict) and isinstance(f.get("label"), str) else next(fresh)
            for f in filters]


def label_sequence() -> Iterator[str]:
    """``A``, ``B``, ... ``Z``, ``AA``, ``AB``, ...: the order in which the API labels filters."""
    n = 0
    while True:
        n += 1
        label, k = "", n
        while k:
            k, r = divmod(k - 1, 26)
            label = chr(65 + r) + label
        yield label


def _filters(doc: dict[str, Any], hidden: Container[str]) -> list[Problem]:
    problems: list[Problem] = []
    filters = _list(doc.get("filters"))
    seen: dict[str, int] = {}
    for i, item in enumerate(filters):
        if not isinstance(item, dict):
            continue
        if "field" not in item and "field_id" not in item:
            problems.append((f"filters[{i}]", "needs either field or field_id"))
        label = item.get("label")
        if isinstance(label, str):
            if label in seen:
                path = f"filters[{i}].label"
                what = "this label" if path in hidden else f"label {label!r}"
                problems.append((path, f"{what} is already used by filters[{seen[label]}]"))
            else:
                seen[label] = i
    logic = doc.get("filter_logic")
    if isinstance(logic, str) and logic.strip():
        problems += _logic_problems(logic, filters, hidden)
    return problems


def _logic_problems(logic: str, filters: list[Any], hidden: Container[str]) -> list[Problem]:
    """Each label ``filter_logic`` names is the label of a filter (secret labels never shown)."""
    labels = filter_labels(filters)
    secret_labels = {label for i, label in enumerate(labels) if f"filters[{i}].label" in hidden}
    shown_labels = sorted(set(labels) - secret_labels) + (["(sensitive)"] if secret_labels else [])
    known = ", ".join(shown_labels) or "none"
    problems: list[Problem] = []
    for word in dict.fromkeys(re.findall(r"[A-Za-z0-9_]+", logic)):  # each missing label once
        if word.upper() in LOGIC_WORDS or word in labels:
            continue
        if "filter_logic" in hidden:
            return [*problems, ("filter_logic", f"names a label which no filter has (labels: {known})")]
        problems.append(("filter_logic", f"names label {word!r}, which no filter has (labels: {known})"))
    return problems


def _fields(doc: dict[str, Any], hidden: Container[str]) -> list[Problem]:
    problems: list[Problem] = []
    targets: dict[tuple[str, bool], str] = {}  # a mapping plus an override value: a warning
    for key in ("fields", "override_fields"):
        for i, item in enumerate(_list(doc.get(key))):
            if not isinstance(item, dict):
                continue
            path = f"{key}[{i}]"
            if key == "fields" and "source" not in item and "override_value" not in item:
                problems.append((path, "needs a source or an override_value"))
            if key == "override_fields" and "override_value" not in item:
                problems.append((path, "needs an override_value"))
            target = item.get("target")
            if isinstance(target, str):
                # one mapping and one override value per target field
                slot = (target, "source" in item)
                if slot in targets:
                    what = "this target field" if f"{path}.target" in hidden else f"target field {target!r}"
                    problems.append((f"{path}.target", f"{what} is already mapped by {targets[slot]}"))
                else:
                    targets[slot] = path
    return problems


def _target(target: dict[str, Any]) -> list[Problem]:
    has_object, has_create = "object" in target, "create" in target
    if has_object and has_create:
        return [("target", "give either object (an existing object) or create (a new one), not both")]
    if not has_object and not has_create:
        return [("target", "needs either object (an existing object) or create (a new one)")]
    if has_object and target["object"] == "":
        return [("target.object", "must not be empty")]
    return []


_REQUIRED_BY_FREQUENCY = {"daily": ("hour", "minute"), "weekly": ("hour", "minute", "day_of_week"),
                          "dbtcloud": ("connection_id", "job_id")}


def schedule_problems(schedule: dict[str, Any], path: str, hidden: Container[str] = frozenset()) -> list[Problem]:
    """The fields each frequency needs, and hour/minute/day ranges (sensitive values never quoted)."""
    frequency = schedule.get("frequency")
    problems: list[Problem] = [(join(path, "frequency"), f"{frequency!r} needs {join(path, key)}")
                               for key in _REQUIRED_BY_FREQUENCY.get(str(frequency), ())
                               if schedule.get(key) in (None, "")]
    if frequency == "runafter":
        problems += _run_after_problems(schedule, path)
    if frequency in ("hourly", "daily", "weekly"):
        problems += _time_problems(schedule, path, hidden)
    day = schedule.get("day_of_week")
    if isinstance(day, str) and day and day.lower() not in DAYS:
        got = "" if join(path, "day_of_week") in hidden else f" (got {day!r})"
        problems.append((join(path, "day_of_week"), f"must be a day name such as 'monday'{got}"))
    return problems


def _run_after_problems(schedule: dict[str, Any], path: str) -> list[Problem]:
    """A 'runafter' schedule names at least one sync to run after."""
    run_after = schedule.get("run_after")
    # A run_after (or its id lists) of the wrong type, null included, is the schema's one message.
    well_typed = run_after is None and "run_after" not in schedule or isinstance(run_after, dict) and all(
        isinstance(run_after.get(k, []), list) for k in ("sync_ids", "bulk_sync_ids"))
    if not well_typed:
        return []
    run_after = run_after if isinstance(run_after, dict) else {}
    if run_after.get("sync_ids") or run_after.get("bulk_sync_ids"):
        return []
    return [(join(path, "frequency"), f"'runafter' needs {join(path, 'run_after')} with sync_ids or bulk_sync_ids")]


def _time_problems(schedule: dict[str, Any], path: str, hidden: Container[str]) -> list[Problem]:
    problems: list[Problem] = []
    for key, low, high in (("hour", 0, 23), ("minute", 0, 59)):
        value = schedule.get(key)
        if not isinstance(value, str) or value == "":
            continue
        # ASCII digits only: str.isdigit() is also true for '²' or '٣', which int() refuses or misreads.
        if not (value.isascii() and value.isdigit() and low <= int(value) <= high):
            got = "" if join(path, key) in hidden else f" (got {value!r})"
            problems.append((join(path, key), f"must be a number from {low} to {high}{got}"))
    return problems


# -- bulk syncs -------------------------------------------------------------------------------


def bulk_sync_problems(doc: dict[str, Any], hidden: Container[str]) -> list[Problem]:
    problems: list[Problem] = []
    schedule = doc.get("default_schedule")
    if isinstance(schedule, dict):
        problems += schedule_problems(schedule, "default_schedule", hidden)
    for i, item in enumerate(_list(doc.get("additional_schedules"))):
        if isinstance(item, dict):
            problems += schedule_problems(item, f"additional_schedules[{i}]", hidden)
    seen: dict[str, int] = {}
    for i, item in enumerate(_list(doc.get("schemas"))):
        sid = item if isinstance(item, str) else item.get("id") if isinstance(item, dict) else None
        if isinstance(item, str) and not item or isinstance(item, dict) and item.get("id", "") == "":
            problems.append((f"schemas[{i}]", "needs an id (the source schema, e.g. public.users)"))
            continue
        if not isinstance(sid, str):
            continue
        if sid in seen:
            secret = f"schemas[{i}]" in hidden or f"schemas[{i}].id" in hidden
            what = "this schema" if secret else f"schema {sid!r}"
            problems.append((f"schemas[{i}]", f"{what} is already listed at schemas[{seen[sid]}]"))
        else:
            seen[sid] = i
    return problems


# -- references and ignore_changes ----------------------------------------------------------------


def _placeholder_strings(value: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """(path, text) of each string inside ``value`` that holds a ``${`` (paths built for those only)."""
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, item in items:
        if isinstance(item, str):
            if OPEN in item:
                yield join(path, key), item
        elif isinstance(item, (dict, list)):
            yield from _placeholder_strings(item, join(path, key))


def _references(placeholders: Iterable[tuple[str, str]], hidden: Container[str],
                literal: Container[str]) -> list[Problem]:
    """What is wrong with each reference-like text ((path, text) of each string that holds a ``${``)."""
    problems: list[Problem] = []
    for path, text in placeholders:
        if not REFERENCE_ANYWHERE.search(text):
            continue
        if path in literal:
            slot = reference_slot(path)
            if slot is not None:  # (the schema let it through as a reference)
                problems.append((path, f"must be a UUID or exactly one ${{{slot}:NAME}} reference; "
                                       "'$${' made this one literal text"))
            continue
        if path in hidden and path not in kinds.write_only_keys():  # (always hidden, even when literal)
            # Substituted from the environment: the planner must not resolve it (nor print it).
            problems.append((path, "the value of ${env:...} holds a ${connection:...}-style placeholder; values "
                                   "from the environment are used as they are, never resolved again"))
            continue
        if path == "id" or path.startswith("ignore_changes"):
            continue
        slot = reference_slot(path)
        match = REFERENCE.match(text)
        if slot is None:
            problems.append((path, "${connection:...}, ${model:...}, ${sync:...} and ${bulk_sync:...} "
                                   "are resolved only in id fields"))
        elif match is None:
            problems.append((path, f"must be a UUID or exactly one ${{{slot}:NAME}} reference"))
        elif match.group(1) != slot:
            problems.append((path, f"expects a ${{{slot}:NAME}} reference here, not ${{{match.group(1)}:...}}"))
    return problems


_PATH_PART = re.compile(r"^([^.\[\]]+)((?:\[\d+\])*)$")


def field_path_known(schema: dict[str, Any], path: str) -> bool:
    """Whether ``path`` (``schedule.hour``, ``fields[0].target``) names a field of ``schema``."""
    node: dict[str, Any] = schema
    for part in path.split("."):
        match = _PATH_PART.match(part)
        if match is None:
            return False
        props = node.get("properties")
        if props is None:
            # A free-form map (configuration, ...) or an untyped value: anything below is a field.
            types = node.get("type")
            types = types if isinstance(types, list) else [types]
            untyped = "type" not in node and "oneOf" not in node
            return untyped or ("object" in types and node.get("additionalProperties", True) is not False)
        if match.group(1) not in props:
            return False
        node = props[match.group(1)]
        for _ in re.findall(r"\[", match.group(2)):
            if "items" not in node:
                return False
            node = node["items"]
        node = _object_branch(node)
    return True


def _object_branch(node: dict[str, Any]) -> dict[str, Any]:
    for option in node.get("oneOf", []):
        if "properties" in option:
            return option
    return node


def _ignore_changes(doc: dict[str, Any], kind: Kind, hidden: Container[str]) -> list[Problem]:
    problems: list[Problem] = []
    ignored = _list(doc.get("ignore_changes"))
    if not ignored:
        return problems
    schema = kind_schema(kind)
    api_fields = {k: v for k, v in schema["properties"].items() if k not in ("kind", "id", "ignore_changes")}
    api_schema = {**schema, "properties": api_fields}
    for i, path in enumerate(ignored):
        if isinstance(path, str) and not field_path_known(api_schema, path):
            top = sorted(api_fields)
            shown = "the value" if f"ignore_changes[{i}]" in hidden else repr(path)
            problems.append((f"ignore_changes[{i}]", f"{shown} is not a field of a {kind} "
                                                      f"(top-level fields: {', '.join(top)})"))
    return problems
