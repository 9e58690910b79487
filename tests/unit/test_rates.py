"""Reading exchange-rate files: the ECB's CSV and XML as published, a plain table; bad rows refused with
their reason, the good ones kept."""

from __future__ import annotations

import io
import zipfile
from datetime import date

import pytest

from countermark.core.errors import InvalidInput
from countermark.core.rates import MAX_BYTES, Rate, read_rates

TODAY = date(2026, 12, 7)

# As eurofxref.csv is written: a spaced header, the day in words, a trailing comma.
DAILY_CSV = b"Date, USD, JPY, GBP, CNY, \n04 December 2026, 1.0553, 158.38, 0.83015, 7.6412, \n"
HIST_CSV = (
    b"Date,USD,JPY,ISK,\n2026-12-04,1.0553,158.38,N/A,\n2026-12-03,1.0561,158.90,146.1,\n"
)
XML = b"""<?xml version="1.0" encoding="UTF-8"?>
<gesmes:Envelope xmlns:gesmes="http://www.gesmes.org/xml/2002-08-01"
 xmlns="http://www.ecb.int/vocabulary/2002-08-01/eurofxref">
 <gesmes:subject>Reference rates</gesmes:subject>
 <Cube>
  <Cube time='2026-12-04'><Cube currency='USD' rate='1.0553'/><Cube currency='KRW' rate='1532.41'/></Cube>
  <Cube time='2026-12-03'><Cube currency='USD' rate='1.0561'/></Cube>
 </Cube>
</gesmes:Envelope>"""


def test_the_ecbs_daily_csv_is_read_as_published() -> None:
    read = read_rates(DAILY_CSV, today=TODAY)
    assert read.rejected == []
    assert read.rates == [
        Rate("USD", date(2026, 12, 4), 1.0553, "ECB"), Rate("JPY", date(2026, 12, 4), 158.38, "ECB"),
        Rate("GBP", date(2026, 12, 4), 0.83015, "ECB"), Rate("CNY", date(2026, 12, 4), 7.6412, "ECB"),
    ]  # fmt: skip


def test_the_history_skips_the_days_the_ecb_published_no_rate() -> None:
    read = read_rates(HIST_CSV, today=TODAY)
    assert read.rejected == []
    assert [(r.currency, r.day.day) for r in read.rates] == [
        ("USD", 4), ("JPY", 4), ("USD", 3), ("JPY", 3), ("ISK", 3)
    ]  # fmt: skip


def test_the_ecbs_xml_is_read_with_its_namespaces() -> None:
    read = read_rates(XML, source="ECB", today=TODAY)
    assert read.rejected == []
    assert {(r.currency, r.day.isoformat(), r.per_eur) for r in read.rates} == {
        ("USD", "2026-12-04", 1.0553), ("KRW", "2026-12-04", 1532.41), ("USD", "2026-12-03", 1.0561)
    }  # fmt: skip


def test_a_table_of_currency_rate_and_day_as_csv_or_json_lines() -> None:
    table = b"currency,per_eur,day,source\nusd,1.05,2026-11-30,EU customs\nKRW,1500,2026-11-30,\n"
    read = read_rates(table, source="mine", today=TODAY)
    assert [(r.currency, r.per_eur, r.source) for r in read.rates] == [
        ("USD", 1.05, "EU customs"), ("KRW", 1500.0, "mine")
    ]  # fmt: skip
    lines = (
        b'{"currency": "JPY", "per_eur": 160, "day": "2026-12-01"}\n\nnot json\n[1]\n{"currency": "JPY"}\n'
    )
    read = read_rates(lines, today=TODAY)
    assert [(r.currency, r.per_eur) for r in read.rates] == [("JPY", 160.0)]
    assert [where for where, _ in read.rejected] == ["line 3", "line 4", "line 5"]
    assert "missing per_eur, day" in read.rejected[-1][1]


def test_bad_quotations_are_refused_with_their_reason_and_the_rest_kept() -> None:
    table = (
        b"currency,per_eur,day\n"
        b"USD,1.05,2026-12-01\n"  # kept
        b"XYZ,2,2026-12-01\n"  # no such currency
        b"GBP,-0.8,2026-12-01\n"  # not positive
        b"GBP,nan,2026-12-01\n"
        b"GBP,abc,2026-12-01\n"
        b"CNY,7.6,2026-12-31\n"  # after today
        b"CNY,7.6,1 Dec 26\n"  # not a date
        b"EUR,1,2026-12-01\n"  # the base: skipped, not refused
        b"EUR,1.1,2026-12-01\n"  # the base cannot move
    )
    read = read_rates(table, today=TODAY)
    assert [r.currency for r in read.rates] == ["USD"]
    assert read.base_rows == 1
    reasons = dict(read.rejected)
    assert list(reasons) == [f"line {n}" for n in range(3, 9)] + ["line 10"]
    assert "unknown currency" in reasons["line 3"]
    assert "positive" in reasons["line 4"] and "positive" in reasons["line 5"]
    assert "not a number" in reasons["line 6"]
    assert "after today" in reasons["line 7"] and "not a date" in reasons["line 8"]
    assert "always 1" in reasons["line 10"]


def test_xml_entities_are_never_fetched_nor_blown_up() -> None:
    external = (
        b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b"<Cube><Cube time='2026-12-04'><Cube currency='&x;' rate='1'/></Cube></Cube>"
    )
    with pytest.raises(InvalidInput, match="external entity"):
        read_rates(external, today=TODAY)
    laughs = b"".join(
        b'<!ENTITY %s "%s">' % (bytes([98 + i]), (b"&" + bytes([97 + i]) + b";") * 10) for i in range(9)
    )
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa">' + laughs + b"]>"
        b"<Cube><Cube time='2026-12-04'><Cube currency='&j;' rate='1'/></Cube></Cube>"
    )
    with pytest.raises(InvalidInput, match="amplification"):
        read_rates(bomb, today=TODAY)


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"", "empty"),
        (b"\xff\xfe\x00", "UTF-8"),
        (b"name,value\nx,1\n", "unknown rate file"),
        (b"<Cube><Cube currency='USD' rate='1'/></Cube>", "ECB reference-rate"),
        (b"<Cube time='2026-12-04'>", "not well-formed"),
        (b" " * (MAX_BYTES + 1), "larger than"),
    ],
)
def test_a_file_that_is_no_rate_file_is_refused_whole(data: bytes, words: str) -> None:
    with pytest.raises(InvalidInput, match=words):
        read_rates(data, today=TODAY)


def _zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_the_ecbs_zipped_history_is_read_and_a_zip_bomb_is_not() -> None:
    read = read_rates(_zip({"eurofxref-hist.csv": HIST_CSV}), today=TODAY)
    assert len(read.rates) == 5 and read.rejected == []
    with pytest.raises(InvalidInput, match="exactly one file, not 2"):
        read_rates(_zip({"a.csv": HIST_CSV, "b.csv": HIST_CSV}), today=TODAY)
    bomb = _zip({"big.csv": b"0" * (MAX_BYTES + 10)})
    assert len(bomb) < 1_000_000
    with pytest.raises(InvalidInput, match="larger than"):
        read_rates(bomb, today=TODAY)
    with pytest.raises(InvalidInput, match="not a readable zip"):
        read_rates(b"PK\x03\x04 broken", today=TODAY)
