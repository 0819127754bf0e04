#!/usr/bin/env python3
"""Derive the definition JSON Schemas in ``schemas/`` from the API's create requests.

    python scripts/derive_schemas.py [--openapi FILE] [--out DIR] [--check]

Reads ``CreateSyncRequest`` and ``CreateBulkSyncRequest`` from the OpenAPI file, resolves every
``$ref``, keeps types (with nullability), enums, formats, defaults and required lists, drops the
API's prose, closes every object the API defines with ``additionalProperties: false`` and adds the
reconciler-only keys (``kind``, ``id``, ``ignore_changes``, ``write_only_rotated_at``). Constrained
strings also accept the placeholders ``validate`` accepts there (``${env:NAME}``; ``${connection:NAME}``
and the other references in id fields), so editors and ``check-jsonschema`` agree with ``validate``.
``--check`` exits 1 when the committed files differ from what would be written now. The kinds, their
create requests, schema files and field descriptions come from the registry (:mod:`reconciler.kinds`).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run from a checkout: the placeholder rules are the package's own

from reconciler import kinds  # noqa: E402
from reconciler.definitions import placeholder_schema  # noqa: E402
from reconciler.definitions.semantic import reference_slot  # noqa: E402

DEFAULT_OPENAPI = ROOT / "reference" / "polytomic-openapi.json"
DEFAULT_OUT = ROOT / "schemas"
# Draft 7: every keyword used is in it, and it is what editors support best.
DRAFT = "http://json-schema.org/draft-07/schema#"
UUID_PATTERN = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"

#: kind -> (request schema in the OpenAPI file, output file, one-line description)
COMBINED = "reconciler.schema.json"

# Keywords carried over from the API's schemas; prose (description, title, examples) is not.
_KEEP = ("type", "enum", "const", "format", "default", "minimum", "maximum", "minItems", "maxItems",
         "minLength", "maxLength", "pattern", "uniqueItems")

# Our own short words for the top-level fields, shown by editors on hover.
_OUR_KEYS = {
    "id": {"type": "string", "pattern": UUID_PATTERN,
           "description": "Pin this definition to one live sync by id (adoption, rename-safe)."},
    "ignore_changes": {"type": "array", "items": {"type": "string"},
                       "description": "Field paths never compared and kept from the live sync on update."},
    "write_only_rotated_at": {"type": "string", "format": "date-time",
                              "description": "When write-only values (encryption_passphrase) were rotated: "
                                             "apply sends them again unless the live sync was updated at or after "
                                             "this time."},
}


class DeriveError(Exception):
    """The OpenAPI file does not have what the derivation needs."""


def _resolve(ref: str, components: dict[str, Any]) -> dict[str, Any]:
    prefix = "#/components/schemas/"
    if not ref.startswith(prefix) or ref[len(prefix):] not in components:
        raise DeriveError(f"cannot resolve $ref {ref!r}")
    return components[ref[len(prefix):]]


def convert(node: Any, components: dict[str, Any], depth: int = 0) -> dict[str, Any]:
    """One OpenAPI schema node as a self-contained JSON Schema node."""
    if depth > 50:
        raise DeriveError("schema nesting too deep (recursive $ref?)")
    if not isinstance(node, dict):
        raise DeriveError(f"unexpected schema node {node!r}")
    if "$ref" in node:
        return convert(_resolve(node["$ref"], components), components, depth + 1)
    out: dict[str, Any] = {key: node[key] for key in _KEEP if key in node}
    types = out.get("type")
    if "enum" in out and isinstance(types, list) and "null" in types and None not in out["enum"]:
        out["enum"] = [*out["enum"], None]
    for key in ("oneOf", "anyOf", "allOf"):
        if key in node:
            out[key] = [convert(item, components, depth + 1) for item in node[key]]
    if "items" in node:
        out["items"] = convert(node["items"], components, depth + 1)
    if "properties" in node:
        out["properties"] = {name: convert(sub, components, depth + 1)
                             for name, sub in sorted(node["properties"].items())}
        if node.get("required"):
            out["required"] = sorted(node["required"])
    if "additionalProperties" in node:
        extra = node["additionalProperties"]
        out["additionalProperties"] = convert(extra, components, depth + 1) if isinstance(extra, dict) else extra
    elif "properties" in node:
        out["additionalProperties"] = False
    return out


def with_placeholders(node: Any, path: str = "") -> Any:
    """Every constrained string below ``node`` (at field path ``path``) also taking its placeholders."""
    if not isinstance(node, dict):
        return node
    out = dict(node)
    if "properties" in out:
        out["properties"] = {name: with_placeholders(sub, f"{path}.{name}" if path else name)
                             for name, sub in out["properties"].items()}
    if "items" in out:
        out["items"] = with_placeholders(out["items"], f"{path}[0]")
    for key in ("oneOf", "anyOf", "allOf"):
        if key in out:
            out[key] = [with_placeholders(item, path) for item in out[key]]
    if isinstance(out.get("additionalProperties"), dict):
        out["additionalProperties"] = with_placeholders(out["additionalProperties"], f"{path}.*")
    return placeholder_schema.accept(out, path, reference_slot)


def kind_schema(kind: str, openapi: dict[str, Any]) -> dict[str, Any]:
    """The schema of one definition document of ``kind``."""
    spec = kinds.get(kind)
    request = spec.request_schema
    components = openapi.get("components", {}).get("schemas", {})
    if request not in components:
        raise DeriveError(f"{request} not found in components.schemas")
    body = convert(components[request], components)
    for name, text in spec.field_descriptions.items():
        if name in body["properties"]:
            body["properties"][name] = {**body["properties"][name], "description": text}
    properties = {
        "kind": {"const": kind, "description": "Which kind of sync this document defines."},
        **{name: dict(schema) for name, schema in _OUR_KEYS.items()},
        **body["properties"],
    }
    return {
        "title": kind,
        "description": f"A {spec.summary} kept as code by reconciler.",
        "type": "object",
        "properties": {name: with_placeholders(sub, name) for name, sub in sorted(properties.items())},
        "required": sorted({"kind", *body.get("required", [])}),
        "additionalProperties": False,
    }


def derive(openapi: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every schema file: name -> content."""
    files: dict[str, dict[str, Any]] = {}
    defs = {}
    for spec in kinds.all():
        schema = kind_schema(spec.name, openapi)
        defs[spec.name] = schema
        files[spec.schema_file] = {"$schema": DRAFT, **schema}
    files[COMBINED] = {
        "$schema": DRAFT,
        "title": "reconciler definition",
        "description": "One document of a reconciler definition file: a ModelSync or a BulkSync.",
        "type": "object",
        "required": ["kind"],
        "properties": {"kind": {"enum": list(kinds.names())}},
        "allOf": [
            {"if": {"properties": {"kind": {"const": kind}}, "required": ["kind"]},
             "then": {"$ref": f"#/definitions/{kind}"}}
            for kind in kinds.names()
        ],
        "definitions": defs,
    }
    return files


def render(schema: dict[str, Any]) -> str:
    return json.dumps(schema, indent=2, sort_keys=False, ensure_ascii=False) + "\n"


def stale_files(openapi: dict[str, Any], out_dir: Path) -> list[str]:
    """Names of the schema files in ``out_dir`` that differ from a fresh derivation."""
    stale = []
    for name, schema in derive(openapi).items():
        path = out_dir / name
        if not path.is_file() or path.read_text(encoding="utf-8") != render(schema):
            stale.append(name)
    return stale


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--openapi", type=Path, default=DEFAULT_OPENAPI)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--check", action="store_true", help="exit 1 when the committed schemas are stale")
    args = parser.parse_args(argv)
    try:
        openapi = json.loads(args.openapi.read_text(encoding="utf-8"))
        if args.check:
            stale = stale_files(openapi, args.out)
            for name in stale:
                print(f"{args.out / name} is stale; run scripts/derive_schemas.py", file=sys.stderr)
            return 1 if stale else 0
        args.out.mkdir(parents=True, exist_ok=True)
        for name, schema in derive(openapi).items():
            (args.out / name).write_text(render(schema), encoding="utf-8")
            print(f"wrote {args.out / name}")
    except (OSError, ValueError, DeriveError) as exc:
        print(f"derive_schemas: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
