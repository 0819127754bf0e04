"""Export live syncs as definition documents: one deterministic YAML file per sync, no secret ever written.

What is written, for each live sync:

- ``kind``, the pinned ``id`` and ``name`` first, then the create-request fields in sorted order,
  as the planner projects a live object onto the create request (server-computed values and
  defaults left out), so that ``reconciler plan`` right after an export is empty;
- ids of connections and models written as ``${connection:NAME}`` / ``${model:NAME}`` where that
  name is unique in the organisation (else the id as it is); values equal to what the server
  computes when they are omitted left out (``identity.remote_field_type_id`` when it is the type of
  the identity's model field, ``target.configuration`` defaults of the connection type such as
  ``ingestion_api: bulk``), so the file reads like a hand-written one and plans the same;
- every ``${`` of a live value written as ``$${``: live values are data, never templates;
- values under keys that look like credentials (``password``, ``token``, ``secret`` ...) replaced by
  ``${env:POLYTOMIC_SYNC_<FILE>_<KEY>}`` placeholders the user must set;
- ``encryption_passphrase`` is write-only: the API never returns it, so whether a sync has one
  cannot be known. It is left out (the user is told); when an API does reveal that one is set, a
  placeholder is written instead. The value itself is never written.
"""

from __future__ import annotations

import os
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

import yaml

from reconciler.api.client import PolytomicClient, map_concurrent
from reconciler.definitions.interpolate import escape_all
from reconciler import kinds as registry
from reconciler.definitions.model import Kind
from reconciler.definitions.schema import COMBINED_FILE, SCHEMA_DIR
from reconciler.definitions.grammar import placeholder, reference_slot
from reconciler.errors import ReconcilerError
from reconciler.planning.bulk_schemas import read_schemas
from reconciler.planning.align import TARGET_CONFIGURATION_DEFAULTS
from reconciler.planning.liveread import request_body_from_live

SCHEMA_FILE = Path("schemas") / "reconciler.schema.json"
SCHEMA_COMMENT = "# yaml-language-server: $schema="
MAX_SLUG = 60
_SECRET_WORDS = ("password", "passphrase", "passwd", "secret", "token", "apikey", "privatekey", "credential",
                 "accesskey")
_SECRET_HOLDERS = ("configuration", "destination_configuration", "source_configuration", "search_values")

Projector = Callable[[Kind, Mapping[str, Any]], dict[str, Any]]
#: Where the schema is copied when no ``schemas/`` of a repository is found above the output.
FALLBACK_SCHEMA = Path(".reconciler") / "reconciler.schema.json"


@dataclass(frozen=True)
class Catalog:
    """The organisation's connections and models, for names and server defaults."""

    connections: Sequence[Mapping[str, Any]] = ()
    models: Sequence[Mapping[str, Any]] = ()

    def unique_names(self, scheme: str) -> dict[str, str]:
        """id -> name for every connection / model whose name no other one has (and that a
        ``${scheme:NAME}`` reference can hold: no braces)."""
        items = self.connections if scheme == "connection" else self.models
        names = [str(i.get("name")) for i in items if isinstance(i.get("name"), str)]
        return {str(i["id"]): i["name"] for i in items
                if isinstance(i.get("name"), str) and names.count(i["name"]) == 1 and i["name"].strip()
                and not set("{}") & set(i["name"]) and isinstance(i.get("id"), str)}

    def connection_type(self, connection_id: Any) -> str | None:
        for conn in self.connections:
            if conn.get("id") == connection_id:
                ctype = conn.get("type")
                return str(ctype.get("id") if isinstance(ctype, Mapping) else ctype)
        return None

    def field_type(self, model_id: Any, field: Any) -> Any:
        for model in self.models:
            if model.get("id") == model_id:
                for item in model.get("fields") or []:
                    if isinstance(item, Mapping) and item.get("name") == field:
                        return item.get("type")
        return None


class ExportError(ReconcilerError):
    """Export could not write its files (they exist, or the directory is not writable)."""


@dataclass(frozen=True)
class Placeholder:
    """An ``${env:NAME}`` written in place of a value that must not be exported."""

    env: str
    path: str  # field path it stands for


@dataclass(frozen=True)
class ExportedSync:
    kind: Kind
    sync_id: str
    name: str
    file_name: str
    document: Mapping[str, Any]
    placeholders: tuple[Placeholder, ...] = ()


# ---- reading ------------------------------------------------------------------------------


def read_live_syncs(
    client: PolytomicClient,
    *,
    kinds: Sequence[Kind] | None = None,
    name_prefix: str | None = None,
    parallelism: int = 4,
) -> list[tuple[Kind, dict[str, Any]]]:
    """Full live objects of the given kinds (default: all; names starting with ``name_prefix``),
    sorted by kind then id."""
    wanted: list[tuple[Kind, dict[str, Any]]] = []
    for kind in registry.all():
        if kinds is None or kind.name in kinds:
            wanted += [(kind.name, s) for s in kind.list_live(client)]
    if name_prefix:
        wanted = [(k, s) for k, s in wanted if str(s.get("name", "")).startswith(name_prefix)]
    wanted.sort(key=lambda item: (item[0], str(item[1].get("id", ""))))
    return map_concurrent(lambda item: (item[0], _full(client, *item)), wanted, parallelism)


def read_catalog(client: PolytomicClient, parallelism: int = 4) -> Catalog:
    """Connections and models (full models, with their fields)."""
    models = client.list_models()
    light = [m for m in models if "fields" not in m and isinstance(m.get("id"), str)]
    if light:
        read = map_concurrent(lambda m: client.get_model(m["id"]), light, parallelism)
        full = dict(zip([m["id"] for m in light], read, strict=True))
        models = [full.get(m.get("id"), m) for m in models]
    return Catalog(connections=client.list_connections(), models=models)


def _full(client: PolytomicClient, kind: Kind, item: dict[str, Any]) -> dict[str, Any]:
    """The full object: list items may be light (2025-09-18), so read each sync by id."""
    spec = registry.get(kind)
    live = spec.get(client, item["id"])
    if spec.schema_selection and "schemas" not in live:
        live = {**live, "schemas": read_schemas(client, item["id"])}
    return live


# ---- building documents -------------------------------------------------------------------


def build_export(live_syncs: Sequence[tuple[Kind, Mapping[str, Any]]], project: Projector | None = None,
                 catalog: Catalog | None = None) -> tuple[ExportedSync, ...]:
    """One :class:`ExportedSync` per live sync, with collision-free file names; sorted by file name."""
    project = project or default_projector()
    names = file_names([(kind, str(live.get("id", "")), str(live.get("name", ""))) for kind, live in live_syncs])
    exported = []
    for kind, live in live_syncs:
        sync_id = str(live.get("id", ""))
        file_name = names[(kind, sync_id)]
        stem = file_name.rsplit(".", 1)[0]
        document, placeholders = export_document(kind, live, project, env_prefix=env_prefix(stem), catalog=catalog)
        exported.append(ExportedSync(kind, sync_id, str(live.get("name", "")), file_name, document, placeholders))
    return tuple(sorted(exported, key=lambda e: e.file_name))


def default_projector() -> Projector:
    """The planner's projection of a live object onto the create request."""
    return request_body_from_live


def export_document(
    kind: Kind,
    live: Mapping[str, Any],
    project: Projector,
    *,
    env_prefix: str,
    catalog: Catalog | None = None,
) -> tuple[dict[str, Any], tuple[Placeholder, ...]]:
    """The definition document for one live sync: ``kind``, ``id``, ``name``, then sorted fields."""
    # Live values are data: every ``${`` in them is written as ``$${`` so nothing is interpolated.
    body = escape_all(project(kind, live))
    if catalog is not None:
        body = named(kind, without_server_defaults(kind, body, catalog), catalog)
    placeholders = _write_only_placeholders(kind, body, live, env_prefix)
    body = _mask_secrets(body, "", _env_names(body, env_prefix), placeholders)
    document: dict[str, Any] = {"kind": kind, "id": live.get("id")}
    if "name" in body:
        document["name"] = body.pop("name")
    for key in sorted(body):
        document[key] = _sorted(body[key])
    return document, tuple(sorted(placeholders, key=lambda p: p.env))


def _write_only_placeholders(kind: Kind, body: dict[str, Any], live: Mapping[str, Any],
                             env_prefix: str) -> list[Placeholder]:
    """Write-only values the API cannot return, left out of ``body`` (in place), each replaced by
    an ``${env:...}`` placeholder where the API says outright that the live sync has one."""
    placeholders: list[Placeholder] = []
    spec = registry.get(kind)
    for key in spec.always_sensitive:
        body.pop(key, None)
    for rule in spec.export.placeholders:
        if rule.is_set(live):
            env = f"{env_prefix}_{rule.env_suffix}"
            body[rule.key] = placeholder("env", env)
            placeholders.append(Placeholder(env, rule.key))
    return placeholders


def without_server_defaults(kind: Kind, body: dict[str, Any], catalog: Catalog) -> dict[str, Any]:
    """``body`` without the values the server computes the same way when they are left out."""
    if not registry.get(kind).export.drops_server_defaults:
        return body
    out = dict(body)
    identity = out.get("identity")
    if isinstance(identity, Mapping) and "remote_field_type_id" in identity:
        out["identity"] = _without_computed_type(identity, catalog)
    target = out.get("target")
    if isinstance(target, Mapping) and isinstance(target.get("configuration"), Mapping):
        out["target"] = _without_configuration_defaults(target, catalog)
    return out


def _without_computed_type(identity: Mapping[str, Any], catalog: Catalog) -> Mapping[str, Any]:
    """The identity without ``remote_field_type_id`` when it is the one the catalogue computes."""
    given = identity.get("source")
    source: Mapping[str, Any] = given if isinstance(given, Mapping) else {}
    computed = catalog.field_type(source.get("model_id"), source.get("field"))
    if computed is not None and identity["remote_field_type_id"] == computed:
        return {k: v for k, v in identity.items() if k != "remote_field_type_id"}
    return identity


def _without_configuration_defaults(target: Mapping[str, Any], catalog: Catalog) -> dict[str, Any]:
    """The target without the configuration values its connection type defaults to."""
    defaults = TARGET_CONFIGURATION_DEFAULTS.get(str(catalog.connection_type(target.get("connection_id"))), {})
    kept = {k: v for k, v in target["configuration"].items() if not (k in defaults and v == defaults[k])}
    return {k: v for k, v in target.items() if k != "configuration"} | ({"configuration": kept} if kept else {})


def named(kind: Kind, body: Any, catalog: Catalog, path: str = "") -> Any:
    """``body`` with connection and model ids in their id fields written as ``${connection:NAME}`` /
    ``${model:NAME}`` where the name is unique."""
    if isinstance(body, Mapping):
        return {k: named(kind, v, catalog, f"{path}.{k}" if path else str(k)) for k, v in body.items()}
    if isinstance(body, list):
        return [named(kind, v, catalog, f"{path}[{i}]") for i, v in enumerate(body)]
    scheme = reference_slot(path) if isinstance(body, str) else None
    if scheme in ("connection", "model"):
        name = catalog.unique_names(scheme).get(body)
        if name is not None:
            return placeholder(scheme, name)
    return body


def _secret_paths(value: Any, path: str = "", inside: bool = False) -> list[tuple[str, str]]:
    """``(path, key)`` of every credential-looking string inside a configuration object."""
    found: list[tuple[str, str]] = []
    if isinstance(value, Mapping):
        for key, item in value.items():
            sub = f"{path}.{key}" if path else str(key)
            if inside and isinstance(item, str) and item and looks_secret(str(key)):
                found.append((sub, str(key)))
            else:
                found += _secret_paths(item, sub, inside or key in _SECRET_HOLDERS)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            found += _secret_paths(item, f"{path}[{i}]", inside)
    return found


def _env_names(body: Mapping[str, Any], prefix: str) -> dict[str, str]:
    """``path -> variable``: named after the key (``..._API_TOKEN``), or after the whole path
    when several credentials of one sync share a key name (a bulk sync's source and destination
    ``password``), so that each gets its own variable and a plan right after stays empty."""
    found = _secret_paths(body)
    by_key: dict[str, int] = {}
    for _, key in found:
        by_key[_env_part(key)] = by_key.get(_env_part(key), 0) + 1
    names: dict[str, str] = {}
    for path, key in found:
        part = _env_part(key) if by_key[_env_part(key)] == 1 else _env_part(path)
        names[path] = f"{prefix}_{part}"
    return names


def _mask_secrets(value: Any, path: str, names: Mapping[str, str], out: list[Placeholder]) -> Any:
    """Replace the credential-looking values found by :func:`_secret_paths` with placeholders."""
    if path in names:
        out.append(Placeholder(names[path], path))
        return placeholder("env", names[path])
    if isinstance(value, Mapping):
        return {key: _mask_secrets(item, f"{path}.{key}" if path else str(key), names, out)
                for key, item in value.items()}
    if isinstance(value, list):
        return [_mask_secrets(item, f"{path}[{i}]", names, out) for i, item in enumerate(value)]
    return value


def looks_secret(key: str) -> bool:
    """A configuration key whose value is presumably a credential."""
    squashed = re.sub(r"[^a-z0-9]", "", key.lower())
    return any(word in squashed for word in _SECRET_WORDS)


def _sorted(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _sorted(value[k]) for k in sorted(value)}
    if isinstance(value, list):
        return [_sorted(v) for v in value]
    return value


# ---- names --------------------------------------------------------------------------------


def slugify(name: str) -> str:
    """A lowercase file-name stem: ASCII letters, digits and single dashes; never empty."""
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    slug = slug[:MAX_SLUG].rstrip("-")
    return slug or "sync"


def file_names(syncs: Sequence[tuple[Kind, str, str]]) -> dict[tuple[Kind, str], str]:
    """``(kind, id) -> file name``. Slugs shared by several syncs all get a short-id suffix.

    Every sync in a collision group is suffixed (not all but the first), so a name never depends
    on which namesake the API listed first; the suffix grows until the names are unique.
    """
    groups: dict[str, list[tuple[Kind, str]]] = {}
    for kind, sync_id, name in syncs:
        groups.setdefault(slugify(name), []).append((kind, sync_id))
    names: dict[tuple[Kind, str], str] = {}
    taken = {slug for slug, members in groups.items() if len(members) == 1}
    for slug, members in sorted(groups.items()):
        if len(members) == 1:
            names[members[0]] = f"{slug}.yaml"
            continue
        stems: dict[tuple[Kind, str], str] | None = None
        for size in (8, 12):
            candidate = {m: f"{slug}-{_short(m[1], size)}" for m in members}
            if len(set(candidate.values())) == len(members) and not set(candidate.values()) & taken:
                stems = candidate
                break
        if stems is None:
            stems = {m: f"{slug}-{m[0].lower()}-{_short(m[1], 36)}" for m in members}
        for member, stem in stems.items():
            names[member] = f"{stem}.yaml"
            taken.add(stem)
    return names


def _short(sync_id: str, size: int) -> str:
    return re.sub(r"[^a-z0-9]", "", sync_id.lower())[:size] or "x"


def env_prefix(stem: str) -> str:
    return f"POLYTOMIC_SYNC_{_env_part(stem)}"


def _env_part(text: str) -> str:
    return re.sub(r"[^A-Z0-9]+", "_", text.upper()).strip("_") or "X"


# ---- writing ------------------------------------------------------------------------------


def schema_ref(out_dir: Path) -> str | None:
    """Relative path from the output directory to the nearest ``schemas/reconciler.schema.json`` in
    it or a folder above it, up to the repository root (a folder with ``.git`` or ``reconciler.yaml``);
    None when there is none."""
    out = out_dir.resolve()
    for folder in (out, *out.parents):
        if (folder / SCHEMA_FILE).is_file():
            return Path(os.path.relpath(folder / SCHEMA_FILE, out)).as_posix()
        if (folder / ".git").exists() or (folder / "reconciler.yaml").is_file():
            break
    return None


def write_schema_copy(out_dir: Path) -> str:
    """Copy the schema reconciler validates with to ``<out>/.reconciler/`` (a folder definitions are
    never read from); the relative reference to it. For output outside a repository with ``schemas/``."""
    target = out_dir / FALLBACK_SCHEMA
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes((SCHEMA_DIR / COMBINED_FILE).read_bytes())
    except OSError as exc:
        raise ExportError(f"could not write {target}: {exc.strerror or exc}") from None
    return FALLBACK_SCHEMA.as_posix()


def render_yaml(item: ExportedSync, schema: str) -> str:
    """The file's text: schema comment first, a provenance comment, then block-style YAML."""
    lines = [f"{SCHEMA_COMMENT}{schema}",
             f"# Exported by `reconciler export` from the live {item.kind} {item.sync_id}."]
    if item.placeholders:
        lines.append("# Set these environment variables before plan/apply (the values were not exported):")
        lines += [f"#   {p.env}  ({one_line(p.path)})" for p in item.placeholders]
    body = yaml.dump(
        dict(item.document),
        Dumper=_Dumper,
        sort_keys=False,
        default_flow_style=False,
        allow_unicode=True,
        width=120,
        indent=2,
    )
    return "\n".join(lines) + "\n" + body


def one_line(text: str) -> str:
    """``text`` for a comment line: line breaks and other unprintable characters as escapes."""
    return "".join(ch if ch.isprintable() else f"\\u{ord(ch):04x}" for ch in text)


class _Dumper(yaml.SafeDumper):
    """Safe dumper that indents list items under their key (the usual hand-written style)."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)

    def process_scalar(self) -> None:
        # Invisible characters are written as escapes (``\u200B``) so that a reviewer sees them.
        visible = self.allow_unicode
        if self.style == '"' and _has_invisible(getattr(self.event, "value", "")):
            self.allow_unicode = False
        try:
            super().process_scalar()
        finally:
            self.allow_unicode = visible


def _has_invisible(text: str) -> bool:
    return any(unicodedata.category(ch) in ("Cf", "Cn", "Co", "Zl", "Zp") for ch in text)


def _needs_escapes(text: str) -> bool:
    """Whether a string must be written double-quoted to read back unchanged (and visibly):
    characters YAML folds or treats as line breaks (U+0085, U+2028, U+2029, tabs, CR), and
    control, format (invisible, bidirectional) and unassigned characters."""
    return _has_invisible(text) or any(ch in "\x85\t\r" or unicodedata.category(ch) == "Cc" for ch in text)


def _represent_str(dumper: yaml.SafeDumper, text: str) -> yaml.ScalarNode:
    style = '"' if _needs_escapes(text) else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", text, style=style)


_Dumper.add_representer(str, _represent_str)


def write_export(exported: Sequence[ExportedSync], out_dir: Path, *, schema: str | None,
                 force: bool = False) -> list[Path]:
    """Write every file, or none: existing files are refused unless ``force``. Without a ``schema``
    reference (no repository ``schemas/`` found), a copy of the schema is written beside them."""
    paths = [out_dir / item.file_name for item in exported]
    existing = [p for p in paths if p.exists()]
    if existing and not force:
        more = f" and {len(existing) - 5} more" if len(existing) > 5 else ""
        shown = ", ".join(str(p) for p in existing[:5]) + more
        raise ExportError(f"refusing to overwrite {len(existing)} existing file(s): {shown}; "
                          "use --force to replace them")
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        if schema is None:
            schema = write_schema_copy(out_dir) if exported else FALLBACK_SCHEMA.as_posix()
        for item, path in zip(exported, paths, strict=True):
            tmp = path.with_name(f".{path.name}.tmp")
            tmp.write_text(render_yaml(item, schema), encoding="utf-8")
            tmp.replace(path)
    except OSError as exc:
        raise ExportError(f"could not write to {out_dir}: {exc.strerror or exc}") from None
    return paths
