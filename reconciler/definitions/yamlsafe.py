"""Safe, position-keeping YAML loading: plain data plus ``file:line:column`` for every value.

PyYAML composes the node graph; we build the values ourselves so that only plain data tags are
accepted (no object tags), duplicate keys are errors, and alias expansion has a hard budget.

Composing is done by libyaml when PyYAML has it (about 15 times faster than the pure-Python
scanner, same nodes and marks). A file libyaml cannot compose (a syntax error, a character
or nesting it refuses) is loaded again on the pure-Python path, so every YAML error message and
position is the pure-Python one. What we check on the composed nodes (tags, duplicate keys,
alias budget) is the same code on either path.
"""

from __future__ import annotations

import functools
import math
import re
import sys
from dataclasses import dataclass, field
from typing import Any, Iterator, cast

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from reconciler.definitions.marks import COLUMN_BITS, line_of, pack, unpack
from reconciler.errors import DefinitionError, Position

#: Most values one document may expand to (aliases included); a "billion laughs" stops here.
MAX_VALUES = 100_000
#: Largest definition file read.
MAX_FILE_BYTES = 5 * 1024 * 1024

_CORE = "tag:yaml.org,2002:"
_PLAIN_TAGS = {f"{_CORE}{t}" for t in ("str", "int", "float", "bool", "null", "map", "seq", "timestamp")}
_MERGE = f"{_CORE}merge"
_STR = f"{_CORE}str"
_MAP = f"{_CORE}map"
_SEQ = f"{_CORE}seq"
#: The node each plain tag belongs on (``!!str`` on a list does not fit).
_TAG_NODES: dict[str, type[Node]] = {tag: ScalarNode for tag in _PLAIN_TAGS} | {
    f"{_CORE}map": MappingNode, f"{_CORE}seq": SequenceNode}
#: Tags a key may carry (keys are kept as the text written: ``1`` and ``"1"`` are the same key).
_KEY_TAGS = {f"{_CORE}{t}" for t in ("str", "int", "float", "bool", "null", "timestamp")}
#: Texts up to this long are kept once for all files (sys.intern): keys, paths, ids and enum values
#: repeat in every definition, and a plan of 10,000 syncs holds millions of them.
_SHARED_LENGTH = 80
_SURROGATE = re.compile("[\ud800-\udfff]")
_scalars = yaml.SafeLoader("")  # used only for its scalar constructors
_LIBYAML: type | None = getattr(yaml, "CSafeLoader", None) if getattr(yaml, "__with_libyaml__", False) else None


@functools.lru_cache(maxsize=8192)
def _implicit_tag(kind: type, value: str | None, implicit: tuple[bool, bool] | bool) -> str:
    return yaml.resolver.Resolver.resolve(_scalars, kind, value, implicit)


def _resolve(self: Any, kind: type, value: str | None, implicit: tuple[bool, bool] | bool) -> str:
    """The safe loader's tag resolution, remembered: the same keys and values repeat in every file
    (it depends on nothing else: the safe loader has no path resolvers)."""
    if value is not None and len(value) > 80:
        return _implicit_tag.__wrapped__(kind, value, implicit)
    return _implicit_tag(kind, value, implicit)


#: libyaml's composer (None without libyaml: the pure-Python path only).
#: The safe loader has no path resolvers: libyaml's composer calls descend_resolver and
#: ascend_resolver around every node for nothing, so they are C no-ops here.
FAST_LOADER: type | None = type("_FastLoader", (_LIBYAML,), {
    "resolve": _resolve, "descend_resolver": staticmethod({}.get), "ascend_resolver": staticmethod(tuple),
}) if _LIBYAML is not None else None
#: A text at most this long holds no long scalar: libyaml's composer then resolves tags through
#: a cache it calls directly (C calls only), whatever a scalar's length; the cache keeps at most
#: 1,024 of them, so at most 4 MB of text.
_SMALL_TEXT = 4096
_small_tag = functools.lru_cache(maxsize=1024)(_implicit_tag.__wrapped__)
_SMALL_LOADER: type | None = type("_SmallFastLoader", (FAST_LOADER,), {
    "resolve": staticmethod(_small_tag)}) if FAST_LOADER is not None else None
#: What the pure-Python reader refuses; libyaml's reader allows a few more characters.
_NON_PRINTABLE = yaml.reader.Reader.NON_PRINTABLE


@dataclass
class Document:
    """One YAML document: its value, where each field path's value and key are written (packed
    marks: :func:`reconciler.definitions.marks.unpack` gives the Position)."""

    value: Any
    position: Position
    values: dict[str, int] = field(default_factory=dict)
    keys: dict[str, int] = field(default_factory=dict)
    #: paths whose value was refused (an unsupported tag): no further messages about them
    rejected: set[str] = field(default_factory=set)
    #: the text as written of each number, boolean and null (``010``, ``yes``), for hints
    texts: dict[str, str] = field(default_factory=dict)


class _Budget(Exception):
    pass


class _Builder:
    """Turns one composed node graph into plain data, recording positions by field path."""

    def __init__(self, file: str, doc: Document, anchors: bool = True, merges: bool = True) -> None:
        self.file = file
        self.doc = doc
        self.values = doc.values
        self.keys = doc.keys
        #: whether a node can be reached twice (the text has an anchor): only then is it tracked
        self.anchors = anchors
        #: whether a key can merge (the text has a ``<<`` or a tag): only then are keys read ahead
        self.merges = merges
        self.count = 0
        self.chars = 0
        self.problems: list[DefinitionError] = []
        self.built: set[int] = set()
        #: whether an alias was expanded (a node built twice): the budget message says so
        self.aliased = False
        self.reported: set[tuple[str, Position]] = set()

    def pos(self, node: Node) -> Position:
        """Where a node starts."""
        return unpack(self.file, pack(node.start_mark))

    def build(self, node: Node, path: str) -> Any:
        self.count += 1
        if self.count > MAX_VALUES:
            raise _Budget
        if self.anchors:
            self.visit(node)
        values = self.values
        if path not in values:
            mark = node.start_mark
            values[path] = mark.line << COLUMN_BITS | mark.column
        tag = node.tag
        if tag == _STR and type(node) is ScalarNode:  # the common case first: most values are plain text
            value = node.value
            # Text counts too: without aliases it cannot exceed the file; with them, 50 aliases
            # of a 1 MB string would be a 50 MB request body.
            self.chars += len(value)
            if self.chars > MAX_FILE_BYTES:
                raise _Budget
            if value.isascii() or _SURROGATE.search(value) is None:
                return sys.intern(value) if len(value) <= _SHARED_LENGTH else value
            return self.scalar(cast(ScalarNode, node), path)
        if tag == _MAP and type(node) is MappingNode:
            return self.mapping(cast(MappingNode, node), path)
        if tag == _SEQ and type(node) is SequenceNode:
            return [self.build(item, sys.intern(f"{path}[{i}]")) for i, item in enumerate(node.value)]
        return self.other(node, path)

    def visit(self, node: Node) -> None:
        """Note a node built (a second time: an alias was expanded)."""
        if id(node) in self.built:
            self.aliased = True
        else:
            self.built.add(id(node))

    def other(self, node: Node, path: str) -> Any:
        """A value that is not plain text, a plain mapping or a plain list: a number, ... or refused."""
        tag = node.tag
        kind = _TAG_NODES.get(tag)
        if kind is None:
            return self.refuse(node, path, f"unsupported YAML tag {_short(tag)}: only plain strings, numbers, "
                                           "booleans, null, lists and mappings are allowed")
        if type(node) is not kind:
            return self.refuse(node, path, f"YAML tag {_short(tag)} does not fit this value")
        value = node.value
        self.chars += len(value)
        if self.chars > MAX_FILE_BYTES:
            raise _Budget
        self.doc.texts.setdefault(path, value)
        try:
            return self.scalar(cast(ScalarNode, node), path)
        except (ValueError, KeyError, TypeError, yaml.YAMLError):
            return self.refuse(node, path, f"{value!r} cannot be read as {_short(tag)}")

    def refuse(self, node: Node, path: str, message: str) -> None:
        """Record a problem for a value we will not build; no further messages about its path."""
        self.problem(message, self.pos(node), path)  # once, even when an alias repeats the value
        self.doc.rejected.add(path)
        return None

    def scalar(self, node: ScalarNode, path: str) -> Any:
        tag = node.tag
        if tag == _CORE + "str" or tag == _CORE + "timestamp":
            lone = _SURROGATE.search(node.value)
            if lone is not None:  # from a "\ud83d" escape: no UTF-8 (so no JSON body) can carry it
                return self.refuse(node, path, f"'\\u{ord(lone.group()):04x}' is not a character: a surrogate escape "
                                               "needs its pair (or write the character itself)")
            return node.value  # timestamps stay text, as the API wants them
        if tag == _CORE + "int":
            return _scalars.construct_yaml_int(node)
        if tag == _CORE + "float":
            number = _scalars.construct_yaml_float(node)
            if math.isfinite(number):
                return number
            return self.refuse(node, path, f"{node.value!r} is not a finite number (JSON has no infinity "
                                           "or NaN); quote it for text")
        if tag == _CORE + "bool":
            return _scalars.construct_yaml_bool(node)
        return None

    def mapping(self, node: MappingNode, path: str) -> dict[str, Any]:
        if self.merges:
            return self.merged_mapping(node, path)
        # No key can merge: each value is built as its key is read (the common case spelled out).
        out: dict[str, Any] = {}
        first: dict[str, int] = {}
        keys = self.keys
        prefix = f"{path}." if path else ""
        for key_node, value_node in node.value:
            key = key_node.value
            if key_node.tag == _STR and type(key_node) is ScalarNode and key not in first:
                if len(key) <= _SHARED_LENGTH:
                    key = sys.intern(key)
                mark = key_node.start_mark
                key_mark = first[key] = mark.line << COLUMN_BITS | mark.column
            else:
                found = self.key(key_node, path, first)
                if found is None:
                    continue
                key, key_mark = found
            child = sys.intern(prefix + key)
            keys[child] = key_mark
            out[key] = self.build(value_node, child)
        return out

    def merged_mapping(self, node: MappingNode, path: str) -> dict[str, Any]:
        """A mapping in a document where a key may merge (``<<``): its keys read first, then built."""
        out: dict[str, Any] = {}
        explicit, merged = self.pairs(node, path)
        keys = self.keys
        prefix = f"{path}." if path else ""
        for key, key_mark, value_node in explicit:
            child = sys.intern(prefix + key)
            keys[child] = key_mark
            out[key] = self.build(value_node, child)
        for key, key_mark, value_node in merged:
            if key not in out:  # explicit keys win, then earlier merged mappings (YAML's merge rule)
                child = sys.intern(prefix + key)
                keys.setdefault(child, key_mark)
                out[key] = self.build(value_node, child)
        return out

    def pairs(self, node: MappingNode, path: str) -> tuple[list[tuple[str, int, Node]], list[tuple[str, int, Node]]]:
        """(explicit, merged) keys of a mapping as (key, packed key mark, value node); merges
        resolved, nested ones too."""
        explicit: list[tuple[str, int, Node]] = []
        merged: list[tuple[str, int, Node]] = []
        first: dict[str, int] = {}
        for key_node, value_node in node.value:
            found = self.key(key_node, path, first)
            if found is None:
                continue
            if key_node.tag == _MERGE:
                self.merge(value_node, path, merged)
            else:
                explicit.append((*found, value_node))
        return explicit, merged

    def key(self, key_node: Node, path: str, first: dict[str, int]) -> tuple[str, int] | None:
        """A mapping key's text and packed mark (``<<`` for a merge key), noted in ``first``; None
        with a problem for a key that is not text, a duplicate (``<<`` included) or tagged."""
        if type(key_node) is not ScalarNode:
            self.problem("mapping keys must be plain text, not a list or mapping", self.pos(key_node), path)
            return None
        tag = key_node.tag
        key = "<<" if tag == _MERGE else key_node.value
        if len(key) <= _SHARED_LENGTH:
            key = sys.intern(key)
        key_mark = pack(key_node.start_mark)
        if key in first:
            self.problem(f"duplicate key {key!r} (first given at line {line_of(first[key])}); YAML would "
                         "silently keep only the last one", self.pos(key_node), _child(path, key))
            return None
        first[key] = key_mark
        if tag != _MERGE and tag not in _KEY_TAGS:
            self.problem(f"unsupported YAML tag {_short(tag)}: keys are plain text", self.pos(key_node),
                         _child(path, key))
            self.doc.rejected.add(_child(path, key))
            return None
        return key, key_mark

    def merge(self, node: Node, path: str, merged: list[tuple[str, int, Node]]) -> None:
        """Add the keys of each mapping a ``<<`` merges (theirs and those they merge) to ``merged``."""
        for source in self.merge_sources(node, path):
            if id(source) in self.built:
                self.aliased = True
            self.built.add(id(source))
            self.count += len(source.value)  # walked again at each merge: part of the budget
            if self.count > MAX_VALUES:
                raise _Budget
            inner, inner_merged = self.pairs(source, path)
            merged.extend(inner)
            merged.extend(inner_merged)

    def problem(self, message: str, position: Position, path: str) -> None:
        """Record a problem once (a merged mapping is walked at every place it is merged)."""
        if (message, position) not in self.reported:
            self.reported.add((message, position))
            self.problems.append(DefinitionError(message, position, path))

    def merge_sources(self, node: Node, path: str) -> list[MappingNode]:
        if isinstance(node, MappingNode):
            return [node]
        if isinstance(node, SequenceNode) and all(isinstance(n, MappingNode) for n in node.value):
            return list(node.value)
        self.problem("'<<' merge needs a mapping or a list of mappings", self.pos(node), path)
        return []


def _alias_bomb(root: Node) -> bool:
    """Whether aliases make the document surely bigger than the budget, told from its distinct
    nodes (a billion laughs is a few dozen of them) before anything is built. Counts only what
    the builder would surely build; a document it cannot judge (a cycle, deep nesting) is left
    to the builder."""
    sizes: dict[int, tuple[int, int]] = {}
    busy: set[int] = set()
    aliased = False

    def size(node: Node) -> tuple[int, int]:  # (values, characters)
        nonlocal aliased
        known = sizes.get(id(node))
        if known is not None:
            aliased = True
            return known
        if id(node) in busy:
            raise _Cycle
        busy.add(id(node))
        values, chars = 1, 0
        if _TAG_NODES.get(node.tag) is not type(node):
            pass  # refused by the builder: one value, nothing inside
        elif isinstance(node, ScalarNode):
            chars = len(node.value)
        elif isinstance(node, SequenceNode):
            for item in node.value:
                v, c = size(item)
                values, chars = values + v, chars + c
        else:
            seen: set[str] = set()
            for key, value in node.value:
                if isinstance(key, ScalarNode) and key.tag in _KEY_TAGS and key.value not in seen:
                    seen.add(key.value)
                    v, c = size(value)
                    values, chars = values + v, chars + c
        busy.discard(id(node))
        sizes[id(node)] = (values, chars)
        return values, chars

    try:
        values, chars = size(root)
    except (_Cycle, RecursionError):
        return False
    return aliased and (values > MAX_VALUES or chars > MAX_FILE_BYTES)


class _Cycle(Exception):
    pass


def _may_share(text: str) -> bool:
    """Whether a node of ``text`` may be reached twice: only through an alias of an ``&`` anchor."""
    return "&" in text


def _may_merge(text: str) -> bool:
    """Whether a key of ``text`` may merge: a plain ``<<``, or a tag (every tag is written with a ``!``)."""
    return "<<" in text or "!" in text


def _child(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _short(tag: str) -> str:
    return "!!" + tag[len(_CORE):] if tag.startswith(_CORE) else tag


def decode(data: bytes, file: str) -> tuple[str | None, DefinitionError | None]:
    """UTF-8 text of a file (a BOM is dropped), or the error pointing at the first bad byte."""
    if len(data) > MAX_FILE_BYTES:
        mb, rest = divmod(MAX_FILE_BYTES, 1024 * 1024)
        limit = f"{mb} MB" if mb and not rest else f"{MAX_FILE_BYTES} bytes"
        return None, DefinitionError(f"file is larger than {limit}; definition files are small",
                                     Position(file, 1, 1))
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        return None, DefinitionError(
            f"not valid UTF-8 (byte 0x{data[exc.start]:02x}); save the file as UTF-8",
            Position(file, line, column))


def _yaml_message(exc: yaml.MarkedYAMLError) -> str:
    problem = exc.problem or "invalid YAML"
    context = f" {exc.context}" if exc.context else ""
    if "'\\t'" in problem or "\t" in problem:
        return "tab character where YAML expects spaces; indent with spaces only"
    if "mapping values are not allowed here" in problem:
        return "unexpected ':' (bad indentation, or a value with ': ' that needs quotes)"
    if problem.startswith("expected <block end>") or "did not find expected key" in problem:
        return f"bad indentation or structure: {problem}{context}".strip()
    if "found undefined alias" in problem:
        return f"{problem} (an alias *name needs an anchor &name before it)"
    return f"invalid YAML: {problem}{context}"


def load_documents(text: str, file: str) -> Iterator[tuple[Document | None, list[DefinitionError]]]:
    """Each document of ``text`` with the problems found building it (document None: unusable)."""
    fast = _fast_documents(text, file)
    if fast is not None:
        yield from fast
        return
    yield from _documents(text, file)


def _fast_documents(text: str, file: str) -> list[tuple[Document | None, list[DefinitionError]]] | None:
    """Every document composed by libyaml, or None when libyaml is missing or anything is wrong."""
    if FAST_LOADER is None or _NON_PRINTABLE.search(text):
        return None
    try:
        anchors, merges = _may_share(text), _may_merge(text)
        loader = _SMALL_LOADER if _SMALL_LOADER is not None and len(text) <= _SMALL_TEXT else FAST_LOADER
        nodes = yaml.compose_all(text, Loader=loader)
        return [_document(node, file, deep=True, anchors=anchors, merges=merges) for node in nodes]
    except (yaml.YAMLError, RecursionError):
        # (libyaml composes nesting the pure-Python composer is too deep for: its message then)
        return None


def _documents(text: str, file: str) -> Iterator[tuple[Document | None, list[DefinitionError]]]:
    """The pure-Python path: the reference for every message and position."""
    anchors, merges = _may_share(text), _may_merge(text)
    try:
        for node in yaml.compose_all(text, Loader=yaml.SafeLoader):
            yield _document(node, file, anchors=anchors, merges=merges)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        pos = Position(file, mark.line + 1, mark.column + 1) if mark else Position(file, 1, 1)
        yield None, [DefinitionError(_yaml_message(exc), pos)]
    except yaml.reader.ReaderError as exc:
        # Characters YAML does not allow (control characters, ...): point at the character itself.
        line = text.count("\n", 0, exc.position) + 1
        column = exc.position - (text.rfind("\n", 0, exc.position) + 1) + 1
        code = exc.character if isinstance(exc.character, int) else ord(exc.character)
        yield None, [DefinitionError(
            f"character 0x{code:x} is not allowed in YAML (a control character?); remove it, or write it "
            "as an escape such as \\x07 inside double quotes", Position(file, line, column))]
    except yaml.YAMLError as exc:
        yield None, [DefinitionError(f"invalid YAML: {' '.join(str(exc).split())}", Position(file, 1, 1))]
    except RecursionError:
        yield None, [DefinitionError("YAML nesting is too deep", Position(file, 1, 1))]


def _document(node: Node | None, file: str, *, deep: bool = False,
              anchors: bool = True, merges: bool = True) -> tuple[Document | None, list[DefinitionError]]:
    """``deep``: let a RecursionError through (the caller retries on the pure-Python path).
    ``anchors``: whether a node may be shared (:func:`_may_share`); ``merges``: whether a key
    may merge (:func:`_may_merge`)."""
    if node is None:
        return None, []
    start = Position(file, node.start_mark.line + 1, node.start_mark.column + 1)
    doc = Document(value=None, position=start)
    builder = _Builder(file, doc, anchors, merges)
    try:
        if anchors and _alias_bomb(node):
            builder.aliased = True
            raise _Budget
        doc.value = builder.build(node, "")
    except _Budget:
        if not builder.aliased:
            return None, [DefinitionError(
                f"the document has more than {MAX_VALUES} values; refusing to load "
                "(split it into several documents or files)", start)]
        return None, [DefinitionError(
            f"YAML aliases expand to more than {MAX_VALUES} values or {MAX_FILE_BYTES // (1024 * 1024)} MB of text; "
            "refusing to load (an alias bomb such as 'billion laughs'?)", start)]
    except RecursionError:
        if deep:
            raise
        return None, [DefinitionError("YAML nesting is too deep (or an alias refers to itself)", start)]
    return doc, builder.problems
