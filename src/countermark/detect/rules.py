"""Per-brand rules applied on top of the model: allow-lists, deny-lists and thresholds.

A rights holder knows things no model learns: its own shops and domains (never alert), sellers or words
it has already proven infringing (always alert), and how sure it wants to be before acting (its own
threshold). Rules never change the calibrated probability; they decide the alert and say why.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from countermark.core.errors import InvalidInput


@dataclass(frozen=True)
class BrandRules:
    """One brand's rules; seller handles are 'platform:handle', compared case-insensitively."""

    brand: str
    allow_sellers: frozenset[str] = frozenset()
    allow_domains: frozenset[str] = frozenset()
    deny_sellers: frozenset[str] = frozenset()
    deny_terms: tuple[str, ...] = ()
    threshold: float | None = None

    def __post_init__(self) -> None:
        if self.threshold is not None and not 0.0 <= self.threshold <= 1.0:
            raise InvalidInput.of(
                "the threshold of {brand} must be between 0 and 1, not {threshold}",
                brand=self.brand,
                threshold=self.threshold,
            )


@dataclass(frozen=True, slots=True)
class Decision:
    """Whether to alert, the threshold used, and the rule that decided (None: the model's score did)."""

    alert: bool
    threshold: float
    rule: str | None = None
    detail: Mapping[str, str] = field(default_factory=dict)


def _domain(url: str) -> str:
    host = (urlsplit(url).hostname or "").casefold()
    return host.removeprefix("www.")


def decide(
    probability: float,
    *,
    brand: str | None,
    platform: str,
    seller: str | None,
    url: str,
    text: str,
    rules: Mapping[str, BrandRules],
    default_threshold: float,
) -> Decision:
    """The alert decision for one scored listing: allow-lists first, then deny-lists, then the threshold."""
    rule = rules.get((brand or "").casefold())
    threshold = rule.threshold if rule and rule.threshold is not None else default_threshold
    if rule is not None:
        seller_key = f"{platform}:{seller}".casefold() if seller else ""
        domain = _domain(url)
        if seller_key and seller_key in rule.allow_sellers:
            return Decision(False, threshold, "allow_seller", {"seller": seller or "", "brand": rule.brand})
        if domain and any(domain == d or domain.endswith("." + d) for d in rule.allow_domains):
            return Decision(False, threshold, "allow_domain", {"domain": domain, "brand": rule.brand})
        if seller_key and seller_key in rule.deny_sellers:
            return Decision(True, threshold, "deny_seller", {"seller": seller or "", "brand": rule.brand})
        folded = text.casefold()
        for term in rule.deny_terms:
            if term.casefold() in folded:
                return Decision(True, threshold, "deny_term", {"term": term, "brand": rule.brand})
    return Decision(probability >= threshold, threshold)


def rules_from_json(items: Iterable[Mapping[str, object]]) -> dict[str, BrandRules]:
    """Rules keyed by folded brand from a JSON list; InvalidInput naming the entry that is wrong."""
    rules: dict[str, BrandRules] = {}
    for index, item in enumerate(items):
        brand = item.get("brand")
        if not isinstance(brand, str) or not brand.strip():
            raise InvalidInput.of("rule {number}: 'brand' must be a non-empty string", number=index + 1)

        def strings(name: str, item: Mapping[str, object] = item, number: int = index + 1) -> list[str]:
            value = item.get(name, [])
            if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
                raise InvalidInput.of(
                    "rule {number} ({brand}): '{name}' must be a list of non-empty strings",
                    number=number,
                    brand=item.get("brand"),
                    name=name,
                )
            return [v.strip() for v in value]

        threshold = item.get("threshold")
        if threshold is not None and (
            isinstance(threshold, bool) or not isinstance(threshold, int | float) or not 0 <= threshold <= 1
        ):
            raise InvalidInput.of(
                "rule {number} ({brand}): 'threshold' must be a number between 0 and 1",
                number=index + 1,
                brand=brand,
            )
        rules[brand.casefold()] = BrandRules(
            brand=brand.strip(),
            allow_sellers=frozenset(s.casefold() for s in strings("allow_sellers")),
            allow_domains=frozenset(d.casefold().removeprefix("www.") for d in strings("allow_domains")),
            deny_sellers=frozenset(s.casefold() for s in strings("deny_sellers")),
            deny_terms=tuple(strings("deny_terms")),
            threshold=None if threshold is None else float(threshold),
        )
    return rules
