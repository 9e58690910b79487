"""EPCIS reading and clone detection on hand-made and synthetic code histories."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from countermark.codes.clones import LifeEvent, ScanPoint, assess_code, distance_km
from countermark.codes.epcis import EpcisError, epc_to_code, parse_document, parse_event
from countermark.codes.signed import build_uri
from countermark.sim.scans import generate_histories

T0 = datetime(2025, 3, 1, 10, tzinfo=UTC)
URI = build_uri("id.example.org", "09506000134352", "SERIAL1")
PARIS, LAGOS, BERLIN = (48.8566, 2.3522), (6.5244, 3.3792), (52.52, 13.405)


def event(**changes: Any) -> dict[str, Any]:
    base = {
        "type": "ObjectEvent",
        "eventTime": "2025-03-01T10:00:00.000+01:00",
        "eventTimeZoneOffset": "+01:00",
        "action": "OBSERVE",
        "epcList": [URI],
        "bizStep": "shipping",
        "disposition": "in_transit",
        "readPoint": {"id": "geo:48.85,2.35"},
    }
    base.update(changes)
    return {k: v for k, v in base.items() if v is not None}


def test_a_valid_object_event_is_read_with_its_code_time_and_place() -> None:
    parsed = parse_event(
        event(
            bizStep="urn:epcglobal:cbv:bizstep:shipping",
            disposition="https://ref.gs1.org/cbv/Disp-in_transit",
        )
    )
    assert parsed.codes == (("09506000134352", "SERIAL1"),)
    assert parsed.event_time == datetime(2025, 3, 1, 9, tzinfo=UTC)
    assert (parsed.biz_step, parsed.disposition, parsed.lat, parsed.lon) == (
        "shipping",
        "in_transit",
        48.85,
        2.35,
    )


def test_sgtin_epcs_become_gtin_and_serial() -> None:
    assert epc_to_code("urn:epc:id:sgtin:0614141.812345.6789") == ("80614141123458", "6789")
    with pytest.raises(EpcisError):
        epc_to_code("urn:epc:id:sgtin:0614141.81234.6789")


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"eventTime": None}, "eventTime is required"),
        ({"eventTimeZoneOffset": None}, "eventTimeZoneOffset is required"),
        ({"eventTimeZoneOffset": "+25:00"}, "eventTimeZoneOffset"),
        ({"eventTime": "yesterday"}, "not an ISO 8601"),
        ({"eventTime": "2025-03-01T10:00:00"}, "must carry its offset"),
        ({"bizStep": "smuggling"}, "not in the CBV"),
        ({"disposition": "lost_in_the_post"}, "not in the CBV"),
        ({"type": "QuantityEvent"}, "type must be"),
        ({"action": "SHOUT"}, "action must be"),
        ({"epcList": []}, "names no EPC"),
        ({"epcList": ["https://id.example.org/01/09506000134353/21/X"]}, "check digit"),
        ({"epcList": ["urn:epc:id:sscc:0614141.1234567890"]}, "neither"),
        ({"readPoint": {"id": "geo:123,500"}}, "not a place"),
        ({"epcList": "not-a-list-but-a-text"}, "neither"),
    ],
)
def test_malformed_events_are_rejected_with_a_reason(changes: dict[str, Any], reason: str) -> None:
    with pytest.raises(EpcisError, match=reason):
        parse_event(event(**changes))


def test_a_document_keeps_good_events_and_lists_bad_ones() -> None:
    document = {"type": "EPCISDocument", "epcisBody": {"eventList": [event(), event(bizStep="nope"), 42]}}
    accepted, rejected = parse_document(document)
    assert len(accepted) == 1 and [position for position, _ in rejected] == [1, 2]
    with pytest.raises(EpcisError):
        parse_document({"type": "EPCISDocument", "epcisBody": {"eventList": "x"}})
    with pytest.raises(EpcisError):
        parse_document("a string")


def life(sold: bool = True) -> list[LifeEvent]:
    events = [LifeEvent(T0 - timedelta(days=20), "commissioning", "active")]
    if sold:
        events.append(LifeEvent(T0 - timedelta(days=1), "retail_selling", "retail_sold"))
    return events


def test_a_buyer_scanning_at_home_is_not_a_clone() -> None:
    scans = [ScanPoint(T0 + timedelta(days=d), *PARIS, "buyer") for d in range(3)]
    finding = assess_code(scans, life())
    assert not finding.suspected and finding.score == 0.0 and finding.reasons == []


def test_a_buyer_who_flies_with_the_item_is_not_a_clone() -> None:
    scans = [ScanPoint(T0, *PARIS, "buyer"), ScanPoint(T0 + timedelta(hours=12), 40.71, -74.0, "buyer")]
    assert not assess_code(scans, life()).suspected


def test_the_same_serial_in_paris_and_lagos_two_hours_apart_is_a_clone() -> None:
    scans = [ScanPoint(T0, *PARIS, "a"), ScanPoint(T0 + timedelta(hours=2), *LAGOS, "b")]
    finding = assess_code(scans, life())
    assert finding.suspected and "impossible_travel" in finding.signals
    assert "km/h" in finding.reasons[0] and distance_km(*PARIS, *LAGOS) > 4000


def test_many_devices_in_one_market_is_a_clone() -> None:
    scans = [ScanPoint(T0 + timedelta(hours=i), *LAGOS, f"device-{i}") for i in range(8)]
    finding = assess_code(scans, life())
    assert finding.suspected and finding.signals["many_scanners"] == 8


def test_scans_after_destruction_are_a_clone() -> None:
    events = [*life(sold=False), LifeEvent(T0, "decommissioning", "destroyed")]
    finding = assess_code([ScanPoint(T0 + timedelta(days=3), *BERLIN, "x")], events)
    assert finding.suspected and "destroyed" in finding.reasons[0]
    before = assess_code([ScanPoint(T0 - timedelta(days=3), *BERLIN, "x")], events)
    assert "after_end_of_life" not in before.signals


def test_scans_of_a_code_that_never_entered_the_supply_chain_are_suspect() -> None:
    finding = assess_code([ScanPoint(T0, *LAGOS, "x")], [])
    assert finding.suspected and "never entered" in finding.reasons[0]
    assert assess_code([ScanPoint(T0, *LAGOS, "x")], [], issued=False).reasons == [
        "scanned although the code was never issued"
    ]


def test_detection_on_synthetic_histories_finds_most_clones_and_few_false_alarms() -> None:
    uris = [build_uri("id.example.org", "09506000134352", f"S{i:05d}") for i in range(400)]
    histories = generate_histories(7, uris)
    parsed = [parse_event(e) for e in histories.epcis_document()["epcisBody"]["eventList"]]
    events: dict[str, list[LifeEvent]] = {u: [] for u in uris}
    for item in parsed:
        events[build_uri("id.example.org", *item.codes[0])].append(
            LifeEvent(item.event_time, item.biz_step, item.disposition)
        )
    scans: dict[str, list[ScanPoint]] = {u: [] for u in uris}
    for scan in histories.scans:
        scans[scan["uri"]].append(
            ScanPoint(datetime.fromisoformat(scan["scanned_at"]), scan["lat"], scan["lon"], scan["device"])
        )
    flagged = {u for u in uris if assess_code(scans[u], events[u]).suspected}
    cloned = {u for u, t in histories.truth.items() if t["cloned"]}
    loud = {u for u in cloned if histories.truth[u]["kind"] != "quiet"}
    assert 40 < len(cloned) < 120
    assert len(flagged & loud) / len(loud) >= 0.95
    assert len(flagged - cloned) <= 0.02 * (len(uris) - len(cloned))
    assert generate_histories(7, uris).scans == histories.scans
