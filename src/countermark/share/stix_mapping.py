"""Countermark records as STIX 2.1 objects: observables, web shops, networks and our declared types.

Pure: takes `LocalRecord`s (plain values read by `share.records_service`) and returns STIX objects as
dicts, ready to serialise and validate. Standard objects are built with the `stix2` library (which gives
observables their deterministic UUIDv5 ids, so two instances that see the same e-mail agree on its id);
our own types are declared by `share.extensions`. Personal names are never exported: they are matched
privately (`share.psi`).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import stix2  # type: ignore[import-untyped]

from countermark.share.extensions import NAMESPACE, declaration_of
from countermark.share.tlp import marking_ref

# The namespace STIX 2.1 gives for deterministic observable ids (section 2.9).
SCO_NAMESPACE = uuid.UUID("00abedb4-aa42-466c-9c01-fed23315a9b7")
IDENTIFIER_TYPES = {
    "email": "email-addr",
    "url": "url",
    "domain": "domain-name",
    "phone": "phone-number",
    "iban": "bank-account",
    "crypto_wallet": "cryptocurrency-wallet",
}
WEB_PLATFORMS = frozenset({"web", "website", "webshop", "shop"})


@dataclass(frozen=True)
class LocalRecord:
    """A record of this instance to share: its table, id, fields, marking and identifiers seen in it."""

    kind: str
    id: int
    fields: dict[str, Any]
    owner_org_id: int
    tlp: str
    sharing_group_id: int | None
    identifiers: tuple[tuple[str, str], ...] = ()
    created: datetime | None = None
    modified: datetime | None = None


@dataclass
class Mapped:
    """The STIX objects of one record: the record's own object first, then its observables and links."""

    record: LocalRecord
    objects: list[dict[str, Any]] = field(default_factory=list)


def stix_time(moment: datetime | None) -> str:
    """A STIX timestamp (UTC, milliseconds) of a moment."""
    value = (moment or datetime(2026, 1, 1, tzinfo=UTC)).astimezone(UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def stable_id(object_type: str, name: str) -> str:
    """A domain-object id that is the same on every export: a name hash shaped as the UUIDv4 STIX asks for.

    STIX wants random (v4) ids for domain objects, but an export repeated tomorrow must give the same id
    or partners would see duplicates; the hash keeps the id stable and the version bits keep validators
    content.
    """
    return f"{object_type}--{uuid.UUID(bytes=uuid.uuid5(NAMESPACE, name).bytes, version=4)}"


def record_stix_id(object_type: str, origin: str, kind: str, record_id: int) -> str:
    """A stable id for the object of a local record: the same on every export from this instance."""
    return stable_id(object_type, f"{origin}:{kind}:{record_id}")


def organisation_identity(origin: str, org_id: int, name: str) -> dict[str, Any]:
    """The identity of an organisation of this instance (the `created_by_ref` of what it shares)."""
    identity = stix2.v21.Identity(
        id=record_stix_id("identity", origin, "organisations", org_id),
        created="2026-01-01T00:00:00.000Z",
        modified="2026-01-01T00:00:00.000Z",
        name=name,
        identity_class="organization",
    )
    return _plain(identity)


def _plain(obj: Any) -> dict[str, Any]:
    return json.loads(obj.serialize())  # type: ignore[no-any-return]


def _custom_sco(object_type: str, value: str, markings: list[str]) -> dict[str, Any]:
    canonical = json.dumps({"value": value}, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    sco: dict[str, Any] = {
        "type": object_type,
        "spec_version": "2.1",
        "id": f"{object_type}--{uuid.uuid5(SCO_NAMESPACE, canonical)}",
        "value": value,
        "object_marking_refs": markings,
    }
    sco["extensions"] = declaration_of(sco)
    return sco


def observable(kind: str, value: str, tlp: str) -> dict[str, Any] | None:
    """The STIX observable of an identifier of this kind, or None for kinds never exported."""
    object_type = IDENTIFIER_TYPES.get(kind)
    markings = [marking_ref(tlp)]
    if object_type is None:
        return None
    if object_type == "email-addr":
        return _plain(stix2.v21.EmailAddress(value=value, object_marking_refs=markings))
    if object_type == "url":
        return _plain(stix2.v21.URL(value=value, object_marking_refs=markings))
    if object_type == "domain-name":
        return _plain(stix2.v21.DomainName(value=value, object_marking_refs=markings))
    return _custom_sco(object_type, value, markings)


def _number(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, (date, datetime)):
        return value.isoformat()[:10]
    return value


def _relationship(
    origin: str, source: str, kind: str, target: str, tlp: str, created_by: str, when: str
) -> dict[str, Any]:
    rid = stable_id("relationship", f"{origin}:{source}:{kind}:{target}")
    return _plain(
        stix2.v21.Relationship(
            id=rid,
            source_ref=source,
            target_ref=target,
            relationship_type=kind,
            created=when,
            modified=when,
            created_by_ref=created_by,
            object_marking_refs=[marking_ref(tlp)],
            allow_custom=True,
        )
    )


def _declared(
    object_type: str, origin: str, record: LocalRecord, created_by: str, properties: dict[str, Any]
) -> dict[str, Any]:
    obj: dict[str, Any] = {
        "type": object_type,
        "spec_version": "2.1",
        "id": record_stix_id(object_type, origin, record.kind, record.id),
        "created_by_ref": created_by,
        "created": stix_time(record.created),
        "modified": stix_time(record.modified or record.created),
        "object_marking_refs": [marking_ref(record.tlp)],
    }
    obj.update({k: _number(v) for k, v in properties.items() if v not in (None, "", [])})
    obj["extensions"] = declaration_of(obj)
    return obj


def account_objects(origin: str, record: LocalRecord, created_by: str) -> list[dict[str, Any]]:
    """A seller account as a user-account observable; a web shop also as infrastructure on its domain."""
    f = record.fields
    account = _plain(
        stix2.v21.UserAccount(
            user_id=str(f["handle"]),
            account_login=str(f["handle"]),
            account_type=str(f["platform"]).lower(),
            display_name=f.get("display_name") or None,
            object_marking_refs=[marking_ref(record.tlp)],
        )
    )
    objects = [account]
    if str(f["platform"]).lower() in WEB_PLATFORMS or "." in str(f["handle"]):
        when = stix_time(record.created)
        shop = _plain(
            stix2.v21.Infrastructure(
                id=record_stix_id("infrastructure", origin, record.kind, record.id),
                created=when,
                modified=when,
                name=str(f["handle"]),
                infrastructure_types=["unknown"],
                created_by_ref=created_by,
                description="A web shop offering goods reported as infringing.",
                object_marking_refs=[marking_ref(record.tlp)],
            )
        )
        domain = _plain(
            stix2.v21.DomainName(
                value=str(f["handle"]).lower(), object_marking_refs=[marking_ref(record.tlp)]
            )
        )
        objects += [
            shop,
            domain,
            _relationship(origin, shop["id"], "consists-of", domain["id"], record.tlp, created_by, when),
        ]
    return objects


def _listing(origin: str, record: LocalRecord, created_by: str, seller_ref: str | None) -> dict[str, Any]:
    f = record.fields
    observed = f.get("observed_at")
    return _declared(
        "countermark-listing",
        origin,
        record,
        created_by,
        {
            "title": f.get("title"),
            "url": f.get("url"),
            "platform": f.get("platform"),
            "price": f.get("price"),
            "currency": f.get("currency"),
            "language": f.get("language"),
            "ships_from": f.get("ships_from"),
            "observed": observed,
            "seller_ref": seller_ref,
        },
    )


DECLARED_FIELDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "inspection_results": ("countermark-seizure", ("inspected_on", "lane", "severity", "finding")),
    "rights": (
        "countermark-right",
        (
            "kind",
            "name",
            "brand",
            "registration_number",
            "office",
            "jurisdictions",
            "nice_classes",
            "valid_until",
            "status",
        ),
    ),
    "recordals": (
        "countermark-recordal",
        ("jurisdiction", "authority", "application_number", "valid_from", "valid_until"),
    ),
    "case_notices": ("countermark-notice", ("kind", "platform", "target_url", "status", "title")),
    "products": ("countermark-product", ("brand", "gtin", "name", "category", "hs_code")),
    "cases": (
        "countermark-case",
        ("reference", "jurisdiction", "procedure", "step", "status", "outcome", "country"),
    ),
}


def record_objects(
    origin: str, record: LocalRecord, created_by: str, seller_refs: dict[int, str] | None = None
) -> list[dict[str, Any]]:
    """Every STIX object of one record: itself, its identifiers as observables, and the links between."""
    if record.kind == "accounts":
        objects = account_objects(origin, record, created_by)
    elif record.kind == "listings":
        seller = (seller_refs or {}).get(int(record.fields.get("account_id") or 0))
        objects = [_listing(origin, record, created_by, seller)]
    elif record.kind in DECLARED_FIELDS:
        object_type, names = DECLARED_FIELDS[record.kind]
        properties = {name: record.fields.get(name) for name in names}
        if record.kind == "inspection_results" and not record.fields.get("found"):
            return []
        objects = [_declared(object_type, origin, record, created_by, properties)]
    else:
        return []
    anchor = objects[0]["id"]
    when = stix_time(record.created)
    for kind, value in sorted(set(record.identifiers)):
        sco = observable(kind, value, record.tlp)
        if sco is None or sco["id"] == anchor:
            continue
        objects.append(sco)
        objects.append(_relationship(origin, anchor, "related-to", sco["id"], record.tlp, created_by, when))
    return objects


def network_objects(
    origin: str,
    name: str,
    member_refs: Iterable[str],
    tlp: str,
    created_by: str,
    first_seen: datetime | None,
    last_seen: datetime | None,
) -> list[dict[str, Any]]:
    """A network of sellers as an intrusion set, with a relationship to each member object.

    An intrusion set is STIX's "grouped set of adversarial behaviours and resources with common
    properties believed to be orchestrated by a single organisation": what a counterfeiting network is.
    `related-to` links it to accounts and observables (`uses` is defined towards infrastructure only).
    """
    members = sorted(set(member_refs))
    when = stix_time(first_seen)
    network = _plain(
        stix2.v21.IntrusionSet(
            id=stable_id("intrusion-set", f"{origin}:network:" + "|".join(members)),
            created=when,
            modified=stix_time(last_seen or first_seen),
            name=name,
            created_by_ref=created_by,
            description=f"{len(members)} accounts, shops and identifiers linked by shared identifiers.",
            object_marking_refs=[marking_ref(tlp)],
        )
    )
    objects = [network]
    for ref in members:
        kind = "uses" if ref.startswith("infrastructure--") else "related-to"
        objects.append(_relationship(origin, network["id"], kind, ref, tlp, created_by, when))
    return objects
