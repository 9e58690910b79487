"""Exchange rates the store keeps: read from the European Central Bank's reference-rate files (or a plain
table), validated row by row, stored once per currency and day, and read back as the rate in force.

Prices are compared across currencies (a listing in yen against a genuine price in euros): the detector
turns both into euros. A model carries the fixed table of the world it was trained on; a real store needs
the rates of its own days, for every currency it sees. An operator imports them (`countermark rates import
FILE`, no route writes them): the ECB publishes them as CSV (`eurofxref.csv` for a day,
`eurofxref-hist.csv` for every day since 1999) and as XML (`eurofxref-daily.xml`, `-hist-90d.xml`,
`-hist.xml`); a customs office may load its own (the monthly customs rates) as a table of currency, rate
and day. Rates are quoted as the ECB quotes them: units of the currency one euro buys.

Hand-written: the files are small and simple, and no well-kept library reads them offline (the ones that
exist download them).
"""

from __future__ import annotations

import csv
import io
import json
import math
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime

from lxml import etree  # type: ignore[import-untyped]
from pydantic import TypeAdapter, ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from countermark.core.clock import utcnow
from countermark.core.errors import InvalidInput
from countermark.core.models import ExchangeRate
from countermark.core.validation import CurrencyCode

MAX_BYTES = 64 * 1024 * 1024  # the ECB's whole history is about 2 MB as CSV, 6 MB as XML
MAX_PER_EUR = 1e9  # the largest quotation the ECB ever published is some 20,000 (IDR)
SOURCE_ECB = "ECB"
_CURRENCY = TypeAdapter(CurrencyCode)
_DATE_FORMATS = ("%Y-%m-%d", "%d %B %Y")  # eurofxref-hist.csv, eurofxref.csv


@dataclass(frozen=True, slots=True)
class Rate:
    """One quotation: how many units of `currency` one euro bought on `day`, and who published it."""

    currency: str
    day: date
    per_eur: float
    source: str


@dataclass
class RateFile:
    """A file's good quotations and its refused ones (where in the file, and why)."""

    rates: list[Rate] = field(default_factory=list)
    rejected: list[tuple[str, str]] = field(default_factory=list)
    base_rows: int = 0  # quotations of the euro itself (always 1), skipped


@dataclass(frozen=True, slots=True)
class RateCounts:
    """What an import changed."""

    stored: int
    updated: int
    unchanged: int


def _day(text: str) -> date:
    cleaned = text.strip()
    for pattern in _DATE_FORMATS:
        try:
            return datetime.strptime(cleaned, pattern).date()
        except ValueError:
            continue
    raise ValueError(f"{cleaned!r} is not a date (YYYY-MM-DD, or '04 December 2026' as eurofxref.csv)")


def _check(currency: str, day_text: str, rate_text: str, source: str, today: date) -> Rate | None:
    """The quotation, None for the euro's own (1), or ValueError with the reason."""
    try:
        code = _CURRENCY.validate_python(currency)
    except ValidationError as exc:
        raise ValueError(exc.errors()[0]["msg"].removeprefix("Value error, ")) from None
    day = _day(day_text)
    if day > today:
        raise ValueError(f"{day.isoformat()} is after today: a reference rate is published, not forecast")
    try:
        per_eur = float(rate_text.strip())
    except ValueError:
        raise ValueError(f"rate {rate_text.strip()!r} is not a number") from None
    if not math.isfinite(per_eur) or per_eur <= 0 or per_eur > MAX_PER_EUR:
        raise ValueError(f"rate {rate_text.strip()!r} must be a positive number of {code} per euro")
    if code == "EUR":
        if per_eur != 1:
            raise ValueError("the euro is the base: one euro is always 1 EUR")
        return None
    return Rate(code, day, per_eur, source)


def _add(out: RateFile, where: str, currency: str, day: str, rate: str, source: str, today: date) -> None:
    try:
        found = _check(currency, day, rate, source, today)
    except ValueError as exc:
        out.rejected.append((where, str(exc)))
        return
    if found is None:
        out.base_rows += 1
    else:
        out.rates.append(found)


def _ecb_xml(data: bytes, source: str, today: date, out: RateFile) -> None:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False)
    try:
        root = etree.fromstring(data, parser=parser)
    except etree.XMLSyntaxError as exc:
        raise InvalidInput.of("not well-formed XML: {reason}", reason=str(exc)) from None
    days = [e for e in root.iter() if etree.QName(e).localname == "Cube" and e.get("time") is not None]
    if not days:
        raise InvalidInput.of("no <Cube time=…> element: not an ECB reference-rate file")
    for cube in days:
        day = cube.get("time") or ""
        for quote in cube:
            if not isinstance(quote.tag, str) or etree.QName(quote).localname != "Cube":
                continue
            currency = quote.get("currency") or ""
            where = f"{day} {currency or '(no currency)'}"
            _add(out, where, currency, day, quote.get("rate") or "", source, today)


def _ecb_csv(rows: list[list[str]], source: str, today: date, out: RateFile) -> None:
    header = [cell.strip() for cell in rows[0]]
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        day = row[0].strip()
        for currency, cell in zip(header[1:], row[1:], strict=False):
            if not currency or cell.strip() in ("", "N/A"):
                continue  # the ECB writes N/A where it published no rate that day
            _add(out, f"line {number} {currency}", currency, day, cell, source, today)


def _table(records: Iterable[tuple[str, dict[str, object]]], source: str, today: date, out: RateFile) -> None:
    """Long rows: currency, per_eur, day and optionally source."""
    for where, record in records:
        missing = [name for name in ("currency", "per_eur", "day") if not str(record.get(name) or "").strip()]
        if missing:
            out.rejected.append((where, "missing " + ", ".join(missing)))
            continue
        own = str(record.get("source") or "").strip()[:40] or source
        _add(out, where, str(record["currency"]), str(record["day"]), str(record["per_eur"]), own, today)


def _json_lines(text: str) -> Iterator[tuple[str, dict[str, object]]]:
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            yield f"line {number}", {"_error": f"not JSON: {exc.msg}"}
            continue
        yield f"line {number}", record if isinstance(record, dict) else {"_error": "not a JSON object"}


def _unzipped(data: bytes) -> bytes:
    """The one file of a zip archive (the ECB ships its history as `eurofxref-hist.zip`), read no
    further than MAX_BYTES whatever the archive claims."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = [m for m in archive.infolist() if not m.is_dir()]
            if len(members) != 1:
                raise InvalidInput.of(
                    "a zip archive of rates must hold exactly one file, not {count}", count=len(members)
                )
            with archive.open(members[0]) as member:
                inside = member.read(MAX_BYTES + 1)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, OSError, EOFError) as exc:
        raise InvalidInput.of("not a readable zip file: {problem}", problem=str(exc)) from None
    if len(inside) > MAX_BYTES:
        raise InvalidInput.of("the file is larger than {limit} bytes", limit=MAX_BYTES)
    return inside


def read_rates(data: bytes, *, source: str = SOURCE_ECB, today: date | None = None) -> RateFile:
    """The quotations of a file: ECB XML, ECB CSV (a day's or the history, as published or zipped), or a
    table of currency, per_eur and day as CSV or JSON Lines. A bad quotation is refused with its reason
    and the rest kept; a file that is none of these raises InvalidInput."""
    if len(data) > MAX_BYTES:
        raise InvalidInput.of("the file is larger than {limit} bytes", limit=MAX_BYTES)
    if data.startswith(b"PK\x03\x04"):
        data = _unzipped(data)
    today = today or utcnow().date()
    out = RateFile()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput.of("the file is not UTF-8 text") from None
    start = text.lstrip()
    if start.startswith("<"):
        _ecb_xml(data, source, today, out)
        return out
    if start.startswith("{"):
        records = list(_json_lines(text))
        for where, record in records:
            if "_error" in record:
                out.rejected.append((where, str(record["_error"])))
        _table(((w, r) for w, r in records if "_error" not in r), source, today, out)
        return out
    rows = [row for row in csv.reader(io.StringIO(text)) if row]
    if not rows:
        raise InvalidInput.of("the file is empty")
    header = [cell.strip().casefold() for cell in rows[0]]
    if header[0] == "date":
        _ecb_csv(rows, source, today, out)
    elif {"currency", "per_eur", "day"} <= set(header):
        table: list[tuple[str, dict[str, object]]] = [
            (f"line {n}", dict(zip(header, row, strict=False))) for n, row in enumerate(rows[1:], start=2)
        ]
        _table(table, source, today, out)
    else:
        raise InvalidInput.of(
            "unknown rate file: expected the ECB's CSV (Date, USD, JPY…) or XML, or columns currency, "
            "per_eur and day"
        )
    return out


def store_rates(session: Session, rates: Iterable[Rate]) -> RateCounts:
    """Store quotations once per currency and day: a new day is added, a different rate for a known day
    replaces it (a correction), the same rate changes nothing. Within one file the last quotation of a
    day wins."""
    latest: dict[tuple[str, date], Rate] = {}
    for rate in rates:
        latest[(rate.currency, rate.day)] = rate
    if not latest:
        return RateCounts(0, 0, 0)
    days = sorted({day for _, day in latest})
    known = {
        (row.currency, row.day): row
        for row in session.scalars(
            select(ExchangeRate).where(ExchangeRate.day >= days[0], ExchangeRate.day <= days[-1])
        )
    }
    stored = updated = unchanged = 0
    now = utcnow()
    for key, rate in latest.items():
        row = known.get(key)
        if row is None:
            session.add(
                ExchangeRate(
                    currency=rate.currency, day=rate.day, per_eur=rate.per_eur, source=rate.source,
                    stored_at=now,
                )
            )  # fmt: skip
            stored += 1
        elif row.per_eur != rate.per_eur or row.source != rate.source:
            row.per_eur, row.source, row.stored_at = rate.per_eur, rate.source, now
            updated += 1
        else:
            unchanged += 1
    session.flush()
    return RateCounts(stored, updated, unchanged)


def rates_in_force(session: Session, on: date) -> list[Rate]:
    """Each currency's latest quotation on or before the day."""
    last = (
        select(ExchangeRate.currency, func.max(ExchangeRate.day).label("day"))
        .where(ExchangeRate.day <= on)
        .group_by(ExchangeRate.currency)
        .subquery()
    )
    rows = session.scalars(
        select(ExchangeRate)
        .join(last, (ExchangeRate.currency == last.c.currency) & (ExchangeRate.day == last.c.day))
        .order_by(ExchangeRate.currency)
    )
    return [Rate(r.currency, r.day, r.per_eur, r.source) for r in rows]


def euros_per_unit(session: Session, on: date) -> dict[str, float]:
    """What one unit of each currency is worth in euros on the day (the euro's own 1 included), from
    the store's latest quotations; empty when the store keeps none."""
    found = {r.currency: 1 / r.per_eur for r in rates_in_force(session, on)}
    return {"EUR": 1.0, **found} if found else {}
