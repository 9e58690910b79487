"""Errors that carry their HTTP status and a message a user can act on."""

from __future__ import annotations

from typing import Any


class CountermarkError(Exception):
    """Base error: a status, a stable code and a message for the user."""

    status: int = 500
    code: str = "internal_error"

    def __init__(self, message: str, *, detail: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.detail = detail

    def to_dict(self) -> dict[str, Any]:
        """The JSON body an API returns for this error."""
        body: dict[str, Any] = {"status": self.status, "code": self.code, "message": self.message}
        if self.detail is not None:
            body["detail"] = self.detail
        return body


class NotFound(CountermarkError):
    status = 404
    code = "not_found"


class InvalidInput(CountermarkError):
    status = 422
    code = "invalid_input"


class Conflict(CountermarkError):
    status = 409
    code = "conflict"


class Forbidden(CountermarkError):
    status = 403
    code = "forbidden"
