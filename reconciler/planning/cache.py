"""The read cache: live objects from earlier reads, kept by URL and ``updated_at``.

An unchanged organisation then costs a listing: a list item whose ``updated_at`` is the one a
cached object was read at is answered from the cache, and only the syncs that moved are read
again. It rests on one assumption, which the API documents and the emulator guarantees (tests
check it for every write): **``updated_at`` moves on every change of a sync**, including changes
of a bulk sync's per-schema settings. An entry is keyed by the URL it was read from and the
``updated_at`` of the sync it belongs to, so any read (``/api/syncs/{id}``,
``/api/bulk/syncs/{id}/schemas``, a per-schema URL) can be kept the same way.

The file (``reads-<url hash>.json`` in ``$RECONCILER_CACHE_DIR``, else ``.reconciler/cache/``
in the directory the command runs in, beside ``reconciler.yaml``) is a header line (format
version, API URL and version), one line per entry, and a trailer with an HMAC of all of it keyed
by a key derived from the credential. A file that is corrupt,
from another version, for another API, written with other credentials (another organisation)
or modified is ignored with a warning, never trusted, and replaced on save.

No secret is stored: an object is kept only when its definition takes no value from
``${env:...}`` (write-only values aside: the API never returns them), it holds no value known to
be sensitive, and no key in it looks like a credential. Everything else is read every time.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import json
import os
import secrets
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Iterable

from reconciler.config import ApiSettings
from reconciler import kinds
from reconciler.reports.export import looks_secret
from reconciler.secrets import redactor

ENV_DIR = "RECONCILER_CACHE_DIR"
DEFAULT_DIR = Path(".reconciler") / "cache"
FORMAT = "reconciler-read-cache"
VERSION = 1
MAX_FILE_BYTES = 512 * 1024 * 1024
#: the key suffix and stamp of a listing record (no request path holds a ``#``)
LISTING = "#listing"
LISTING_STAMP = "listing"
_KDF_ROUNDS = 20_000  # the key is derived once per run; a stolen file does not test guesses cheaply


def cache_dir(environ: Mapping[str, str] | None = None) -> Path:
    """``$RECONCILER_CACHE_DIR``, else ``.reconciler/cache`` in the current directory."""
    env = os.environ if environ is None else environ
    return Path(env[ENV_DIR]) if env.get(ENV_DIR) else DEFAULT_DIR


class ReadCache:
    """Entries loaded from the file, the ones used or added this run, and what went wrong loading."""

    def __init__(self, path: Path, settings: ApiSettings, *, refresh: bool = False) -> None:
        self.path = path
        self.refresh = refresh
        self.warnings: list[str] = []
        self._scope = {"api_url": settings.url, "api_version": settings.version}
        self._secret = settings.auth_header.encode()
        self._salt: bytes | None = None
        self._key: bytes | None = None
        self._old: dict[str, tuple[str, bytes]] = {}  # url -> (updated_at, the object's JSON)
        self._new: dict[str, tuple[str, bytes]] = {}
        self._load()

    @classmethod
    def for_settings(cls, settings: ApiSettings, *, refresh: bool = False,
                     environ: Mapping[str, str] | None = None) -> ReadCache:
        name = hashlib.sha256(f"{settings.url}\n{settings.version}".encode()).hexdigest()[:16]
        return cls(cache_dir(environ) / f"reads-{name}.json", settings, refresh=refresh)

    # ---- reading ------------------------------------------------------------------------------

    def get(self, url: str, stamp: Any) -> Any | None:
        """The object read from ``url`` when its sync was at ``stamp``; None when not kept."""
        entry = self._entry(url, stamp)
        # (the entry itself, not a second look: a reader thread may replace or drop it meanwhile)
        return None if entry is None else json.loads(entry[1])  # a fresh copy: the caller may change it

    def holds(self, url: str, stamp: Any) -> bool:
        """Whether :meth:`get` answers (the entry is kept for the next run, as by ``get``)."""
        return self._entry(url, stamp) is not None

    def _entry(self, url: str, stamp: Any) -> tuple[str, bytes] | None:
        """The entry kept for ``url`` at ``stamp`` (marked for the next run), or None."""
        if self.refresh or not isinstance(stamp, str):
            return None
        entry = self._new.get(url) or self._old.get(url)
        if entry is None or entry[0] != stamp:
            return None
        self._new[url] = entry
        return entry

    def put(self, url: str, stamp: Any, value: Any, *, sensitive_paths: Iterable[str] = ()) -> bool:
        """Keep ``value`` unless it may hold a secret (see the module docstring); True when kept."""
        text = json.dumps(value, sort_keys=True, separators=(",", ":"))
        if not isinstance(stamp, str) or not storable(value, sensitive_paths, text=text):
            self._new.pop(url, None)
            return False
        self._new[url] = (stamp, text.encode())
        return True

    def listing(self, url: str) -> dict[str, str] | None:
        """id -> ``updated_at`` of the syncs the last complete listing of ``url`` found; None when not kept."""
        entry = None if self.refresh else self._old.get(url + LISTING)
        if entry is None or entry[0] != LISTING_STAMP:
            return None
        try:
            pairs = json.loads(entry[1])
            return {str(sync_id): str(stamp) for sync_id, stamp in pairs}
        except (ValueError, TypeError):
            return None

    def keep_listing(self, url: str, items: Iterable[Mapping[str, Any]]) -> None:
        """Remember a complete listing of ``url`` (ids and ``updated_at``: nothing secret) for the next run;
        not kept when an item has no ``updated_at`` text."""
        pairs = sorted((item.get("id"), item.get("updated_at")) for item in items)
        if all(isinstance(i, str) and isinstance(stamp, str) for i, stamp in pairs):
            self._new[url + LISTING] = (LISTING_STAMP, json.dumps(pairs, separators=(",", ":")).encode())
        else:
            self._new.pop(url + LISTING, None)

    # ---- the file -------------------------------------------------------------------------------

    def _load(self) -> None:
        try:
            handle = open(self.path, "rb")
        except FileNotFoundError:
            return
        except OSError as exc:
            self._warn(f"cannot be read ({exc.strerror or type(exc).__name__})")
            return
        with handle:
            why = self._read(handle)
        if why is not None:
            self._old = {}
            self._warn(why)

    def _read(self, handle: Any) -> str | None:
        """Load the entries of an open cache file; what is wrong with it, or None."""
        header_line = handle.readline(64 * 1024)
        try:
            header = json.loads(header_line)
            if not isinstance(header, dict) or header.get("format") != FORMAT:
                raise ValueError
        except ValueError:
            return "is not a read cache (corrupt?)"
        if header.get("version") != VERSION:
            return f"has format version {header.get('version')!r}, not {VERSION}"
        if header.get("scope") != self._scope:
            return "was written for another API URL or version"
        try:
            salt = bytes.fromhex(str(header["salt"]))
        except (KeyError, ValueError):
            return "has a damaged header"
        key = self._derive(salt)
        mac = hmac.new(key, header_line, hashlib.sha256)
        size, trailer, entries = len(header_line), b"", {}
        for line in handle:  # bounded by the file size limit
            size += len(line)
            if size > MAX_FILE_BYTES:
                return f"is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB"
            if line.startswith(b"{"):
                trailer = line
                continue
            mac.update(line)
            head, _, text = line.rstrip(b"\n").partition(b"\t")
            try:
                url, stamp = json.loads(head)
            except (ValueError, TypeError):
                return "has damaged entries"
            entries[str(url)] = (str(stamp), text)
        try:
            written = bytes.fromhex(str(json.loads(trailer)["mac"]))
        except (ValueError, KeyError, TypeError):
            return "is incomplete (no trailer)"
        if not hmac.compare_digest(written, mac.digest()):
            return "was written with other credentials (another organisation?) or has been modified"
        self._old, self._salt, self._key = entries, salt, key
        return None

    def _warn(self, why: str) -> None:
        self.warnings.append(f"the read cache {self.path} {why}; ignoring it (it is rebuilt by this run)")

    def _derive(self, salt: bytes) -> bytes:
        return hashlib.pbkdf2_hmac("sha256", self._secret, salt + FORMAT.encode(), _KDF_ROUNDS)

    def save(self) -> None:
        """Write the entries used or added this run (others are dropped: gone or moved syncs).

        One line per entry (``[url, stamp]``, a tab, the object's JSON), written as it goes, then
        a trailer with the HMAC of every line before it."""
        if self._key is None or self._salt is None:
            self._salt = secrets.token_bytes(16)
            self._key = self._derive(self._salt)
        header = {"format": FORMAT, "version": VERSION, "scope": self._scope, "salt": self._salt.hex()}
        header_line = json.dumps(header, sort_keys=True).encode() + b"\n"
        mac = hmac.new(self._key, header_line, hashlib.sha256)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".reads-", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(header_line)
                for url, (stamp, text) in sorted(self._new.items()):
                    line = json.dumps([url, stamp]).encode() + b"\t" + text + b"\n"
                    mac.update(line)
                    handle.write(line)
                handle.write(json.dumps({"mac": mac.hexdigest()}).encode() + b"\n")
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


def storable(value: Any, sensitive_paths: Iterable[str] = (), *, text: str | None = None) -> bool:
    """Whether a live object (``text``: its JSON) may be written to the cache: see the module docstring."""
    if any(not _under_any(path, kinds.write_only_paths()) for path in sensitive_paths):
        return False  # a ${env:...} value the server may echo (target.configuration, ...)
    text = json.dumps(value, sort_keys=True) if text is None else text
    if redactor.scrub(text) != text:
        return False
    return not _credential_keys(value)


def _under_any(path: str, roots: Iterable[str]) -> bool:
    return any(path == r or path.startswith((r + ".", r + "[")) for r in roots)


_looks_secret = functools.lru_cache(maxsize=4096)(looks_secret)  # the same few keys in every object


def _credential_keys(value: Any) -> bool:
    """Whether any key holding a non-empty text looks like a credential (``password``, ``token``)."""
    if isinstance(value, Mapping):
        return any((isinstance(item, str) and item and _looks_secret(str(key))) or _credential_keys(item)
                   for key, item in value.items())
    if isinstance(value, list):
        return any(_credential_keys(item) for item in value)
    return False
