"""Adopting a seeded variety of UI-made syncs whose values hold anything the API stores: every
exported file validates and the plan right after is empty. ``RECONCILER_ADOPT_SYNCS=600`` runs a
bigger sample on demand; the figures are printed."""

from __future__ import annotations

import os
import random
from pathlib import Path
from typing import Any

from reconciler.reports.export import looks_secret
from tests.reports.helpers import generated_model_sync, run, warehouse_to_s3
from tests.support.emulator import Emulator

SIZE = int(os.environ.get("RECONCILER_ADOPT_SYNCS", "40"))
PIECES = ["${env:POLYTOMIC_API_KEY}", "${region}", "$${x}", "$", "${", "}", "\x85", "\u2028", "\u200b", "\u202e",
          "\ufeff", "\t", "\r\n", "#", ": ", "- ", "'", '"', "null", "yes", "010", "<<", "&a", "*a", "!x", "%",
          "@", "`", "|", ">", "{a: 1}", "[1]", " ", "é", "😀", "\x07"]


def _text(rng: random.Random) -> str:
    """A string a UI user might type, mostly of the pieces YAML and the file format treat specially."""
    out = []
    for _ in range(rng.randint(1, 5)):
        out.append(rng.choice(PIECES) if rng.random() < 0.7 else chr(rng.choice([rng.randint(0x20, 0x2FF),
                                                                                 rng.randint(0x3000, 0xD7FF)])))
    return "".join(out)


def _body(i: int, rng: random.Random, previous: str | None) -> dict[str, Any]:
    body = generated_model_sync(i, rng)
    body["name"] = previous if previous and rng.random() < 0.1 else f"{body['name']} {_text(rng)}".strip() or "x"
    key = _text(rng).strip()
    # (a credential-looking key is exported as an ${env:...} placeholder to set: not this test's subject)
    body["target"].setdefault("configuration", {})["k" if not key or looks_secret(key) else key] = _text(rng)
    if rng.random() < 0.5:
        body["override_fields"] = [{"target": rng.choice([body["fields"][0]["target"], "Other__c"]),
                                    "override_value": _text(rng)}]
    for item in body.get("filters", []):
        if rng.random() < 0.5:
            item.update(function="Equality", value=_text(rng))
    return body


def test_adopting_syncs_with_any_stored_values_validates_and_plans_empty(emulator: Emulator, tmp_path: Path) -> None:
    rng = random.Random(20261201)
    created, seeded, previous = 0, [], None
    for i in range(SIZE):
        body = _body(i, rng, previous)
        previous = body["name"]
        if rng.random() < 0.1:
            seeded.append({**body, "mode": "enrich"})  # a UI-only mode: not accepted by the create request
            continue
        if rng.random() < 0.1:
            bulk = warehouse_to_s3(body["name"])
            bulk["destination_configuration"] = {"format": "parquet", "prefix": _text(rng)}
            response = emulator.api("POST", "/api/bulk/syncs", json=bulk)
            assert response.status_code == 200, response.text
            created += 1
            continue
        response = emulator.api("POST", "/api/syncs", json=body)
        assert response.status_code == 200, response.text
        created += 1
    if seeded:
        emulator.seed(model_syncs=seeded)

    exported = run(emulator, "export", cwd=tmp_path)
    assert exported.returncode == 0, exported.stderr
    validated = run(emulator, "validate", "syncs", cwd=tmp_path)
    planned = run(emulator, "plan", "syncs", "--detailed-exitcode", cwd=tmp_path)
    def last(result: Any) -> str:
        return ((result.stdout + result.stderr).strip().splitlines() or [""])[-1]

    print(f"\nadopted {created + len(seeded)} syncs ({len(seeded)} enrich): validate: {last(validated)}; "
          f"plan exit {planned.returncode}: {last(planned)}")
    assert validated.returncode == 0, validated.stdout + validated.stderr
    assert planned.returncode == 0, planned.stdout + planned.stderr
    assert emulator.api_key not in "".join(p.read_text(encoding="utf-8") for p in (tmp_path / "syncs").glob("*.yaml"))

    # An unrelated edit in every tenth file, applied with the API key in the environment: every
    # other value of those syncs reaches the API exactly as it was.
    before = _live(emulator)
    edited = sorted((tmp_path / "syncs").glob("*.yaml"))[::10]
    for path in edited:
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace("\nactive: true\n", "\nactive: false\n") if "\nactive: true\n" in text
                        else text.replace("\nfields:\n", "\nactive: true\nfields:\n", 1), encoding="utf-8")
    applied = run(emulator, "apply", "syncs", "--auto-approve", cwd=tmp_path)
    assert applied.returncode == 0, applied.stdout + applied.stderr
    after = _live(emulator)
    changed = {sync_id for sync_id in before if before[sync_id] != after[sync_id]}
    print(f"edited {len(edited)} files: {len(changed)} syncs changed besides `active`")
    assert changed == set(), [(k, before[i].get(k), after[i].get(k)) for i in sorted(changed)
                              for k in sorted(set(before[i]) | set(after[i])) if before[i].get(k) != after[i].get(k)]
    again = run(emulator, "plan", "syncs", "--detailed-exitcode", cwd=tmp_path)
    assert again.returncode == 0, again.stdout + again.stderr


def _live(emulator: Emulator) -> dict[str, dict[str, Any]]:
    """Every live model and bulk sync by id, without what an update of `active` changes."""
    out: dict[str, dict[str, Any]] = {}
    params: dict[str, Any] = {"limit": 50}
    for _ in range(1000):  # pages
        page = emulator.api("GET", "/api/syncs", params=params).json()
        for item in page["data"]:
            full = emulator.api("GET", f"/api/syncs/{item['id']}").json()["data"]
            out[item["id"]] = {k: v for k, v in full.items() if k not in ("active", "updated_at", "updated_by")}
        token = (page.get("pagination") or {}).get("next_page_token")
        if not token:
            break
        params = {"limit": 50, "page_token": token}
    else:
        raise AssertionError("the listing did not end")
    for item in emulator.api("GET", "/api/bulk/syncs").json()["data"]:
        full = emulator.api("GET", f"/api/bulk/syncs/{item['id']}").json()["data"]
        full["schemas"] = emulator.api("GET", f"/api/bulk/syncs/{item['id']}/schemas").json()["data"]
        out[item["id"]] = {k: v for k, v in full.items() if k not in ("active", "updated_at", "updated_by")}
    return out

