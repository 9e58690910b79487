"""A TAXII 2.1 client on `taxii2-client` that keeps the headers a sync needs.

`taxii2-client` returns only the JSON of a page and drops `X-TAXII-Date-Added-Last`, the place a reader
resumes from; `HeaderKeepingConnection` is its connection with the last response's headers kept.
Authentication is this project's bearer token (the library's `TokenAuth` sends `Token <key>`).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import requests
from taxii2client.common import _HTTPConnection  # type: ignore[import-untyped]
from taxii2client.v21 import ApiRoot, Collection  # type: ignore[import-untyped]

TAXII_MEDIA = "application/taxii+json;version=2.1"
PAGE_SIZE = 1000


class BearerAuth(requests.auth.AuthBase):
    """`Authorization: Bearer <token>` on every request."""

    def __init__(self, token: str) -> None:
        self.token = token

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = f"Bearer {self.token}"
        return request


class HeaderKeepingConnection(_HTTPConnection):  # type: ignore[misc]
    """The library's connection, remembering the headers of the last GET."""

    def __init__(self, token: str | None, *, timeout: float = 30.0) -> None:
        # A partner that is not Countermark (the OASIS reference server) may take HTTP basic credentials,
        # given as the token "basic:<user>:<password>".
        user = password = None
        if token and token.startswith("basic:"):
            user, _, password = token.removeprefix("basic:").partition(":")
            token = None
        super().__init__(
            user=user, password=password, version="2.1", auth=BearerAuth(token) if token else None
        )
        self.last_headers: dict[str, str] = {}
        self.timeout = timeout

    def get(self, url: str, headers: dict[str, str] | None = None, params: Any = None) -> Any:
        merged = self._merge_headers(headers)
        merged.setdefault("Accept", TAXII_MEDIA)
        response = self.session.get(url, headers=merged, params=params, timeout=self.timeout)
        response.raise_for_status()
        content_type = response.headers.get("Content-Type", "")
        if not self.valid_content_type(content_type=content_type, accept=merged["Accept"]):
            raise requests.exceptions.HTTPError(f"unexpected Content-Type {content_type!r} from {url}")
        self.last_headers = dict(response.headers)
        return response.json()


@dataclass(frozen=True)
class PulledPage:
    """One page of a partner's collection and where it ends."""

    objects: list[dict[str, Any]]
    date_added_last: str | None
    more: bool


def collection_at(api_root_url: str, collection_id: str, conn: HeaderKeepingConnection) -> Collection:
    """A partner's collection by id under its API root."""
    return Collection(f"{api_root_url.rstrip('/')}/collections/{collection_id}/", conn=conn)


def partner_collections(api_root_url: str, conn: HeaderKeepingConnection) -> list[dict[str, Any]]:
    """The collections a partner offers us: id, title, can_read, can_write."""
    root = ApiRoot(api_root_url.rstrip("/") + "/", conn=conn)
    return [
        {"id": c.id, "title": c.title, "can_read": c.can_read, "can_write": c.can_write}
        for c in root.collections
    ]


def pages(
    collection: Collection, conn: HeaderKeepingConnection, *, added_after: str | None, limit: int = PAGE_SIZE
) -> Iterator[PulledPage]:
    """The pages added after a place, following `next` while the server says there is more."""
    next_token: str | None = None
    while True:
        filters: dict[str, Any] = {"limit": limit}
        if added_after:
            filters["added_after"] = added_after
        if next_token:
            filters["next"] = next_token
        envelope = collection.get_objects(**filters)
        last = conn.last_headers.get("X-TAXII-Date-Added-Last") or conn.last_headers.get(
            "x-taxii-date-added-last"
        )
        more = bool(envelope.get("more"))
        yield PulledPage(list(envelope.get("objects", [])), last, more)
        next_token = envelope.get("next")
        if not more:
            return
        if not next_token:
            # A server without `next` (TAXII allows it) is read on from the last object's date.
            if not last or last == added_after:
                return
            added_after = last
