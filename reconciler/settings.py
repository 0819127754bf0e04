"""Runtime settings of every command that talks to the API, in one place.

Each is resolved flags -> environment -> reconciler.yaml -> defaults: the API address and version
(see :func:`reconciler.config.api_settings`), the total deadline of one request, and the retry
policy shared by the client and the writer (reconciler.yaml has no key for the last two).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Mapping

from reconciler.api.retry import RetryPolicy
from reconciler.config import ApiSettings, ProjectConfig, api_settings
from reconciler.errors import ConfigError
from reconciler.secrets import URL_CREDENTIALS, redactor, register_credentials, url_credentials

ENV_TIMEOUT = "RECONCILER_API_TIMEOUT"
ENV_RETRY_BASE_DELAY = "RECONCILER_RETRY_BASE_DELAY"
ENV_RETRY_BUDGET = "RECONCILER_RETRY_BUDGET"
DEFAULT_RETRY_BUDGET = 120.0
#: apply tries a request (and a change) more often than the read-only commands, which keep the
#: client's default: a failed write costs a re-run, a failed read only a re-run of a read.
APPLY_MAX_ATTEMPTS = 10
READ_MAX_ATTEMPTS = RetryPolicy.max_attempts


@dataclass(frozen=True)
class Settings:
    """Where the API is, how long one request may take, how to retry."""

    api: ApiSettings
    retry: RetryPolicy


@dataclass(frozen=True)
class RuntimeFlags:
    """What the command line gave (None: not given)."""

    api_url: str | None = None
    api_version: str | None = None
    timeout: float | None = None
    retry_budget: float | None = None
    max_attempts: int = READ_MAX_ATTEMPTS


def resolve(project: ProjectConfig, environ: Mapping[str, str], flags: RuntimeFlags = RuntimeFlags()) -> Settings:
    """The settings of one run; credentials reach the redactor before anything can echo them."""
    api = resolve_api(flags.api_url, flags.api_version, project, environ)
    if flags.timeout is not None:
        api = dataclasses.replace(api, timeout=flags.timeout)
    return Settings(api=api, retry=retry_policy(flags.retry_budget, environ, max_attempts=flags.max_attempts))


def resolve_api(api_url: str | None, api_version: str | None, project: ProjectConfig,
                environ: Mapping[str, str]) -> ApiSettings:
    """API settings with the timeout from the environment (a flag may override it afterwards)."""
    register_credentials(environ)  # before any check below can echo them
    given = api_url or environ.get("POLYTOMIC_API_URL") or project.api_url or ""
    if url_credentials(given):
        raise ConfigError(URL_CREDENTIALS)
    try:
        settings = api_settings(url=api_url, version=api_version, project=project, environ=environ)
    except ValueError as exc:  # e.g. urllib's "Invalid IPv6 URL" for a malformed address
        raise ConfigError(f"the API URL is not valid: {exc}") from None
    redactor.add(settings.api_key)
    redactor.add(settings.deployment_key)
    timeout = env_seconds(environ, ENV_TIMEOUT)
    if timeout is not None:
        if timeout <= 0:
            raise ConfigError(f"{ENV_TIMEOUT} must be a positive number of seconds")
        settings = dataclasses.replace(settings, timeout=timeout)
    return settings


def retry_policy(budget: float | None, environ: Mapping[str, str], *,
                 max_attempts: int = APPLY_MAX_ATTEMPTS) -> RetryPolicy:
    """The retry policy for reads and writes: flags, then environment, then defaults."""
    base = env_seconds(environ, ENV_RETRY_BASE_DELAY)
    total = budget if budget is not None else env_seconds(environ, ENV_RETRY_BUDGET)
    values: dict[str, Any] = {"max_attempts": max_attempts, "budget": DEFAULT_RETRY_BUDGET}
    if base is not None:
        values["base_delay"] = base
        values["max_delay"] = max(base, min(RetryPolicy.max_delay, base * 64))
    if total is not None:
        values["budget"] = total
    return RetryPolicy(**values)


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
