"""Pieces every command shares: connection options, the client factory, the error handler and the output sink."""

from __future__ import annotations

import dataclasses
import errno
import functools
import json
import logging
import os
import signal
import sys
import threading
import traceback
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, TypeVar

import click

from reconciler.config import CONFIG_FILE, ApiSettings, ProjectConfig, load_project_config
from reconciler.errors import ConfigError, DefinitionError, Interrupted, InvalidDefinitions, ReconcilerError
from reconciler.secrets import redactor
from reconciler.settings import RuntimeFlags
from reconciler.settings import resolve as resolve_settings
from reconciler.usecases.common import Connect

if TYPE_CHECKING:  # (the HTTP stack is imported by the commands that call the API, not by validate)
    import httpx

    from reconciler.api import PolytomicClient, RetryPolicy
    from reconciler.api.stop import Stop

F = TypeVar("F", bound=Callable[..., Any])
VERBOSE_KEY = "reconciler.verbose"


def emit(text: str = "", *, err: bool = False, nl: bool = True) -> None:
    """Print through the redactor: no sensitive value ever reaches stdout or stderr."""
    click.echo(redactor.scrub(text), err=err, nl=nl)


def emit_json(document: Any, **dumps: Any) -> None:
    """Print a JSON document whose strings went through the redactor before serialising.

    Scrubbing the serialised text instead could turn ``true`` into ``(sensitive)`` (a sensitive
    value may read like a JSON literal) and break the document for the machine reading it.
    """
    click.echo(json.dumps(redactor.scrub_data(document), indent=2, default=str, **dumps))


def in_github_actions() -> bool:
    return os.environ.get("GITHUB_ACTIONS") == "true"


def report_definition_errors(problems: list[DefinitionError]) -> None:
    """One line per problem on stderr; GitHub annotations too under GitHub Actions."""
    for problem in problems:
        emit(problem.render(), err=True)
    if in_github_actions():
        for problem in problems:
            emit(github_annotation(problem))


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    """A workflow-command property value: ``:`` and ``,`` would end it early."""
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def github_annotation(problem: DefinitionError) -> str:
    """``::error file=...,line=...,col=...::message``, escaped as GitHub's toolkit does."""
    message = problem.message
    if problem.path:
        message = f"{problem.path}: {message}"
    if problem.resource:
        message = f"{problem.resource}: {message}"
    pos = problem.position
    if pos is None:
        return f"::error::{_escape_data(message)}"
    return f"::error file={_escape_property(pos.file)},line={pos.line},col={pos.column}::{_escape_data(message)}"


def handle_errors(fn: F) -> F:
    """The one error handler: a command returns its exit code; errors become one clear line and an exit code.

    Never a traceback for a user mistake; an unexpected exception is a bug (see :func:`report_bug`).
    """

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        previous = _stop_on_sigterm()
        try:
            code = fn(*args, **kwargs)
        except (click.exceptions.ClickException, click.exceptions.Exit, click.Abort):
            raise  # click reports these itself (usage errors exit 1, see reconciler.cli._Main)
        except (Exception, KeyboardInterrupt) as exc:
            if isinstance(exc, OSError) and exc.errno == errno.EPIPE:
                raise  # stdout closed by the reader (`| head`): click ends quietly
            code = exit_for_error(exc)
        finally:
            if previous is not None:
                signal.signal(signal.SIGTERM, previous)
        if code:
            sys.exit(code)

    return wrapper  # type: ignore[return-value]


def exit_for_error(exc: BaseException) -> int:
    """Report ``exc`` on stderr; the exit code it maps to."""
    if isinstance(exc, InvalidDefinitions):
        report_definition_errors(exc.problems)
        count = len(exc.problems)
        emit(f"{count} error{'s' if count != 1 else ''} in definitions; nothing was sent to the API", err=True)
        return 1
    if isinstance(exc, Interrupted):
        emit(f"Interrupted{by_signal(exc.signum)}: nothing more was sent ({one_line(str(exc))}).", err=True)
        return exit_code_for(exc.signum)
    if isinstance(exc, ReconcilerError):
        emit(f"Error: {one_line(str(exc))}", err=True)
        return 1
    if isinstance(exc, KeyboardInterrupt):
        emit("Interrupted.", err=True)
        return 130
    return report_bug(exc)


def report_bug(exc: BaseException) -> int:
    """Anything outside the typed error family is a bug in reconciler: one line saying so and how to
    report it; the traceback only with -v, scrubbed by the sink like every other output."""
    ctx = click.get_current_context(silent=True)
    verbose = bool(ctx and ctx.meta.get(VERBOSE_KEY))
    has_verbose = bool(ctx and any(p.name == "verbose" for p in ctx.command.params))
    hint = ", with -v for the traceback" if has_verbose and not verbose else ""
    # The exception's text is not shown: it may carry a value the redactor was never told about.
    emit(f"Error: unexpected {type(exc).__name__}: this is a bug in reconciler. Please report it with the output of "
         f"`reconciler --version` and the command run{hint}.", err=True)
    if verbose:
        emit("".join(traceback.format_exception(exc)).rstrip("\n"), err=True)
    return 1


def _stop_on_sigterm() -> Any:
    """SIGTERM ends a command like Ctrl-C does (a message, exit 143) instead of killing it
    silently; apply installs its own handlers for its writes. Returns the previous handler."""
    if threading.current_thread() is not threading.main_thread():
        return None

    def stop(signum: int, frame: Any) -> None:
        raise Interrupted("stopped", signum=signum)

    return signal.signal(signal.SIGTERM, stop)


def exit_code_for(signum: int | None) -> int:
    """128 + the signal's number, as shells report it: 130 for SIGINT, 143 for SIGTERM."""
    return 128 + (signum or signal.SIGINT)


def by_signal(signum: int | None) -> str:
    return f" by {signal.Signals(signum).name}" if signum else ""


def one_line(text: str) -> str:
    """A message on one line (parser errors and server messages may span several)."""
    return " ".join(part.strip() for part in text.splitlines() if part.strip())


def api_options(fn: F) -> F:
    """``--api-url`` and ``--api-version``; the key comes from the environment only."""
    fn = click.option(
        "--api-version",
        default=None,
        metavar="VERSION",
        help="X-Polytomic-Version to send (env POLYTOMIC_API_VERSION; default 2025-09-18).",
    )(fn)
    fn = click.option(
        "--api-url",
        default=None,
        metavar="URL",
        help="API base URL (env POLYTOMIC_API_URL; default https://app.polytomic.com).",
    )(fn)
    return fn


def verbose_option(fn: F) -> F:
    def configure(ctx: click.Context, param: click.Parameter, value: int) -> int:
        ctx.meta[VERBOSE_KEY] = value  # read by report_bug
        if value:
            logging.basicConfig(level=logging.DEBUG if value > 1 else logging.INFO, stream=sys.stderr,
                                format="%(levelname)s %(name)s: %(message)s")
            for handler in logging.getLogger().handlers:
                handler.addFilter(_ScrubFilter())
        return value

    return click.option("-v", "--verbose", count=True, expose_value=False, callback=configure,
                        help="Log API requests to stderr (-vv for more).")(fn)


class _ScrubFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redactor.scrub(record.getMessage())
        record.args = ()
        return True


def project_config() -> ProjectConfig:
    try:
        project = load_project_config(Path.cwd())
    except OSError as exc:  # unreadable reconciler.yaml: permissions, I/O error
        raise ConfigError(f"{exc.filename or Path.cwd() / CONFIG_FILE}: cannot be read "
                          f"({exc.strerror or type(exc).__name__})") from None
    for message in project.deprecations:
        emit(f"Warning: {message}", err=True)
    return project


def connector(project: ProjectConfig, flags: RuntimeFlags, *, stop: Stop | None = None) -> Connect:
    """The client factory a use case calls: settings resolved when it needs the API (flags ->
    environment -> reconciler.yaml -> defaults), the client built by :func:`make_client`."""

    def connect(parallelism: int) -> PolytomicClient:
        settings = resolve_settings(project, os.environ, flags)
        return make_client(settings.api, parallelism=parallelism, retry=settings.retry, stop=stop)

    return connect


@dataclasses.dataclass(frozen=True)
class Seams:
    """What a caller of :func:`reconciler.cli.main` may plug in (``obj=`` of click's ``main()``).

    ``transport`` is the client's transport seam: the tests run the whole command in-process
    against the emulator app through it, as httpx's own tests use ``MockTransport``.
    """

    transport: httpx.BaseTransport | None = None


def _seams() -> Seams:
    ctx = click.get_current_context(silent=True)
    obj = ctx.find_root().obj if ctx is not None else None
    return obj if isinstance(obj, Seams) else Seams()


def make_client(settings: ApiSettings, *, parallelism: int = 4, retry: RetryPolicy | None = None,
                stop: Stop | None = None) -> PolytomicClient:
    """The one place a command builds its API client (the transport seam is honoured here)."""
    from reconciler.api import PolytomicClient

    return PolytomicClient(settings, max_connections=max(8, parallelism * 2), retry=retry, stop=stop,
                           transport=_seams().transport)
