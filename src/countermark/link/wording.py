"""What an edge of a network shows a reader: the evidence as a label (translated by the page) and the
value it rests on, without the English phrase the engine keeps in `detail` for the CLI and the JSON.

`detail` is written by the engine in a handful of fixed forms (`link.engine`, `link.fuzzy`, `link.store`);
each evidence code's form is read back here. A detail in no known form is shown whole. A photo's value is
a hash no reader can use: the page shows the photo itself, found among the parties' own (`nearest_photo`).
The counts of members by kind are worded here too, in singular and plural (`KIND_COUNTS`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import TypeVar

from countermark.core.errors import InvalidInput
from countermark.fingerprint.pdq import distance
from countermark.link.photos import group_photo

T = TypeVar("T")

# Evidence code -> the pattern of its detail, whose group `value` is what the reader needs to see.
_FORMS: dict[str, re.Pattern[str]] = {
    "seller_id": re.compile(r"seller id on the declaration: (?P<value>.+)", re.S),
    "fuzzy:email_local": re.compile(r"(?P<value>.+@…) on several domains", re.S),
    "fuzzy:email_typo": re.compile(r"(?P<value>.+ ~ .+)", re.S),
    "fuzzy:handle": re.compile(r"handle stem '(?P<value>.+)'", re.S),
    "domain:family": re.compile(r"shop domains of the '(?P<value>.+)' family", re.S),
    "text:bio_line": re.compile(r"reused line (?P<value>\u201c.*\u201d)", re.S),
    "listed_by": re.compile(r"listed by (?P<value>.+)", re.S),
    "hosted_on": re.compile(r"shop on (?P<value>.+)", re.S),
    "premises": re.compile(r"same premises: (?P<value>.+)", re.S),
    # The probability is shown beside every edge that has one.
    "splink:consignor": re.compile(r"same sender, probability [0-9.]+(?P<value>)"),
}


def evidence_value(code: str, detail: str) -> str:
    """The value an edge's evidence rests on ('' when it has none beyond its probability)."""
    if code.startswith("exact:"):
        kind = code.removeprefix("exact:")
        return detail.removeprefix(f"{kind} ") if detail.startswith(f"{kind} ") else detail
    form = _FORMS.get(code)
    found = form.fullmatch(detail) if form is not None else None
    return found.group("value") if found is not None else detail


# The forms of a hub's reason (`link.hubs`, `link.platform_contacts`, `link.service`): form -> pattern.
_HUB_REASONS: dict[str, re.Pattern[str]] = {
    "held": re.compile(r"held by (?P<holders>\d+) parties"),
    "spread": re.compile(
        r"held by (?P<holders>\d+) parties on (?P<platforms>\d+) platforms in (?P<countries>\d+) countries"
    ),
    "scattered": re.compile(r"held by (?P<holders>\d+) parties in (?P<groups>\d+) groups nothing else ties"),
    "platform_domain": re.compile(r"an address on (?P<platform>.+)'s own domain (?P<domain>\S+)", re.S),
    "platform_support": re.compile(r"written as (?P<platform>.+)'s support contact", re.S),
    "analyst_hub": re.compile(r"listed as a hub by an analyst"),
    "analyst_kept": re.compile(r"kept on the links by an analyst"),
}


def hub_reason(reason: str) -> tuple[str, dict[str, str]]:
    """A hub's reason as its form and the values in it, for the page to word in the reader's language;
    ("", {"text": reason}) when the reason is in no known form."""
    for form, pattern in _HUB_REASONS.items():
        found = pattern.fullmatch(reason)
        if found is not None:
            return form, found.groupdict()
    return "", {"text": reason}


# A count of a network's members of one kind, singular and plural with %(num)s for the count (for the
# page's ngettext: "1 account", "73 listings"). A kind not here is counted under its label.
KIND_COUNTS: dict[str, tuple[str, str]] = {
    "account": ("%(num)s account", "%(num)s accounts"),
    "shop": ("%(num)s shop", "%(num)s shops"),
    "domain": ("%(num)s domain", "%(num)s domains"),
    "listing": ("%(num)s listing", "%(num)s listings"),
    "consignor": ("%(num)s consignor", "%(num)s consignors"),
}
KIND_ORDER = tuple(KIND_COUNTS)


def kind_counts(kinds: Mapping[str, object]) -> list[tuple[str, tuple[str, str], int]]:
    """A network's members by kind, in the pages' order of kinds (others after, by code): each kind with
    its singular and plural forms and its count; kinds counting none left out."""
    ordered = [k for k in KIND_ORDER if k in kinds] + sorted(k for k in kinds if k not in KIND_COUNTS)
    found = []
    for kind in ordered:
        count = kinds[kind]
        if isinstance(count, int) and count > 0:
            found.append((kind, KIND_COUNTS.get(kind, ("", "")), count))
    return found


PHOTO_REACH = 64  # bits: a party's photo farther than this from its group's photo is not the one shared


def nearest_photo(value: str, photos: Iterable[tuple[T, str, str | None]]) -> T | None:
    """Of one party's photos (each with its PDQ hash and colour signature), the one an `exact:photo`
    edge's group names: the nearest to the group's photo (agreeing colours on a tie); None when none is
    within PHOTO_REACH bits (the one shared is not among those the reader may see)."""
    pdq, colour = group_photo(value)
    best: tuple[int, int, T] | None = None
    for item, other, other_colour in photos:
        try:
            bits = distance(pdq, other)
        except InvalidInput:
            continue
        differs = 0 if other_colour == colour else 1
        if bits <= PHOTO_REACH and (best is None or (bits, differs) < best[:2]):
            best = (bits, differs, item)
    return best[2] if best is not None else None
