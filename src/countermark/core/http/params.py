"""Checks on what arrives in a URL: record ids in range, bounded query text, redirects to this site only."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path

from countermark.core.errors import InvalidInput

PAGE_SIZE = 50
MAX_QUERY_LENGTH = 200
# Primary keys are 32-bit integers on PostgreSQL; larger ids cannot exist and must not reach the driver.
RecordId = Annotated[int, Path(ge=1, le=2_147_483_647)]


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
        raise InvalidInput(f"the {what} is too long: at most {MAX_QUERY_LENGTH} characters")
    if any(ord(ch) < 32 for ch in text):
        raise InvalidInput(f"the {what} contains control characters")
    return text
