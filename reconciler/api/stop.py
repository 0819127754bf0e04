"""A stop request shared by the client, the retry waits and the applier (SIGINT / SIGTERM).

Once set, the client sends no new request and every retry wait ends at once (raising
:class:`~reconciler.errors.Interrupted`); a request already on the wire keeps its own deadline.
"""

from __future__ import annotations

import threading

from reconciler.errors import Interrupted


class Stop:
    """Set once, from a signal handler or a test; read from every worker thread."""

    def __init__(self) -> None:
        self._event = threading.Event()
        self.signum: int | None = None

    def set(self, signum: int | None = None) -> None:
        if not self._event.is_set():
            self.signum = signum
        self._event.set()

    def is_set(self) -> bool:
        return self._event.is_set()

    def check(self, what: str = "") -> None:
        """Raise :class:`Interrupted` when a stop was asked for."""
        if self._event.is_set():
            raise Interrupted(f"interrupted{': ' + what if what else ''}", signum=self.signum)

    def sleep(self, seconds: float) -> None:
        """A retry wait that ends (raising) as soon as a stop is asked for."""
        if self._event.wait(max(0.0, seconds)):
            self.check("retry wait cut")
