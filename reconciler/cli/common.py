"""Pieces every command shares: connection options, paths, error handling and scrubbed output."""

from __future__ import annotations

import dataclasses
import functools
import json
import logging
import os
import signal
import sys
import threading
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Sequence, TypeVar

import click
import httpx

from reconciler.api import PolytomicClient, RetryPolicy
from reconciler.api.stop import Stop
from reconciler.config import CONFIG_FILE, ApiSettings, ProjectConfig, PruneScope, api_settings, load_project_config
from reconciler.definitions.interpolate import UnknownValue
from reconciler.definitions.model import Definition
from reconciler.errors import ConfigError, DefinitionError, Interrupted, InvalidDefinitions, ReconcilerError
from reconciler.planning import paths as field_paths
from reconciler.secrets import URL_CREDENTIALS, redactor, register_credentials, url_credentials

F = TypeVar("F", bound=Callable[..., Any])
ENV_TIMEOUT = "RECONCILER_API_TIMEOUT"


def emit(text: str = "", *, err: bool = False, nl: bool = True) -> None:
    """Print through the redactor: no sensitive value ever reaches stdout or stderr."""
    click.echo(redactor.scrub(text), err=err, nl=nl)


def emit_json(document: Any, **dumps: Any) -> None:
    """Print a JSON document whose strings went through the redactor before serialising.

    Scrubbing the serialised text instead could turn ``true`` into ``(sensitive)`` (a sensitive
    value may read like a JSON literal) and break the document for the machine reading it.
    """
    click.echo(json.dumps(redactor.scrub_data(document), indent=2, default=str, **dumps))


def register_value(value: Any) -> None:
    """Every string inside ``value`` becomes known to the redactor."""
    if isinstance(value, UnknownValue):
        return  # no value: its text only says which variable is not set
    if isinstance(value, str):
        redactor.add(value)
    elif isinstance(value, Mapping):
        for item in value.values():
            register_value(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            register_value(item)


def register_definition_secrets(definitions: Iterable[Definition]) -> None:
    """Defence in depth: the sensitive values of loaded definitions are known to the redactor."""
    for definition in definitions:
        for path in definition.sensitive_paths:
            register_value(field_paths.get(definition.spec, path))


def refuse_empty_prune(definitions: Sequence[Definition], scope: PruneScope | None, paths: Sequence[str]) -> None:
    """A mistyped or empty definitions path must not read as "delete everything in scope"."""
    if scope is not None and not definitions:
        raise ConfigError(f"no definitions were found in {', '.join(paths)}; refusing to plan deletions "
                          "(--prune) against an empty set of files; nothing was sent")


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
    """Turn the typed error family into one clear line and exit 1; never a traceback for users."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        previous = _stop_on_sigterm()
        try:
            return fn(*args, **kwargs)
        except InvalidDefinitions as exc:
            report_definition_errors(exc.problems)
            emit(f"{len(exc.problems)} error{'s' if len(exc.problems) != 1 else ''} in definitions; nothing was sent to the API", err=True)
            sys.exit(1)
        except Interrupted as exc:
            emit(f"Interrupted{by_signal(exc.signum)}: nothing more was sent ({one_line(str(exc))}).", err=True)
            sys.exit(exit_code_for(exc.signum))
        except ReconcilerError as exc:
            emit(f"Error: {one_line(str(exc))}", err=True)
            sys.exit(1)
        except KeyboardInterrupt:
            emit("Interrupted.", err=True)
            sys.exit(130)
        finally:
            if previous is not None:
                signal.signal(signal.SIGTERM, previous)

    return wrapper  # type: ignore[return-value]


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


def definition_paths(paths: tuple[str, ...], project: ProjectConfig) -> list[str]:
    """The paths given on the command line, else ``definitions`` from reconciler.yaml, else syncs/."""
    return list(paths) if paths else list(project.definitions)


def settings_from(api_url: str | None, api_version: str | None, project: ProjectConfig) -> ApiSettings:
    register_credentials(os.environ)  # before any check below can echo them
    given = api_url or os.environ.get("POLYTOMIC_API_URL") or project.api_url or ""
    if url_credentials(given):
        raise ConfigError(URL_CREDENTIALS)
    try:
        settings = api_settings(url=api_url, version=api_version, project=project)
    except ValueError as exc:  # e.g. urllib's "Invalid IPv6 URL" for a malformed address
        raise ConfigError(f"the API URL is not valid: {exc}") from None
    redactor.add(settings.api_key)
    redactor.add(settings.deployment_key)
    timeout = env_seconds(os.environ, ENV_TIMEOUT)
    if timeout is not None:
        if timeout <= 0:
            raise ConfigError(f"{ENV_TIMEOUT} must be a positive number of seconds")
        settings = dataclasses.replace(settings, timeout=timeout)
    return settings


def env_seconds(environ: Mapping[str, str], name: str) -> float | None:
    """A number of seconds from the environment (None when unset or empty)."""
    raw = environ.get(name)
    if raw is None or raw == "":
        return None
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a number of seconds (got {raw!r})") from None
    if value < 0:
        raise ConfigError(f"{name} must not be negative")
    return value


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
    return PolytomicClient(settings, max_connections=max(8, parallelism * 2), retry=retry, stop=stop,
                           transport=_seams().transport)
