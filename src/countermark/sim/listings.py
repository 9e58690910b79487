"""Offers: the counterfeit offers of networks and lone sellers, and the offers of everyone else.

Words, prices and photos come from one pool shared by honest and infringing sellers and are drawn from the
seller's style (`SimAccount.style`), never from whether the seller belongs to a network. The offer's own
(in)fringement decides only what must differ: a fake's price band, a lookalike mark or replica words in some
fakes, a seller's reason for selling a genuine item cheaply.
"""

from __future__ import annotations

from countermark.sim import pricing, wording
from countermark.sim.entities import (
    Brand,
    MarkForm,
    Network,
    Product,
    SimAccount,
    SimListing,
)
from countermark.sim.honest_offers import HonestOffers
from countermark.sim.offers import EU_SHIPPING, FX_TO_EUR, OfferBase, price_in, style_of
from countermark.sim.text import lookalike
from countermark.sim.wording_templates import PRICE_ON_REQUEST

__all__ = ["FX_TO_EUR", "ListingMaker", "OfferBase", "price_in"]

CLEAN_FAKES = 0.35  # fakes written like an authorised retailer: the real EAN, no shipping line
REPLICA_FAKES = 0.2  # of the other fakes, those that use replica words


class ListingMaker(HonestOffers):
    """Builds the offers of the world from its brands, networks and honest sellers."""

    def _counterfeit_words(
        self, account: SimAccount, brand: Brand, product: Product, language: str, form: MarkForm, ships: str
    ) -> wording.Wording:
        rng = self.rng
        if rng.random() < CLEAN_FAKES:
            # Copied from an authorised retailer's page: the exact mark, the product's real EAN, no origin.
            return wording.branded(
                rng,
                style="brand_store" if rng.random() < 0.3 else "pro_reseller",
                language=language,
                brand=brand,
                product=product,
                form="exact",
                ships_from=ships,
                force=("ean",) if rng.random() < 0.3 else (),
                drop=("ships_from", "delay", "trade"),
            )
        if form == "transliteration" and language != "zh":
            form = "lookalike"
        replica = rng.random() < REPLICA_FAKES
        return wording.branded(
            rng,
            style=style_of(account),
            language=language,
            brand=brand,
            product=product,
            form=form,
            ships_from=ships,
            force=("replica",) if replica else (),
            pitch_from="replica" if replica and rng.random() < 0.6 else None,
        )

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
            forms: list[MarkForm] = ["exact", "lookalike", "transliteration", "none"]
            form = rng.choices(forms, weights=[0.62, 0.18, 0.06, 0.14])[0]
            ratio = pricing.counterfeit_ratio(rng)
            ships_from = network.base_country if rng.random() < 0.85 else rng.choice(EU_SHIPPING)
            posters = rng.sample(
                network.accounts,
                min(len(network.accounts), rng.choices([1, 2, 3, 4], weights=[4, 3, 2, 1])[0]),
            )
            if unposted:
                first = unposted.pop()
                posters = [first, *[a for a in posters if a is not first]]
            # The first poster shoots (or takes) the photos; the others repost them on their platforms.
            images = self.photos.for_offer(
                style_of(posters[0]), brand, product, infringing=True, overlay_texts=overlay_texts
            )
            for account in posters:
                language = self._language(account)
                words = self._counterfeit_words(account, brand, product, language, form, ships_from)
                eur: float | None = product.price_mid * ratio * rng.uniform(0.92, 1.08)
                if account.platform == "Pixelgram" and rng.random() < 0.3:
                    eur = None
                    words.description += "\n" + PRICE_ON_REQUEST[language]
                listing = self._listing(
                    account,
                    words,
                    language,
                    eur,
                    ships_from,
                    images,
                    "counterfeit",
                    True,
                    product,
                    kind="counterfeit",
                )
                self._add_network_contacts(listing, network)
                listings.append(listing)
        # Their other, ordinary offers carry the same contact lines as their fakes.
        for account in network.accounts:
            if rng.random() < 0.45:
                listing = self._unrelated(account, network.base_country)
                if rng.random() < 0.6:
                    self._add_network_contacts(listing, network)
                listings.append(listing)
        return listings

    def _add_network_contacts(self, listing: SimListing, network: Network) -> None:
        """Contact lines under a network offer: the account's own on its first offer (and now and then after),
        seldom the network's shared ones (those are on the profile)."""
        account = listing.account
        rng = self.rng
        first = id(account) not in self._posted
        self._posted.add(id(account))
        for identifier in account.listing_identifiers:
            if first or rng.random() < 0.3:
                self._write_contact(listing, identifier)
        for identifier in account.planted:
            if identifier in network.identifiers and rng.random() < 0.1:
                self._write_contact(listing, identifier)
        if account.platform == "web":
            self._add_shop_analytics(listing, network.analytics)

    def parody_listings(self, account: SimAccount, brand_names: list[str], count: int) -> list[SimListing]:
        """Parody and 'dupe' offers: a twisted mark says what it imitates; about half copy the logo itself
        on the goods (those infringe), the others carry only the twist (labelled parodies, not fakes)."""
        rng = self.rng
        out = []
        for _ in range(count):
            brand = self.brands[rng.choice(brand_names)]
            product = rng.choice(brand.products)
            infringing = rng.random() < 0.5
            language = self._language(account)
            words = wording.branded(
                rng,
                style="parody",
                language=language,
                brand=brand,
                product=product,
                form="lookalike" if rng.random() < 0.6 else "none",
                ships_from=account.country,
                force=("parody",),
                pitch_from="parody" if rng.random() < 0.5 else None,
            )
            logo = brand.name if infringing else lookalike(rng, brand.name)
            images = self.photos.for_offer(
                style_of(account), brand, product, infringing=infringing, overlay_texts=["DUPE"], logo=logo
            )
            eur = product.price_mid * pricing.parody_ratio(rng)
            listing = self._listing(
                account, words, language, eur, account.country, images, "parody", infringing, product,
                kind="parody",
            )  # fmt: skip
            self._add_own_contacts(listing)
            out.append(listing)
        return out

    # Everyone else -----------------------------------------------------------------------------------
