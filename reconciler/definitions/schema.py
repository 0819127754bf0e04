"""Checking documents against the derived JSON Schemas in ``schemas/``, with readable messages."""

from __future__ import annotations

import difflib
import functools
import json
import re
import unicodedata
from datetime import datetime
from typing import TYPE_CHECKING, Any, Callable, Container, Iterable, Mapping

from reconciler import kinds
from reconciler.definitions import schemacheck
from reconciler.definitions.grammar import REFERENCE_ANYWHERE
from reconciler.definitions.model import Kind
from reconciler.definitions.placeholder_schema import strip
from reconciler.errors import ConfigError
from reconciler.resources import data_dir

if TYPE_CHECKING:  # jsonschema is imported only when a document needs explaining (it is slow to import)
    from jsonschema import FormatChecker
    from jsonschema.exceptions import ValidationError

#: The committed schemas: package data in a wheel, the repository's schemas/ in an editable install.
SCHEMA_DIR = data_dir("schemas", "model-sync.schema.json")
COMBINED_FILE = "reconciler.schema.json"

_RFC3339 = re.compile(r"^\d{4}-\d\d-\d\d[Tt]\d\d:\d\d:\d\d(\.\d+)?([Zz]|[+-]\d\d:\d\d)$")

#: (field path, message) pairs; the path is in ``schedule.frequency`` / ``fields[2].target`` form.
Problem = tuple[str, str]


_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


def is_uuid(value: str) -> bool:
    """A canonical 8-4-4-4-12 hex UUID."""
    return bool(_UUID.fullmatch(value))


def is_datetime(value: str) -> bool:
    """An RFC 3339 date-time with a time zone."""
    if not _RFC3339.match(value):
        return False
    try:
        datetime.fromisoformat(value[:-1] + "+00:00" if value[-1] in "Zz" else value)
    except ValueError:
        return False
    return True


def conforms(value: Any, name: str, *, references: bool) -> bool:
    """The formats we check: ``uuid`` (also a ``${connection:NAME}``-style reference when
    ``references``) and ``date-time``; any other format, and any value that is not text, passes."""
    if not isinstance(value, str):
        return True
    if name == "uuid":
        # Any reference text is left to the semantic check, which explains the exact rule.
        return is_uuid(value) or (references and bool(REFERENCE_ANYWHERE.search(value)))
    if name == "date-time":
        return is_datetime(value)
    return True


def format_checker(*, references: bool) -> FormatChecker:
    """jsonschema's format checker for :func:`conforms`."""
    from jsonschema import FormatChecker

    checker = FormatChecker(formats=())
    for name in ("uuid", "date-time"):
        checker.checks(name)(functools.partial(conforms, name=name, references=references))
    return checker


def _ecma_pattern(pattern: str) -> str:
    """A schema ``pattern`` for Python's ``re`` with JSON Schema's (ECMA-262) meaning of ``$``.

    In Python ``$`` also matches before a final newline, so ``id: |`` (a block scalar, which keeps
    its newline) would pass ``^...$``; ECMA-262's ``$`` is the end of the text only.
    """
    if pattern.endswith("$") and not pattern.endswith("\\$"):
        return pattern[:-1] + "\\Z"
    return pattern


def _pattern_keyword(validator: Any, pattern: str, instance: Any, schema: dict[str, Any]) -> Iterable[ValidationError]:
    from jsonschema.exceptions import ValidationError

    if validator.is_type(instance, "string") and not re.search(_ecma_pattern(pattern), instance):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


@functools.lru_cache(maxsize=None)
def _validator_class() -> Any:
    import jsonschema
    from jsonschema import Draft202012Validator

    # JSON integers only: 1.0 or true are not integers on the wire.
    types = Draft202012Validator.TYPE_CHECKER.redefine(
        "integer", lambda _checker, value: isinstance(value, int) and not isinstance(value, bool))
    return jsonschema.validators.extend(Draft202012Validator, validators={"pattern": _pattern_keyword},
                                        type_checker=types)


@functools.lru_cache(maxsize=None)
def load_schema(name: str) -> dict[str, Any]:
    """One committed schema file, by file name, as validate checks it (placeholders substituted first)."""
    path = SCHEMA_DIR / name
    try:
        return strip(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError) as exc:
        raise ConfigError(f"cannot read the definition schema {path}: {exc}") from None


def kind_schema(kind: Kind) -> dict[str, Any]:
    return load_schema(kinds.get(kind).schema_file)


@functools.lru_cache(maxsize=None)
def _validator(kind: Kind, references: bool) -> Any:
    return _validator_class()(kind_schema(kind), format_checker=format_checker(references=references))


@functools.lru_cache(maxsize=None)
def fast_check(kind: Kind, references: bool) -> schemacheck.Check | None:
    """The yes/no check that spares jsonschema for valid documents (None: the schema is beyond it)."""
    try:
        return schemacheck.build(kind_schema(kind), formats=functools.partial(conforms, references=references),
                                 pattern=_ecma_pattern)
    except schemacheck.Unsupported:
        return None


def schema_problems(document: Any, kind: Kind, *, references: bool = True,
                    hidden: Container[str] = frozenset(), written: Mapping[str, str] | None = None) -> list[Problem]:
    """Every schema problem of one document (reconciler keys included) as (path, message).

    ``hidden`` paths hold sensitive values: their messages never quote the value. ``written`` is
    the source text of unquoted scalars by path (``010``, ``yes``), quoted in type hints as is.
    """
    quick = fast_check(kind, references)
    if quick is not None and quick(document):
        return []
    errors = sorted(_validator(kind, references).iter_errors(document), key=lambda e: list(map(str, e.absolute_path)))
    # jsonschema reports one error per missing key, each describing them all: keep one of each
    return list(dict.fromkeys(_describe_all(errors, hidden, written or {})))


def _describe_all(errors: Iterable[ValidationError], hidden: Container[str],
                  written: Mapping[str, str]) -> list[Problem]:
    errors = list(errors)
    mistyped = {path_of(e) for e in errors if e.validator == "type"}
    problems: list[Problem] = []
    for error in errors:
        if error.validator != "type" and path_of(error) in mistyped:
            continue  # one message per value: the wrong type says it all
        problems.extend(_describe(error, hidden, written))
    return problems


def join(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def path_of(error: ValidationError) -> str:
    path = ""
    for part in error.absolute_path:
        path = join(path, part)
    return path


_TYPE_WORDS = {"string": "a string", "integer": "a whole number", "number": "a number",
               "boolean": "true or false", "array": "a list", "object": "a mapping", "null": "null"}


def type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "a whole number"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


def suggest(word: str, options: Iterable[str]) -> str | None:
    """The closest valid option to a misspelt word, if any is close: first the same text but for
    case or Unicode composition (``team a``, a decomposed ``é``), then the nearest by spelling."""
    options = list(options)
    folded = {unicodedata.normalize("NFC", o).casefold(): o for o in reversed(options)}
    same = folded.get(unicodedata.normalize("NFC", word).casefold())
    if same is not None:
        return same
    matches = difflib.get_close_matches(word, options, n=1, cutoff=0.6)
    return matches[0] if matches else None


def _describe(error: ValidationError, hidden: Container[str], written: Mapping[str, str]) -> list[Problem]:
    path = path_of(error)
    value = error.instance
    secret = path in hidden
    shown = "the value" if secret else repr(value)
    if error.validator == "oneOf":
        return _one_of(error, path, value, shown, hidden, written)
    if error.validator == "type":
        return _type(error, path, value, shown, written.get(path))
    handler = _HANDLERS.get(str(error.validator))
    if handler is not None:
        return handler(error, path, value, shown)
    return [(path, "is not valid here" if secret else error.message)]


def _additional(error: ValidationError, path: str, value: Any, shown: str) -> list[Problem]:
    allowed = sorted(error.schema.get("properties", {}))
    out = []
    for key in sorted(k for k in value if k not in allowed):
        hint = suggest(key, allowed)
        where = f"; did you mean {hint!r}?" if hint else f" (allowed: {', '.join(allowed)})"
        out.append((join(path, key), f"unknown key {key!r}{where}"))
    return out


def _required(error: ValidationError, path: str, value: Any, shown: str) -> list[Problem]:
    missing = [k for k in error.validator_value if isinstance(value, dict) and k not in value]
    return [(path, f"missing required key {key!r}") for key in missing]


def _enum(error: ValidationError, path: str, value: Any, shown: str) -> list[Problem]:
    options = [o for o in error.validator_value if o is not None]
    text = f"{shown} is not one of {', '.join(map(str, options))}"
    if isinstance(value, str) and shown != "the value":
        hint = suggest(value, [o for o in options if isinstance(o, str)])
        if hint:
            text += f"; did you mean {hint!r}?"
    return [(path, text)]


def _type(error: ValidationError, path: str, value: Any, shown: str, source: str | None = None) -> list[Problem]:
    wanted = error.validator_value if isinstance(error.validator_value, list) else [error.validator_value]
    words = " or ".join(_TYPE_WORDS.get(str(w), str(w)) for w in wanted)
    text = f"must be {words}, not {type_name(value)}"
    if "string" in wanted and isinstance(value, (int, float, bool)) and shown != "the value":
        # Quote what was written: YAML reads 010 as 8 and yes as true.
        text += f" (put it in quotes: \"{value if source is None else source}\")"
    return [(path, text)]


def _format(error: ValidationError, path: str, value: Any, shown: str) -> list[Problem]:
    if error.validator_value == "uuid":
        return [(path, f"{shown} is not a UUID (nor a ${{connection:NAME}}-style reference)")]
    if error.validator_value == "date-time":
        return [(path, f"{shown} is not a date-time such as 2024-01-31T00:00:00Z")]
    return [(path, f"{shown} is not a valid {error.validator_value}")]


def _pattern(error: ValidationError, path: str, value: Any, shown: str) -> list[Problem]:
    if path == "id":
        return [(path, f"{shown} is not a UUID (the id of a live sync)")]
    return [(path, f"{shown} does not match {error.validator_value}")]


def _one_of(error: ValidationError, path: str, value: Any, shown: str, hidden: Container[str],
            written: Mapping[str, str]) -> list[Problem]:
    if isinstance(value, dict):
        # The errors inside the mapping branch (whatever the type of the value they are about).
        branches = [i for i, option in enumerate(error.validator_value) if option.get("type") == "object"]
        nested = [e for e in error.context or []
                  if e.relative_schema_path and e.relative_schema_path[0] in branches]
        out = _describe_all(nested, hidden, written)
        if out:
            return out
    return [(path, f"must be a name (string) or a mapping of settings, not {type_name(value)}")]


def _const(error: ValidationError, path: str, value: Any, shown: str) -> list[Problem]:
    return [(path, f"must be {error.validator_value!r}")]


_HANDLERS: dict[str, Callable[[ValidationError, str, Any, str], list[Problem]]] = {
    "additionalProperties": _additional,
    "required": _required,
    "enum": _enum,
    "format": _format,
    "pattern": _pattern,
    "const": _const,
}


def text_refused(document: Any, kind: Kind, paths: Container[str]) -> set[str]:
    """Which of ``paths`` hold text where the schema allows no text at all (a boolean, a mapping, ...)."""
    return {path_of(e) for e in _validator(kind, True).iter_errors(document)
            if e.validator == "type" and path_of(e) in paths}
