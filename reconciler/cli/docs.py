"""`reconciler docs [TOPIC]`: the documentation shipped with the package, readable offline."""

from __future__ import annotations

import click

from reconciler.cli.common import emit, handle_errors
from reconciler.errors import ConfigError
from reconciler.resources import data_dir


def topics() -> dict[str, str]:
    """Topic name -> the Markdown text, for every shipped document."""
    folder = data_dir("docs", "ci.md")
    return {path.stem: path.read_text(encoding="utf-8") for path in sorted(folder.glob("*.md"))}


def _title(text: str) -> str:
    return next((line.lstrip("# ").strip() for line in text.splitlines() if line.startswith("#")), "")


@click.command(name="docs")
@click.argument("topic", required=False)
@handle_errors
def command(topic: str | None) -> None:
    """Print the documentation for TOPIC (Markdown); without TOPIC, list the topics."""
    found = topics()
    if topic is None:
        emit("Documentation shipped with reconciler; read one with: reconciler docs TOPIC")
        width = max(map(len, found), default=0)
        for name, text in found.items():
            emit(f"  {name.ljust(width)}  {_title(text)}")
        return
    if topic not in found:
        raise ConfigError(f"no documentation topic {topic!r}; topics: {', '.join(found)}")
    emit(found[topic].rstrip("\n"))
