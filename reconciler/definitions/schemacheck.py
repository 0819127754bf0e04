"""A fast yes/no check of a document against a derived schema, built once per schema.

Most files are valid, and jsonschema spends most of validation describing nothing. This check
says only "valid" or "maybe not": a document it calls valid has no jsonschema error; for any
other, jsonschema runs and explains. It knows the keywords the derived schemas use and nothing
more: a schema with any other keyword gets no fast check (jsonschema always runs).
"""

from __future__ import annotations

import re
from typing import Any, Callable

Check = Callable[[Any], bool]

#: Keywords that never make a value invalid.
_ANNOTATIONS = frozenset({"$schema", "$id", "title", "description", "default", "examples", "$comment"})
_SCALARS = (str, int, float, bool, type(None))


class Unsupported(Exception):
    """The schema uses something this check does not know: validate with jsonschema only."""


def _is_integer(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


_TYPES: dict[str, Check] = {
    "string": lambda v: isinstance(v, str),
    "integer": _is_integer,
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "array": lambda v: isinstance(v, list),
    "object": lambda v: isinstance(v, dict),
    "null": lambda v: v is None,
}


def _same(a: Any, b: Any) -> bool:
    """Equal and of the same type (stricter than JSON Schema's 1 == 1.0: stricter only sends
    a document to jsonschema, never lets one through)."""
    return type(a) is type(b) and a == b


def build(schema: Any, *, formats: Callable[[Any, str], bool], pattern: Callable[[str], str]) -> Check:
    """The check for ``schema``; ``formats(value, name)`` and ``pattern(regex)`` are the
    validator's own format checker and ``pattern`` translation. Raises :class:`Unsupported`."""
    if schema is True or schema == {}:
        return lambda v: True
    if schema is False:
        return lambda v: False
    if not isinstance(schema, dict):
        raise Unsupported(repr(schema))
    unknown = set(schema) - _ANNOTATIONS - _KEYWORDS.keys()
    if unknown:
        raise Unsupported(", ".join(sorted(unknown)))
    if "patternProperties" in schema:
        raise Unsupported("patternProperties")
    if schema.get("type") == "object" and not set(schema) - _ANNOTATIONS - _OBJECT_KEYWORDS:
        return _object(schema, formats, pattern)
    built = (_KEYWORDS[k](schema, formats, pattern) for k in sorted(schema) if k in _KEYWORDS)
    checks = tuple(c for c in built if c is not None)
    if len(checks) == 1:
        return checks[0]

    def every(v: Any) -> bool:
        for check in checks:
            if not check(v):
                return False
        return True
    return every


def _type(schema: dict[str, Any], *_: Any) -> Check:
    names = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
    try:
        tests = tuple(_TYPES[n] for n in names)
    except (KeyError, TypeError):
        raise Unsupported(f"type {schema['type']!r}") from None
    if len(tests) == 1:
        return tests[0]
    return lambda v: any(t(v) for t in tests)


#: What an object schema may hold to be checked in one pass over the mapping (:func:`_object`).
_OBJECT_KEYWORDS = frozenset({"type", "properties", "additionalProperties", "required"})


def _object(schema: dict[str, Any], formats: Any, pattern: Any) -> Check:
    """``type: object`` with its properties, required keys and additional properties, in one pass."""
    props = {k: build(s, formats=formats, pattern=pattern) for k, s in schema.get("properties", {}).items()}
    required = tuple(schema.get("required", ()))
    extra = schema.get("additionalProperties", True)
    any_extra = extra is True or extra == {}
    extra_test = None if any_extra or extra is False else build(extra, formats=formats, pattern=pattern)

    def check(v: Any) -> bool:
        if not isinstance(v, dict):
            return False
        for key in required:
            if key not in v:
                return False
        for key, value in v.items():
            test = props.get(key)
            if test is not None:
                if not test(value):
                    return False
            elif not any_extra and (extra_test is None or not extra_test(value)):
                return False
        return True
    return check


def _properties(schema: dict[str, Any], formats: Any, pattern: Any) -> Check:
    props = {k: build(s, formats=formats, pattern=pattern) for k, s in schema["properties"].items()}

    def check(v: Any) -> bool:
        if not isinstance(v, dict):
            return True
        for key, value in v.items():
            test = props.get(key)
            if test is not None and not test(value):
                return False
        return True
    return check


def _additional(schema: dict[str, Any], formats: Any, pattern: Any) -> Check | None:
    extra = schema["additionalProperties"]
    if extra is True or extra == {}:
        return None
    known = frozenset(schema.get("properties", {}))
    test = None if extra is False else build(extra, formats=formats, pattern=pattern)

    def check(v: Any) -> bool:
        if not isinstance(v, dict):
            return True
        for key, value in v.items():
            if key not in known and (test is None or not test(value)):
                return False
        return True
    return check


def _required(schema: dict[str, Any], *_: Any) -> Check:
    keys = tuple(schema["required"])
    return lambda v: not isinstance(v, dict) or all(k in v for k in keys)


def _items(schema: dict[str, Any], formats: Any, pattern: Any) -> Check:
    if not isinstance(schema["items"], (dict, bool)):
        raise Unsupported("items as a list")
    test = build(schema["items"], formats=formats, pattern=pattern)

    def check(v: Any) -> bool:
        if isinstance(v, list):
            for item in v:
                if not test(item):
                    return False
        return True
    return check


def _enum(schema: dict[str, Any], *_: Any) -> Check:
    options = list(schema["enum"])
    if not all(isinstance(o, _SCALARS) for o in options):
        raise Unsupported("enum of lists or mappings")
    if any(o != o for o in options):  # (NaN: equal to nothing, while a set finds it by identity)
        return lambda v: any(_same(v, o) for o in options)
    typed = frozenset((type(o), o) for o in options)  # _same, by hashing: (int, 1) is not (bool, True)
    return lambda v: type(v) in _SCALARS and (type(v), v) in typed


def _const(schema: dict[str, Any], *_: Any) -> Check:
    value = schema["const"]
    if not isinstance(value, _SCALARS):
        raise Unsupported("const list or mapping")
    return lambda v: _same(v, value)


def _format(schema: dict[str, Any], formats: Callable[[Any, str], bool], _: Any) -> Check:
    name = schema["format"]
    return lambda v: formats(v, name)


def _pattern(schema: dict[str, Any], _: Any, pattern: Callable[[str], str]) -> Check:
    regex = re.compile(pattern(schema["pattern"]))
    return lambda v: not isinstance(v, str) or regex.search(v) is not None


def _one_of(schema: dict[str, Any], formats: Any, pattern: Any) -> Check:
    """Only branches told apart by their single JSON type: exactly one can ever apply."""
    branches = schema["oneOf"]
    types = [b.get("type") if isinstance(b, dict) else None for b in branches]
    if not all(isinstance(t, str) and t in _TYPES for t in types) or len(set(types)) != len(types) \
            or {"integer", "number"} <= set(types):
        raise Unsupported("oneOf whose branches are not told apart by type")
    tests = [(_TYPES[str(t)], build(b, formats=formats, pattern=pattern))
             for t, b in zip(types, branches, strict=True)]

    def check(v: Any) -> bool:
        for of_type, test in tests:
            if of_type(v):
                return test(v)
        return False
    return check


_KEYWORDS: dict[str, Callable[[dict[str, Any], Any, Any], Check | None]] = {
    "type": _type,
    "properties": _properties,
    "additionalProperties": _additional,
    "required": _required,
    "items": _items,
    "enum": _enum,
    "const": _const,
    "format": _format,
    "pattern": _pattern,
    "oneOf": _one_of,
}
