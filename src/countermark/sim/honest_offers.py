"""Offers of the honest side: brand stores, resellers, outlets, grey importers, private and accessory sellers.

They write, price and shoot the way their style does; a third of them say "100% authentic", "free shipping"
or "ships from China" as fakes do, about a tenth sell far below the price with a reason, and many write a
contact line under the offer.
"""

from __future__ import annotations

from countermark.sim import identifiers as ids
from countermark.sim import pricing, wording
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
from countermark.sim.offers import EU_SHIPPING, OfferBase, style_of
from countermark.sim.sellers import HonestSellers
from countermark.sim.wording_templates import PRICE_ON_REQUEST

HONEST_PITCH = 0.3  # honest offers saying "100% authentic", "free shipping" or "ships from China"
# How often a style takes orders on a messenger or mobile of its own (beside its page's contacts).
_ORDER_LINE = {"bulk_trader": 0.6, "grey_market": 0.7, "pro_reseller": 0.35, "casual_private": 0.3,
               "parody": 0.5, "brand_store": 0.05}  # fmt: skip
_PHONE_COUNTRIES = ("CN", "HK", "TR", "FR", "DE", "GB", "US", "IT", "ES", "NL", "BE")
# How often a style writes its contact details under an offer (a network's accounts add the network's).
_CONTACT_HABIT = {"brand_store": 0.35, "pro_reseller": 0.5, "bulk_trader": 0.7, "grey_market": 0.7,
                  "casual_private": 0.35, "parody": 0.5}  # fmt: skip


class HonestOffers(OfferBase):
    """Builds the honest offers of the world."""

    def honest_listings(
        self, sellers: HonestSellers, analytics_of: dict[str, list[ids.Identifier]]
    ) -> list[SimListing]:
        """Offers of brand stores, resellers, outlets, grey importers, private and other sellers."""
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
            grey = getattr(outlet, "kind", "") == "grey_market"
            for _ in range(rng.randint(2, 4)):
                brand = self.brands[rng.choice(brand_names)]
                product = rng.choice(brand.products)
                if grey:
                    out.append(
                        self._genuine_offer(outlet, brand, product, "grey_market", pricing.grey_ratio(rng))
                    )
                else:
                    out.append(
                        self._genuine_offer(outlet, brand, product, "discount", pricing.outlet_ratio(rng))
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
            self._add_own_contacts(listing)
        return out

    def _order_lines(self, account: SimAccount) -> list[ids.Identifier]:
        """A messenger or mobile some honest sellers take orders on, written only under their offers."""
        key = id(account)
        if key not in self._order_ids:
            rng = self.rng
            made: list[ids.Identifier] = []
            if rng.random() < _ORDER_LINE.get(style_of(account), 0.2):
                country = account.country if account.country in _PHONE_COUNTRIES else "FR"
                roll = rng.random()
                if roll < 0.4:
                    made.append(ids.make_whatsapp(ids.make_phone(rng, country)))
                elif roll < 0.7:
                    made.append(ids.make_phone(rng, country))
                else:
                    app = "wechat" if country in ("CN", "HK") else "telegram"
                    made.append(ids.make_handle(rng, app, account.handle))
            self._order_ids[key] = made
        return self._order_ids[key]

    def _add_own_contacts(self, listing: SimListing) -> None:
        """Honest sellers also write their e-mail, phone or messenger under an offer, as often as their
        style does; on the social platform some ask for a message instead of showing a price."""
        rng = self.rng
        account = listing.account
        if rng.random() < _CONTACT_HABIT.get(style_of(account), 0.3):
            reachable = [i for i in account.planted if i.kind in (ids.EMAIL, ids.PHONE, ids.MESSAGING)]
            reachable += self._order_lines(account)
            for identifier in rng.sample(reachable, min(len(reachable), rng.randint(1, 2))):
                self._write_contact(listing, identifier)
        if account.platform == "Pixelgram" and listing.price is not None and rng.random() < 0.25:
            listing.price = listing.currency = None
            listing.description += "\n" + PRICE_ON_REQUEST[listing.language]

    def _honest_text(
        self,
        account: SimAccount,
        brand: Brand,
        product: Product,
        language: str,
        ships_from: str | None,
        force: tuple[str, ...],
        style: str | None = None,
    ) -> tuple[wording.Wording, str | None]:
        """Honest wording from the style, with the pitch a third of honest sellers use like fakes do."""
        rng = self.rng
        if rng.random() < HONEST_PITCH:
            pitch = tuple(rng.sample(("authentic", "free_shipping", "ships_from"), rng.randint(1, 2)))
            force = (*force, *pitch)
            if "ships_from" in pitch and rng.random() < 0.7:
                ships_from = rng.choice(("CN", "CN", "HK"))  # drop-shipped genuine stock
        words = wording.branded(
            rng,
            style=style or style_of(account),
            language=language,
            brand=brand,
            product=product,
            form="exact",
            ships_from=ships_from,
            force=force,
        )
        return words, ships_from

    def _genuine_offer(
        self, account: SimAccount, brand: Brand, product: Product, category: ListingCategory, ratio: float
    ) -> SimListing:
        rng = self.rng
        language = self._language(account)
        force: tuple[str, ...] = ()
        if category == "discount" and rng.random() < 0.6:
            force = ("outlet",)
        elif category == "grey_market":
            force = ("grey",)
        if category != "genuine_brand_store" and rng.random() < pricing.CHEAP_HONEST:
            ratio, force = pricing.cheap_ratio(rng), (*force, "cheap")
        if category == "grey_market":
            ships_from: str | None = account.country if account.country in ("CN", "HK") else "HK"
        else:
            ships_from = account.country if account.country in EU_SHIPPING else "FR"
        words, ships_from = self._honest_text(account, brand, product, language, ships_from, force)
        price = float(product.price_min) + rng.random() * float(product.price_max - product.price_min)
        overlay = [account.display_name, account.handle]
        images = self.photos.for_offer(
            style_of(account), brand, product, infringing=False, overlay_texts=overlay
        )
        kind: ListingKind = "grey_market" if category == "grey_market" else "genuine"
        return self._listing(
            account, words, language, price * ratio, ships_from, images, category, False, product, kind=kind
        )

    def _second_hand(self, person: SimAccount) -> SimListing:
        rng = self.rng
        brand = self.brands[rng.choice(sorted(self.brands))]
        product = rng.choice(brand.products)
        language = self._language(person)
        ratio = pricing.second_hand_ratio(rng)
        force: tuple[str, ...] = ("used",)
        if rng.random() < pricing.CHEAP_HONEST:
            ratio, force = pricing.cheap_ratio(rng), ("used", "cheap")
        words, ships_from = self._honest_text(person, brand, product, language, person.country, force)
        images = self.photos.for_offer(
            style_of(person), brand, product, infringing=False, overlay_texts=[person.handle]
        )
        listing = self._listing(
            person,
            words,
            language,
            product.price_mid * ratio,
            ships_from,
            images,
            "second_hand",
            False,
            product,
        )
        return listing

    def _compatible(self, shop: SimAccount) -> SimListing:
        rng = self.rng
        brand = self.brands[rng.choice(sorted(self.brands))]
        product = rng.choice(brand.products)
        language = self._language(shop)
        words = wording.compatible(rng, style_of(shop), brand, product, language)
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
            kind="compatible",
        )
