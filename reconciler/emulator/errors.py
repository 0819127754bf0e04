"""The API error raised by handlers and rendered as `{"key","message","metadata","status"}`."""

from __future__ import annotations

from typing import Any

KEYS = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    422: "unprocessable_entity",
    429: "too_many_requests",
    500: "internal_server_error",
    503: "service_unavailable",
}


class ApiError(Exception):
    """An error answer of the API."""

    def __init__(self, status: int, message: str, *, key: str | None = None,
                 metadata: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.key = key or KEYS.get(status, "error")
        self.metadata = metadata or {}

    def body(self) -> dict[str, Any]:
        """The wire body of this error."""
        return error_body(self.status, self.message, key=self.key, metadata=self.metadata)


def error_body(status: int, message: str, *, key: str | None = None,
               metadata: dict[str, Any] | None = None) -> dict[str, Any]:
    """An API error body."""
    return {"key": key or KEYS.get(status, "error"), "message": message,
            "metadata": metadata or {}, "status": status}


def not_found(what: str, ident: str) -> ApiError:
    """The 404 for an id that does not exist in the caller's organisation."""
    return ApiError(404, f"{what} {ident} not found", key="not_found", metadata={"id": ident})


def invalid(errors: list[tuple[str, str]], status: int = 400) -> ApiError:
    """A validation error listing `(path, message)` problems; the message names every path."""
    message = "; ".join(f"{p}: {m}" if p else m for p, m in errors)
    key = "invalid_request" if status == 400 else "validation_error"
    return ApiError(status, message, key=key,
                    metadata={"errors": [{"path": p, "message": m} for p, m in errors]})
