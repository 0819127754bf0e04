"""SQLite persistence (stdlib sqlite3): a file, or in memory.

One connection, guarded by a re-entrant lock; handlers run synchronously on the event loop
thread inside `Store.tx()`, so every request's reads and writes form one transaction.
"""

from __future__ import annotations

import json
import secrets
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS organizations (
    id TEXT PRIMARY KEY, name TEXT NOT NULL, api_key TEXT NOT NULL UNIQUE,
    deployment_key TEXT NOT NULL, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS connections (
    id TEXT PRIMARY KEY, org_id TEXT NOT NULL, seq INTEGER NOT NULL, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS models (
    id TEXT PRIMARY KEY, org_id TEXT NOT NULL, seq INTEGER NOT NULL, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS syncs (
    id TEXT PRIMARY KEY, kind TEXT NOT NULL, org_id TEXT NOT NULL,
    updated_at TEXT NOT NULL, active INTEGER NOT NULL, mode TEXT,
    target_connection_id TEXT, data TEXT NOT NULL, extra TEXT NOT NULL DEFAULT '{}');
CREATE INDEX IF NOT EXISTS syncs_order ON syncs (org_id, kind, updated_at DESC, id);
CREATE TABLE IF NOT EXISTS executions (
    id TEXT PRIMARY KEY, org_id TEXT NOT NULL, sync_id TEXT NOT NULL, kind TEXT NOT NULL,
    seq INTEGER NOT NULL, started REAL NOT NULL, created_at TEXT NOT NULL, type TEXT NOT NULL,
    outcome TEXT, started_at TEXT, finished_at TEXT, counts TEXT, errors TEXT,
    running_after REAL NOT NULL DEFAULT 0.3, completed_after REAL NOT NULL DEFAULT 1.5);
CREATE INDEX IF NOT EXISTS executions_sync ON executions (sync_id, seq);
CREATE TABLE IF NOT EXISTS idempotency (
    org_id TEXT NOT NULL, key TEXT NOT NULL, method TEXT NOT NULL, path TEXT NOT NULL,
    status INTEGER NOT NULL, body BLOB NOT NULL, created REAL NOT NULL,
    PRIMARY KEY (org_id, key));
"""

WIPED_TABLES = ("organizations", "connections", "models", "syncs", "executions", "idempotency")


def format_timestamp(micros: int) -> str:
    """ISO-8601 UTC with exactly six fractional digits and a `Z` (sorts as text)."""
    dt = datetime.fromtimestamp(micros / 1_000_000, tz=UTC)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class Store:
    """All emulator state that lives in SQLite."""

    def __init__(self, path: str | None = None) -> None:
        self.path = path or ":memory:"
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._db.row_factory = sqlite3.Row
        self._lock = threading.RLock()
        self._depth = 0
        if self.path != ":memory:":
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(SCHEMA)

    # -- transactions -------------------------------------------------------------------

    @contextmanager
    def tx(self) -> Iterator[Store]:
        """One atomic unit of work (nested calls join the outer transaction)."""
        with self._lock:
            outer = self._depth == 0
            if outer:
                self._db.execute("BEGIN IMMEDIATE")
            self._depth += 1
            try:
                yield self
            except BaseException:
                self._depth -= 1
                if outer:
                    self._db.execute("ROLLBACK")
                raise
            self._depth -= 1
            if outer:
                self._db.execute("COMMIT")

    def _exec(self, sql: str, args: tuple[Any, ...] = ()) -> sqlite3.Cursor:
        with self._lock:
            return self._db.execute(sql, args)

    def close(self) -> None:
        """Close the database."""
        with self._lock:
            self._db.close()

    # -- meta, clock, secret ------------------------------------------------------------

    def get_meta(self, key: str) -> str | None:
        row = self._exec("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row["value"] if row else None

    def set_meta(self, key: str, value: str) -> None:
        self._exec("INSERT INTO meta (key, value) VALUES (?, ?) "
                   "ON CONFLICT(key) DO UPDATE SET value = excluded.value", (key, value))

    def now(self) -> str:
        """A timestamp strictly greater than every one handed out before (survives restarts)."""
        with self.tx():
            last = int(self.get_meta("clock") or 0)
            micros = max(time.time_ns() // 1000, last + 1)
            self.set_meta("clock", str(micros))
            return format_timestamp(micros)

    def secret(self) -> bytes:
        """The per-database key signing page tokens (kept across restarts and resets)."""
        with self.tx():
            value = self.get_meta("secret")
            if value is None:
                value = secrets.token_hex(32)
                self.set_meta("secret", value)
            return bytes.fromhex(value)

    def wipe(self) -> None:
        """Delete every organisation, sync, execution and idempotency record."""
        with self.tx():
            for table in WIPED_TABLES:
                self._exec(f"DELETE FROM {table}")  # noqa: S608 - fixed table names

    def is_empty(self) -> bool:
        return self._exec("SELECT COUNT(*) AS n FROM organizations").fetchone()["n"] == 0

    # -- organisations --------------------------------------------------------------------

    def insert_org(self, org: dict[str, Any]) -> None:
        self._exec("INSERT INTO organizations (id, name, api_key, deployment_key, data) "
                   "VALUES (?, ?, ?, ?, ?)",
                   (org["id"], org["name"], org["api_key"], org["deployment_key"], json.dumps(org)))

    def set_api_key(self, org_id: str, api_key: str) -> None:
        """Replace an organisation's API key (the `--api-key` flag)."""
        org = self.org(org_id)
        if org is None:
            return
        org["api_key"] = api_key
        with self.tx():
            clash = self._exec("SELECT data FROM organizations WHERE api_key = ? AND id != ?",
                               (api_key, org_id)).fetchone()
            if clash is not None:  # another organisation had this key: it loses it
                other = json.loads(clash["data"])
                other["api_key"] = f"{api_key}-disabled-{other['id']}"
                self._exec("UPDATE organizations SET api_key = ?, data = ? WHERE id = ?",
                           (other["api_key"], json.dumps(other), other["id"]))
            self._exec("UPDATE organizations SET api_key = ?, data = ? WHERE id = ?",
                       (api_key, json.dumps(org), org_id))

    def org(self, org_id: str) -> dict[str, Any] | None:
        row = self._exec("SELECT data FROM organizations WHERE id = ?", (org_id,)).fetchone()
        return json.loads(row["data"]) if row else None

    def org_by_api_key(self, api_key: str) -> dict[str, Any] | None:
        row = self._exec("SELECT data FROM organizations WHERE api_key = ?", (api_key,)).fetchone()
        return json.loads(row["data"]) if row else None

    # -- connections and models -------------------------------------------------------------

    def insert_catalog(self, table: str, org_id: str, item: dict[str, Any]) -> None:
        """Insert a connection (`table="connections"`) or a model (`"models"`)."""
        assert table in ("connections", "models")
        seq = self._exec(f"SELECT COUNT(*) AS n FROM {table}").fetchone()["n"]  # noqa: S608
        self._exec(f"INSERT INTO {table} (id, org_id, seq, data) VALUES (?, ?, ?, ?)",  # noqa: S608
                   (item["id"], org_id, seq, json.dumps(item)))

    def list_catalog(self, table: str, org_id: str) -> list[dict[str, Any]]:
        assert table in ("connections", "models")
        rows = self._exec(f"SELECT data FROM {table} WHERE org_id = ? ORDER BY seq",  # noqa: S608
                          (org_id,)).fetchall()
        return [json.loads(r["data"]) for r in rows]

    def get_catalog(self, table: str, org_id: str, item_id: str) -> dict[str, Any] | None:
        assert table in ("connections", "models")
        row = self._exec(f"SELECT data FROM {table} WHERE org_id = ? AND id = ?",  # noqa: S608
                         (org_id, item_id)).fetchone()
        return json.loads(row["data"]) if row else None

    # -- syncs (kind "model" or "bulk") ---------------------------------------------------------

    def put_sync(self, kind: str, org_id: str, sync: dict[str, Any],
                 extra: dict[str, Any] | None = None) -> None:
        """Insert or replace a sync; `sync` is the stored object, `extra` private state."""
        target = sync.get("target") if kind == "model" else None
        self._exec(
            "INSERT INTO syncs (id, kind, org_id, updated_at, active, mode, target_connection_id,"
            " data, extra) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET"
            " updated_at = excluded.updated_at, active = excluded.active, mode = excluded.mode,"
            " target_connection_id = excluded.target_connection_id, data = excluded.data,"
            " extra = excluded.extra",
            (sync["id"], kind, org_id, sync["updated_at"], 1 if sync.get("active") else 0,
             sync.get("mode"), (target or {}).get("connection_id") if isinstance(target, dict) else None,
             json.dumps(sync), json.dumps(extra or {})))

    def get_sync(self, kind: str, org_id: str, sync_id: str) -> dict[str, Any] | None:
        row = self._exec("SELECT data FROM syncs WHERE kind = ? AND org_id = ? AND id = ?",
                         (kind, org_id, sync_id)).fetchone()
        return json.loads(row["data"]) if row else None

    def get_sync_extra(self, sync_id: str) -> dict[str, Any]:
        row = self._exec("SELECT extra FROM syncs WHERE id = ?", (sync_id,)).fetchone()
        return json.loads(row["extra"]) if row else {}

    def find_sync(self, sync_id: str) -> tuple[str, dict[str, Any]] | None:
        """(kind, sync) of a sync in any organisation."""
        row = self._exec("SELECT kind, data FROM syncs WHERE id = ?", (sync_id,)).fetchone()
        return (row["kind"], json.loads(row["data"])) if row else None

    def delete_sync(self, kind: str, org_id: str, sync_id: str) -> bool:
        cur = self._exec("DELETE FROM syncs WHERE kind = ? AND org_id = ? AND id = ?",
                         (kind, org_id, sync_id))
        if cur.rowcount:
            self._exec("DELETE FROM executions WHERE sync_id = ?", (sync_id,))
        return cur.rowcount > 0

    def list_syncs(self, kind: str, org_id: str, *, active: bool | None = None,
                   mode: str | None = None, target_connection_id: str | None = None,
                   after: tuple[str, str] | None = None,
                   limit: int | None = None) -> list[dict[str, Any]]:
        """Syncs ordered by `updated_at` desc then `id`, strictly after the keyset `after`.

        A page costs O(page size) at any depth: the keyset is two index ranges (the rest of the
        `updated_at` of `after`, then everything older), each read in index order.
        """
        sql = "SELECT data FROM syncs WHERE kind = ? AND org_id = ?"
        args: list[Any] = [kind, org_id]
        if active is not None:
            sql += " AND active = ?"
            args.append(1 if active else 0)
        if mode is not None:
            sql += " AND mode = ?"
            args.append(mode)
        if target_connection_id is not None:
            sql += " AND target_connection_id = ?"
            args.append(target_connection_id)
        if after is None:
            return self._rows(sql + " ORDER BY updated_at DESC, id ASC", args, limit)
        same = self._rows(sql + " AND updated_at = ? AND id > ? ORDER BY id ASC", [*args, after[0], after[1]], limit)
        if limit is not None and len(same) >= limit:
            return same
        older = self._rows(sql + " AND updated_at < ? ORDER BY updated_at DESC, id ASC", [*args, after[0]],
                           None if limit is None else limit - len(same))
        return same + older

    def _rows(self, sql: str, args: list[Any], limit: int | None) -> list[dict[str, Any]]:
        if limit is not None:
            sql += " LIMIT ?"
            args = [*args, limit]
        return [json.loads(r["data"]) for r in self._exec(sql, tuple(args)).fetchall()]

    def sync_ids(self, kind: str, org_id: str) -> set[str]:
        rows = self._exec("SELECT id FROM syncs WHERE kind = ? AND org_id = ?", (kind, org_id))
        return {r["id"] for r in rows.fetchall()}

    # -- executions ----------------------------------------------------------------------------

    def insert_execution(self, row: dict[str, Any]) -> None:
        seq = self._exec("SELECT COALESCE(MAX(seq), 0) + 1 AS n FROM executions").fetchone()["n"]
        self._exec(
            "INSERT INTO executions (id, org_id, sync_id, kind, seq, started, created_at, type,"
            " outcome, started_at, finished_at, counts, errors, running_after, completed_after)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (row["id"], row["org_id"], row["sync_id"], row["kind"], seq, row["started"],
             row["created_at"], row["type"], row.get("outcome"), row.get("started_at"),
             row.get("finished_at"),
             json.dumps(row.get("counts")), json.dumps(row.get("errors")),
             row.get("running_after", 0.3), row.get("completed_after", 1.5)))

    def executions(self, sync_id: str) -> list[dict[str, Any]]:
        """Executions of a sync, newest first."""
        rows = self._exec("SELECT * FROM executions WHERE sync_id = ? ORDER BY seq DESC",
                          (sync_id,)).fetchall()
        out = []
        for r in rows:
            item = dict(r)
            item["counts"] = json.loads(r["counts"]) if r["counts"] else None
            item["errors"] = json.loads(r["errors"]) if r["errors"] else None
            out.append(item)
        return out

    def finish_execution(self, execution_id: str, outcome: str, started_at: str | None,
                         finished_at: str) -> None:
        self._exec("UPDATE executions SET outcome = ?, started_at = ?, finished_at = ? WHERE id = ?",
                   (outcome, started_at, finished_at, execution_id))

    # -- idempotency -----------------------------------------------------------------------------

    def idempotency_get(self, org_id: str, key: str) -> dict[str, Any] | None:
        row = self._exec("SELECT * FROM idempotency WHERE org_id = ? AND key = ?",
                         (org_id, key)).fetchone()
        return dict(row) if row else None

    def idempotency_put(self, org_id: str, key: str, method: str, path: str, status: int,
                        body: bytes, created: float) -> None:
        self._exec("INSERT OR REPLACE INTO idempotency (org_id, key, method, path, status, body,"
                   " created) VALUES (?, ?, ?, ?, ?, ?, ?)",
                   (org_id, key, method, path, status, body, created))

    def idempotency_expire(self, before: float) -> None:
        self._exec("DELETE FROM idempotency WHERE created < ?", (before,))
