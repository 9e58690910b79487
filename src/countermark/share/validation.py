"""Validation of STIX objects: the OASIS validator for what we export, its schemas compiled once for intake.

`stix2-validator` checks a bundle against the STIX 2.1 JSON schemas and the specification's MUST rules;
it rebuilds its schema registry on every call (about 100 objects a second), which is fine for an export
but not for pulling a partner's collection. Intake therefore validates each object against the same
schema files, loaded and crawled once into one registry (thousands a second), plus the schema of our own
declared types; exports and the tests run the full validator.
"""

from __future__ import annotations

import functools
import json
import pathlib
import uuid
from collections.abc import Iterable
from typing import Any

import stix2validator  # type: ignore[import-untyped]
from jsonschema import Draft202012Validator  # type: ignore[import-untyped]
from referencing import Registry
from referencing.jsonschema import DRAFT202012
from stix2validator import ValidationOptions, validate_instance

try:  # the compiled validator (pinned with the test tools); the pure-Python one gives the same answers
    import jsonschema_rs
except ImportError:  # pragma: no cover - depends on the installation
    jsonschema_rs = None  # type: ignore[assignment]

from countermark.share.extensions import ALL_TYPES, json_schema, schema_errors

SCHEMA_DIR = pathlib.Path(stix2validator.__file__).parent / "schemas-2.1" / "schemas"
COMMON_OBJECT_TYPES = ("marking-definition", "extension-definition", "language-content")
# Our declared types (and the observables we declare) are also checked against their own schema.
OWN_PREFIXES = ("countermark-", "phone-number", "bank-account", "cryptocurrency-wallet")


def full_errors(objects: Iterable[dict[str, Any]]) -> list[str]:
    """The errors `stix2-validator` finds in a bundle of these objects (warnings are not errors)."""
    listed = list(objects)
    bundle = {"type": "bundle", "id": f"bundle--{uuid.uuid4()}", "objects": listed}
    result = validate_instance(bundle, ValidationOptions(version="2.1"))
    errors = [str(error) for error in result.errors]
    for obj in listed:
        errors += schema_errors(obj)
    return errors


@functools.cache
def _schemas() -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, Any]]]:
    """Every STIX schema file read once: by file URI, and the object schemas by type."""
    by_uri: dict[str, dict[str, Any]] = {}
    by_type: dict[str, dict[str, Any]] = {}
    for path in sorted(SCHEMA_DIR.rglob("*.json")):
        schema = json.loads(path.read_text())
        schema["$id"] = path.resolve().as_uri()
        schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
        by_uri[schema["$id"]] = schema
        if path.parent.name in ("sdos", "sros", "observables") or path.stem in COMMON_OBJECT_TYPES:
            by_type[path.stem] = schema
        if path.stem == "core":
            by_type["_core"] = schema
        if path.stem == "cyber-observable-core":
            by_type["_sco"] = schema
    return by_uri, by_type


@functools.cache
def _registry() -> Registry[Any]:
    """The schemas crawled into one registry (only the pure-Python validator needs it)."""
    by_uri, _ = _schemas()
    resources = [(uri, DRAFT202012.create_resource(schema)) for uri, schema in by_uri.items()]
    return Registry().with_resources(resources).crawl()


def _local_schema(uri: str) -> Any:
    """Schemas are read from the validator's package only: intake never fetches anything."""
    path = pathlib.Path(uri.removeprefix("file://"))
    if not path.resolve().is_relative_to(SCHEMA_DIR.resolve()):
        raise ValueError(f"schema outside the STIX schema folder: {uri}")
    found = _schemas()[0].get(path.resolve().as_uri())
    if found is None:
        raise ValueError(f"no STIX schema {uri}")
    return found


@functools.cache
def _validator(object_type: str, observable_like: bool) -> Any:
    _, by_type = _schemas()
    schema = by_type.get(object_type) or by_type["_sco" if observable_like else "_core"]
    if jsonschema_rs is not None:
        return jsonschema_rs.Draft202012Validator(schema, retriever=_local_schema, validate_formats=False)
    return Draft202012Validator(schema, registry=_registry())


@functools.cache
def _own_validator(object_type: str) -> Any:
    """The compiled validator of one of our declared types (None without the compiled library)."""
    if jsonschema_rs is None or object_type not in ALL_TYPES:
        return None
    return jsonschema_rs.Draft202012Validator(json_schema(object_type), validate_formats=False)


def _observable_like(obj: dict[str, Any]) -> bool:
    return "created" not in obj and "modified" not in obj


def _where(error: Any) -> str:
    """The dotted path of an error (the compiled and the pure-Python validators name it differently)."""
    path = getattr(error, "instance_path", None) or getattr(error, "path", None) or ()
    return ".".join(map(str, path))


def intake_errors(obj: Any) -> list[str]:
    """Why a received object cannot be stored (empty when it can): shape, STIX schema, declared schema."""
    if not isinstance(obj, dict):
        return ["not a JSON object"]
    object_type, object_id = obj.get("type"), obj.get("id")
    if not isinstance(object_type, str) or not isinstance(object_id, str) or "--" not in object_id:
        return ["'type' and 'id' are required"]
    if not object_id.startswith(object_type + "--"):
        return [f"id {object_id!r} does not start with its type {object_type!r}"]
    if len(object_id) > 120 or len(object_type) > 64:
        return ["type or id too long"]
    if object_type != "marking-definition" and obj.get("spec_version") not in ("2.1", None):
        return [f"spec_version {obj.get('spec_version')!r} is not 2.1"]
    validator = _validator(object_type, _observable_like(obj))
    if jsonschema_rs is not None and validator.is_valid(obj):
        if not object_type.startswith(OWN_PREFIXES):
            return []
        own = _own_validator(object_type)
        if own is None or own.is_valid(obj):
            return [] if own is not None else schema_errors(obj)[:5]
    errors = [f"{_where(e) or object_type}: {e.message}" for e in validator.iter_errors(obj)]
    return errors[:5] + schema_errors(obj)[:5]
