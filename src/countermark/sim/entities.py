"""The things of the synthetic world, as the generator holds them before writing files."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from countermark.sim.catalogue import RGB, BrandSeed, Category
from countermark.sim.identifiers import Identifier

Role = Literal["counterfeiter", "honest", "authorised"]
ListingCategory = Literal[
    "counterfeit",
    "authorised",
    "second_hand",
    "compatible",
    "discount",
    "unrelated",
    "genuine_brand_store",
    "grey_market",
    "parody",
]
# What an offer is, for the truth: fakes, parodies and dupes (legal or not), grey imports, genuine goods.
ListingKind = Literal["counterfeit", "parody", "grey_market", "genuine", "compatible", "unrelated"]

MarkForm = Literal["exact", "lookalike", "transliteration", "none"]

TODAY = date(2026, 6, 30)


@dataclass
class Product:
    """A genuine product and the files of its reference photos."""

    external_id: str
    brand: str
    name: str
    model: str
    model_index: int
    colour_name: dict[str, str]
    colour: RGB
    gtin: str
    hs_code: str
    price_min: Decimal
    price_max: Decimal
    image_paths: list[str] = field(default_factory=list)
    right_ids: list[str] = field(default_factory=list)

    @property
    def price_mid(self) -> float:
        """The middle of the genuine price range, in EUR."""
        return float(self.price_min + self.price_max) / 2


@dataclass
class Brand:
    """A brand, the company holding it, its products and where its holder's files live."""

    seed: BrandSeed
    category: Category
    slug: str
    products: list[Product] = field(default_factory=list)

    @property
    def name(self) -> str:
        """The word mark."""
        return self.seed.name

    @property
    def company(self) -> str:
        """The holder's company name."""
        return self.seed.company


@dataclass
class SimAccount:
    """A seller account, page or web shop, with what the truth file says about it."""

    platform: str
    handle: str
    display_name: str
    profile_url: str
    country: str | None
    role: Role
    network: str | None
    joined_at: datetime
    bio_lines: list[str] = field(default_factory=list)
    contacts: list[str] = field(default_factory=list)
    planted: list[Identifier] = field(default_factory=list)
    listing_identifiers: list[Identifier] = field(default_factory=list)
    brand: str | None = None
    home_country: str | None = None
    external_id: str = ""
    # How the seller writes, prices and shoots (independent of the label) and which population it belongs to.
    style: str = "casual_private"
    kind: str = "private"
    fake_share: float | None = None
    operator: str | None = None

    def plant(self, identifier: Identifier, written: str, where: Literal["bio", "contacts"]) -> None:
        """Write an identifier into the bio or the contacts and remember it for the truth file."""
        (self.bio_lines if where == "bio" else self.contacts).append(written)
        self.planted.append(identifier)


@dataclass
class ImageRef:
    """One photo of a listing before it is rendered: how to make it and what it is."""

    kind: Literal["genuine_copy", "altered_genuine", "own_photo", "fake_own_photo", "accessory", "unrelated"]
    seed: int
    product: str | None = None
    source: str | None = None
    ops: list[str] = field(default_factory=list)
    params: dict[str, float | str] = field(default_factory=dict)
    quality: int = 90
    spec: dict[str, str | int] = field(default_factory=dict)
    file: str = ""


@dataclass
class SimListing:
    """An offer on a platform, with what the truth file says about it."""

    account: SimAccount
    url: str
    title: str
    description: str
    language: str
    price: Decimal | None
    currency: str | None
    ships_from: str | None
    observed_at: datetime
    images: list[ImageRef]
    category: ListingCategory
    infringing: bool
    product: Product | None
    brand: str | None = None
    lookalike_mark: bool = False
    mark_form: MarkForm = "none"
    planted: list[Identifier] = field(default_factory=list)
    page_identifiers: list[Identifier] = field(default_factory=list)
    page_scripts: list[str] = field(default_factory=list)
    external_id: str = ""
    kind: ListingKind = "genuine"

    @property
    def image_ops(self) -> list[str]:
        """Every alteration applied to this listing's photos, once each, in a fixed order."""
        return sorted({op for ref in self.images for op in ref.ops})


@dataclass
class Network:
    """A counterfeit organisation: its accounts, shops, identifiers and the names it ships under."""

    id: str
    name: str
    base_country: str
    identifiers: list[Identifier] = field(default_factory=list)
    analytics: list[Identifier] = field(default_factory=list)
    consignor_names: list[str] = field(default_factory=list)
    consignor_addresses: list[str] = field(default_factory=list)
    consignor_contacts: list[Identifier] = field(default_factory=list)
    shops: list[str] = field(default_factory=list)
    accounts: list[SimAccount] = field(default_factory=list)
    brands: list[str] = field(default_factory=list)
    kind: str = "network"
    signature: str = ""
