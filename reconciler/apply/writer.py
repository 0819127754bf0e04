"""Carry out one change, resolving every unknown outcome by reading back before sending again.

The client sends a write once; this module owns its attempts (paced by :class:`Attempts`, so a
change costs at most ``max_attempts`` writes). The client raises :class:`ApiError` where the write
certainly had no effect (4xx, connection never made) and :class:`AmbiguousWriteError` otherwise
(timeout, dropped connection, 5xx). Here:

- create: first read the live syncs of the kind (once per run) and look for the name, normalised
  as a server may store it: found once, update that sync instead (another job or the UI made it
  since the plan); several, fail. The key is derived from the identity (kind + name), so a
  concurrent job creating the same name gets this job's sync back, and updates it. On an unknown
  outcome, list again and look for the name. Found once: adopt it. Found several: fail, never
  guess. Not found: wait (backoff, ``Retry-After``) and resend with the same key. A success is
  verified with a GET (tolerating read-after-write lag), because the server replays a key's
  first outcome for 24 h: if the sync it names is gone (or renamed), the outcome was a stale
  replay and the create continues with a fresh key derived from the change and the stale id.
- update: on an unknown outcome, GET the sync (404: it was deleted, fail); if it already holds
  the desired state (optional ``confirms`` check) it is done, else resend with the same key.
- delete: on an unknown outcome, GET the sync: 404 means done, else resend with the same key.

Other 4xx answers fail the change with the server's message and are never retried.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from typing import Any, Callable, Mapping

from reconciler.api.client import AmbiguousWriteError, PolytomicClient
from reconciler.api.retry import Attempts, RetryPolicy
from reconciler.apply.keys import body_hash, idempotency_key
from reconciler.apply.ops import SyncOps, ids_named, named, ops_for
from reconciler.apply.outcome import Outcome
from reconciler.errors import ApiError, Interrupted
from reconciler.planning.model import Change, fingerprint
from reconciler.planning.names import same_name

Body = Mapping[str, Any]
# (change, body sent, live object read back) -> True when live already holds what body asks for
Confirms = Callable[[Change, Body, Mapping[str, Any]], bool]

log = logging.getLogger("reconciler.apply")

MAX_KEY_CHAIN = 5  # fresh keys after stale replays, per create
MAX_LAG_READS = 5  # GETs of a just-created id that may 404 (read-after-write lag) before it counts as gone


def _resendable(exc: ApiError) -> bool:
    """A write refused with this certainly did not take effect: resend with the same key.

    409: the server is still handling an earlier request with the same key."""
    return exc.retryable or exc.status == 409


def _reason(exc: ApiError) -> str:
    if exc.status is not None:
        return f"{exc.method} {_path(exc.url)} -> {exc.status}: {exc.message}"
    return f"{exc.method} {_path(exc.url)}: {exc.message}"


def _twins_text(change: Change, name: str, ids: list[str]) -> str:
    return (f"several live {change.kind} syncs are named {name!r} ({', '.join(sorted(ids))}); "
            "keep one: delete the others or pin one with `id` (`reconciler docs apply`, Twins)")


def _path(url: str) -> str:
    cut = url.find("/api/")
    return url[cut:] if cut >= 0 else url


class Writer:
    """Sends the writes of single changes. Thread-safe: holds no per-change state, only the ids it
    created and one listing per kind read before the run's first create of that kind."""

    def __init__(
        self,
        client: PolytomicClient,
        policy: RetryPolicy | None = None,
        *,
        confirms: Confirms | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.client = client
        self.policy = policy or client.retry
        self.confirms = confirms
        self.clock = clock
        self.created: set[str] = set()  # ids this writer created (not adopted, not replayed)
        self._snapshots: dict[str, list[dict[str, Any]]] = {}
        self._lock = threading.Lock()

    def write(self, change: Change, body: Body | None) -> Outcome:
        ops = ops_for(self.client, change.kind)
        if change.action == "create":
            return self._create(change, ops, body or {})
        if change.action == "update":
            return self._update(change, ops, body or {})
        if change.action == "delete":
            return self._delete(change, ops)
        return Outcome.of(change, "done", "no change")

    # ---- create ---------------------------------------------------------------------------

    def _create(self, change: Change, ops: SyncOps, body: Body) -> Outcome:
        name = str(body.get("name", change.name))
        found = [item for item in self._live(ops) if same_name(item.get("name"), name)]
        if len(found) > 1:
            return Outcome.of(change, "failed", _twins_text(change, name, [str(i["id"]) for i in found]))
        if found:  # made since the plan was read (another job, the UI): never a second one
            return self._adopt(change, ops, found[0], body, "it appeared after the plan was made")
        return _Create(self, change, ops, body, name).run()

    def _live(self, ops: SyncOps) -> list[dict[str, Any]]:
        """The live syncs of a kind, read once per run when its first create starts.

        A listing that cannot be completed (another job creating syncs all the while, say) is
        taken as empty: the creates' identity keys still keep two jobs from both creating, and
        the twin check after the writes (or the next plan) still sees a sync made elsewhere.
        """
        with self._lock:
            if ops.kind not in self._snapshots:
                try:
                    self._snapshots[ops.kind] = ops.list_all()
                except ApiError as exc:
                    log.info("reading the live %s syncs before creating failed (%s); creating by key", ops.kind, exc)
                    self._snapshots[ops.kind] = []
            return self._snapshots[ops.kind]

    def _adopt(self, change: Change, ops: SyncOps, live: Mapping[str, Any], body: Body, why: str) -> Outcome:
        """Update the one live sync that already holds the name instead of creating another."""
        sync_id = str(live["id"])
        as_update = dataclasses.replace(change, action="update", sync_id=sync_id, fingerprint=fingerprint(live))
        done = self._update(as_update, ops, body)
        verb = "updated it" if done.status == "done" else f"updating it failed: {done.message}"
        return Outcome.of(change, done.status, f"a live {change.kind} with this name exists ({sync_id}; {why}): "
                                               f"{verb}", sync_id=sync_id)

    def _read_back_create(self, change: Change, ops: SyncOps, name: str, cause: str) -> Outcome | None:
        """After an unknown outcome: the settled outcome, or None when nothing was created (resend)."""
        try:
            ids = ids_named(ops, name)
        except ApiError as exc:
            return Outcome.of(
                change,
                "failed",
                f"outcome unknown ({cause}) and reading back failed ({_reason(exc)}); "
                "re-run apply: it reads the live state first and never duplicates",
            )
        if len(ids) == 1:
            return Outcome.of(change, "done", f"created (confirmed by reading back after: {cause})", sync_id=ids[0])
        if len(ids) > 1:
            return Outcome.of(change, "failed", _twins_text(change, name, ids))
        return None

    def verify_created(self, change: Change, ops: SyncOps, sync_id: str, name: str, body: Body, *,
                       replayed: bool, tries: Attempts) -> Outcome | None:
        """Done when the created sync exists under its name; None when the answer was a stale replay.

        A replayed answer (another job's create under the same identity key, or our own earlier
        attempt) is then updated to this body.
        """
        live = self._read_created(change, ops, sync_id, name, body, replayed=replayed, tries=tries)
        if live is None or isinstance(live, Outcome):
            return live
        if not same_name(live.get("name", name), name):
            return None  # replayed outcome of a sync since renamed: not ours any more
        if replayed:
            return self._adopt(change, ops, live, body, "created under the same identity key by another job or an "
                                                        "earlier attempt")
        return self._mark_created(change, sync_id, "created")

    def _read_created(self, change: Change, ops: SyncOps, sync_id: str, name: str, body: Body, *,
                      replayed: bool, tries: Attempts) -> Mapping[str, Any] | Outcome | None:
        """The created sync read back, a settled outcome, or None when it is gone (a stale replay).

        A server may answer 404 for an id it created a moment ago (read-after-write lag): the id
        is read again a few times, then looked for by name, before a replayed answer counts as stale.
        This run's own create never does (the server made it), nor does one whose attempts run out
        first: the create is left failed, never sent again.
        """
        reads = 0
        while True:
            try:
                return ops.get(sync_id)
            except Interrupted:
                if replayed:
                    raise
                return self._mark_created(change, sync_id, "created (not read back: stopped)")
            except ApiError as exc:
                if exc.status != 404:
                    return Outcome.of(change, "failed", f"created {sync_id} but could not confirm it ({_reason(exc)}); "
                                                        "re-run apply", sync_id=sync_id)
            reads += 1
            if reads >= MAX_LAG_READS:
                found = self._find_created(change, ops, sync_id, name, body)
                if found is not None or replayed:
                    return found  # (only a replayed outcome may be stale: this run's own create made the sync)
            if reads >= MAX_LAG_READS or not tries.wait(None):
                # The sync may well exist, still hidden by the lag: creating again would make a twin,
                # so the outcome stays open and the next run settles it.
                return Outcome.of(change, "failed", f"created {sync_id} but could not read it back within "
                                                    f"{tries.summary()}; re-run apply", sync_id=sync_id)

    def _find_created(self, change: Change, ops: SyncOps, sync_id: str, name: str,
                      body: Body) -> Mapping[str, Any] | Outcome | None:
        """After lagging reads: the created sync found by name, or the one other holder of the name adopted."""
        try:
            found = named(ops, name)
        except ApiError:
            found = []
        ours = [item for item in found if item["id"] == sync_id]
        if ours:
            return ours[0]
        if len(found) == 1:  # the name is held by another sync: update it, never a second one
            return self._adopt(change, ops, found[0], body, "the created id could not be read back")
        if len(found) > 1:
            return Outcome.of(change, "failed", _twins_text(change, name, [str(i["id"]) for i in found]))
        return None

    def _mark_created(self, change: Change, sync_id: str, message: str) -> Outcome:
        with self._lock:
            self.created.add(sync_id)
        return Outcome.of(change, "done", message, sync_id=sync_id)

    # ---- update and delete ----------------------------------------------------------------

    def _update(self, change: Change, ops: SyncOps, body: Body) -> Outcome:
        sync_id = change.sync_id
        if not sync_id:
            return Outcome.of(change, "failed", "update without a sync id (corrupt plan)")
        key = idempotency_key(change, body)

        def send() -> Outcome:
            ops.update(sync_id, body, key)
            return Outcome.of(change, "done", "updated")

        def settle(last: str) -> Outcome | None:
            try:
                live = ops.get(sync_id)
            except ApiError as exc:
                if exc.status == 404:
                    return Outcome.of(change, "failed",
                                      f"sync {sync_id} was deleted while being updated; run plan again")
                return _unreadable(change, last, exc)
            if self.confirms is not None and self.confirms(change, body, live):
                return Outcome.of(change, "done", f"updated (confirmed by reading back after: {last})")
            return None

        gone = Outcome.of(change, "failed", f"sync {sync_id} no longer exists; run plan again")
        return self._keep_sending(change, send, settle, gone, "confirmed")

    def _delete(self, change: Change, ops: SyncOps) -> Outcome:
        sync_id = change.sync_id
        if not sync_id:
            return Outcome.of(change, "failed", "delete without a sync id (corrupt plan)")
        key = idempotency_key(change, None)

        def send() -> Outcome:
            ops.delete(sync_id, key)
            return Outcome.of(change, "done", "deleted")

        def settle(last: str) -> Outcome | None:
            try:
                ops.get(sync_id)
            except ApiError as exc:
                if exc.status == 404:
                    return Outcome.of(change, "done", f"deleted (confirmed by reading back after: {last})")
                return _unreadable(change, last, exc)
            return None

        return self._keep_sending(change, send, settle, Outcome.of(change, "done", "already deleted"), "deleted")

    def _keep_sending(self, change: Change, send: Callable[[], Outcome], settle: Callable[[str], Outcome | None],
                      gone: Outcome, verb: str) -> Outcome:
        """Send an update or delete until done, settling each unknown outcome by ``settle`` before resending.

        ``gone``: the outcome when the server answers 404; ``verb``: what "not ... after" the attempts says.
        """
        tries = Attempts(self.policy, self.clock)
        last = ""
        while True:
            try:
                return send()
            except AmbiguousWriteError as exc:
                last, retry_after = _reason(exc), exc.retry_after
                settled = settle(last)
                if settled is not None:
                    return settled
            except ApiError as exc:
                if exc.status == 404:
                    return gone
                if not _resendable(exc):
                    return Outcome.of(change, "failed", _reason(exc))
                last, retry_after = _reason(exc), exc.retry_after
            if not tries.wait(retry_after):
                return Outcome.of(change, "failed",
                                  f"not {verb} after {tries.summary()}: {last}; re-run apply to converge")


def _unreadable(change: Change, last: str, exc: ApiError) -> Outcome:
    return Outcome.of(change, "failed",
                      f"outcome unknown ({last}) and reading back failed ({_reason(exc)}); re-run apply")


class _Create:
    """The attempts at one create: its key chain, and whether an earlier attempt may have committed."""

    def __init__(self, writer: Writer, change: Change, ops: SyncOps, body: Body, name: str) -> None:
        self.writer, self.change, self.ops, self.body, self.name = writer, change, ops, body, name
        self.key = idempotency_key(change, body)
        self.tries = Attempts(writer.policy, writer.clock)
        self.chain = 0
        self.rekeyed = False
        self.last = ""
        self.retry_after: float | None = None
        self.unknown = False  # an earlier attempt may have committed

    def run(self) -> Outcome:
        while True:
            step = self._send()
            if isinstance(step, Outcome):
                return step
            if step == "wait" and not self.tries.wait(self.retry_after):
                return self._give_up()

    def _send(self) -> Outcome | str:
        """One POST: the settled outcome, or when to send again ("now" or "wait")."""
        self.retry_after = None
        try:
            created, replayed = self.ops.create(self.body, self.key)
        except AmbiguousWriteError as exc:
            self.unknown = True
            self._failed(exc)
            return self.writer._read_back_create(self.change, self.ops, self.name, self.last) or "wait"
        except ApiError as exc:
            return self._refused(exc)
        return self._created(created, replayed)

    def _failed(self, exc: ApiError) -> None:
        self.last = _reason(exc)
        self.retry_after = exc.retry_after

    def _refused(self, exc: ApiError) -> Outcome | str:
        if _resendable(exc):
            self._failed(exc)
            return "wait"
        if not self.rekeyed and exc.replayed:
            # The identity key replayed another job's (or an earlier run's) refusal, maybe of a
            # different body: ask once more under a key of this body.
            self.rekeyed = True
            self.key = idempotency_key(self.change, self.body, after=f"body:{body_hash(self.body)}")
            return "now"
        return Outcome.of(self.change, "failed", _reason(exc))

    def _created(self, created: Any, replayed: bool) -> Outcome | str:
        sync_id = created.get("id") if isinstance(created, Mapping) else None
        if not isinstance(sync_id, str) or not sync_id:
            return Outcome.of(self.change, "failed", "the API accepted the create but returned no id; re-run apply")
        verdict = self.writer.verify_created(self.change, self.ops, sync_id, self.name, self.body,
                                             replayed=replayed, tries=self.tries)
        if verdict is not None:
            return verdict
        self.chain += 1
        if self.chain > MAX_KEY_CHAIN:
            return Outcome.of(self.change, "failed", "the API keeps replaying creates of syncs that no longer exist")
        self.key = idempotency_key(self.change, self.body, after=sync_id)  # the replay was stale: fresh key
        self.unknown = False
        return "now"

    def _give_up(self) -> Outcome:
        if self.unknown:
            settled = self.writer._read_back_create(self.change, self.ops, self.name, self.last)
            if settled is not None:
                return settled
        return Outcome.of(self.change, "failed",
                          f"not created after {self.tries.summary()}: {self.last}; re-run apply to converge")
