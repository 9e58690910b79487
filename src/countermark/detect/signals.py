"""Every detection signal of a listing, each with its evidence, and the feature row the scorer reads.

`Detector` compiles the references once (marks, vocabulary, product and logo photos, known offers) and
turns a listing and its seller into `Evidence`: the signals that fired, with what was seen, and one
number per feature. `seller_context.add_seller_context` then adds what the seller's other listings show
(no labels: only their own signals). Pure: values in, values out.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray
from rapidfuzz import fuzz, process

from countermark.detect.facts import ListingFacts, ProductRef, References, SellerFacts
from countermark.detect.goods import GoodsKinds, load_goods
from countermark.detect.marks import MarkFinder, MarkMention, skeleton
from countermark.detect.offers import OfferBank
from countermark.detect.photos import PhotoBank, PhotoMatch
from countermark.detect.vocabulary import Vocabulary, load_vocabulary

GTIN_RE = re.compile(r"(?<!\d)(\d{8}|\d{12,14})(?!\d)")
# A title names a product when its words are this close (0-100) to the product's name without the brand.
PRODUCT_NAME_SCORE = 80
RISKY_DISPATCH = frozenset({"CN", "HK"})
# Lookalike forms written on purpose (`marks.Mention.form`), against the misspellings and spacings honest
# sellers also make.
DISGUISES = frozenset({"homoglyph", "leetspeak"})

FEATURES: tuple[str, ...] = (
    "mark_exact",
    "mark_lookalike",
    "mark_disguised",
    "mark_transliteration",
    "mark_in_photo_only",
    "brand_identified",
    "gtin_quoted",
    "product_found",
    "price_ratio",
    "price_below_band",
    "photo_similarity",
    "photo_match",
    "photo_theft",
    "seller_authorised",
    "shop_name_uses_mark",
    "replica_terms",
    "coded_terms",
    "piracy_terms",
    "parody_terms",
    "sale_terms",
    "compatible_terms",
    "goods_of_brands",
    "goods_other",
    "known_offer_similarity",
    "account_age_days",
    "ships_from_risky",
    "ships_from_other_country",
    "seller_confirmed_infringements",
    "seller_network_size",
    "seller_network_confirmed",
    "seller_listings",
    "seller_brand_share",
    "seller_lookalike_share",
    "seller_replica_share",
    "seller_low_price_share",
    "seller_photo_theft_share",
    "seller_brands",
    "seller_sale_share",
    "seller_parody_share",
    "price_vs_seller_median",
)
# Vocabulary groups that admit an infringement, and those that give an honest account of the offer
# (a parody or dupe, a reason for a low price, what an accessory fits): the latter are shown as mitigating.
ADMITTING_GROUPS = ("replica", "coded", "piracy")
MITIGATING_GROUPS = ("parody", "sale", "compatible")
# A parody shop: at least this share of the seller's listings present the goods as a parody or a dupe. Its
# offers infringe or not by the logo on the goods themselves (the brand's own, or a twisted one), which
# neither their words nor their prices tell: the operating threshold of such offers is chosen on their own.
PARODY_SHOP_SHARE = 0.5
PARODY_SHOP_FEATURE = "seller_parody_share"


def is_parody_shop(features: Mapping[str, float]) -> bool:
    """Whether the listing's seller presents its range as parodies or dupes (`PARODY_SHOP_SHARE`)."""
    share = features.get(PARODY_SHOP_FEATURE, 0.0)
    return not math.isnan(share) and share >= PARODY_SHOP_SHARE


def parody_shop_rows(rows: NDArray[np.float64], names: Sequence[str]) -> NDArray[np.bool_]:
    """`is_parody_shop` of each feature row whose columns are `names` (none, when they lack the feature)."""
    if PARODY_SHOP_FEATURE not in names:
        return np.zeros(len(rows), dtype=bool)
    share = np.asarray(rows, dtype=float)[:, list(names).index(PARODY_SHOP_FEATURE)]
    found: NDArray[np.bool_] = np.nan_to_num(share, nan=0.0) >= PARODY_SHOP_SHARE
    return found


@dataclass(frozen=True, slots=True)
class Signal:
    """One signal that fired: its name, its strength and what was seen (values for the reason's sentence)."""

    name: str
    strength: float
    evidence: Mapping[str, str]


@dataclass
class Evidence:
    """A listing's signals and feature values (NaN where unknown)."""

    key: str
    seller: str | None
    brand: str | None
    product: str | None
    signals: list[Signal] = field(default_factory=list)
    features: dict[str, float] = field(default_factory=dict)
    photo: PhotoMatch | None = None

    def row(self) -> list[float]:
        """The feature row in FEATURES order."""
        return [self.features.get(name, math.nan) for name in FEATURES]


def fx(amount: float | None, currency: str | None, rates: Mapping[str, float]) -> float | None:
    """The amount in EUR, or None when the amount or the rate is unknown."""
    if amount is None:
        return None
    rate = rates.get((currency or "EUR").upper())
    return None if rate is None else amount * rate


class Detector:
    """The references compiled for fast scoring of many listings."""

    def __init__(
        self, references: References, vocabulary: Vocabulary | None = None, goods: GoodsKinds | None = None
    ) -> None:
        self.references = references
        self.vocabulary = vocabulary or load_vocabulary()
        self.goods = goods or load_goods()
        # The kinds of goods the registered brands sell, from their products' categories.
        self.brand_kinds = frozenset(
            kind for p in references.products if p.category for kind in self.goods.kinds_of(p.category)
        )
        self.finder = MarkFinder(references.marks, references.aliases)
        self.products = {p.key: p for p in references.products}
        self.by_gtin = {p.gtin.lstrip("0"): p for p in references.products if p.gtin}
        self.names_by_brand: dict[str, list[ProductRef]] = defaultdict(list)
        for product in references.products:
            self.names_by_brand[product.brand].append(product)
        self.product_photos = PhotoBank((h, p.key) for p in references.products for h in p.photo_hashes)
        self.logo_photos = PhotoBank(
            (h, brand) for brand, hashes in references.logo_hashes.items() for h in hashes
        )
        self.offers = OfferBank(references.known_offer_signals)
        self.mark_shapes = {brand: [skeleton(m) for m in marks] for brand, marks in references.marks.items()}

    def evidence(self, listing: ListingFacts, seller: SellerFacts | None = None) -> Evidence:
        """The signals and feature values of one listing."""
        text = listing.text
        mentions = self.finder.find(text)
        quoted = [self.by_gtin[g.lstrip("0")] for g in GTIN_RE.findall(text) if g.lstrip("0") in self.by_gtin]
        photo = self._product_photo(listing, mentions)
        logo = _best(self.logo_photos.nearest(listing.photo_hashes))
        brand, product = self._identify(listing, mentions, quoted, photo, logo)
        evidence = Evidence(
            listing.key, _seller_key(listing), brand, product.key if product else None, photo=photo
        )
        f = evidence.features
        signals = evidence.signals
        exact = [m for m in mentions if m.form == "exact"]
        lookalike = [m for m in mentions if m.form not in ("exact", "transliteration", "alias")]
        translit = [m for m in mentions if m.form in ("transliteration", "alias")]
        f["mark_exact"] = float(len(exact))
        f["mark_lookalike"] = float(len(lookalike))
        # Of those, the disguises no honest hand makes by slip (other scripts' letters, digits for letters):
        # a typo or a glued name is also an honest seller's; these are written to pass a filter.
        f["mark_disguised"] = float(sum(m.form in DISGUISES for m in lookalike))
        f["mark_transliteration"] = float(len(translit))
        for mention in lookalike + translit:
            signals.append(Signal(f"mark_{mention.form}", 1.0, {"mark": mention.mark, "text": mention.text}))
        if exact:
            signals.append(Signal("mark_exact", 0.3, {"mark": exact[0].mark}))
        photo_only = bool(logo and logo.is_match and not mentions)
        f["mark_in_photo_only"] = float(photo_only)
        if photo_only and logo is not None:
            signals.append(Signal("mark_in_photo", 1.0, {"mark": logo.label, "distance": str(logo.distance)}))
        f["brand_identified"] = float(brand is not None)
        f["gtin_quoted"] = float(bool(quoted))
        f["product_found"] = float(product is not None)
        self._price(listing, product, evidence)
        self._photo_and_seller(listing, seller, brand, photo, evidence)
        self._vocabulary(text, evidence)
        self._goods(text, evidence)
        note_known_offer(evidence, self.offers.similarity(text))
        return evidence

    def _product_photo(self, listing: ListingFacts, mentions: Sequence[MarkMention]) -> PhotoMatch | None:
        """The genuine photo nearest to the listing's photos; when it is another brand's than the text
        names, the nearest of the named brands' photos instead, if that one matches too (product photos
        of one kind, shot alike, can lie as close to each other as to a listing's copy)."""
        photo = _best(self.product_photos.nearest(listing.photo_hashes))
        named = {m.brand for m in mentions}
        if photo is None or not photo.is_match or not named or self.products[photo.label].brand in named:
            return photo
        keys = {p.key for brand in named for p in self.names_by_brand.get(brand, ())}
        own = _best(self.product_photos.nearest(listing.photo_hashes, among=keys))
        return own if own is not None and own.is_match else photo

    def _identify(
        self,
        listing: ListingFacts,
        mentions: Sequence[MarkMention],
        quoted: Sequence[ProductRef],
        photo: PhotoMatch | None,
        logo: PhotoMatch | None,
    ) -> tuple[str | None, ProductRef | None]:
        """The brand and product offered: a quoted GTIN, else a matched photo, else the title's words."""
        if quoted:
            return quoted[0].brand, quoted[0]
        if photo is not None and photo.is_match:
            product = self.products[photo.label]
            return product.brand, product
        brand = mentions[0].brand if mentions else (logo.label if logo and logo.is_match else None)
        if brand is None:
            return None, None
        candidates = self.names_by_brand.get(brand, [])
        if not candidates:
            return brand, None
        names = [p.name.replace(p.brand, "").strip() for p in candidates]
        best = process.extractOne(
            listing.title, names, scorer=fuzz.token_set_ratio, score_cutoff=PRODUCT_NAME_SCORE
        )
        return brand, candidates[best[2]] if best else None

    def _price(self, listing: ListingFacts, product: ProductRef | None, evidence: Evidence) -> None:
        f = evidence.features
        rates = self.references.fx_to_eur
        shown = "EUR"
        own = (listing.currency or "EUR").upper()
        if product is not None and own == (product.currency or "EUR").upper() and own not in rates:
            # Both prices in one currency the rates do not hold: their ratio needs no rate.
            rates, shown = {own: 1.0}, own
        price = fx(listing.price, listing.currency, rates)
        mid = fx(product.price_mid, product.currency, rates) if product else None
        low = fx(product.price_min, product.currency, rates) if product else None
        if price is None or not mid:
            f["price_ratio"] = math.nan
            f["price_below_band"] = math.nan
            return
        ratio = price / mid
        f["price_ratio"] = ratio
        f["price_below_band"] = float(bool(low) and price < 0.5 * (low or 0))
        if low and price < 0.5 * low and product is not None:
            evidence.signals.append(
                Signal(
                    "price_low",
                    min(1.0, 1 - ratio),
                    {
                        "price": f"{price:.2f}",
                        "low": f"{low:.2f}",
                        "ratio": f"{ratio:.2f}",
                        "product": product.name,
                        "currency": shown,
                    },
                )
            )

    def _photo_and_seller(
        self,
        listing: ListingFacts,
        seller: SellerFacts | None,
        brand: str | None,
        photo: PhotoMatch | None,
        evidence: Evidence,
    ) -> None:
        f = evidence.features
        authorised = bool(brand) and self.references.is_authorised(
            brand or "", listing.platform, listing.seller
        )
        f["seller_authorised"] = float(authorised)
        f["photo_similarity"] = 1 - photo.distance / 256 if photo else 0.0
        f["photo_match"] = float(bool(photo and photo.is_match))
        theft = bool(photo and photo.is_match and not authorised)
        f["photo_theft"] = float(theft)
        if theft and photo is not None:
            name = self.products[photo.label].name
            evidence.signals.append(
                Signal("photo_theft", 1.0, {"product": name, "distance": str(photo.distance)})
            )
        if authorised:
            evidence.signals.append(Signal("seller_authorised", -1.0, {"seller": listing.seller or ""}))
        handle = skeleton(listing.seller or "")
        uses_mark = (
            bool(brand)
            and not authorised
            and any(s and s in handle for s in self.mark_shapes.get(brand or "", []))
        )
        f["shop_name_uses_mark"] = float(uses_mark)
        if uses_mark:
            evidence.signals.append(
                Signal("shop_name_uses_mark", 1.0, {"seller": listing.seller or "", "mark": brand or ""})
            )
        if seller is not None and seller.joined_at is not None and listing.observed_at is not None:
            f["account_age_days"] = (listing.observed_at - seller.joined_at).total_seconds() / 86400
        else:
            f["account_age_days"] = math.nan
        f["ships_from_risky"] = float((listing.ships_from or "") in RISKY_DISPATCH)
        declared = seller.country if seller else None
        other = bool(declared and listing.ships_from and declared != listing.ships_from)
        f["ships_from_other_country"] = float(other)
        if other:
            evidence.signals.append(
                Signal(
                    "ships_from_other_country",
                    0.5,
                    {"ships_from": listing.ships_from or "", "declared": declared or ""},
                )
            )
        confirmed = seller.confirmed_infringements if seller else 0
        f["seller_confirmed_infringements"] = float(confirmed)
        if confirmed:
            evidence.signals.append(Signal("seller_history", 1.0, {"count": str(confirmed)}))
        # A network counts once another of its sellers was confirmed infringing: the linker also groups
        # an honest operator's shops (an importer's, an accessory maker's), and size alone is no sign.
        known = seller.network_confirmed if seller else 0
        size = seller.network_size if seller and known > 0 else 0
        f["seller_network_size"] = float(size)
        f["seller_network_confirmed"] = float(known)
        if size:
            evidence.signals.append(
                Signal("seller_network", 1.0, {"size": str(size), "confirmed": str(known)})
            )

    def _vocabulary(self, text: str, evidence: Evidence) -> None:
        hits = self.vocabulary.find(text)
        for group in (*ADMITTING_GROUPS, *MITIGATING_GROUPS):
            found = [h for h in hits if h.group == group]
            evidence.features[f"{group}_terms"] = float(len(found))
            if found:
                terms = ", ".join(dict.fromkeys(f"«{h.term}»" for h in found))
                strength = 1.0 if group in ADMITTING_GROUPS else -0.5
                evidence.signals.append(
                    Signal(f"{group}_terms", strength, {"terms": terms, "language": found[0].language})
                )

    def _goods(self, text: str, evidence: Evidence) -> None:
        """Whether the text names goods of a kind the brands sell, or only goods of other kinds (NaN
        both when no reference product has a known category)."""
        f = evidence.features
        if not self.brand_kinds:
            f["goods_of_brands"] = f["goods_other"] = math.nan
            return
        hits = self.goods.find(text)
        theirs = list(dict.fromkeys(h.term for h in hits if h.kind in self.brand_kinds))
        other = list(dict.fromkeys(h.term for h in hits if h.kind not in self.brand_kinds))
        f["goods_of_brands"] = float(bool(theirs))
        f["goods_other"] = float(bool(other) and not theirs)
        if theirs:
            goods = ", ".join(f"«{t}»" for t in theirs)
            evidence.signals.append(Signal("goods_of_brands", 0.2, {"goods": goods}))
        elif other:
            goods = ", ".join(f"«{t}»" for t in other)
            evidence.signals.append(Signal("goods_other", -0.5, {"goods": goods}))


def note_known_offer(evidence: Evidence, similarity: float) -> None:
    """Keep the listing's similarity to known infringing offers when it is the highest seen, and its
    signal from 0.5 up."""
    if similarity < evidence.features.get("known_offer_similarity", 0.0):
        return
    evidence.features["known_offer_similarity"] = similarity
    evidence.signals[:] = [s for s in evidence.signals if s.name != "known_offer"]
    if similarity >= 0.5:
        evidence.signals.append(Signal("known_offer", similarity, {"similarity": f"{similarity:.2f}"}))


def _best(matches: Iterable[PhotoMatch]) -> PhotoMatch | None:
    return min(matches, key=lambda m: m.distance, default=None)


def _seller_key(listing: ListingFacts) -> str | None:
    return f"{listing.platform.casefold()}:{listing.seller.casefold()}" if listing.seller else None
