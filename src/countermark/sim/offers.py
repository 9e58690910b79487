"""The parts every offer shares: language, currency, price rounding, the record, contact lines."""

from __future__ import annotations

import random
from decimal import ROUND_HALF_UP, Decimal

from countermark.sim import identifiers as ids
from countermark.sim import wording
from countermark.sim.alterations import UNRELATED_KINDS
from countermark.sim.catalogue import COLOURS
from countermark.sim.entities import (
    Brand,
    ImageRef,
    ListingCategory,
    ListingKind,
    Product,
    SimAccount,
    SimListing,
)
from countermark.sim.photos import PhotoPicker, uploaded
from countermark.sim.platforms import PLATFORMS, Addresses, observed_at
from countermark.sim.text import CONTACT_LABELS, LANGUAGES, UNRELATED_PRICES
from countermark.sim.wording_templates import DEFAULT_STYLE

# Fixed conversion rates of the world (EUR per unit), so prices in other currencies stay comparable.
FX_TO_EUR: dict[str, float] = {"EUR": 1.0, "USD": 0.92, "GBP": 1.17, "CNY": 0.128}

# Language weights (en, fr, de, es, zh) by platform, before the seller's own country is considered.
_LANGUAGE_WEIGHTS = {
    "Trendora": (0.25, 0.6, 0.05, 0.1, 0.0),
    "Bazario": (0.45, 0.05, 0.05, 0.05, 0.4),
    "ShadowBazaar": (1.0, 0.0, 0.0, 0.0, 0.0),
}
_DEFAULT_WEIGHTS = (0.5, 0.14, 0.12, 0.1, 0.14)
_LOCAL_LANGUAGE = {"FR": "fr", "BE": "fr", "DE": "de", "AT": "de", "ES": "es", "CN": "zh", "HK": "zh"}
EU_SHIPPING = ("FR", "DE", "BE", "IT", "ES", "NL", "PL", "PT")


def price_in(eur: float, currency: str) -> Decimal:
    """An amount in EUR expressed in a currency, rounded the way shops round (to x.99 or whole units)."""
    amount = eur / FX_TO_EUR[currency]
    if amount >= 20:
        return Decimal(int(amount)) + Decimal("0.99") if amount < 1000 else Decimal(int(amount / 10) * 10)
    return Decimal(str(amount)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def style_of(account: SimAccount) -> str:
    """How the account writes, prices and shoots (private sellers' ways when the world did not say)."""
    return getattr(account, "style", None) or DEFAULT_STYLE


class OfferBase:
    """What every offer needs: language, currency, URL, photos as uploaded, contact lines, analytics."""

    def __init__(self, rng: random.Random, addresses: Addresses, brands: list[Brand]) -> None:
        """Keep the world's random source, URL builder and brands."""
        self.rng = rng
        self.addresses = addresses
        self.brands = {b.name: b for b in brands}
        self.photos = PhotoPicker(rng)
        self._posted: set[int] = set()
        self._order_ids: dict[int, list[ids.Identifier]] = {}

    def _language(self, account: SimAccount) -> str:
        local = _LOCAL_LANGUAGE.get(account.country or "")
        # Sellers write for the platform's audience; some write in their own language anyway.
        if account.platform != "ShadowBazaar" and local and self.rng.random() < 0.25:
            return local
        weights = _LANGUAGE_WEIGHTS.get(account.platform, _DEFAULT_WEIGHTS)
        return self.rng.choices(LANGUAGES, weights=weights)[0]

    def _currency(self, platform: str, language: str) -> str:
        if platform == "Bazario" and language == "zh" and self.rng.random() < 0.4:
            return "CNY"
        if platform == "web" and self.rng.random() < 0.15:
            return "USD"
        return PLATFORMS[platform].currency

    def _listing(
        self,
        account: SimAccount,
        words: wording.Wording,
        language: str,
        eur: float | None,
        ships_from: str | None,
        images: list[ImageRef],
        category: ListingCategory,
        infringing: bool,
        product: Product | None,
        brand: str | None = None,
        kind: ListingKind = "genuine",
    ) -> SimListing:
        currency = self._currency(account.platform, language)
        slug = "-".join(words.title.lower().split()[:4])
        return SimListing(
            account=account,
            url=self.addresses.item_url(account.platform, account.handle, _ascii_slug(slug)),
            title=words.title,
            description=words.description,
            language=language,
            price=None if eur is None else price_in(eur, currency),
            currency=None if eur is None else currency,
            ships_from=ships_from,
            observed_at=observed_at(self.rng),
            images=uploaded(images, account),
            category=category,
            infringing=infringing,
            product=product,
            mark_form=words.mark_form,
            lookalike_mark=words.mark_form in ("lookalike", "transliteration"),
            brand=brand or (product.brand if product else None),
            kind=kind,
        )

    def _write_contact(self, listing: SimListing, identifier: ids.Identifier) -> None:
        context = listing.ships_from if listing.ships_from == listing.account.country else None
        label = self.rng.choice(CONTACT_LABELS[listing.language])
        listing.description += f"\n{label} {ids.render(self.rng, identifier, context)}"
        listing.planted.append(identifier)

    # Counterfeit offers ------------------------------------------------------------------------------

    def _add_shop_analytics(self, listing: SimListing, analytics: list[ids.Identifier]) -> None:
        ua, ga4, gtm = analytics
        rng = random.Random(listing.account.handle)
        chosen = [ua] + [a for a in (ga4, gtm) if rng.random() < 0.6]
        view = rng.randint(1, 4)
        lines = ["window.dataLayer = window.dataLayer || [];", "function gtag(){dataLayer.push(arguments);}"]
        for identifier in chosen:
            if identifier is ua:
                lines.append(f"ga('create', '{ua.value}-{view}', 'auto'); ga('send', 'pageview');")
            elif identifier is ga4:
                lines.append(f"gtag('config', '{ga4.value}');")
            else:
                lines.append(
                    "dataLayer.push({'gtm.start': 1751241600000, event: 'gtm.js', "
                    f"container: '{gtm.value}'}});"
                )
        listing.page_scripts.append("\n".join(lines))
        listing.page_identifiers.extend(chosen)

    # Parodies and dupes ------------------------------------------------------------------------------

    def _unrelated(self, account: SimAccount, ships_from: str | None) -> SimListing:
        rng = self.rng
        kind = rng.choice(UNRELATED_KINDS)
        colour_name, colour = rng.choice(COLOURS)
        language = self._language(account)
        words = wording.unrelated(rng, style_of(account), kind, language, colour_name)
        low, high = UNRELATED_PRICES[kind]
        ref = ImageRef(
            kind="unrelated",
            seed=rng.randrange(2**32),
            spec={"item": kind, "colour": COLOURS.index((colour_name, colour))},
        )
        return self._listing(
            account,
            words,
            language,
            rng.uniform(low, high),
            ships_from,
            [ref],
            "unrelated",
            False,
            None,
            kind="unrelated",
        )


def _ascii_slug(text: str) -> str:
    slug = "".join(ch for ch in text if ch.isascii() and (ch.isalnum() or ch == "-"))
    return slug.strip("-") or "item"
