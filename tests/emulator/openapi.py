"""The reference OpenAPI file as JSON Schema 2020-12 validators, found by request path."""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

ROOT = Path(__file__).resolve().parents[2]
URI = "urn:polytomic-openapi"


def openapi_path() -> Path:
    """`$POLYTOMIC_OPENAPI`, else `<repo>/reference/polytomic-openapi.json`."""
    env = os.environ.get("POLYTOMIC_OPENAPI")
    return Path(env) if env else ROOT / "reference" / "polytomic-openapi.json"


@cache
def spec() -> dict[str, Any]:
    return json.loads(openapi_path().read_text())


@cache
def _registry() -> Registry:
    return Registry().with_resource(URI, Resource.from_contents(spec(), default_specification=DRAFT202012))


@cache
def validator(ref: str) -> Draft202012Validator:
    """A validator for a `#/components/schemas/...` reference."""
    return Draft202012Validator({"$ref": f"{URI}{ref}"}, registry=_registry(),
                                format_checker=Draft202012Validator.FORMAT_CHECKER)


def problems(ref: str, value: Any) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator(ref).iter_errors(value)]


@cache
def _templates() -> list[tuple[re.Pattern[str], str]]:
    out = []
    for template in spec()["paths"]:
        regex = re.sub(r"\{[^}]+\}", "[^/]+", template)
        out.append((re.compile(f"^{regex}$"), template))
    # literal segments beat placeholders
    out.sort(key=lambda item: item[1].count("{"))
    return out


def operation(method: str, path: str) -> dict[str, Any] | None:
    """The operation object; PATCH of a sync (older API versions) is described by its PUT."""
    wanted = [method.lower(), "put"] if method.upper() == "PATCH" else [method.lower()]
    for name in wanted:
        for pattern, template in _templates():
            if pattern.match(path) and name in spec()["paths"][template]:
                return spec()["paths"][template][name]
    return None


def _ref(schema: dict[str, Any] | None) -> str | None:
    return schema.get("$ref") if schema else None


def request_ref(method: str, path: str) -> str | None:
    op = operation(method, path) or {}
    return _ref(op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema"))


def response_ref(method: str, path: str, status: int) -> str | None:
    """The schema of an answer; error statuses the operation does not list use ApiError."""
    op = operation(method, path) or {}
    response = op.get("responses", {}).get(str(status))
    if response is not None:
        return _ref(response.get("content", {}).get("application/json", {}).get("schema"))
    return "#/components/schemas/ApiError" if status >= 400 else None


@dataclass
class Exchange:
    method: str
    path: str
    request: Any
    status: int
    response: Any


@dataclass
class Recorder:
    """Every exchange made through `call`."""

    exchanges: list[Exchange] = field(default_factory=list)

    def record(self, method: str, path: str, request: Any, status: int, response: Any) -> None:
        self.exchanges.append(Exchange(method, path, request, status, response))
