"""Offers: counterfeit offers of the networks (re-posted across their accounts) and honest offers."""

from __future__ import annotations

import random
from decimal import ROUND_HALF_UP, Decimal

from countermark.sim import identifiers as ids
from countermark.sim import wording
from countermark.sim.alterations import UNRELATED_KINDS, choose_alterations
from countermark.sim.catalogue import COLOURS
from countermark.sim.entities import (
    Brand,
    ImageRef,
    ListingCategory,
    MarkForm,
    Network,
    Product,
    SimAccount,
    SimListing,
)
from countermark.sim.platforms import PLATFORMS, Addresses, observed_at
from countermark.sim.sellers import HonestSellers
from countermark.sim.text import CONTACT_LABELS, LANGUAGES, UNRELATED_PRICES, lookalike

# Fixed conversion rates of the world (EUR per unit), so prices in other currencies stay comparable.
FX_TO_EUR: dict[str, float] = {"EUR": 1.0, "USD": 0.92, "GBP": 1.17, "CNY": 0.128}

_LANGUAGE_WEIGHTS = {
    "Trendora": (0.3, 0.7, 0.0),
    "Bazario": (0.45, 0.0, 0.55),
    "ShadowBazaar": (1.0, 0.0, 0.0),
}
_DEFAULT_WEIGHTS = (0.68, 0.14, 0.18)


def price_in(eur: float, currency: str) -> Decimal:
    """An amount in EUR expressed in a currency, rounded the way shops round (to x.99 or whole units)."""
    amount = eur / FX_TO_EUR[currency]
    if amount >= 20:
        return Decimal(int(amount)) + Decimal("0.99") if amount < 1000 else Decimal(int(amount / 10) * 10)
    return Decimal(str(amount)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


class ListingMaker:
    """Builds the offers of the world from its brands, networks and honest sellers."""

    def __init__(self, rng: random.Random, addresses: Addresses, brands: list[Brand]) -> None:
        """Keep the world's random source, URL builder and brands."""
        self.rng = rng
        self.addresses = addresses
        self.brands = {b.name: b for b in brands}
        self._posted: set[int] = set()

    def _language(self, platform: str) -> str:
        return self.rng.choices(LANGUAGES, weights=_LANGUAGE_WEIGHTS.get(platform, _DEFAULT_WEIGHTS))[0]

    def _currency(self, platform: str, language: str) -> str:
        if platform == "Bazario" and language == "zh" and self.rng.random() < 0.4:
            return "CNY"
        if platform == "web" and self.rng.random() < 0.15:
            return "USD"
        return PLATFORMS[platform].currency

    def _genuine_refs(self, brand: Brand, product: Product, count: int) -> list[ImageRef]:
        paths = self.rng.sample(product.image_paths, min(count, len(product.image_paths)))
        return [
            ImageRef(
                kind="genuine_copy",
                seed=self.rng.randrange(2**32),
                product=product.external_id,
                source=f"holders/{brand.slug}/{p}",
            )
            for p in paths
        ]

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
    ) -> SimListing:
        currency = self._currency(account.platform, language)
        slug = "-".join(words.title.lower().split()[:4])
        listing = SimListing(
            account=account,
            url=self.addresses.item_url(account.platform, account.handle, _ascii_slug(slug)),
            title=words.title,
            description=words.description,
            language=language,
            price=None if eur is None else price_in(eur, currency),
            currency=None if eur is None else currency,
            ships_from=ships_from,
            observed_at=observed_at(self.rng),
            images=images,
            category=category,
            infringing=infringing,
            product=product,
            mark_form=words.mark_form,
            lookalike_mark=words.mark_form in ("lookalike", "transliteration"),
            brand=brand or (product.brand if product else None),
        )
        return listing

    def _write_contact(self, listing: SimListing, identifier: ids.Identifier) -> None:
        context = listing.ships_from if listing.ships_from == listing.account.country else None
        label = self.rng.choice(CONTACT_LABELS[listing.language])
        listing.description += f"\n{label} {ids.render(self.rng, identifier, context)}"
        listing.planted.append(identifier)

    def network_listings(self, network: Network, offers: int) -> list[SimListing]:
        """The network's counterfeit offers, each posted by one to four of its accounts, same photos."""
        rng = self.rng
        listings: list[SimListing] = []
        unposted = list(network.accounts)
        rng.shuffle(unposted)
        overlay_texts = [a.display_name for a in network.accounts[:3]] + ["1:1", "HOT SALE", "AAA+", "TOP"]
        for _ in range(offers):
            brand = self.brands[rng.choice(network.brands)]
            product = rng.choice(brand.products)
            strategy = rng.choices(["altered", "own", "mixed"], weights=[0.68, 0.22, 0.10])[0]
            images: list[ImageRef] = []
            if strategy in ("altered", "mixed"):
                for ref in self._genuine_refs(
                    brand, product, rng.randint(1, 3) if strategy == "altered" else 1
                ):
                    alteration = choose_alterations(rng, overlay_texts)
                    ref.kind, ref.ops, ref.params, ref.quality = (
                        "altered_genuine",
                        alteration.ops,
                        alteration.params,
                        alteration.quality,
                    )
                    images.append(ref)
            if strategy in ("own", "mixed"):
                logo = rng.choice([brand.name, brand.name, lookalike(rng, brand.name)])
                for _ in range(rng.randint(1, 2)):
                    images.append(
                        ImageRef(
                            kind="fake_own_photo",
                            seed=rng.randrange(2**32),
                            product=product.external_id,
                            spec={"logo": logo, "home": rng.randint(0, 1)},
                        )
                    )
            forms: list[MarkForm] = ["exact", "lookalike", "transliteration", "none"]
            form = rng.choices(forms, weights=[0.36, 0.3, 0.12, 0.22])[0]
            replica = rng.random() < 0.4
            ratio = rng.uniform(0.2, 0.45)
            ships_from = network.base_country if rng.random() < 0.88 else rng.choice(["FR", "DE", "ES"])
            posters = rng.sample(
                network.accounts,
                min(len(network.accounts), rng.choices([1, 2, 3, 4], weights=[4, 3, 2, 1])[0]),
            )
            if unposted:
                first = unposted.pop()
                posters = [first, *[a for a in posters if a is not first]]
            for account in posters:
                language = self._language(account.platform)
                account_form: MarkForm = form
                if account_form == "transliteration" and language != "zh":
                    account_form = "lookalike"
                words = wording.counterfeit(rng, brand, product, language, account_form, replica, ships_from)
                eur = product.price_mid * ratio * rng.uniform(0.92, 1.08)
                if account.platform == "Pixelgram" and rng.random() < 0.3:
                    eur_or_none: float | None = None
                    words.description += (
                        "\n" + {"en": "DM for price", "fr": "Prix en MP", "zh": "私聊询价"}[language]
                    )
                else:
                    eur_or_none = eur
                listing = self._listing(
                    account, words, language, eur_or_none, ships_from, images, "counterfeit", True, product
                )
                self._add_network_contacts(listing, network)
                listings.append(listing)
        for account in network.accounts:
            if rng.random() < 0.3:
                listings.append(self._unrelated(account, network.base_country))
        return listings

    def _add_network_contacts(self, listing: SimListing, network: Network) -> None:
        account = listing.account
        rng = self.rng
        first = id(account) not in self._posted
        self._posted.add(id(account))
        for identifier in account.listing_identifiers:
            if first or rng.random() < 0.6:
                self._write_contact(listing, identifier)
        for identifier in account.planted:
            if identifier in network.identifiers and rng.random() < 0.25:
                self._write_contact(listing, identifier)
        if account.platform == "web":
            self._add_shop_analytics(listing, network.analytics)

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

    def _unrelated(self, account: SimAccount, ships_from: str | None) -> SimListing:
        rng = self.rng
        kind = rng.choice(UNRELATED_KINDS)
        colour_name, colour = rng.choice(COLOURS)
        language = self._language(account.platform)
        words = wording.unrelated(rng, kind, language, colour_name)
        low, high = UNRELATED_PRICES[kind]
        ref = ImageRef(
            kind="unrelated",
            seed=rng.randrange(2**32),
            spec={"item": kind, "colour": COLOURS.index((colour_name, colour))},
        )
        listing = self._listing(
            account, words, language, rng.uniform(low, high), ships_from, [ref], "unrelated", False, None
        )
        return listing

    def honest_listings(
        self, sellers: HonestSellers, analytics_of: dict[str, list[ids.Identifier]]
    ) -> list[SimListing]:
        """Offers of brand stores, resellers, outlets, private and accessory sellers, and everyone else."""
        rng = self.rng
        out: list[SimListing] = []
        for brand_name, stores in sorted(sellers.brand_stores.items()):
            brand = self.brands[brand_name]
            for store in stores:
                count = (
                    len(brand.products) if store.platform == "web" else rng.randint(2, len(brand.products))
                )
                for product in rng.sample(brand.products, count):
                    out.append(self._genuine_offer(store, brand, product, "genuine_brand_store", 1.0))
        for brand_name, resellers in sorted(sellers.resellers.items()):
            brand = self.brands[brand_name]
            for reseller in resellers:
                for product in rng.sample(brand.products, rng.randint(2, min(4, len(brand.products)))):
                    out.append(
                        self._genuine_offer(reseller, brand, product, "authorised", rng.uniform(0.9, 1.0))
                    )
        for outlet, brand_names in sellers.outlets:
            for _ in range(rng.randint(2, 4)):
                brand = self.brands[rng.choice(brand_names)]
                out.append(
                    self._genuine_offer(
                        outlet, brand, rng.choice(brand.products), "discount", rng.uniform(0.5, 0.7)
                    )
                )
        for person in sellers.private:
            for _ in range(rng.randint(1, 2)):
                out.append(
                    self._second_hand(person)
                    if rng.random() < 0.7
                    else self._unrelated(person, person.country)
                )
        for shop in sellers.accessory:
            for _ in range(rng.randint(3, 5)):
                out.append(self._compatible(shop))
        for seller in sellers.unrelated:
            for _ in range(rng.randint(2, 5)):
                out.append(self._unrelated(seller, seller.country))
        for listing in out:
            account = listing.account
            if account.platform == "web" and account.handle in analytics_of:
                self._add_shop_analytics(listing, analytics_of[account.handle])
        return out

    def _genuine_offer(
        self, account: SimAccount, brand: Brand, product: Product, category: ListingCategory, ratio: float
    ) -> SimListing:
        rng = self.rng
        language = self._language(account.platform)
        if category == "discount":
            words = wording.discount(rng, brand, product, language, round((1 - ratio) * 100))
        else:
            words = wording.authorised(rng, brand, product, language, category == "genuine_brand_store")
        price = float(product.price_min) + rng.random() * float(product.price_max - product.price_min)
        ships_from = account.country if account.country in ("FR", "DE", "BE", "IT", "ES", "NL") else "FR"
        images = self._genuine_refs(brand, product, rng.randint(1, 3))
        return self._listing(
            account, words, language, price * ratio, ships_from, images, category, False, product
        )

    def _second_hand(self, person: SimAccount) -> SimListing:
        rng = self.rng
        brand = self.brands[rng.choice(sorted(self.brands))]
        product = rng.choice(brand.products)
        language = self._language(person.platform)
        words = wording.second_hand(rng, brand, product, language)
        images = [
            ImageRef(
                kind="own_photo",
                seed=rng.randrange(2**32),
                product=product.external_id,
                spec={"logo": brand.name, "home": 1},
            )
            for _ in range(rng.randint(1, 3))
        ]
        listing = self._listing(
            person,
            words,
            language,
            product.price_mid * rng.uniform(0.4, 0.7),
            person.country,
            images,
            "second_hand",
            False,
            product,
        )
        for identifier in person.planted:
            if identifier.kind == ids.PHONE and rng.random() < 0.4:
                self._write_contact(listing, identifier)
        return listing

    def _compatible(self, shop: SimAccount) -> SimListing:
        rng = self.rng
        brand = self.brands[rng.choice(sorted(self.brands))]
        product = rng.choice(brand.products)
        language = self._language(shop.platform)
        words = wording.compatible(rng, brand, product, language)
        low, high = brand.category.accessory_price_eur
        colour = rng.choice(COLOURS)
        ref = ImageRef(
            kind="accessory",
            seed=rng.randrange(2**32),
            spec={"category": brand.category.key, "colour": COLOURS.index(colour)},
        )
        return self._listing(
            shop,
            words,
            language,
            rng.uniform(low, high),
            shop.country,
            [ref],
            "compatible",
            False,
            None,
            brand.name,
        )


def _ascii_slug(text: str) -> str:
    slug = "".join(ch for ch in text if ch.isascii() and (ch.isalnum() or ch == "-"))
    return slug.strip("-") or "item"
