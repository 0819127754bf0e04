"""Keeps sensitive strings out of anything the tool prints or writes."""

from __future__ import annotations

import base64
import json
import threading
import urllib.parse
from typing import Any

REDACTED = "(sensitive)"
_MIN_LEN = 4  # shorter values would redact ordinary words
_MARKDOWN_SPECIAL = "\\`*_{}[]<>|#~"  # what Markdown rendering backslash-escapes


class Redactor:
    """Holds every sensitive value seen in this run and scrubs them from text.

    Defence in depth: renderers already print ``(sensitive)`` for sensitive paths; this catches
    any value that slips into an error message or log line, in plain, URL-encoded and base64 forms.
    """

    def __init__(self) -> None:
        self._forms: set[str] = set()
        self._lock = threading.Lock()

    def clear(self) -> None:
        """Forget every value (one process is one run; tests start each case afresh)."""
        with self._lock:
            self._forms.clear()

    def add(self, value: str | None) -> None:
        if not value or len(value) < _MIN_LEN:
            return
        forms = {value, urllib.parse.quote(value), urllib.parse.quote(value, safe=""), urllib.parse.quote_plus(value)}
        # Escaped as renderers escape strings: JSON (quotes, backslashes, non-ASCII, control
        # characters), Markdown (punctuation), and lines joined by one space (Markdown cells).
        forms.add(json.dumps(value)[1:-1])
        forms.add(json.dumps(value, ensure_ascii=False)[1:-1])
        joined = " ".join(value.splitlines())
        forms.add(joined)
        forms.add("".join("\\" + ch if ch in _MARKDOWN_SPECIAL else ch for ch in joined))
        raw = value.encode()
        for prefix in (b"", b"x", b"xy"):  # cover base64 at each alignment
            enc = base64.b64encode(prefix + raw).decode()
            skip = (len(prefix) * 4 + 2) // 3
            forms.add(enc[skip:].rstrip("=")[: max(len(raw) * 4 // 3 - 2, _MIN_LEN)])
        with self._lock:
            self._forms.update(f for f in forms if len(f) >= _MIN_LEN)

    def scrub_data(self, value: Any) -> Any:
        """A copy of a JSON-like document with every string (keys too) scrubbed.

        For machine-readable output: scrub before serialising, so that a sensitive value that
        happens to read like ``true``, ``null`` or a number can never break the document.
        """
        if isinstance(value, str):
            return self.scrub(value)
        if isinstance(value, dict):
            return {self.scrub(str(k)): self.scrub_data(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [self.scrub_data(v) for v in value]
        return value

    def scrub(self, text: str) -> str:
        with self._lock:
            forms = sorted(self._forms, key=len, reverse=True)
        for form in forms:
            if form in text:
                text = text.replace(form, REDACTED)
        return text


# The process-wide redactor: loaders register sensitive values, the CLI scrubs all output.
redactor = Redactor()

CREDENTIAL_ENV = ("POLYTOMIC_API_KEY", "POLYTOMIC_DEPLOYMENT_KEY")
URL_CREDENTIALS = ("the API URL must not carry credentials (user:password@host); give the key in "
                   "POLYTOMIC_API_KEY (the URL is not shown)")


def register_credentials(environ: Any) -> None:
    """The API key and deployment key become known to the redactor before anything can print them."""
    for name in CREDENTIAL_ENV:
        redactor.add(environ.get(name))


def url_credentials(url: str) -> list[str]:
    """The user and password parts a URL carries (registered with the redactor), else nothing."""
    authority = url.partition("://")[2].split("/", 1)[0].split("?", 1)[0].split("#", 1)[0]
    if "@" not in authority:
        return []
    userinfo = authority.rpartition("@")[0]
    parts = [p for p in (userinfo, *userinfo.split(":", 1)) if p]
    for part in parts:
        redactor.add(part)
        redactor.add(urllib.parse.unquote(part))
    return parts
