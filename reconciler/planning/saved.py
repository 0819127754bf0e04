"""Saved plans (``reconciler plan --out FILE``) for ``reconciler apply --plan FILE``.

The file is JSON with a ``format_version``. It holds, per change, the action, identity, source
position, the masked field diffs, the live fingerprint the change was computed against and the
request body **without any sensitive value**: each sensitive value is recorded as where it comes
from instead (``SecretSource``): its ``${env:NAME}`` template, re-derived from the environment at
load time, or, for a value written literally in a definition file (an ``encryption_passphrase``),
the file to read it from again. Loading fails with a clear message when a value cannot be derived.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import IO, Any, Mapping

from reconciler.definitions.interpolate import env_names, render_env
from reconciler.definitions.load import load_definitions
from reconciler.errors import PlanError, Position, ReconcilerError
from reconciler.planning import paths
from reconciler.planning.model import ACTIONS, Change, FieldDiff, Hint, Plan, Problem, SecretSource, Unmanaged
from reconciler.planning.savedshape import check_shape
from reconciler.render.change import change_json
from reconciler.render.values import position_json
from reconciler.secrets import redactor

FORMAT_VERSION = 1
DOCUMENT = "reconciler-saved-plan"


# ---- saving -----------------------------------------------------------------------------------


def plan_document(plan: Plan) -> dict[str, Any]:
    """The saved form of ``plan``: no sensitive value anywhere."""
    return {
        "format_version": FORMAT_VERSION,
        "document": DOCUMENT,
        "changes": [_change_doc(c) for c in plan.changes],
        "unmanaged": [{"kind": u.kind, "sync_id": u.sync_id, "name": u.name} for u in plan.unmanaged],
        "problems": [_note_doc(p) for p in plan.problems],
        # a hint may quote a file's value (a rotation time from ${env:...}): scrubbed like output
        "hints": [_note_doc(h) for h in plan.hints],
        "not_owned": plan.unowned,
        "unknown_variables": list(plan.unknown_variables),
    }


def save_plan(plan: Plan, path_or_file: str | os.PathLike[str] | IO[str]) -> None:
    """Write ``plan`` as JSON to a path (atomically) or to an open text file."""
    unsaved = [f"{c.kind} {c.name!r} {s.path}" for c in plan.changes for s in c.secrets
               if s.template is None and s.file is None]
    if unsaved:
        raise PlanError(f"not saving the plan: {', '.join(unsaved[:5])} would carry a live value over at a sensitive "
                        "path (ignore_changes), which a saved plan cannot re-derive; run apply without --plan")
    document = plan_document(plan)
    secrets = _secret_values(plan)
    leaked = sorted({where for where, value in _strings(document, "") if any(secret in value for secret in secrets)})
    if leaked:
        raise PlanError(f"not saving the plan: a value known to be sensitive (from ${{env:...}} or an "
                        f"encryption_passphrase) would be written at {', '.join(leaked[:5])}; keep secrets out of "
                        "names and other plain values")
    text = json.dumps(document, indent=2, ensure_ascii=False, sort_keys=False) + "\n"
    if not isinstance(path_or_file, (str, os.PathLike)):
        path_or_file.write(text)
        return
    target = Path(path_or_file)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=str(target.parent))
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, target)
    except OSError as exc:
        raise PlanError(f"could not write the plan to {target}: {exc.strerror or exc}") from None


def _secret_values(plan: Plan) -> set[str]:
    """The sensitive values the plan's bodies carry (to make sure none is written anywhere else)."""
    values = set()
    for change in plan.changes:
        for source in change.secrets:
            value = paths.get(change.body, source.path) if change.body is not None else None
            if isinstance(value, str) and len(value) >= 4:
                values.add(value)
    return values


def _strings(value: Any, where: str) -> list[tuple[str, str]]:
    """Every string in a JSON-like value (keys too), with where it sits."""
    if isinstance(value, str):
        return [(where or "(top)", value)]
    if isinstance(value, dict):
        out = []
        for key, item in value.items():
            sub = f"{where}.{key}" if where else str(key)
            out += [(sub, str(key))] + _strings(item, sub)
        return out
    if isinstance(value, list):
        return [pair for i, item in enumerate(value) for pair in _strings(item, f"{where}[{i}]")]
    return []


def _note_doc(note: Problem | Hint) -> dict[str, Any]:
    return {"message": redactor.scrub(note.message), "kind": note.kind, "name": note.name,
            "source": position_json(note.source)}


def _change_doc(change: Change) -> dict[str, Any]:
    """The change as the JSON plan writes it (same keys, same masking), its body and where its secrets come from."""
    body = None
    if change.body is not None:
        body = json.loads(json.dumps(change.body, default=str))
        for source in change.secrets:
            paths.put(body, source.path, None)
    return {
        **change_json(change),
        "body": body,
        "names": dict(change.names),
        "secrets": [
            {k: v for k, v in (("path", s.path), ("template", s.template), ("file", s.file)) if v is not None}
            for s in change.secrets
        ],
    }


# ---- loading ----------------------------------------------------------------------------------


def load_plan(path: str | os.PathLike[str], environ: Mapping[str, str], *, derive_secrets: bool = True) -> Plan:
    """Read a saved plan and re-derive its sensitive values from ``environ`` (and definition files).

    ``derive_secrets=False`` (``reconciler show``): the bodies keep no sensitive value at all."""
    where = str(path)
    raw = _read_document(path, where)
    unknown = raw.get("unknown_variables") or []
    if derive_secrets:
        _check_variables(raw, where, unknown, environ)
    try:
        files = _FileSecrets(environ) if derive_secrets else None
        changes = tuple(_change(item, environ, files) for item in raw.get("changes") or [])
        unmanaged = tuple(Unmanaged(u["kind"], u["sync_id"], u["name"]) for u in raw.get("unmanaged") or [])
        problems = tuple(Problem(p["message"], kind=p.get("kind"), name=p.get("name"), source=_pos(p.get("source")))
                         for p in raw.get("problems") or [])
        hints = tuple(Hint(h["message"], kind=h.get("kind"), name=h.get("name"), source=_pos(h.get("source")))
                      for h in raw.get("hints") or [])
        unowned = int(raw.get("not_owned") or 0)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise PlanError(f"{where} is not a valid saved plan ({type(exc).__name__}: {exc})") from None
    return Plan(changes=changes, unmanaged=unmanaged, problems=problems, hints=hints, unowned=unowned,
                unknown_variables=tuple(map(str, unknown)))


def _read_document(path: str | os.PathLike[str], where: str) -> dict[str, Any]:
    """The saved plan's JSON document, checked to be one this version reads (one PlanError otherwise)."""
    try:
        raw = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise PlanError(f"saved plan {where} does not exist") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise PlanError(f"cannot read saved plan {where}: {exc}") from None
    except json.JSONDecodeError as exc:
        raise PlanError(f"{where} is not a saved plan (not JSON: {exc.msg} at line {exc.lineno})") from None
    if not isinstance(raw, dict) or raw.get("document") != DOCUMENT:
        raise PlanError(f"{where} is not a plan saved by `reconciler plan --out`")
    if raw.get("format_version") != FORMAT_VERSION:
        raise PlanError(f"{where} has plan format version {raw.get('format_version')!r}; this reconciler reads "
                        f"version {FORMAT_VERSION}: run `reconciler plan --out` again")
    try:
        check_shape(raw)
    except ValueError as exc:
        raise PlanError(f"{where} is not a valid saved plan ({exc})") from None
    return raw


def _check_variables(raw: Mapping[str, Any], where: str, unknown: list[Any], environ: Mapping[str, str]) -> None:
    """Refuse a plan made without some variables set, or needing one that is not set now."""
    if unknown:
        raise PlanError(f"{where} was made without {', '.join(map(str, unknown))} set, so some of its values are "
                        "unknown: run `reconciler plan --out` again with them set")
    missing = sorted({name for text in _templates(raw) for name in env_names(text) if name not in environ})
    if missing:
        raise PlanError(f"{where} needs environment variable{'s' if len(missing) != 1 else ''} "
                        f"{', '.join(missing)}, not set; nothing was sent")


def _templates(raw: Mapping[str, Any]) -> list[str]:
    """Every ``${env:...}`` template the saved plan's changes re-derive a value from."""
    changes = raw["changes"] if isinstance(raw.get("changes"), list) else []
    return [str(s["template"]) for c in changes if isinstance(c, Mapping) for s in c.get("secrets") or []
            if isinstance(s, Mapping) and s.get("template")]


def _change(item: Mapping[str, Any], environ: Mapping[str, str], files: "_FileSecrets | None") -> Change:
    action = item["action"]
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    secrets = tuple(SecretSource(path=s["path"], template=s.get("template"), file=s.get("file"))
                    for s in item.get("secrets") or [])
    body = item.get("body")
    if isinstance(body, dict) and files is not None:
        for source in secrets:
            value = _derive(source, item, environ, files)
            if not paths.put(body, source.path, value):
                raise ValueError(f"secret path {source.path} does not fit the body")
    return Change(
        kind=item["kind"],
        name=item["name"],
        action=action,
        sync_id=item.get("sync_id"),
        source=_pos(item.get("source")),
        diffs=tuple(_diff(d) for d in item.get("diffs") or []),
        fingerprint=item.get("fingerprint"),
        body=body,
        depends_on=tuple(item.get("depends_on") or ()),
        secrets=secrets,
        names={str(k): str(v) for k, v in (item.get("names") or {}).items()},
    )


def _diff(raw: Mapping[str, Any]) -> FieldDiff:
    """A saved diff; a write-only value is never read back, so its diff holds no value (only masks were saved)."""
    write_only = bool(raw.get("write_only"))
    before, after = (None, None) if write_only else (raw.get("before"), raw.get("after"))
    return FieldDiff(raw["path"], before, after, bool(raw.get("sensitive")), write_only)


def _derive(source: SecretSource, item: Mapping[str, Any], environ: Mapping[str, str], files: "_FileSecrets") -> str:
    label = f'{item["kind"]} "{item["name"]}"'
    if source.template is not None:
        def env(name: str) -> str:
            if name not in environ:
                raise PlanError(f"{label}: {source.path} needs environment variable {name}, which is not set")
            return environ[name]

        value = render_env(source.template, env)
    elif source.file is not None:
        value = files.value(source.file, item["kind"], item["name"], source.path, label)
    else:
        raise PlanError(f"{label}: the saved plan does not say where {source.path} comes from")
    redactor.add(value)
    return value


class _FileSecrets:
    """Values written literally in definition files, read again (each file loaded once)."""

    def __init__(self, environ: Mapping[str, str]) -> None:
        self.environ = environ
        self.loaded: dict[str, Any] = {}

    def value(self, file: str, kind: str, name: str, path: str, label: str) -> str:
        if file not in self.loaded:
            try:
                self.loaded[file] = load_definitions([file], environ=self.environ)
            except ReconcilerError as exc:
                raise PlanError(f"{label}: {path} is read again from {file}, which cannot be loaded ({exc})") from None
        for d in self.loaded[file]:
            if d.kind == kind and d.name == name:
                value = paths.get(d.spec, path)
                if isinstance(value, str):
                    return value
        raise PlanError(f"{label}: {path} is read again from {file}, which no longer defines it; "
                        "run `reconciler plan --out` again")


def _pos(raw: Any) -> Position | None:
    if not isinstance(raw, Mapping):
        return None
    return Position(str(raw["file"]), int(raw["line"]), int(raw["column"]))
