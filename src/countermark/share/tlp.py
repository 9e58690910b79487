"""TLP 2.0 as STIX 2.1: the OASIS marking definitions (fixed ids), and the rule for what may leave.

The `stix2` package's built-in TLP constants are TLP 1.0 (WHITE, no AMBER+STRICT); TLP 2.0 is published by
OASIS as five marking definitions carrying the TLP 2.0 property extension, with fixed ids every tool
agrees on (cti-stix-common-objects, `extension-definition-specifications/tlp-2.0`).
"""

from __future__ import annotations

from typing import Any

from countermark.core.marking import TLP_LEVELS

TLP2_EXTENSION = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"
TLP2_CREATED = "2022-10-01T00:00:00.000Z"
TLP2_MARKING_IDS: dict[str, str] = {
    "CLEAR": "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
    "GREEN": "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
    "AMBER": "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
    "AMBER+STRICT": "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
    "RED": "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
}
TLP_OF_MARKING = {marking: tlp for tlp, marking in TLP2_MARKING_IDS.items()}
# TLP 1.0 markings a partner may still send, read as their TLP 2.0 equivalents (WHITE is CLEAR).
TLP1_MARKING_IDS: dict[str, str] = {
    "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9": "CLEAR",
    "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da": "GREEN",
    "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82": "AMBER",
    "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed": "RED",
}


def marking_definition(tlp: str) -> dict[str, Any]:
    """The OASIS TLP 2.0 marking definition of a level, exactly as published."""
    return {
        "type": "marking-definition",
        "spec_version": "2.1",
        "id": TLP2_MARKING_IDS[tlp],
        "created": TLP2_CREATED,
        "name": f"TLP:{tlp}",
        "extensions": {TLP2_EXTENSION: {"extension_type": "property-extension", "tlp_2_0": tlp.lower()}},
    }


def marking_ref(tlp: str) -> str:
    """The marking-definition id of a TLP 2.0 level."""
    return TLP2_MARKING_IDS[tlp]


def tlp_of(stix_object: dict[str, Any], default: str) -> str:
    """The most restrictive TLP level among an object's markings (its own default when unmarked)."""
    found = [
        TLP_OF_MARKING.get(ref) or TLP1_MARKING_IDS.get(ref)
        for ref in stix_object.get("object_marking_refs", [])
    ]
    levels = [level for level in found if level]
    if not levels:
        return default
    return min(levels, key=TLP_LEVELS.index)


def may_leave(
    *,
    tlp: str,
    owner_org_id: int,
    sharing_group_id: int | None,
    reader_org_id: int,
    reader_group_ids: frozenset[int],
) -> bool:
    """Whether a record may go to another instance for this reading organisation.

    RED never leaves the instance; AMBER+STRICT leaves only towards its own organisation; AMBER only to
    the organisations of the record's sharing group; GREEN and CLEAR to anyone allowed to read the
    collection. The SQL form is `share.objects_service.leaving_clause`.
    """
    if tlp == "RED":
        return False
    if tlp == "AMBER+STRICT":
        return owner_org_id == reader_org_id
    if tlp == "AMBER":
        return owner_org_id == reader_org_id or (
            sharing_group_id is not None and sharing_group_id in reader_group_ids
        )
    return True
