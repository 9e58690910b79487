"""STIX mapping, TLP 2.0 markings, the leaving rule, intake validation and private matching (pure)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from countermark.share import psi
from countermark.share.extensions import ALL_TYPES, PROJECT_IDENTITY, extension_definition, extension_id
from countermark.share.intake_service import references
from countermark.share.networks import components
from countermark.share.stix_mapping import LocalRecord, network_objects, organisation_identity, record_objects
from countermark.share.tlp import TLP2_MARKING_IDS, marking_definition, may_leave, tlp_of
from countermark.share.validation import full_errors, intake_errors

IDENTITY = organisation_identity("fr", 1, "DGDDI")


def _objects() -> list[dict[str, object]]:
    shop = LocalRecord(
        "accounts",
        1,
        {"handle": "aurel-outlet.shop", "platform": "web", "display_name": "AO"},
        1,
        "AMBER",
        7,
        (("email", "a@outlet.example"), ("phone", "+33612345678"), ("iban", "FR7630006000011234567890189")),
    )
    seller = LocalRecord(
        "accounts",
        2,
        {"handle": "lux_deals", "platform": "ShopMarket"},
        1,
        "GREEN",
        None,
        (("crypto_wallet", "bc1qxyz"), ("phone", "+33612345678"), ("name", "Jean Dupont")),
    )
    listing = LocalRecord(
        "listings",
        3,
        {
            "title": "Aurel tote",
            "url": "https://shopmarket.example/1",
            "platform": "ShopMarket",
            "price": Decimal("19.90"),
            "account_id": 2,
            "observed_at": datetime(2026, 5, 1, tzinfo=UTC),
        },
        1,
        "CLEAR",
        None,
    )
    right = LocalRecord(
        "rights",
        4,
        {"kind": "trademark", "name": "AUREL", "nice_classes": [18, 25], "jurisdictions": ["EU"]},
        1,
        "GREEN",
        None,
    )
    case = LocalRecord(
        "cases", 5, {"reference": "FR-2026-1", "status": "open", "procedure": "eu_608"}, 1, "AMBER", 7
    )
    seizure = LocalRecord(
        "inspection_results",
        6,
        {"inspected_on": "2026-05-02", "finding": "fake totes", "found": True},
        1,
        "AMBER",
        7,
    )
    objects: list[dict[str, object]] = []
    for record in (shop, seller, right, case, seizure):
        objects += record_objects("fr", record, IDENTITY["id"])
    objects += record_objects("fr", listing, IDENTITY["id"], {2: objects[4]["id"]})  # type: ignore[dict-item]
    objects += network_objects(
        "fr", "Network 1", [str(objects[0]["id"]), str(objects[4]["id"])], "AMBER", IDENTITY["id"], None, None
    )
    objects += [
        IDENTITY,
        PROJECT_IDENTITY,
        *(extension_definition(t) for t in ALL_TYPES),
        *(marking_definition(level) for level in TLP2_MARKING_IDS),
    ]
    return objects


def test_every_mapped_record_passes_the_oasis_validator_and_the_declared_schemas() -> None:
    objects = _objects()
    assert full_errors(objects) == []
    assert all(intake_errors(obj) == [] for obj in objects)
    types = {obj["type"] for obj in objects}
    assert {
        "user-account",
        "infrastructure",
        "domain-name",
        "email-addr",
        "phone-number",
        "bank-account",
        "cryptocurrency-wallet",
        "intrusion-set",
        "relationship",
        "countermark-listing",
        "countermark-right",
        "countermark-case",
        "countermark-seizure",
    } <= types


def test_names_are_never_exported_and_our_types_name_their_extension_definition() -> None:
    objects = _objects()
    assert "Jean Dupont" not in json.dumps(objects)
    for obj in objects:
        if str(obj["type"]).startswith("countermark-"):
            assert extension_id(str(obj["type"])) in obj["extensions"]  # type: ignore[operator]
            assert not any(key.startswith("x_") for key in obj)


def test_observables_have_the_deterministic_ids_every_instance_agrees_on() -> None:
    one = record_objects(
        "fr",
        LocalRecord(
            "accounts",
            1,
            {"handle": "a", "platform": "p"},
            1,
            "GREEN",
            None,
            (("email", "same@mail.example"),),
        ),
        IDENTITY["id"],
    )
    two = record_objects(
        "cn",
        LocalRecord(
            "accounts",
            9,
            {"handle": "b", "platform": "p"},
            2,
            "GREEN",
            None,
            (("email", "same@mail.example"),),
        ),
        IDENTITY["id"],
    )
    assert {o["id"] for o in one if o["type"] == "email-addr"} == {
        o["id"] for o in two if o["type"] == "email-addr"
    }


def test_tlp_2_markings_are_the_oasis_definitions_and_the_strictest_one_wins() -> None:
    assert TLP2_MARKING_IDS["AMBER+STRICT"] == "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003"
    assert marking_definition("CLEAR")["extensions"] == {
        "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d": {
            "extension_type": "property-extension",
            "tlp_2_0": "clear",
        }
    }
    both = {"object_marking_refs": [TLP2_MARKING_IDS["GREEN"], TLP2_MARKING_IDS["AMBER+STRICT"]]}
    assert tlp_of(both, "CLEAR") == "AMBER+STRICT"
    assert tlp_of({}, "AMBER") == "AMBER"
    assert (
        tlp_of({"object_marking_refs": ["marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9"]}, "RED")
        == "CLEAR"
    )


@pytest.mark.parametrize(
    ("tlp", "owner", "group", "allowed"),
    [
        ("RED", 2, 5, False),
        ("RED", 1, 5, False),
        ("AMBER+STRICT", 2, 5, False),
        ("AMBER+STRICT", 1, None, True),
        ("AMBER", 2, 5, True),
        ("AMBER", 2, 6, False),
        ("AMBER", 2, None, False),
        ("GREEN", 2, None, True),
        ("CLEAR", 2, None, True),
    ],
)
def test_the_leaving_rule(tlp: str, owner: int, group: int | None, allowed: bool) -> None:
    assert (
        may_leave(
            tlp=tlp,
            owner_org_id=owner,
            sharing_group_id=group,
            reader_org_id=1,
            reader_group_ids=frozenset({5}),
        )
        is allowed
    )


def test_intake_rejects_each_bad_object_with_its_reason() -> None:
    assert intake_errors("text") == ["not a JSON object"]
    assert intake_errors({"type": "email-addr", "id": "url--1"})[0].startswith("id ")
    errors = intake_errors(
        {
            "type": "relationship",
            "spec_version": "2.1",
            "id": "relationship--5a8f6c1e-2b3d-4e5f-8a9b-0c1d2e3f4a5b",
            "created": "2026-01-01T00:00:00Z",
            "modified": "2026-01-01T00:00:00Z",
        }
    )
    assert any("source_ref" in error for error in errors)
    bad_listing = {**next(o for o in _objects() if o["type"] == "countermark-listing")}
    del bad_listing["title"]
    assert any("title" in error for error in intake_errors(bad_listing))


def test_references_leave_out_markings_and_keep_what_an_object_needs() -> None:
    relation = {
        "source_ref": "intrusion-set--a",
        "target_ref": "user-account--b",
        "created_by_ref": "identity--c",
        "object_marking_refs": [TLP2_MARKING_IDS["AMBER"]],
    }
    assert references(relation) == {"intrusion-set--a", "user-account--b"}


def test_networks_join_records_through_strong_identifiers_only() -> None:
    groups = components(
        [
            ("a", [("phone", "1")]),
            ("b", [("phone", "1"), ("email", "x")]),
            ("c", [("email", "x")]),
            ("d", [("url", "https://shop")]),
            ("e", [("url", "https://shop")]),
        ]
    )
    assert groups == [["a", "b", "c"]]


def test_private_matching_reveals_the_common_values_only() -> None:
    asker = psi.Asker.start(
        [psi.item("phone", "+33612345678"), psi.item("email", "a@x.example"), psi.item("iban", "FR76")]
    )
    setup, response = psi.answer(
        asker.request(),
        len(asker.values),
        [psi.item("phone", "+33612345678"), psi.item("iban", "FR76"), psi.item("name", "z")],
    )
    assert asker.intersection(setup, response) == ["iban:FR76", "phone:+33612345678"]
    with pytest.raises(ValueError, match="not a PSI request"):
        psi.answer("not base64!", 1, ["x"])
