"""Checks on what arrives in a URL: ids and counts in range, bounded query text, redirects to this site only.

Every integer that reaches a query must fit the database: ids are 32-bit on PostgreSQL and SQLite cannot
bind anything above 2^63, so an unbounded `int` parameter turns `/listings/99999999999999999999` into a
500. Routes declare ids with `RecordId` (path) or `QueryId` (query), other whole numbers with
`QueryCount`, and code that parses integers by hand uses `bounded_int`.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query

from countermark.core.errors import Code, InvalidInput
from countermark.core.http.labels import LABELS

PAGE_SIZE = 50
MAX_QUERY_LENGTH = 200
# Primary keys are 32-bit integers on PostgreSQL; larger ids cannot exist and must not reach the driver.
MAX_ID = 2_147_483_647
RecordId = Annotated[int, Path(ge=1, le=MAX_ID, description="a record id (1 to 2^31-1)")]
# An id in the query string (`?after=`, a filter): 0 allowed, as "from the start".
QueryId = Annotated[int, Query(ge=0, le=MAX_ID, description="a record id (0 to 2^31-1)")]
# A count or size in the query string (tree sizes, offsets): the same 32-bit range.
QueryCount = Annotated[int, Query(ge=0, le=MAX_ID)]


def _named(what: str) -> Code:
    """What a message names (a field, "search text"): its label when it is a code with one, else its words."""
    return Code(what, LABELS.get(what, what))


def bounded_int(raw: object, *, what: str, low: int = 0, high: int = MAX_ID) -> int:
    """An integer parsed from text or JSON, checked into [low, high]: a 422 otherwise, not a driver error."""
    if isinstance(raw, bool):
        raise InvalidInput.of("{what} must be a whole number", what=_named(what))
    try:
        value = int(str(raw).strip()) if not isinstance(raw, int) else raw
    except ValueError:
        shown = str(raw)[:40]
        raise InvalidInput.of(
            "{shown!r} is not a valid value for {what}: a whole number is expected",
            shown=shown,
            what=_named(what),
        ) from None
    if not low <= value <= high:
        raise InvalidInput.of(
            "{what} must be between {low} and {high}", what=_named(what), low=low, high=high
        )
    return value


def local_path(target: str | None, default: str = "/") -> str:
    """The target if it is a path on this site (never another host), else the default."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return default
    if any(ch in target for ch in "\r\n\\") or any(ord(ch) < 32 for ch in target):
        return default
    return target


def clean_text(raw: str | None, *, what: str = "search text") -> str:
    """Query text stripped and checked (length, no control characters)."""
    text = (raw or "").strip()
    if len(text) > MAX_QUERY_LENGTH:
        raise InvalidInput.of(
            "the {what} is too long: at most {limit} characters", what=_named(what), limit=MAX_QUERY_LENGTH
        )
    if any(ord(ch) < 32 for ch in text):
        raise InvalidInput.of("the {what} contains control characters", what=_named(what))
    return text
