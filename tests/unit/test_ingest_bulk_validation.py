"""The validation fast path of bulk ingestion (`core/validation.row_validator`): the same records and the same
reasons as each schema's own `model_validate`, on good rows and on rows built to fail each check; the JSON
size bound that spares serialising small objects; the collector pause of a batch."""

from __future__ import annotations

import gc
import json
import random
import threading
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from countermark.core.validation import (
    MAX_JSON_BYTES,
    _bounded_json,
    _json_size_bound,
    _storable_row,
    row_validator,
)
from countermark.ingest.bulk import collection_paused
from countermark.ingest.kinds import KINDS
from countermark.targeting.schemas import ShipmentIn

SHIPMENT: dict[str, Any] = {
    "source": "dgddi",
    "external_id": "S-1",
    "declared_on": "2026-03-02",
    "transport_mode": "post",
    "consignor_name": "  Shenzhen Bright Trading Co  ",
    "consignor_country": "cn",
    "consignee_name": "Zoë Dupré",
    "consignee_country": "FR",
    "hs_code": "4202.21",
    "quantity": 3,
    "gross_mass_kg": "1.250",
    "declared_value": "24.50",
    "currency": "eur",
    "attributes": {"import_type": "H7", "lines": [{"n": 1, "note": "été"}]},
}
LONE = "\ud800"


def _deep(levels: int) -> Any:
    value: Any = "x"
    for _ in range(levels):
        value = [value]
    return value


BAD_SHIPMENTS: list[Any] = [
    {**SHIPMENT, "consignor_name": f"Bright{LONE}"},  # a lone surrogate in a field
    {**SHIPMENT, "attributes": {"k": [LONE]}},  # ... nested in the free-form object
    {**SHIPMENT, "attributes": {LONE: 1}},  # ... in a key
    {**SHIPMENT, "extra" + LONE: "x"},  # ... in an unknown field's name
    {**SHIPMENT, "unknown": LONE},  # ... in an unknown field's value
    {**SHIPMENT, "attributes": {"deep": _deep(9)}},  # deeper than the object allows
    {**SHIPMENT, "attributes": {"deep": _deep(70)}},  # deeper than any value may be walked
    {**SHIPMENT, "description": _deep(70)},  # ... in a text field
    {**SHIPMENT, "attributes": {"big": "x" * (MAX_JSON_BYTES + 1)}},  # too large once serialised
    {**SHIPMENT, "transport_mode": "teleport", "consignee_name": LONE},  # several reasons at once
    {**SHIPMENT, "declared_value": "10", "currency": None},  # the model's own check
    {**SHIPMENT, "consignor_country": "ZZ", "hs_code": "12", "quantity": -1},
    {**SHIPMENT, "external_id": ""},
    ["not", "an", "object"],
    "text",
    None,
]


def _outcome(validate: Any, data: Any) -> tuple[str, Any]:
    try:
        record = validate(data)
    except ValidationError as exc:  # each error as reported (its exception as text: two never compare equal)
        errors = exc.errors(include_url=False)
        return "errors", [{**e, "ctx": {k: str(v) for k, v in e.get("ctx", {}).items()}} for e in errors]
    assert isinstance(record, BaseModel)
    return type(record).__name__, record.model_dump(mode="json")


@pytest.mark.parametrize("data", [SHIPMENT, *BAD_SHIPMENTS])
def test_the_fast_path_validates_shipments_exactly_as_the_schema(data: Any) -> None:
    schema = KINDS["shipments"].schema
    assert _outcome(row_validator(schema), data) == _outcome(schema.model_validate, data)


def test_a_good_row_takes_the_fast_path_and_a_bad_one_the_schema_itself() -> None:
    assert _storable_row(SHIPMENT)
    assert not _storable_row(BAD_SHIPMENTS[0]) and not _storable_row(BAD_SHIPMENTS[6])
    record = row_validator(ShipmentIn)(SHIPMENT)
    assert (record.consignor_name, record.consignor_country, record.hs_code) == (
        "Shenzhen Bright Trading Co",
        "CN",
        "420221",
    )


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_kind_gives_the_same_records_and_reasons(kind: str) -> None:
    """Every field of every kind given good-looking and broken values: both paths agree on each row."""
    schema = KINDS[kind].schema
    rng = random.Random(kind)
    samples: list[Any] = ["FR", "2026-01-02", "2026-01-02T10:00:00", 3, "12.5", "  x  ", [], {}, True, None,
                          LONE, _deep(70), ["a", "b"], "9780306406157", "4202"]  # fmt: skip
    fields = sorted(schema.model_fields)
    for _ in range(150):
        row = {name: rng.choice(samples) for name in rng.sample(fields, rng.randint(1, len(fields)))}
        assert _outcome(row_validator(schema), row) == _outcome(schema.model_validate, row), row


def _random_json(rng: random.Random, depth: int = 0) -> Any:
    choice = rng.randrange(9 if depth < 4 else 6)
    if choice == 0:
        return rng.choice(
            ["", "a", 'quote " and \\', "\x00\x1f control", "été ✓ 𝄞", "x" * rng.randint(0, 50)]
        )
    if choice == 1:
        return rng.choice([0, -1, 10**17, -(10**17) + 1, 2**63, -(2**70)])
    if choice == 2:
        return rng.choice([0.1, -1.2345678901234567e-308, 1e308, float("inf"), float("nan")])
    if choice in (3, 4, 5):
        return rng.choice([True, False, None, "k"])
    if choice in (6, 7):
        return {rng.choice(["a", "é", '"', "\n", "key" * 3]) + str(n): _random_json(rng, depth + 1)
                for n in range(rng.randint(0, 4))}  # fmt: skip
    return [_random_json(rng, depth + 1) for _ in range(rng.randint(0, 4))]


def test_the_size_bound_is_never_below_the_serialised_size() -> None:
    rng = random.Random(12)
    for _ in range(2000):
        value = {"v": _random_json(rng)}
        bound = _json_size_bound(value)
        size = len(json.dumps(value, ensure_ascii=False, default=str).encode("utf-8"))
        assert bound is None or bound >= size, value


def test_objects_near_the_size_limit_are_measured_exactly() -> None:
    # 65,536 bytes exactly is allowed, one more is not, whatever the bound says of either.
    fits = {"k": "x" + "é" * ((MAX_JSON_BYTES - len('{"k": "x"}')) // 2)}
    assert len(json.dumps(fits, ensure_ascii=False).encode("utf-8")) == MAX_JSON_BYTES
    assert _bounded_json(fits) is fits
    with pytest.raises(ValueError, match="too large: 65537 bytes"):
        _bounded_json({"k": "x" * (MAX_JSON_BYTES - len('{"k": ""}') + 1)})
    assert _json_size_bound({"n": 10**30}) is None  # a huge integer is measured by serialising it


def test_the_collector_is_paused_during_batches_and_restored_after() -> None:
    assert gc.isenabled()
    with collection_paused():
        assert not gc.isenabled()
        with collection_paused():  # nested (another thread's batch): still paused
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()
    try:
        with collection_paused():
            pass
        assert not gc.isenabled()  # left as the process had it
    finally:
        gc.enable()


def test_threads_ending_in_any_order_restore_the_collector() -> None:
    entered, release = threading.Barrier(3), threading.Event()

    def batch() -> None:
        with collection_paused():
            entered.wait()
            release.wait()

    threads = [threading.Thread(target=batch) for _ in range(2)]
    for thread in threads:
        thread.start()
    entered.wait()
    assert not gc.isenabled()
    release.set()
    for thread in threads:
        thread.join()
    assert gc.isenabled()


def test_batches_are_checked_in_a_thread_in_order_and_a_reader_error_reaches_the_caller(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from countermark.ingest import service
    from countermark.ingest.parallel import check_batch
    from countermark.ingest.readers import RawRow

    monkeypatch.setattr(service, "BATCH_ROWS", 3)
    spec = KINDS["shipments"]
    rows = [RawRow(n, {**SHIPMENT, "external_id": f"S-{n}"}) for n in range(1, 8)]
    rows[4] = RawRow(5, {**SHIPMENT, "external_id": "S-5", "quantity": -1})
    readers: set[str] = set()

    def read(items: list[RawRow]) -> Any:
        for item in items:
            readers.add(threading.current_thread().name)
            yield item

    batches = list(service._checked_chunks(spec, read(rows), None))
    assert [[row.line for row in chunk] for chunk, _ in batches] == [[1, 2, 3], [4, 5, 6], [7]]
    for chunk, checked in batches:
        expected = check_batch(spec, chunk, None)
        assert [type(c) for c, _ in checked] == [type(c) for c, _ in expected]
    assert isinstance(batches[1][1][1][0], list)  # row 5's reasons, as the row's own check gives them
    assert readers and all(name.startswith("ingest-check") for name in readers)  # one thread reads

    def broken() -> Any:
        yield RawRow(1, dict(SHIPMENT))
        raise OSError("the disk went away")

    with pytest.raises(OSError, match="disk went away"):
        list(service._checked_chunks(spec, broken(), None))
