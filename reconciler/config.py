"""Project settings from an optional ``reconciler.yaml`` and API settings from flags and environment."""

from __future__ import annotations

import ipaddress
import os
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from reconciler.errors import ConfigError

CONFIG_FILE = "reconciler.yaml"
DEFAULT_API_URL = "https://app.polytomic.com"
DEFAULT_API_VERSION = "2025-09-18"
DEFAULT_DEFINITIONS = ("syncs",)
DEFAULT_PARALLELISM = 4
_CONFIG_KEYS = ("api_url", "api_version", "definitions", "owns", "parallelism", "prune")
_OWNS_KEYS = ("all", "name_prefix", "names")
OWNS_HELP = 'owns: {name_prefix: "..."}, owns: {names: [...]} or owns: {all: true}'


@dataclass(frozen=True)
class Ownership:
    """Which live syncs this repository owns: reported when unmanaged, and what ``--prune`` may delete."""

    name_prefix: str | None = None
    all: bool = False
    names: frozenset[str] = frozenset()

    def covers(self, name: str) -> bool:
        if self.all or name in self.names:
            return True
        return self.name_prefix is not None and name.startswith(self.name_prefix)


#: The former name: the prune scope is the ownership scope (``prune:`` is a deprecated ``owns:``).
PruneScope = Ownership


@dataclass(frozen=True)
class ProjectConfig:
    definitions: tuple[str, ...] = DEFAULT_DEFINITIONS
    api_url: str | None = None
    api_version: str | None = None
    parallelism: int = DEFAULT_PARALLELISM
    owns: Ownership | None = None
    path: Path | None = None
    deprecations: tuple[str, ...] = ()  # messages for the user about settings that still work

    @property
    def prune(self) -> Ownership | None:
        """The prune scope: what this repository owns."""
        return self.owns


def find_config(start: Path | str = ".") -> Path | None:
    """``reconciler.yaml`` in ``start`` or the nearest parent, up to the repository root (``.git``)."""
    here = Path(start).absolute()
    for folder in (here, *here.parents):
        candidate = folder / CONFIG_FILE
        if candidate.is_file():
            return candidate
        if (folder / ".git").exists():
            return None
    return None


def load_project_config(root: Path | str = ".") -> ProjectConfig:
    """Read ``reconciler.yaml`` found from ``root`` upwards (see :func:`find_config`); defaults when there is none.

    ``definitions`` in a file found in a parent folder are taken relative to that folder.
    """
    path = find_config(root)
    if path is None:
        return ProjectConfig()
    raw = _read(path)
    if raw is None:  # an empty file
        raw = {}
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: must be a mapping of settings")
    _refuse_unknown(raw, _CONFIG_KEYS, path, "setting")
    definitions = raw.get("definitions", list(DEFAULT_DEFINITIONS))
    if isinstance(definitions, str):
        definitions = [definitions]
    if not isinstance(definitions, list) or not all(isinstance(d, str) for d in definitions):
        raise ConfigError(f"{path}: definitions must be a path or a list of paths")
    parallelism = raw.get("parallelism", DEFAULT_PARALLELISM)
    if not isinstance(parallelism, int) or isinstance(parallelism, bool) or parallelism < 1:
        raise ConfigError(f"{path}: parallelism must be a whole number of at least 1")
    owns, deprecations = _ownership(raw, path)
    return ProjectConfig(
        definitions=tuple(_relative(d, path.parent, Path(root)) for d in definitions),
        api_url=_opt_str(raw, "api_url", path),
        api_version=_opt_str(raw, "api_version", path),
        parallelism=parallelism,
        owns=owns,
        path=path,
        deprecations=deprecations,
    )


def _read(path: Path) -> Any:
    """The settings as written, loaded like definition files: duplicate keys, tags and alias bombs are
    refused with their line (a second ``owns:`` used to win silently)."""
    from reconciler.definitions.yamlsafe import load_documents  # the one safe YAML loader

    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not valid YAML: not UTF-8 text ({exc.reason})") from None
    documents = []
    for document, problems in load_documents(text, str(path)):
        if problems:
            first = problems[0]
            where = f"{first.path}: " if first.path else ""
            message = first.message.removeprefix("invalid YAML: ")
            raise ConfigError(f"{first.position}: not valid YAML: {where}{message}")
        documents.append(document)
    if len(documents) > 1:
        raise ConfigError(f"{path}: holds {len(documents)} YAML documents; settings are one YAML document")
    return documents[0].value if documents and documents[0] is not None else None


def _relative(definition: str, base: Path, root: Path) -> str:
    """A ``definitions`` entry as a path from ``root`` (the working folder) when the file is elsewhere."""
    if Path(definition).is_absolute() or base.resolve() == root.absolute().resolve():
        return definition
    return os.path.relpath(base / definition, root.absolute())


def _refuse_unknown(raw: Mapping[str, Any], allowed: tuple[str, ...], path: Path, what: str) -> None:
    from reconciler.definitions.schema import suggest  # the one home of "did you mean"

    problems = []
    for key in sorted(str(k) for k in raw if k not in allowed):
        hint = suggest(key, allowed)
        problems.append(f"unknown {what} {key!r}" + (f" (did you mean {hint!r}?)" if hint else ""))
    if problems:
        raise ConfigError(f"{path}: {'; '.join(problems)}; allowed: {', '.join(allowed)}")


def _opt_str(raw: Mapping[str, Any], key: str, path: Path) -> str | None:
    value = raw.get(key)
    if value is not None and not isinstance(value, str):
        raise ConfigError(f"{path}: {key} must be a string")
    return value


def _ownership(raw: Mapping[str, Any], path: Path) -> tuple[Ownership | None, tuple[str, ...]]:
    """``owns:``, or the deprecated ``prune:`` (same meaning, with a message saying so)."""
    if "owns" in raw and "prune" in raw:
        raise ConfigError(f"{path}: give owns: only (prune: is its deprecated name), not both")
    if "prune" in raw:
        message = (f"{path}: `prune:` is deprecated: rename it to `owns:` (same values); it says which live "
                   "syncs this repository owns, which is also what --prune may delete")
        return _owns(raw["prune"], path, "prune"), (message,)
    if "owns" in raw:  # an empty ``owns:`` is a mistake, not "nothing said"
        return _owns(raw["owns"], path, "owns"), ()
    return None, ()


def _owns(raw: Any, path: Path, key: str) -> Ownership:
    if not isinstance(raw, dict) or not raw:
        raise ConfigError(f"{path}: {key} must be a mapping: {OWNS_HELP}")
    _refuse_unknown(raw, _OWNS_KEYS, path, f"key in {key}:")
    prefix = raw.get("name_prefix")
    everything = raw.get("all", False)
    names = raw.get("names", [])
    if prefix is not None and (not isinstance(prefix, str) or not prefix):
        raise ConfigError(f"{path}: {key}.name_prefix must be a non-empty string")
    if not isinstance(everything, bool):
        raise ConfigError(f"{path}: {key}.all must be true or false")
    if not isinstance(names, list) or not all(isinstance(n, str) and n for n in names):
        raise ConfigError(f"{path}: {key}.names must be a list of sync names")
    if prefix is None and not everything and not names:
        raise ConfigError(f"{path}: {key} needs name_prefix, names or all: true ({OWNS_HELP})")
    return Ownership(name_prefix=prefix, all=everything, names=frozenset(names))


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
