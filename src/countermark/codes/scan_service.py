"""What a live verification reads and writes: the one signing key it names, and whether its scan is new.

A public verification is an anonymous GET anyone may repeat: a phone refreshing the page, a script, a
shop checking a shelf. Storing a row for each would let one client write thousands of rows a minute and
would bury the history clone detection reads. A live scan is stored once per code, device (the keyed
hash of address and user agent: no address is stored), ~1 km place and verdict within
`SCAN_REPEAT_WINDOW`; anything clone detection reads differs in at least one of those and is kept: a scan
from another place (impossible travel), another device (many scanners), or with another verdict (after
the item was sold or destroyed). Imported scans (a source and external id) keep their own idempotence.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime, timedelta
from functools import lru_cache

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import select
from sqlalchemy.orm import Session

from countermark.codes.keys import PublicKeyInfo, public_key_from_text
from countermark.codes.models import CodeScan, SigningKey
from countermark.orgs.service import organisation_names

SCAN_REPEAT_WINDOW = timedelta(hours=1)


class StoredKeys(Mapping[str, PublicKeyInfo]):
    """The instance's signing keys as verifiers see them, each read when first asked for (by key id).

    A verification names one key; reading and parsing every issuer's keys on each request costs more
    the more issuers there are. Lookups are remembered for the life of this object (one request).
    """

    def __init__(self, session: Session) -> None:
        self._session = session
        self._found: dict[str, PublicKeyInfo | None] = {}

    def __getitem__(self, key_id: str) -> PublicKeyInfo:
        if key_id not in self._found:
            self._found[key_id] = self._load(key_id)
        found = self._found[key_id]
        if found is None:
            raise KeyError(key_id)
        return found

    def _load(self, key_id: str) -> PublicKeyInfo | None:
        if not isinstance(key_id, str) or len(key_id) > 64:
            return None
        # Read afresh by every request (a revocation counts at once); only the parse is remembered.
        row = self._session.execute(
            select(SigningKey.public_key, SigningKey.status, SigningKey.revoked_at, SigningKey.owner_org_id)
            .where(SigningKey.key_id == key_id)
        ).first()
        if row is None:
            return None
        public_key, status, revoked_at, owner = row
        name = organisation_names(session=self._session, ids=[owner]).get(owner)
        if name is None:
            return None
        return PublicKeyInfo(key_id, name, _parsed_key(public_key), status, revoked_at)

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._session.scalars(select(SigningKey.key_id).order_by(SigningKey.id))))

    def __len__(self) -> int:
        return len(list(iter(self)))


@lru_cache(maxsize=256)
def _parsed_key(text: str) -> Ed25519PublicKey:
    """A stored public key's text as a key object; the text is the key, so the parse can be remembered."""
    return public_key_from_text(text)


def stored_keys(*, session: Session) -> StoredKeys:
    """The signing keys of the instance, read one by one as verifications name them."""
    return StoredKeys(session)


def repeated_scan(
    *,
    session: Session,
    gtin: str,
    serial: str,
    scanner: str,
    lat: float | None,
    lon: float | None,
    verdict: str,
    at: datetime,
) -> CodeScan | None:
    """The scan already stored for this code, device, place and verdict within the window, if any."""
    query = select(CodeScan).where(
        CodeScan.gtin == gtin,
        CodeScan.serial == serial,
        CodeScan.scanner_hash == scanner,
        CodeScan.verdict == verdict,
        CodeScan.external_id.is_(None),
        CodeScan.scanned_at > at - SCAN_REPEAT_WINDOW,
        CodeScan.scanned_at <= at,
        CodeScan.lat.is_(None) if lat is None else CodeScan.lat == lat,
        CodeScan.lon.is_(None) if lon is None else CodeScan.lon == lon,
    )
    return session.scalar(query.order_by(CodeScan.scanned_at.desc()).limit(1))
