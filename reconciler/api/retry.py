"""When and how long to wait before trying a request again: the one home of retry pacing.

Who retries what: the client retries reads (every error :attr:`ApiError.retryable` names) and
sends a write exactly once; the writer (apply/writer.py) owns the attempts at a write, because
only it can read back an unknown outcome before sending again. Both pace their attempts with
:class:`Attempts`, so one write costs at most ``max_attempts`` write requests.
"""

from __future__ import annotations

import email.utils
import random
import time
from dataclasses import dataclass, field
from typing import Callable


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with full jitter, honouring ``Retry-After``, within a total time budget."""

    max_attempts: int = 6
    base_delay: float = 0.5
    max_delay: float = 30.0
    budget: float = 120.0
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False, compare=False)
    rng: random.Random = field(default_factory=random.Random, repr=False, compare=False)

    def delay(self, attempt: int, retry_after: float | None) -> float:
        """Seconds to wait after failed attempt number ``attempt`` (1-based)."""
        if retry_after is not None:
            # A server's Retry-After is a floor (never capped by max_delay: resending earlier
            # only earns another 429); a little jitter keeps parallel workers apart. Callers
            # give up instead when the wait does not fit in their time budget.
            return retry_after + self.rng.uniform(0, min(1.0, self.base_delay))
        ceiling = min(self.max_delay, self.base_delay * (2 ** (attempt - 1)))
        return self.rng.uniform(0, ceiling)


class Attempts:
    """The attempts at one request or one change, paced by a policy within its total time budget."""

    def __init__(self, policy: RetryPolicy, clock: Callable[[], float] = time.monotonic) -> None:
        self.policy = policy
        self.clock = clock
        self.started = clock()
        self.attempt = 0

    def next_delay(self, retry_after: float | None) -> float | None:
        """Count a failed attempt; the wait before the next one, or None when attempts or budget are used up."""
        self.attempt += 1
        if self.attempt >= self.policy.max_attempts:
            return None
        delay = self.policy.delay(self.attempt, retry_after)
        if self.clock() - self.started + delay > self.policy.budget:
            return None
        return delay

    def wait(self, retry_after: float | None) -> bool:
        """Sleep before the next attempt; False when attempts or time budget are used up."""
        delay = self.next_delay(retry_after)
        if delay is None:
            return False
        self.policy.sleep(delay)
        return True

    def summary(self) -> str:
        return f"{self.attempt} attempt{'s' if self.attempt != 1 else ''} in {self.clock() - self.started:.1f}s"


def parse_retry_after(value: str | None, *, now: Callable[[], float] = time.time) -> float | None:
    """``Retry-After`` as seconds: either delta-seconds or an HTTP date (``None`` when absent or unreadable)."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - now())
