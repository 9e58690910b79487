"""Errors that carry their HTTP status and a message a user can act on.

A message a page may show is raised from a template and its values, so that the page can say it in the
reader's language while the API and the logs keep the English text:

    raise InvalidInput.of("a {status} request cannot become {target}", status=Code(old), target=Code(new))

`.message` is the English text, formatted; `.template` and `.values` are what
`countermark.core.http.error_text.error_text` translates (a `Code` value is shown by its label, translated).
A plain `InvalidInput("text")` keeps working: its template is the text itself, with no values.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Self


class Code(str):
    """A value of a message that is a code with a label (a status, a kind, a workflow step): the English
    message shows the code as it is; a translated message shows its label in the reader's language, the
    one given with it (`Code("send_notice", "Send the notice")`) or else its label in `labels.py`."""

    label: str | None

    def __new__(cls, code: str, label: str | None = None) -> Self:
        value = super().__new__(cls, code)
        value.label = label
        return value


class Codes(str):
    """A value of a message that lists codes (the decisions possible now, the elements a notice lacks): the
    English message joins the codes with commas; a translated message lists their labels."""

    codes: tuple[Code, ...]

    def __new__(cls, codes: Iterable[str]) -> Self:
        items = tuple(code if isinstance(code, Code) else Code(code) for code in codes)
        value = super().__new__(cls, ", ".join(items))
        value.codes = items
        return value


class CountermarkError(Exception):
    """Base error: a status, a stable code and a message for the user."""

    status: int = 500
    code: str = "internal_error"

    def __init__(self, message: str, *, detail: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.detail = detail
        self.template = message
        self.values: dict[str, Any] = {}

    @classmethod
    def of(cls, template: str, /, *, detail: Any = None, **values: Any) -> Self:
        """The error whose message is `template` formatted with `values` (`str.format` fields by name);
        it keeps the template and the values so that a page can translate the message."""
        error = cls(template.format(**values), detail=detail)
        error.template = template
        error.values = values
        return error

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
