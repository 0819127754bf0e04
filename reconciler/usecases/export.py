"""`export`: a YAML definition for every live sync, written to a folder (adopt an existing organisation)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from reconciler import kinds as registry
from reconciler.config import ProjectConfig
from reconciler.reports.export import (
    ExportedSync,
    build_export,
    read_catalog,
    read_live_syncs,
    schema_ref,
    write_export,
)
from reconciler.usecases.common import Connect



@dataclass(frozen=True)
class ExportOptions:
    out_dir: str = "syncs"
    kinds: tuple[str, ...] = ()  # empty: every kind
    name_prefix: str | None = None
    force: bool = False


@dataclass(frozen=True)
class ExportRun:
    out: Path
    exported: tuple[ExportedSync, ...]
    paths: tuple[Path, ...]

    def placeholders(self) -> list[tuple[str, str, str]]:
        """(variable, field path, file name) of every secret left as an ``${env:...}`` placeholder, sorted."""
        return sorted({(p.env, p.path, e.file_name) for e in self.exported for p in e.placeholders})

    @property
    def has_write_only_values(self) -> bool:
        """Whether an exported kind has write-only values (they cannot be read back, so are not exported)."""
        return any(registry.get(e.kind).always_sensitive for e in self.exported)


def run_export(connect: Connect, project: ProjectConfig, options: ExportOptions = ExportOptions()) -> ExportRun:
    """Read every live sync wanted and the catalogue, then write one file per sync (or none)."""
    workers = project.parallelism
    with connect(workers) as client:
        live = read_live_syncs(client, kinds=options.kinds or registry.names(), name_prefix=options.name_prefix,  # type: ignore[arg-type]
                               parallelism=workers)
        catalog = read_catalog(client, workers)
    exported = build_export(live, catalog=catalog)
    out = Path(options.out_dir)
    paths = write_export(exported, out, schema=schema_ref(out), force=options.force)
    return ExportRun(out=out, exported=exported, paths=tuple(paths))
