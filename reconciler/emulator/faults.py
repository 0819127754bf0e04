"""Fault rules: latency, error status, 429 with Retry-After, token-bucket rate limits, dropped
connections, failures after the write committed, and the hostile behaviours of a bad server:
name normalisation, read-after-write lag, looping page tokens, dribbling bodies, wrong `data`
shapes and oversized answers; matched by method, path glob, nth request, times and probability
(docs/emulator.md)."""

from __future__ import annotations

import math
import random
import time
import unicodedata
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from typing import Any

ACTIONS = ("latency", "error", "rate_limit", "drop", "after_commit", "reorder", "normalize_names", "lag",
           "loop_token", "dribble", "wrong_shape", "pad")
RULE_KEYS = {"method", "path", "nth", "times", "probability", "action", "status", "body",
             "retry_after", "latency_ms", "rate", "burst", "seed", "forms", "reads", "interval_ms",
             "chunk_bytes", "data", "bytes"}
NAME_FORMS = ("nfc", "strip", "casefold")
# Rules that change how a request is handled or answered rather than answering it themselves.
MODIFIERS = ("normalize_names", "lag", "loop_token", "dribble", "wrong_shape", "pad")


class RuleError(ValueError):
    """An invalid fault rule."""


@dataclass
class Rule:
    """One fault rule and its counters."""

    action: str
    method: str | None = None
    path: str | None = None
    nth: frozenset[int] | None = None
    times: int | None = None
    probability: float | None = None
    status: int = 500
    body: Any = None
    retry_after: float | None = None
    latency_ms: float = 0
    rate: float = 1.0
    burst: float = 1.0
    seed: int | None = None
    forms: tuple[str, ...] = NAME_FORMS
    reads: int = 1
    interval_ms: float = 2000
    chunk_bytes: int = 1
    data: Any = "unexpected"
    bytes: int = 1_000_000
    loop_to: str | None = None  # loop_token: the token every later page points back to
    matched: int = 0
    fired: int = 0
    tokens: float = field(default=0.0)
    refilled: float = field(default=0.0)
    rng: random.Random = field(default_factory=random.Random, repr=False)

    def __post_init__(self) -> None:
        self.tokens = self.burst
        self.refilled = time.monotonic()
        if self.seed is not None:
            self.rng = random.Random(self.seed)

    def applies_to(self, method: str, path: str) -> bool:
        if self.method is not None and self.method.upper() != method.upper():
            return False
        return self.path is None or fnmatchcase(path, self.path)

    def take_token(self) -> float | None:
        """Take a token from the bucket; None when taken, else seconds until one is available."""
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.refilled) * self.rate)
        self.refilled = now
        if self.tokens >= 1:
            self.tokens -= 1
            return None
        return (1 - self.tokens) / self.rate

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"action": self.action}
        for key in ("method", "path", "times", "probability", "body", "retry_after", "seed"):
            if getattr(self, key) is not None:
                out[key] = getattr(self, key)
        if self.nth is not None:
            out["nth"] = sorted(self.nth)
        if self.action in ("error", "after_commit"):
            out["status"] = self.status
        if self.action == "latency":
            out["latency_ms"] = self.latency_ms
        if self.action == "rate_limit":
            out.update(rate=self.rate, burst=self.burst)
        extra = {"normalize_names": ("forms",), "lag": ("reads",), "dribble": ("interval_ms", "chunk_bytes"),
                 "wrong_shape": ("data",), "pad": ("bytes",)}
        for key in extra.get(self.action, ()):
            value = getattr(self, key)
            out[key] = list(value) if isinstance(value, tuple) else value
        out.update(matched=self.matched, fired=self.fired)
        return out


def _number(raw: dict[str, Any], key: str, *, minimum: float = 0, integer: bool = False) -> Any:
    value = raw[key]
    if isinstance(value, bool) or not isinstance(value, (int, float)) or (integer and not isinstance(value, int)):
        raise RuleError(f"{key} must be {'an integer' if integer else 'a number'}")
    if value < minimum:
        raise RuleError(f"{key} must be at least {minimum}")
    return value


def parse_rule(raw: Any) -> Rule:
    """A rule from its JSON/YAML form (RuleError with a message when invalid)."""
    if not isinstance(raw, dict):
        raise RuleError("a fault rule must be an object")
    unknown = sorted(set(raw) - RULE_KEYS)
    if unknown:
        raise RuleError(f"unknown fault rule keys: {', '.join(unknown)}")
    action = raw.get("action")
    if action not in ACTIONS:
        raise RuleError(f"action must be one of: {', '.join(ACTIONS)}")
    rule = Rule(action=action)
    _parse_match(raw, rule)
    _parse_response(raw, rule)
    _parse_hostile(raw, rule)
    rule.__post_init__()
    return rule


def _parse_match(raw: dict[str, Any], rule: Rule) -> None:
    """Which requests the rule applies to: method, path, nth, times, probability."""
    for key in ("method", "path"):
        if key in raw:
            if not isinstance(raw[key], str):
                raise RuleError(f"{key} must be a string")
            setattr(rule, key, raw[key])
    if "nth" in raw:
        nth = raw["nth"] if isinstance(raw["nth"], list) else [raw["nth"]]
        if not nth or not all(isinstance(n, int) and not isinstance(n, bool) and n >= 1 for n in nth):
            raise RuleError("nth must be a positive integer or a list of them")
        rule.nth = frozenset(nth)
    if "times" in raw:
        rule.times = _number(raw, "times", integer=True)
    if "probability" in raw:
        rule.probability = _number(raw, "probability")
        if rule.probability > 1:
            raise RuleError("probability must be between 0 and 1")


def _parse_response(raw: dict[str, Any], rule: Rule) -> None:
    """What the rule answers: status, body, retry_after, latency, rate limit, seed."""
    if "status" in raw:
        status = _number(raw, "status", integer=True)
        if not (status == 0 and rule.action == "after_commit") and not 100 <= status <= 599:
            raise RuleError("status must be an HTTP status (or 0 with after_commit: drop)")
        rule.status = status
    if "body" in raw:
        rule.body = raw["body"]
    for key in ("retry_after", "latency_ms"):
        if key in raw:
            setattr(rule, key, _number(raw, key))
    if "rate" in raw:
        rule.rate = _number(raw, "rate")
        if rule.rate <= 0:
            raise RuleError("rate must be positive")
    if "burst" in raw:
        rule.burst = _number(raw, "burst", minimum=1)
    if "seed" in raw:
        rule.seed = _number(raw, "seed", integer=True)


def _parse_hostile(raw: dict[str, Any], rule: Rule) -> None:
    """The keys of the hostile-server actions."""
    if "forms" in raw:
        forms = raw["forms"] if isinstance(raw["forms"], list) else [raw["forms"]]
        if not forms or not all(f in NAME_FORMS for f in forms):
            raise RuleError(f"forms must be a list of: {', '.join(NAME_FORMS)}")
        rule.forms = tuple(forms)
    if "reads" in raw:
        rule.reads = _number(raw, "reads", minimum=1, integer=True)
    if "interval_ms" in raw:
        rule.interval_ms = _number(raw, "interval_ms")
    if "chunk_bytes" in raw:
        rule.chunk_bytes = _number(raw, "chunk_bytes", minimum=1, integer=True)
    if "data" in raw:
        rule.data = raw["data"]
    if "bytes" in raw:
        rule.bytes = _number(raw, "bytes", integer=True)


def normalize_name(name: str, forms: tuple[str, ...]) -> str:
    """A name as a normalising server stores it."""
    if "nfc" in forms:
        name = unicodedata.normalize("NFC", name)
    if "strip" in forms:
        name = name.strip()
    if "casefold" in forms:
        name = name.casefold()
    return name


def parse_rules(raw: Any) -> list[Rule]:
    """Rules from `{"rules": [...]}`, a list, or a single rule object."""
    if isinstance(raw, dict) and "rules" in raw and "action" not in raw:
        raw = raw["rules"]
    if raw is None:
        return []
    items = raw if isinstance(raw, list) else [raw]
    rules = []
    for i, item in enumerate(items):
        try:
            rules.append(parse_rule(item))
        except RuleError as exc:
            raise RuleError(f"rules[{i}]: {exc}") from None
    return rules


@dataclass
class Decision:
    """What the faults say about one request."""

    latency: float = 0.0
    terminal: Rule | None = None  # error, rate_limit or drop: the request is not handled
    retry_after: float | None = None
    after_commit: Rule | None = None
    reorder: Rule | None = None  # answer with order-free lists permuted (emulator/reorder.py)
    modifiers: dict[str, Rule] = field(default_factory=dict)  # action -> first rule that fired

    @property
    def label(self) -> str | None:
        names = []
        if self.latency:
            names.append("latency")
        names += sorted(self.modifiers)
        if self.terminal:
            names.append(self.terminal.action)
        if self.after_commit:
            names.append("after_commit")
        if self.reorder:
            names.append("reorder")
        return ",".join(names) or None


class Faults:
    """The active rules, evaluated in order for every API request."""

    def __init__(self, rules: list[Rule] | None = None) -> None:
        self.rules: list[Rule] = list(rules or [])

    def add(self, rules: list[Rule]) -> None:
        self.rules.extend(rules)

    def clear(self) -> None:
        self.rules.clear()

    def decide(self, method: str, path: str) -> Decision:
        decision = Decision()
        for rule in self.rules:
            if not rule.applies_to(method, path):
                continue
            rule.matched += 1
            if decision.terminal is not None:
                continue
            if rule.action == "rate_limit":
                _rate_limit(rule, decision)
            elif _fires(rule):
                rule.fired += 1
                _apply(rule, decision)
        return decision


def _rate_limit(rule: Rule, decision: Decision) -> None:
    """A token bucket: the request is refused (429) when no token is left."""
    wait = rule.take_token()
    if wait is not None:
        rule.fired += 1
        decision.terminal = rule
        decision.retry_after = rule.retry_after if rule.retry_after is not None else float(max(1, math.ceil(wait)))


def _fires(rule: Rule) -> bool:
    """Whether a matching rule fires on this request: its nth, times and probability allow it."""
    if rule.nth is not None and rule.matched not in rule.nth:
        return False
    if rule.times is not None and rule.fired >= rule.times:
        return False
    return rule.probability is None or rule.rng.random() < rule.probability


def _apply(rule: Rule, decision: Decision) -> None:
    """What a fired rule adds to the decision (the first rule of each kind wins)."""
    if rule.action == "latency":
        decision.latency += rule.latency_ms / 1000
    elif rule.action == "after_commit":
        decision.after_commit = decision.after_commit or rule
    elif rule.action == "reorder":
        decision.reorder = decision.reorder or rule
    elif rule.action in MODIFIERS:
        decision.modifiers.setdefault(rule.action, rule)
    else:
        decision.terminal = rule
        decision.retry_after = rule.retry_after


def retry_after_header(seconds: float) -> str:
    """`Retry-After` value: whole seconds as an integer (`2`), a fraction as given (`0.5`).

    A rate-limit rule without `retry_after` computes the wait and rounds it up to whole seconds.
    """
    return str(int(seconds)) if float(seconds).is_integer() else f"{seconds:g}"
