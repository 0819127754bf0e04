"""One YAML document -> one ``Definition`` plus every problem found in it."""

from __future__ import annotations

import re
from typing import Any, Mapping, cast

from reconciler import kinds
from reconciler.definitions.interpolate import Interpolated, interpolate
from reconciler.definitions.marks import Positions, unpack
from reconciler.definitions.model import RECONCILER_KEYS, Definition, Kind
from reconciler.definitions.schema import Problem, schema_problems, suggest, text_refused, type_name
from reconciler.definitions.semantic import document_problems, document_warnings
from reconciler.definitions.yamlsafe import Document
from reconciler.errors import DefinitionError, Position
from reconciler.secrets import redactor


def locate(doc: Document, path: str) -> Position:
    """Where a field path is written: its key, else its value, else the nearest written parent."""
    probe = path
    while probe:
        if probe in doc.keys:
            return unpack(doc.position.file, doc.keys[probe])
        if probe in doc.values:
            return unpack(doc.position.file, doc.values[probe])
        cut = max(probe.rfind("."), probe.rfind("["))
        probe = probe[:cut] if cut > 0 else ""
    return doc.position


def resource_label(kind: str, name: Any) -> str:
    return f'{kind} "{name}"' if isinstance(name, str) and name else f"{kind} (no name)"


def build(doc: Document, environ: Mapping[str, str]) -> tuple[Definition | None, list[DefinitionError]]:
    """The definition of one document (None when it is not even a ModelSync/BulkSync mapping)."""
    refusal = _shape_problem(doc)
    if refusal is not None:
        return None, [refusal]
    value = doc.value
    kind = _kind(value["kind"])
    filled = interpolate(value, environ)
    body = filled.value
    # the name as loaded ($${ resolved), never a substituted (secret) value
    resource = resource_label(kind, value.get("name") if "name" in filled.sensitive else body.get("name"))
    hidden = filled.sensitive | set(kinds.write_only_keys())  # every kind's: a misplaced one is still a secret
    warned = document_warnings(body, kind)
    found = _problems(doc, kind, filled, hidden, {path for path, _ in warned})
    problems = [DefinitionError(message, locate(doc, path), path, resource) for path, message in found
                if not _under(path, doc.rejected)]
    _register_passphrase(body, filled)
    warnings = tuple(DefinitionError(message, locate(doc, path), path, resource) for path, message in warned)
    return _definition(doc, kind, filled, hidden, warnings), problems


def _shape_problem(doc: Document) -> DefinitionError | None:
    """Why a document is not a ModelSync/BulkSync mapping at all (None when it is one)."""
    value = doc.value
    if value is None:
        return DefinitionError("empty document; expected a mapping with kind: ModelSync or BulkSync", doc.position)
    if not isinstance(value, dict):
        return DefinitionError(
            f"a document must be a mapping with kind: ModelSync or BulkSync, not {type_name(value)}", doc.position)
    kind = value.get("kind")
    if "kind" not in value:
        return DefinitionError("missing required key 'kind' (ModelSync or BulkSync)", doc.position)
    if kind not in kinds.names():
        hint = suggest(kind, kinds.names()) if isinstance(kind, str) else None
        text = f"{kind!r} is not a kind; use ModelSync or BulkSync" + (f" (did you mean {hint!r}?)" if hint else "")
        return DefinitionError(text, locate(doc, "kind"), "kind")
    return None


def _problems(doc: Document, kind: Kind, filled: Interpolated, hidden: set[str], tolerated_by_warnings: set[str]
              ) -> list[Problem]:
    """Every problem of the filled document, one message per value."""
    body = filled.value
    found: list[Problem] = list(filled.problems)
    if "name" in filled.sensitive or "name" in filled.unknown:
        # A substituted value is secret, and a name is printed in every plan and log line (an
        # unset variable is refused alike: validate without the secrets judges what apply will).
        found.append(("name", "${env:...} is not allowed in a name: names identify syncs and appear in "
                              "every plan; write the name literally"))
    # One message per value: a placeholder that could not be substituted is the problem (the
    # schema would only complain about its literal text); where the schema refuses a value, the
    # rules about its meaning (a reference outside an id field, ...) have nothing to add.
    # An unknown value cannot be judged, unless no text at all may stand there (a variable gives text).
    judged = text_refused(body, kind, set(filled.unknown)) if filled.unknown else set()
    unresolved = {path for path, _ in found} | (set(filled.unknown) - judged)
    tolerated = unresolved | tolerated_by_warnings  # the schema is stricter than the API there
    schema_found = [(path, message) for path, message in schema_problems(body, kind, hidden=hidden, written=doc.texts)
                    if path not in tolerated]
    found += schema_found
    refused = unresolved | {path for path, _ in schema_found}
    found += [(path, message) for path, message in document_problems(body, kind, hidden, filled.literals,
                                                                     filled.placeholders)
              if path not in refused]
    return found


def _register_passphrase(body: Mapping[str, Any], filled: Interpolated) -> None:
    """A write-only secret given (not a failed ${env:...}) is known to the redactor from here on."""
    unresolved = {path for path, _ in filled.problems} | set(filled.unknown)
    for key in kinds.write_only_keys():
        if isinstance(body.get(key), str) and key not in unresolved:
            redactor.add(body[key])


def _definition(doc: Document, kind: Kind, filled: Interpolated, hidden: set[str],
                warnings: tuple[DefinitionError, ...]) -> Definition:
    body = filled.value
    pinned = _text(body, "id")
    ignore = body.get("ignore_changes")
    return Definition(
        kind=kind,
        name=_text(body, "name") or "",
        spec={k: v for k, v in body.items() if k not in RECONCILER_KEYS},
        position=doc.position,
        pinned_id=pinned,
        ignore_changes=tuple(p for p in ignore if isinstance(p, str)) if isinstance(ignore, list) else (),
        positions=Positions(doc.position.file, _spec_marks(doc.values)),
        sensitive_paths=frozenset(filter(_in_spec, hidden)),
        templates={p: t for p, t in filled.templates.items() if _in_spec(p)},
        id_position=locate(doc, "id") if pinned is not None else None,
        literal_paths=frozenset(filter(_in_spec, filled.literals)),
        unknown=dict(filled.unknown),  # reconciler keys too (id, ...): apply needs every variable
        rotated_at=_text(body, "write_only_rotated_at"),
        warnings=warnings,
    )


def _text(body: Mapping[str, Any], key: str) -> str | None:
    value = body.get(key)
    return value if isinstance(value, str) else None


#: A document path outside the API body: under kind, id, ignore_changes, ...
_OUTSIDE_SPEC = re.compile(rf"(?:{'|'.join(map(re.escape, RECONCILER_KEYS))})(?:$|[.\[])")


def _in_spec(path: str) -> bool:
    """Whether a document path belongs to the API body (not to kind, id, ignore_changes)."""
    return _OUTSIDE_SPEC.match(path) is None


def _spec_marks(marks: dict[str, int]) -> dict[str, int]:
    """The marks of the paths in the API body (the document's own, "", left out too)."""
    inside = dict(marks)
    for path in filter(_OUTSIDE_SPEC.match, marks):
        del inside[path]
    inside.pop("", None)
    return inside


def _under(path: str, roots: set[str]) -> bool:
    return any(path == r or path.startswith((r + ".", r + "[")) for r in roots)


def _kind(kind: str) -> Kind:
    return cast(Kind, kinds.get(kind).name)
