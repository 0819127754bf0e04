"""Authentication: `Bearer <api key>` or Basic `base64(organization_id:deployment_key)`."""

from __future__ import annotations

import base64
import binascii
import hmac
from dataclasses import dataclass
from typing import Any

from reconciler.emulator.errors import ApiError
from reconciler.emulator.seed import actor
from reconciler.emulator.store import Store

KNOWN_VERSIONS = ("2021-05-23", "2022-12-12", "2023-04-25", "2024-02-08", "2025-09-18")
DEFAULT_VERSION = "2025-09-18"


@dataclass(frozen=True)
class Principal:
    """The authenticated caller."""

    org: dict[str, Any]
    actor: dict[str, str]
    scheme: str  # "bearer" or "basic"


def _unauthorized(message: str) -> ApiError:
    return ApiError(401, message, key="unauthorized")


def authenticate(store: Store, header: str | None) -> Principal:
    """The caller of a request, or a 401."""
    if not header:
        raise _unauthorized("missing Authorization header (Bearer API key or Basic deployment key)")
    scheme, _, credentials = header.strip().partition(" ")
    credentials = credentials.strip()
    if scheme.lower() == "bearer" and credentials:
        org = store.org_by_api_key(credentials)
        if org is not None:
            return Principal(org=org, actor=actor(org), scheme="bearer")
        raise _unauthorized("invalid API key")
    if scheme.lower() == "basic" and credentials:
        try:
            decoded = base64.b64decode(credentials, validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            raise _unauthorized("malformed Basic credentials") from None
        org_id, sep, key = decoded.partition(":")
        org = store.org(org_id) if sep else None
        if org is not None and hmac.compare_digest(key.encode(), org["deployment_key"].encode()):
            return Principal(org=org, actor=actor(org), scheme="basic")
        raise _unauthorized("invalid deployment key")
    raise _unauthorized("unsupported Authorization scheme (use Bearer or Basic)")


def check_version(value: str | None, required: bool) -> str:
    """The API version of a request (400 when unknown, or missing where required)."""
    if value is None or value == "":
        if required:
            raise ApiError(400, "the X-Polytomic-Version header is required on this endpoint "
                                f"(known versions: {', '.join(KNOWN_VERSIONS)})",
                           key="missing_version")
        return DEFAULT_VERSION
    if value not in KNOWN_VERSIONS:
        raise ApiError(400, f"unknown X-Polytomic-Version {value!r} "
                            f"(known versions: {', '.join(KNOWN_VERSIONS)})", key="invalid_version")
    return value
