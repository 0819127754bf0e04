"""``${env:NAME}`` substitution; ``${connection|model|sync|bulk_sync:NAME}`` left for the planner.

``$${`` writes a literal ``${``: the text after it is data, never a placeholder. A string that
held such an escape is listed in :attr:`Interpolated.literals` (its value is final: the planner
resolves nothing in it). ``export`` writes every live ``${`` this way (:func:`escape`).
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, Mapping

from reconciler.definitions.grammar import (ENV, ENV_NAME, ESCAPE, OPEN, PLACEHOLDER, REFERENCE, REFERENCE_KINDS, TOKEN,
                                            escape, unescape)
from reconciler.secrets import redactor

_NUMBERS = (bool, int, float)


class UnknownValue(str):
    """A value whose ``${env:...}`` variables are not set, in a read-only command: its text says so.

    Never sent (``apply`` refuses it), never compared (the planner keeps the live value), never secret.
    """

    __slots__ = ()

    @classmethod
    def of(cls, names: list[str]) -> UnknownValue:
        return cls(f"(unknown: {', '.join(names)} not set)")


class UnsetAllowed(Mapping[str, str]):
    """The environment for read-only commands: an unset variable makes its value unknown, not an error."""

    def __init__(self, environ: Mapping[str, str]) -> None:
        self.environ = environ

    def __getitem__(self, name: str) -> str:
        return self.environ[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self.environ)

    def __len__(self) -> int:
        return len(self.environ)


@dataclass
class Interpolated:
    """A document after ``${env:...}`` substitution."""

    value: Any
    sensitive: set[str] = field(default_factory=set)
    templates: dict[str, str] = field(default_factory=dict)
    #: field paths of strings written with a ``$${`` escape: literal text, resolved no further
    literals: set[str] = field(default_factory=set)
    #: field path -> the unset variables that make its value unknown (only with :class:`UnsetAllowed`)
    unknown: dict[str, tuple[str, ...]] = field(default_factory=dict)
    #: (field path, message)
    problems: list[tuple[str, str]] = field(default_factory=list)
    #: (field path, text) of each string value that still holds a ``${`` once substituted (references,
    #: literal text, values from the environment), in document order: what the semantic checks read.
    #: None when two keys written differently name one field (the later value replaced the first).
    placeholders: list[tuple[str, str]] | None = field(default_factory=list)


def interpolate(value: Any, environ: Mapping[str, str]) -> Interpolated:
    """Substitute ``${env:NAME}`` in every string value; unset variables are problems."""
    result = Interpolated(value=None)
    result.value = _walk(value, "", environ, result)
    return result


def _walk(value: Any, path: str, environ: Mapping[str, str], result: Interpolated) -> Any:
    """``value`` substituted: the very same object when nothing in it changes (most of a file)."""
    if isinstance(value, str):
        return _text(value, path, environ, result) if OPEN in value else value
    if isinstance(value, dict):
        return _walk_dict(value, path, environ, result)
    if isinstance(value, list):
        return _walk_list(value, path, environ, result)
    return value


def _text(value: str, path: str, environ: Mapping[str, str], result: Interpolated) -> str:
    # One whole reference (most texts with a ${): nothing in it to substitute or refuse.
    text = value if REFERENCE.fullmatch(value) else _substituted(value, path, environ, result)
    if OPEN in text and result.placeholders is not None:
        result.placeholders.append((path, text))
    return text


def _substituted(value: str, path: str, environ: Mapping[str, str], result: Interpolated) -> str:
    malformed = _malformed(value)
    if malformed is not None:
        result.problems.append((path, malformed))
        return value
    return _String(path, environ, result).interpolate(value)


def _walk_list(value: list[Any], path: str, environ: Mapping[str, str], result: Interpolated) -> list[Any]:
    out: list[Any] | None = None  # a copy, from the first item that changes
    for i, item in enumerate(value):
        if type(item) is str and OPEN not in item or item is None or type(item) in _NUMBERS:
            new = item  # (nothing to substitute: no path to build)
        else:
            new = _walk(item, f"{path}[{i}]", environ, result)
        if out is None:
            if new is item:
                continue
            out = value[:i]
        out.append(new)
    return value if out is None else out


def _walk_dict(value: dict[Any, Any], path: str, environ: Mapping[str, str], result: Interpolated) -> dict[Any, Any]:
    out: dict[Any, Any] | None = None  # a copy, from the first key or value that changes
    renamed = False
    for index, (key, item) in enumerate(value.items()):
        name = key
        if isinstance(key, str) and OPEN in key:
            child = f"{path}.{key}" if path else key
            if _unescaped(key):
                # Never substituted, so it would reach the API as the literal text.
                result.problems.append((child, "placeholders are replaced only in values, not in keys "
                                               "(write '$${' for a literal '${')"))
            else:
                name = unescape(key)
        if type(item) is str and OPEN not in item or item is None or type(item) in _NUMBERS:
            new = item  # (nothing to substitute: no path to build)
        else:
            new = _walk(item, f"{path}.{name}" if path else name, environ, result)
        if out is None:
            if new is item and name is key:
                continue
            out = dict(itertools.islice(value.items(), index))
        if name is not key:
            renamed = True
        if renamed and name in out:  # two keys written differently name one field: the later value stays
            result.placeholders = None
        out[name] = new
    return value if out is None else out


class _String:
    """The substitution of one string value at ``path``: what it used, escaped, referenced or left unset."""

    def __init__(self, path: str, environ: Mapping[str, str], result: Interpolated) -> None:
        self.path, self.environ, self.result = path, environ, result
        self.used_env = self.escaped = self.referenced = False
        self.unset: list[str] = []

    def interpolate(self, value: str) -> str:
        text = TOKEN.sub(self.replace, value)
        result, path = self.result, self.path
        if self.unset:
            result.unknown[path] = tuple(sorted(set(self.unset)))
            return UnknownValue.of(sorted(set(self.unset)))
        if self.escaped and self.referenced:
            # the whole string is literal text (nothing in it is resolved): the reference would be sent as text
            result.problems.append((path, "a value with a literal '$${' cannot also hold a ${connection:...}-style "
                                          "reference; references are whole values"))
        elif self.escaped:
            result.literals.add(path)
        if self.used_env:
            result.sensitive.add(path)
            result.templates[path] = value
        return text if self.escaped or self.used_env else value  # (unchanged: the same object)

    def replace(self, match: re.Match[str]) -> str:
        if match.group(0) == ESCAPE:
            self.escaped = True
            return OPEN
        kind, sep, name = match.group(1).partition(":")
        if not sep or not name:
            return self._problem(match, f"placeholder {match.group(0)!r} needs the form ${{KIND:NAME}} "
                                        "(env, connection, model, sync or bulk_sync)")
        if kind == ENV:
            return self._env(match, name)
        if kind in REFERENCE_KINDS:
            self.referenced = True
            return match.group(0)
        return self._problem(match, f"unknown placeholder kind {kind!r} in {match.group(0)!r}; "
                                    "use env, connection, model, sync or bulk_sync")

    def _env(self, match: re.Match[str], name: str) -> str:
        if not ENV_NAME.match(name):
            return self._problem(match, f"{name!r} is not a valid environment variable name")
        if name not in self.environ and isinstance(self.environ, UnsetAllowed):
            self.unset.append(name)
            return match.group(0)
        if name not in self.environ:
            return self._problem(match, f"environment variable {name} is not set (used as ${{env:{name}}})")
        self.used_env = True
        secret = self.environ[name]
        redactor.add(secret)
        return secret

    def _problem(self, match: re.Match[str], message: str) -> str:
        self.result.problems.append((self.path, message))
        return match.group(0)


def _unescaped(text: str) -> bool:
    """Whether ``text`` holds a ``${`` that is not part of a ``$${`` escape."""
    return any(match.group(0) != ESCAPE for match in TOKEN.finditer(text)) or OPEN in TOKEN.sub("", text)


def _malformed(text: str) -> str | None:
    """Why a ``${`` in ``text`` does not start a well-formed placeholder, if one does not.

    Checked on the text as written, before substitution: substituted values are never read again.
    """
    at = 0
    while (start := text.find(OPEN, at)) != -1:
        if start > 0 and text[start - 1] == "$":  # ``$${``: a literal ``${``
            at = start + 2
            continue
        match = PLACEHOLDER.match(text, start)
        if match is not None:
            at = match.end()
            continue
        depth, end = 0, None
        for i in range(start + 1, len(text)):
            if text[i] == "{":
                depth += 1
            elif text[i] == "}":
                depth -= 1
                if depth == 0:
                    end = i + 1
                    break
        if end is None:
            return (f"unclosed placeholder {text[start:]!r}: add the closing '}}' "
                    "(or write '$${' for a literal '${')")
        whole = text[start:end]
        if OPEN in whole[2:]:
            return f"placeholder {whole!r} cannot hold another placeholder; write the name literally"
        return f"placeholder {whole!r} may not contain '{{' or '}}'"
    return None


def escape_all(value: Any) -> Any:
    """A copy of ``value`` (dicts, lists, strings) with :func:`escape` applied to every string."""
    if isinstance(value, str):
        return escape(value)
    if isinstance(value, dict):
        return {escape(k) if isinstance(k, str) else k: escape_all(v) for k, v in value.items()}
    if isinstance(value, list):
        return [escape_all(v) for v in value]
    return value


def render_env(template: str, lookup: Callable[[str], str]) -> str:
    """A file's text again with each ``${env:NAME}`` replaced by ``lookup(NAME)`` and each ``$${`` by
    ``${`` (as loading does; for values re-derived from a saved plan's template)."""
    def one(match: re.Match[str]) -> str:
        if match.group(0) == ESCAPE:
            return OPEN
        kind, _, name = (match.group(1) or "").partition(":")
        return lookup(name) if kind == ENV else match.group(0)

    return TOKEN.sub(one, template)


def env_names(template: str) -> list[str]:
    """The variables each ``${env:NAME}`` of a file's text names (``$${`` escapes skipped)."""
    names = []
    for match in TOKEN.finditer(template):
        kind, _, name = (match.group(1) or "").partition(":")
        if kind == ENV and name:
            names.append(name)
    return names
