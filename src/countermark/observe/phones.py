"""Telephone numbers: parsing one value and finding numbers in free text, always to E.164."""

from __future__ import annotations

import re
from collections.abc import Iterator

import phonenumbers
from phonenumbers import Leniency, PhoneNumberFormat, PhoneNumberMatcher

# "0033 6 …" is how most of the world writes an international number; phonenumbers only reads it when
# the default region dials out with 00. Rewriting "00" as " +" keeps every offset in place. Only a "00"
# that starts a number qualifies, not one inside a spaced digit group ("138 0013 8000").
_IDD_00_RE = re.compile(r"(?<![0-9A-Za-z+.,/-])(?<![0-9][ .\-])(?<![0-9]\)[ ])00(?=[1-9])")
# Numbers right after these words are references, not phones ("Order #2125550123", "SKU 4006381333931").
# A "#" glued to the digits counts too, but not "Phone #: …".
_REFERENCE_BEFORE_RE = re.compile(
    r"(?:#|(?:\b(?:order|invoice|sku|ref|reference|tracking|item|ean|gtin|upc|isbn|asin|model|serial|"
    r"lot|batch|s/n|p/n|part|article|art)\b[\s.:#-]{0,4}(?:no\.?|nr\.?|number|num|id|code)?"
    r"|订单号?|单号|货号|条码|型号)[\s.:：#-]{0,3})$",
    re.I | re.A,
)
_DIGITS_RE = re.compile(r"\d+", re.A)
# Digits with one decimal mark before two last digits are an amount ("168.99 EUR"): phonenumbers reads
# some, in some regions, as short valid numbers (16899 in Germany).
_AMOUNT_RE = re.compile(r"\d{1,7}[.,]\d{2}", re.A)
# Glued to one of these, digits are part of a web address (a path segment, a query value), not a number
# someone wrote to be called; a messaging link's number (wa.me/8613…) is read from the link itself.
_IN_AN_ADDRESS = frozenset("/=?&")
MAX_PHONE_FIELD = 64
# A number written in free text without its country code needs this many digits in its national form:
# phonenumbers reads some shorter runs as valid (a price "1640 USD" on a German page is a pager number,
# +491640), and a price, a year or a quantity two sellers happen to write must never tie them (fresh
# worlds 180 and 183: two honest sellers, and an honest shop and a lone counterfeiter, each tied by a
# price of 1640). The shortest numbers this leaves out are a few islands' five-digit ones, read when
# written with their country code.
MIN_NATIONAL_DIGITS = 6


def valid_region(region: str | None) -> str | None:
    """The upper-cased region when phonenumbers knows it, else None (only +/00 numbers are read then)."""
    if not region:
        return None
    upper = region.strip().upper()
    return upper if upper in phonenumbers.SUPPORTED_REGIONS else None


def _e164(number: phonenumbers.PhoneNumber) -> str:
    return phonenumbers.format_number(number, PhoneNumberFormat.E164)


def parse_phone(raw: str, region: str | None, *, bare_international: bool = False) -> str | None:
    """E.164 of one phone value, or None; bare_international also reads "8613800138000" as +86…."""
    text = raw.strip()
    if not text or len(text) > MAX_PHONE_FIELD:
        return None
    if text.lower().startswith("tel:"):
        text = text[4:].strip()
    if text.startswith("00"):
        text = "+" + text[2:]
    region = valid_region(region)
    attempts = [text]
    if bare_international and not text.startswith("+"):
        attempts.append("+" + text)
    for attempt in attempts:
        try:
            number = phonenumbers.parse(attempt, region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(number):
            return _e164(number)
    return None


def _gtin_check_ok(digits: str) -> bool:
    """GS1 mod-10 check digit: weights 3,1,3,… from the right, excluding the check digit."""
    body, check = digits[:-1], int(digits[-1])
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10 == check


def _looks_like_product_code(raw: str) -> bool:
    # An unbroken 12-14 digit run with a valid GS1 check digit is a GTIN/EAN/UPC, not a phone.
    return raw.isdigit() and 12 <= len(raw) <= 14 and _gtin_check_ok(raw)


def find_phones(text: str, region: str | None) -> Iterator[tuple[str, int, int]]:
    """Every valid phone number in text as (E.164, start, end), skipping product codes and references."""
    region = valid_region(region)
    if not any(c.isdigit() for c in text):
        return
    rewritten = _IDD_00_RE.sub(" +", text)
    for match in PhoneNumberMatcher(rewritten, region, leniency=Leniency.VALID):
        start, end = match.start, match.end
        if rewritten[start] == "+" and text[start] == "0" and start > 0 and text[start - 1] == "0":
            start -= 1
        raw = text[start:end]
        if _looks_like_product_code(raw) or _AMOUNT_RE.fullmatch(raw):
            continue
        national = phonenumbers.national_significant_number(match.number)
        if not raw.startswith(("+", "00")) and len(national) < MIN_NATIONAL_DIGITS:
            continue
        if _REFERENCE_BEFORE_RE.search(text, max(0, start - 24), start):
            continue
        if start > 0 and text[start - 1] in _IN_AN_ADDRESS:
            continue  # a page's path or query value (`/annonce/3517246741`, `?item=3517246741`)
        yield _e164(match.number), start, end

