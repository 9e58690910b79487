"""The reasons codes gives, as message codes with parameters (see targeting/reason_codes.py for the form).

Clone alerts and consumer-report matches keep their English sentence (`reasons`, `reason`) for the API and
older rows, and the same reasons coded (`reason_codes`) so that a page says them in the reader's language.
"""

from __future__ import annotations

from typing import Any

from countermark.targeting.reason_codes import Reason, coded, said

MESSAGES: dict[str, str] = {
    "codes.clone.jump": (
        "scanned {km} km apart within {duration} ({speed} km/h, faster than any aircraft); "
        "{count} such jump(s) in all"
    ),
    "codes.duration.minutes": "{minutes} minutes",
    "codes.duration.hours": "{hours} hours",
    "codes.clone.devices": "scanned by {count} different devices; one item rarely meets more than {limit}",
    "codes.clone.after_end": "scanned {count} time(s) after the item was destroyed or decommissioned",
    "codes.clone.owners": "scanned by {count} different devices after its sale; a sold item has one owner",
    "codes.clone.never_issued": "scanned although the code was never issued",
    "codes.clone.never_commissioned": (
        "scanned although the code never entered the supply chain (no commissioning event)"
    ),
    "codes.match.same_page": "the address given in the report is this listing's address ({value})",
    "codes.match.thread": (
        "the report's {own_field} gives the {words} {value}, also seen in the {field} of this {subject}"
    ),
    "codes.match.item": "the report's address names item {token} on {domain}, as this listing's does",
    "codes.match.shop_handle": "the reporter bought from “{shop}”, the handle of this account on {platform}",
    "codes.match.shop_name": "the reporter bought from “{shop}”, the name of this account on {platform}",
    "codes.match.seller": "this listing's seller is “{seller}”, the shop the reporter names",
    "codes.match.scanned_code": "the scanned code",
    "codes.match.gtin": "GTIN {gtin}",
    "codes.match.product": "{how} identifies this genuine product",
    "codes.match.product_right": "{how} is of {product}, protected by this right",
    "codes.match.brand": "the report names the brand {brand}",
    "codes.match.reference_named": "the reference image “{label}”",
    "codes.match.reference": "a reference image",
    "codes.match.photo_bank": "photo {position} matches {what} in bank {bank} ({stage}, distance {distance})",
    "codes.match.photo_right": "photo {position} matches a reference image of this right",
    "codes.match.very_picture": "a photo of the report is the very picture shown in this listing",
    "codes.match.near_duplicate": (
        "photo {position} is a near-duplicate of a picture in this listing "
        "(PDQ distance {distance} of 256 bits)"
    ),
}


def reason(code: str, **params: Any) -> Reason:
    """A codes reason as stored: code, parameters and English text."""
    return said(code, MESSAGES, **params)


def part(code: str, **params: Any) -> Reason:
    """A nested codes reason (a parameter of another one)."""
    return coded(code, **params)
