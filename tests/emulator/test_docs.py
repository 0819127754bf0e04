"""docs/emulator.md stays true: every fixed id of the demo table is served as documented."""

from __future__ import annotations

import re
from pathlib import Path

from tests.emulator.helpers import data_of
from tests.support.emulator import OTHER_ORG_KEY, Emulator

DOC = Path(__file__).resolve().parents[2] / "docs" / "emulator.md"


def demo_rows() -> list[tuple[str, str, str]]:
    text = DOC.read_text()
    section = text.split("## The demo organisation", 1)[1].split("Model fields", 1)[0]
    rows = []
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 3 and cells[2].startswith("`"):
            rows.append((cells[0], cells[1], cells[2].strip("`")))
    return rows


def test_every_documented_id_exists(emulator: Emulator) -> None:
    rows = demo_rows()
    assert len(rows) >= 15
    checked = 0
    for what, name, value in rows:
        other = what.startswith(("its", "second"))
        key = OTHER_ORG_KEY if other else None
        if what.startswith("connection") or what == "its connection (PostgreSQL)":
            conn = data_of(emulator.api("GET", f"/api/connections/{value}", api_key=key))
            assert conn["name"] == name
            match = re.search(r"`(\w+)`\)", what)
            if match:
                assert conn["type"]["id"] == match.group(1)
        elif what.startswith("model") or what == "its model":
            assert data_of(emulator.api("GET", f"/api/models/{value}", api_key=key))["name"] == name
        elif what in ("organisation", "second organisation"):
            assert data_of(emulator.api("GET", "/api/me", api_key=key))["organization_id"] == value
        elif what == "its API key":
            assert value == OTHER_ORG_KEY
        elif "user" in what:
            assert data_of(emulator.api("GET", "/api/me", api_key=key))["id"] == value
        else:
            continue
        checked += 1
    assert checked >= 12


def test_documented_model_fields(emulator: Emulator) -> None:
    text = DOC.read_text().split("Model fields (name: type), in this order:", 1)[1].split("Model field ids", 1)[0]
    models = {m["name"]: m for m in data_of(emulator.api("GET", "/api/models"))}
    models.update({m["name"]: m for m in data_of(emulator.api("GET", "/api/models", api_key=OTHER_ORG_KEY))})
    for entry in re.split(r"\n- ", text.strip().lstrip("- ")):
        name, fields = entry.split(":", 1)
        documented = re.findall(r"`(\w+)`: (\w+)", fields)
        assert [(f["name"], f["type"]) for f in models[name.strip()]["fields"]] == documented
