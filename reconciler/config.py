"""Project settings from an optional ``reconciler.yaml`` and API settings from flags and environment."""

from __future__ import annotations

import ipaddress
import os
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

import yaml

from reconciler.errors import ConfigError

CONFIG_FILE = "reconciler.yaml"
DEFAULT_API_URL = "https://app.polytomic.com"
DEFAULT_API_VERSION = "2025-09-18"
DEFAULT_DEFINITIONS = ("syncs",)
DEFAULT_PARALLELISM = 4
_CONFIG_KEYS = {"definitions", "api_url", "api_version", "parallelism", "prune"}


@dataclass(frozen=True)
class PruneScope:
    """Which unmanaged live syncs ``apply --prune`` may delete."""

    name_prefix: str | None = None
    all: bool = False

    def covers(self, name: str) -> bool:
        if self.all:
            return True
        return self.name_prefix is not None and name.startswith(self.name_prefix)


@dataclass(frozen=True)
class ProjectConfig:
    definitions: tuple[str, ...] = DEFAULT_DEFINITIONS
    api_url: str | None = None
    api_version: str | None = None
    parallelism: int = DEFAULT_PARALLELISM
    prune: PruneScope | None = None
    path: Path | None = None


def load_project_config(root: Path | str = ".") -> ProjectConfig:
    """Read ``reconciler.yaml`` in ``root``; defaults when there is none."""
    path = Path(root) / CONFIG_FILE
    if not path.is_file():
        return ProjectConfig()
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from None
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: must be a mapping of settings")
    unknown = sorted(set(raw) - _CONFIG_KEYS)
    if unknown:
        raise ConfigError(f"{path}: unknown setting(s) {', '.join(unknown)}; allowed: {', '.join(sorted(_CONFIG_KEYS))}")
    definitions = raw.get("definitions", list(DEFAULT_DEFINITIONS))
    if isinstance(definitions, str):
        definitions = [definitions]
    if not isinstance(definitions, list) or not all(isinstance(d, str) for d in definitions):
        raise ConfigError(f"{path}: definitions must be a path or a list of paths")
    parallelism = raw.get("parallelism", DEFAULT_PARALLELISM)
    if not isinstance(parallelism, int) or isinstance(parallelism, bool) or parallelism < 1:
        raise ConfigError(f"{path}: parallelism must be a whole number of at least 1")
    return ProjectConfig(
        definitions=tuple(definitions),
        api_url=_opt_str(raw, "api_url", path),
        api_version=_opt_str(raw, "api_version", path),
        parallelism=parallelism,
        prune=_prune(raw.get("prune"), path),
        path=path,
    )


def _opt_str(raw: Mapping[str, Any], key: str, path: Path) -> str | None:
    value = raw.get(key)
    if value is not None and not isinstance(value, str):
        raise ConfigError(f"{path}: {key} must be a string")
    return value


def _prune(raw: Any, path: Path) -> PruneScope | None:
    if raw is None:
        return None
    if not isinstance(raw, dict) or set(raw) - {"name_prefix", "all"} or not raw:
        raise ConfigError(f'{path}: prune must be {{name_prefix: "..."}} or {{all: true}}')
    prefix = raw.get("name_prefix")
    everything = raw.get("all", False)
    if prefix is not None and (not isinstance(prefix, str) or not prefix):
        raise ConfigError(f"{path}: prune.name_prefix must be a non-empty string")
    if not isinstance(everything, bool):
        raise ConfigError(f"{path}: prune.all must be true or false")
    if prefix is None and not everything:
        raise ConfigError(f'{path}: prune needs name_prefix: "..." or all: true')
    return PruneScope(name_prefix=prefix, all=everything)


@dataclass(frozen=True)
class ApiSettings:
    """Where and how to reach the API. ``repr`` never shows a credential."""

    url: str
    version: str
    api_key: str | None = field(default=None, repr=False)
    deployment_key: str | None = field(default=None, repr=False)
    organization_id: str | None = None
    timeout: float = 30.0

    @property
    def auth_header(self) -> str:
        import base64

        if self.api_key:
            return f"Bearer {self.api_key}"
        assert self.deployment_key and self.organization_id
        token = base64.b64encode(f"{self.organization_id}:{self.deployment_key}".encode()).decode()
        return f"Basic {token}"


def api_settings(
    *,
    url: str | None = None,
    api_key: str | None = None,
    version: str | None = None,
    project: ProjectConfig | None = None,
    environ: Mapping[str, str] | None = None,
) -> ApiSettings:
    """Resolve API settings: flags, then environment, then reconciler.yaml, then defaults."""
    env = os.environ if environ is None else environ
    project = project or ProjectConfig()
    base = (url or env.get("POLYTOMIC_API_URL") or project.api_url or DEFAULT_API_URL).rstrip("/")
    check_url(base)
    key = api_key or env.get("POLYTOMIC_API_KEY") or None
    deployment_key = env.get("POLYTOMIC_DEPLOYMENT_KEY") or None
    org_id = env.get("POLYTOMIC_ORGANIZATION_ID") or None
    if not key and not (deployment_key and org_id):
        raise ConfigError(
            "no credentials: set POLYTOMIC_API_KEY, or POLYTOMIC_DEPLOYMENT_KEY and POLYTOMIC_ORGANIZATION_ID"
        )
    ver = version or env.get("POLYTOMIC_API_VERSION") or project.api_version or DEFAULT_API_VERSION
    return ApiSettings(url=base, version=ver, api_key=key, deployment_key=deployment_key, organization_id=org_id)


def check_url(url: str) -> None:
    """Refuse anything but https, except plain http to a loopback host."""
    parsed = urllib.parse.urlsplit(url)
    if parsed.scheme == "https" and parsed.hostname:
        return
    if parsed.scheme == "http" and parsed.hostname and _is_loopback(parsed.hostname):
        return
    if parsed.scheme == "http":
        raise ConfigError(f"refusing plain http:// to {parsed.hostname}: use https (http is allowed only for loopback)")
    raise ConfigError(f"API URL must be https://host (got {url!r})")


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False
