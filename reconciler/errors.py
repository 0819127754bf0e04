"""The one family of typed errors the tool raises on purpose.

Every error's ``str()`` is a complete one-line message for the user; the CLI prints it and
picks the exit code. None of them may carry a secret value: callers pass redacted text.
"""

from __future__ import annotations

from dataclasses import dataclass


class ReconcilerError(Exception):
    """Base of every error the tool raises on purpose."""


@dataclass(frozen=True, slots=True)  # slots: about 40 per definition, so 400,000 in a plan of 10,000
class Position:
    """Where something is written: ``file:line:column`` (1-based)."""

    file: str
    line: int
    column: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


class DefinitionError(ReconcilerError):
    """One problem in a definition file, pointing at the file position and field path."""

    def __init__(
        self,
        message: str,
        position: Position | None = None,
        path: str = "",
        resource: str = "",
    ) -> None:
        self.message = message
        self.position = position
        self.path = path
        self.resource = resource  # e.g. 'ModelSync "Users to Salesforce"'
        super().__init__(self.render())

    def render(self) -> str:
        parts = []
        if self.position is not None:
            parts.append(str(self.position))
        if self.resource:
            parts.append(self.resource)
        if self.path:
            parts.append(self.path)
        parts.append(self.message)
        return ": ".join(parts)


class InvalidDefinitions(ReconcilerError):
    """Every problem found while loading and validating definition files."""

    def __init__(self, problems: list[DefinitionError]) -> None:
        self.problems = problems
        super().__init__(f"{len(problems)} invalid definition(s)")


class ConfigError(ReconcilerError):
    """Bad settings: flags, environment or reconciler.yaml."""


class ApiError(ReconcilerError):
    """The API answered with an error, or could not be reached.

    ``retry_after``: the server's ``Retry-After`` in seconds (parsed once, by the client);
    ``replayed``: the server says it replayed an earlier outcome of the request's idempotency key.
    """

    def __init__(
        self,
        message: str,
        *,
        method: str,
        url: str,
        status: int | None = None,
        key: str | None = None,
        retry_after: float | None = None,
        replayed: bool = False,
    ) -> None:
        self.message = message
        self.method = method
        self.url = url
        self.status = status
        self.key = key
        self.retry_after = retry_after
        self.replayed = replayed
        where = f"{method} {url}"
        code = f" -> {status}" if status is not None else ""
        super().__init__(f"{where}{code}: {message}")

    @property
    def retryable(self) -> bool:
        """THE definition of a transient failure: no answer, 408, 429 or 5xx (what the retry loops resend)."""
        return self.status is None or self.status == 429 or self.status >= 500 or self.status == 408


class PlanError(ReconcilerError):
    """A plan could not be computed or a saved plan could not be used."""


class Interrupted(ReconcilerError):
    """The run was asked to stop (SIGINT / SIGTERM): no new request is sent."""

    def __init__(self, message: str = "interrupted", *, signum: int | None = None) -> None:
        self.signum = signum
        super().__init__(message)
