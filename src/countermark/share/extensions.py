"""The extension definitions that declare Countermark's own STIX objects, each with its JSON schema.

STIX 2.1 deprecates ad-hoc `x_` properties and custom objects: a new object type is declared by an
`extension-definition` (with `extension_types` `new-sdo` or `new-sco` and a `schema`), and every object of
that type names the definition under `extensions`. A partner's tool can fetch the definition, read the
schema and validate what it receives. Ids are UUIDv5 of the type name, so every instance agrees on them.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from jsonschema import Draft202012Validator  # type: ignore[import-untyped]

NAMESPACE = uuid.UUID("6c1e4f0e-2d0c-5a8a-9a57-6f1d3c0d7a19")
EXTENSIONS_CREATED = "2026-01-01T00:00:00.000Z"
PROJECT_IDENTITY_ID = f"identity--{uuid.UUID(bytes=uuid.uuid5(NAMESPACE, 'countermark').bytes, version=4)}"
PROJECT_IDENTITY: dict[str, Any] = {
    "type": "identity",
    "spec_version": "2.1",
    "id": PROJECT_IDENTITY_ID,
    "created": EXTENSIONS_CREATED,
    "modified": EXTENSIONS_CREATED,
    "name": "Countermark",
    "description": "The open-source system against counterfeiting that defines these object types.",
    "identity_class": "organization",
}

_STR = {"type": "string"}
_DATE = {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}"}
_REF = {"type": "string", "pattern": "^[a-z0-9-]+--[0-9a-fA-F-]{36}$"}
_STRS = {"type": "array", "items": {"type": "string"}}

# Properties of each type beyond the common ones; `required` are the ones the type cannot do without.
SDO_TYPES: dict[str, tuple[dict[str, Any], tuple[str, ...], str]] = {
    "countermark-listing": (
        {
            "title": _STR,
            "url": _STR,
            "platform": _STR,
            "price": {"type": "number"},
            "currency": _STR,
            "language": _STR,
            "ships_from": _STR,
            "observed": _DATE,
            "seller_ref": _REF,
        },
        ("title", "url", "platform"),
        "An offer seen online: marketplace listing, social post, shop page.",
    ),
    "countermark-seizure": (
        {"inspected_on": _DATE, "lane": _STR, "severity": _STR, "finding": _STR, "shipment_ref": _STR},
        ("inspected_on", "finding"),
        "Goods found infringing at an inspection (customs detention or seizure).",
    ),
    "countermark-right": (
        {
            "kind": _STR,
            "name": _STR,
            "brand": _STR,
            "registration_number": _STR,
            "office": _STR,
            "jurisdictions": _STRS,
            "nice_classes": {"type": "array", "items": {"type": "integer"}},
            "valid_until": _DATE,
            "status": _STR,
        },
        ("kind", "name"),
        "An intellectual-property right: trademark, design, patent, copyright.",
    ),
    "countermark-recordal": (
        {
            "right_ref": _REF,
            "jurisdiction": _STR,
            "authority": _STR,
            "application_number": _STR,
            "valid_from": _DATE,
            "valid_until": _DATE,
        },
        ("jurisdiction", "authority"),
        "A customs recordal (application for action) of a right.",
    ),
    "countermark-notice": (
        {"kind": _STR, "platform": _STR, "target_url": _STR, "status": _STR, "title": _STR},
        ("kind", "status"),
        "A takedown notice sent to a platform and its status.",
    ),
    "countermark-product": (
        {"brand": _STR, "gtin": _STR, "name": _STR, "category": _STR, "hs_code": _STR},
        ("name",),
        "A genuine product of a rights holder.",
    ),
    "countermark-case": (
        {
            "reference": _STR,
            "jurisdiction": _STR,
            "procedure": _STR,
            "step": _STR,
            "status": _STR,
            "outcome": _STR,
            "country": _STR,
            "object_refs": {"type": "array", "items": _REF},
        },
        ("reference", "status"),
        "The shareable part of an enforcement case: where it stands, never its notes or people.",
    ),
}
SCO_TYPES: dict[str, str] = {
    "phone-number": "A telephone number in E.164 form.",
    "bank-account": "An international bank account number (IBAN).",
    "cryptocurrency-wallet": "A cryptocurrency wallet address.",
}


def extension_id(object_type: str) -> str:
    """The id of the extension definition that declares an object type."""
    digest = uuid.uuid5(NAMESPACE, "extension:" + object_type).bytes
    return f"extension-definition--{uuid.UUID(bytes=digest, version=4)}"


def json_schema(object_type: str) -> dict[str, Any]:
    """The JSON schema of one of our object types (common STIX properties plus its own)."""
    common = {
        "type": {"const": object_type},
        "id": {"type": "string", "pattern": f"^{object_type}--"},
        "spec_version": {"const": "2.1"},
    }
    if object_type in SCO_TYPES:
        return {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "title": object_type,
            "type": "object",
            "properties": {**common, "value": _STR},
            "required": ["type", "id", "value"],
        }
    properties, required, _ = SDO_TYPES[object_type]
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": object_type,
        "type": "object",
        "properties": {**common, "created": _STR, "modified": _STR, **properties},
        "required": ["type", "id", "created", "modified", *required],
    }


def extension_definition(object_type: str) -> dict[str, Any]:
    """The `extension-definition` object that declares a type, its schema given inline."""
    kind = "new-sco" if object_type in SCO_TYPES else "new-sdo"
    description = SCO_TYPES.get(object_type) or SDO_TYPES[object_type][2]
    return {
        "type": "extension-definition",
        "spec_version": "2.1",
        "id": extension_id(object_type),
        "created_by_ref": PROJECT_IDENTITY_ID,
        "created": EXTENSIONS_CREATED,
        "modified": EXTENSIONS_CREATED,
        "name": object_type,
        "description": description,
        "schema": json.dumps(json_schema(object_type), sort_keys=True),
        "version": "1.0.0",
        "extension_types": [kind],
    }


ALL_TYPES = (*SDO_TYPES, *SCO_TYPES)
_VALIDATORS = {name: Draft202012Validator(json_schema(name)) for name in ALL_TYPES}


def schema_errors(stix_object: dict[str, Any]) -> list[str]:
    """What the declared schema says is wrong with one of our objects (empty for other types)."""
    validator = _VALIDATORS.get(str(stix_object.get("type")))
    if validator is None:
        return []
    return [
        f"{'.'.join(map(str, e.path)) or stix_object.get('type')}: {e.message}"
        for e in validator.iter_errors(stix_object)
    ]


def declaration_of(stix_object: dict[str, Any]) -> dict[str, Any]:
    """The `extensions` entry an object of our types carries to name its definition."""
    object_type = str(stix_object["type"])
    kind = "new-sco" if object_type in SCO_TYPES else "new-sdo"
    return {extension_id(object_type): {"extension_type": kind}}
