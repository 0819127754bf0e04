"""Values left unknown because their ``${env:...}`` variables are not set (read-only commands).

Such a value is never compared: an update keeps the live value there, as for ``ignore_changes``
(so it is never drift); a create shows it as ``(unknown: NAME not set)``. Only ``apply`` needs the
values: :func:`require_known` names every missing variable before any request is made.
"""

from __future__ import annotations

import copy
import dataclasses
from typing import Sequence

from reconciler.definitions.model import Definition
from reconciler.errors import ConfigError
from reconciler.planning import paths
from reconciler import kinds
from reconciler.planning.model import Hint


def planned(d: Definition) -> Definition:
    """The definition as the planner compares it: unknown paths are not compared."""
    if not d.unknown:
        return d
    left_out = {_left_out(d, p) for p in d.unknown if paths.split(p)[0] in d.spec}
    extra = tuple(p for p in sorted(left_out) if p not in d.ignore_changes)
    return dataclasses.replace(d, ignore_changes=(*d.ignore_changes, *extra))


def _left_out(d: Definition, path: str) -> str:
    """What an unknown value at ``path`` keeps from being compared: itself, or its whole list when it
    is (part of) the key pairing the items of a list compared regardless of order with live's."""
    parts = paths.split(path)
    rule = kinds.get(d.kind).list_rules.get(str(parts[0]))
    if rule is None or len(parts) < 2 or not isinstance(parts[1], int):
        return path
    if rule.key is None or len(parts) == 2:
        return str(parts[0])
    keys = set()
    for probe in ("a", "b"):  # does the key change with the value?
        spec = copy.deepcopy(dict(d.spec))
        paths.put(spec, path, probe)
        keys.add(rule.key(spec[str(parts[0])][parts[1]]))
    return str(parts[0]) if len(keys) > 1 else path


def _variables(d: Definition) -> list[str]:
    return sorted({name for names in d.unknown.values() for name in names})


def unknown_hints(definitions: Sequence[Definition]) -> tuple[Hint, ...]:
    """One hint per definition with unknown values."""
    out = []
    for d in definitions:
        if d.unknown:
            where = ", ".join(f"{path} ({', '.join(names)}{_whole(d, path)})"
                              for path, names in sorted(d.unknown.items()))
            out.append(Hint(f"values unknown until these environment variables are set: {where}; never compared "
                            "or sent, and apply needs them", kind=d.kind, name=d.name, source=d.position))
    return tuple(out)


def _whole(d: Definition, path: str) -> str:
    whole = _left_out(d, path) if paths.split(path)[0] in d.spec else path
    return f"; {whole} is not compared: its items cannot be paired with live's" if whole != path else ""


def missing_variables(definitions: Sequence[Definition]) -> list[str]:
    return sorted({name for d in definitions for name in _variables(d)})


def require_known(definitions: Sequence[Definition]) -> None:
    """Refuse, before any request, definitions whose values are not all known (``apply``)."""
    missing = missing_variables(definitions)
    if not missing:
        return
    uses = sorted(f"{d.position_of(path)} {path}" for d in definitions for path in d.unknown)
    raise ConfigError(f"apply needs environment variable{'s' if len(missing) != 1 else ''} "
                      f"{', '.join(missing)}, not set (used at {'; '.join(uses)}); nothing was sent")
