"""Honest sellers: brand stores, authorised resellers, outlets, private and accessory sellers, others."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from countermark.sim import identifiers as ids
from countermark.sim.brands import slugify
from countermark.sim.entities import Brand, Network, SimAccount
from countermark.sim.identifiers import Identifier
from countermark.sim.platforms import (
    MARKETPLACES,
    Addresses,
    joined_at,
    person_handle,
    shop_domain,
    store_handle,
)
from countermark.sim.text import FIRST_NAMES, LAST_NAMES

_RESELLER_NAMES = {
    "sneakers": ("SportMania", "RunLab", "Foot Avenue"),
    "handbags": ("Maison du Sac", "Galerie Cuir", "BagStudio"),
    "watches": ("TimeCorner", "Horlogerie Centrale", "Watch Gallery"),
    "perfume": ("Parfumerie Lumière", "Scent House", "Beauté Plus"),
    "headphones": ("AudioPlanet", "SonoCity", "HiFi Corner"),
    "phone_accessories": ("PhoneStation", "MobiCenter", "Connect Store"),
    "toys": ("ToyWorld", "Le Grenier à Jouets", "KidsPark"),
    "software": ("GameVault", "Ludothèque Pro", "PixelShop"),
    "cosmetics": ("BeautyBox", "Pharmacie du Parc", "Skin Lab"),
}
_HONEST_COUNTRIES = ("FR", "FR", "FR", "DE", "BE", "IT", "ES", "NL", "GB", "US")
_ACCESSORY_COUNTRIES = ("CN", "CN", "HK", "DE", "FR", "US")
_UNRELATED_COUNTRIES = ("FR", "FR", "DE", "CN", "CN", "ES", "IT", "GB", "US", "NL")


@dataclass
class SharedContacts:
    """Identifiers honest sellers and counterfeiters both show: platform support lines and a forwarder."""

    support: dict[str, list[Identifier]] = field(default_factory=dict)
    forwarder_name: str = "SZ FastLink Logistics"
    forwarder: list[Identifier] = field(default_factory=list)
    forwarder_address: str = ""


def make_shared_contacts(rng: random.Random) -> SharedContacts:
    """The marketplaces' support contacts and a Shenzhen forwarding agent used by many sellers."""
    shared = SharedContacts()
    shared.support["ShopMarket"] = [
        ids.make_email(rng, "sellersupport", "shopmarket.eu"),
        ids.make_phone(rng, "FR_LANDLINE"),
    ]
    shared.support["Bazario"] = [
        ids.make_email(rng, "service", "bazario.com"),
        ids.make_phone(rng, "CN_LANDLINE"),
    ]
    shared.support["Trendora"] = [
        ids.make_email(rng, "aide", "trendora.fr"),
        ids.make_phone(rng, "FR_LANDLINE"),
    ]
    shared.forwarder = [ids.make_email(rng, "cs", "fastlink-sz.com"), ids.make_phone(rng, "CN_LANDLINE")]
    shared.forwarder_address = "Unit 5, Bldg 3, Pinghu Logistics Park, Longgang District, Shenzhen 518111"
    return shared


def add_shared_contacts(
    rng: random.Random, account: SimAccount, shared: SharedContacts, p_support: float, p_forwarder: float
) -> None:
    """Write the platform support line and/or the forwarder's contacts into an account, by chance."""
    support = shared.support.get(account.platform)
    if support and rng.random() < p_support:
        chosen = rng.choice(support)
        account.plant(
            chosen, f"After-sales via {account.platform} support: {ids.render(rng, chosen, None)}", "bio"
        )
    if rng.random() < p_forwarder:
        chosen = rng.choice(shared.forwarder)
        account.plant(
            chosen,
            f"Returns: {shared.forwarder_name}, {shared.forwarder_address}, {ids.render(rng, chosen, None)}",
            "bio",
        )


def _account(
    addresses: Addresses,
    platform: str,
    handle: str,
    display: str,
    country: str | None,
    role: str,
    rng: random.Random,
    min_days: int,
    max_days: int,
) -> SimAccount:
    # Some web shops state no country at all; their contacts are then written in international form.
    shown = None if platform == "web" and rng.random() < 0.2 else country
    return SimAccount(
        platform=platform,
        handle=handle,
        display_name=display,
        profile_url=addresses.profile_url(platform, handle),
        country=shown,
        home_country=country,
        role="authorised" if role == "authorised" else "honest",
        network=None,
        joined_at=joined_at(rng, min_days, max_days),
    )


@dataclass
class HonestSellers:
    """The honest side of the world, by what they sell."""

    brand_stores: dict[str, list[SimAccount]] = field(default_factory=dict)
    resellers: dict[str, list[SimAccount]] = field(default_factory=dict)
    outlets: list[tuple[SimAccount, list[str]]] = field(default_factory=list)
    private: list[SimAccount] = field(default_factory=list)
    accessory: list[SimAccount] = field(default_factory=list)
    unrelated: list[SimAccount] = field(default_factory=list)

    def all(self) -> list[SimAccount]:
        """Every honest account, once."""
        seen: dict[int, SimAccount] = {}
        groups = [a for v in self.brand_stores.values() for a in v] + [
            a for v in self.resellers.values() for a in v
        ]
        groups += [a for a, _ in self.outlets] + self.private + self.accessory + self.unrelated
        for account in groups:
            seen.setdefault(id(account), account)
        return list(seen.values())

    def authorised_for(self, brand: str) -> list[SimAccount]:
        """The accounts a brand lists as authorised (its stores, its resellers, its own outlets)."""
        outlets = [a for a, brands in self.outlets if a.role == "authorised" and brand in brands]
        return self.brand_stores.get(brand, []) + self.resellers.get(brand, []) + outlets


def _contact_lines(
    rng: random.Random, account: SimAccount, stem: str, domain: str | None, p_phone: float
) -> None:
    home = account.home_country
    email = ids.make_email(rng, stem, domain, western=home not in ("CN", "HK", None))
    account.plant(email, ids.render(rng, email, account.country), rng.choice(["contacts", "bio"]))
    if home and rng.random() < p_phone:
        phone = ids.make_phone(rng, home)
        account.plant(phone, ids.render(rng, phone, account.country), "contacts")


def make_honest_sellers(
    rng: random.Random,
    brands: list[Brand],
    addresses: Addresses,
    shared: SharedContacts,
    taken_handles: set[str],
    taken_domains: set[str],
    factor: int,
) -> HonestSellers:
    """Honest accounts in proportion to the world's scale factor."""
    sellers = HonestSellers()
    for brand in brands:
        domain = slugify(brand.name) + rng.choice([".com", "-official.com", ".eu"])
        taken_domains.add(domain)
        stores = [
            _account(
                addresses,
                "web",
                domain,
                f"{brand.name} Official Store",
                brand.seed.country,
                "authorised",
                rng,
                1500,
                4000,
            )
        ]
        for platform in rng.sample(MARKETPLACES, rng.randint(1, 2)):
            handle = f"{slugify(brand.name)}_official"
            stores.append(
                _account(
                    addresses,
                    platform,
                    handle,
                    f"{brand.name} Official",
                    brand.seed.country,
                    "authorised",
                    rng,
                    800,
                    3000,
                )
            )
        for store in stores:
            store.brand = brand.name
            store.bio_lines.append(
                f"The official {brand.name} store. Genuine products, manufacturer warranty."
            )
            _contact_lines(rng, store, "customercare", domain.split("/")[0], 0.0)
        sellers.brand_stores[brand.name] = stores
    for brand in brands:
        sellers.resellers[brand.name] = []
    for k in range(3 * factor + 7):
        brand = brands[k % len(brands)]
        base = _RESELLER_NAMES.get(brand.category.key, ("Retail Hub",))[(k // len(brands)) % 3]
        name = (
            base
            if k < 3 * len(brands)
            else f"{base} {rng.choice(['Lyon', 'Lille', 'Nice', 'Bruxelles'])} {k}"
        )
        country = rng.choice(["FR", "FR", "BE", "DE"])
        if rng.random() < 0.5:
            account = _account(
                addresses,
                "web",
                shop_domain(rng, taken_domains, [name]),
                name,
                country,
                "authorised",
                rng,
                700,
                5000,
            )
        else:
            account = _account(
                addresses,
                rng.choice(MARKETPLACES),
                store_handle(rng, taken_handles, slugify(name).replace("-", "")),
                name,
                country,
                "authorised",
                rng,
                700,
                5000,
            )
        account.bio_lines.append(f"{name} — authorised {brand.name} retailer. Invoice with every order.")
        _contact_lines(rng, account, slugify(name).replace("-", ""), None, 0.6)
        add_shared_contacts(rng, account, shared, 0.2, 0.0)
        sellers.resellers[brand.name].append(account)
    for k in range(2 * factor + 4):
        chosen = sorted(b.name for b in rng.sample(brands, min(len(brands), rng.randint(1, 3))))
        if k % 2 == 0:
            brand_name = chosen[0]
            display = f"{brand_name} Outlet"
            handle = store_handle(rng, taken_handles, slugify(brand_name) + "outlet")
            account = _account(
                addresses, rng.choice(MARKETPLACES), handle, display, "FR", "authorised", rng, 500, 3000
            )
            chosen = [brand_name]
        else:
            display = rng.choice(
                ["Destock Marques", "Grand Déstockage", "DealStock", "Stock Affaires", "Outlet Club"]
            )
            if rng.random() < 0.5:
                account = _account(
                    addresses,
                    "web",
                    shop_domain(rng, taken_domains, [display]),
                    display,
                    rng.choice(["FR", "BE", "DE"]),
                    "honest",
                    rng,
                    300,
                    3000,
                )
            else:
                account = _account(
                    addresses,
                    rng.choice(MARKETPLACES),
                    store_handle(rng, taken_handles),
                    display,
                    rng.choice(["FR", "BE", "DE"]),
                    "honest",
                    rng,
                    300,
                    3000,
                )
        account.bio_lines.append("Genuine branded goods from past collections and overstock, with invoice.")
        _contact_lines(rng, account, slugify(display).replace("-", ""), None, 0.5)
        add_shared_contacts(rng, account, shared, 0.3, 0.0)
        sellers.outlets.append((account, chosen))
    for _ in range(7 * factor):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        platform = rng.choice(["Trendora", "Trendora", "ShopMarket", "Pixelgram", "Bazario"])
        account = _account(
            addresses,
            platform,
            person_handle(rng, taken_handles, first, last),
            f"{first} {last[0]}.",
            rng.choice(_HONEST_COUNTRIES),
            "honest",
            rng,
            30,
            3500,
        )
        account.bio_lines.append(
            rng.choice(
                [
                    "Selling things I no longer use.",
                    "Vide-dressing, envoi soigné.",
                    "Private seller, smoke-free home.",
                    "Je vends ce que je ne porte plus.",
                ]
            )
        )
        if rng.random() < 0.5:
            _contact_lines(rng, account, f"{first}.{last}", None, 0.7)
        sellers.private.append(account)
    for _ in range(2 * factor):
        country = rng.choice(_ACCESSORY_COUNTRIES)
        platform = rng.choice([*MARKETPLACES, "web", "Bazario"])
        name = rng.choice(["Fit", "Spare", "Easy", "Pro", "Flex"]) + rng.choice(
            ["Parts", "Gear", "Access", "Plus"]
        )
        handle = (
            shop_domain(rng, taken_domains, [name])
            if platform == "web"
            else store_handle(rng, taken_handles, name.lower())
        )
        account = _account(addresses, platform, handle, name, country, "honest", rng, 200, 3000)
        account.bio_lines.append(
            "Spare parts and accessories for popular brands. Not affiliated with any brand."
        )
        _contact_lines(rng, account, name, None, 0.5)
        if country in ("CN", "HK") and rng.random() < 0.5:
            wechat = ids.make_handle(rng, "wechat", name)
            account.plant(wechat, ids.render(rng, wechat, country), "contacts")
        add_shared_contacts(rng, account, shared, 0.4, 0.6 if country in ("CN", "HK") else 0.0)
        sellers.accessory.append(account)
    for _ in range(6 * factor):
        country = rng.choice(_UNRELATED_COUNTRIES)
        platform = rng.choice([*MARKETPLACES, "Pixelgram", "web"])
        handle = (
            shop_domain(rng, taken_domains, [rng.choice(["home", "deco", "maison", "garden", "books"])])
            if platform == "web"
            else store_handle(rng, taken_handles)
        )
        account = _account(
            addresses,
            platform,
            handle,
            handle.split(".")[0].replace("_", " ").title(),
            country,
            "honest",
            rng,
            60,
            4000,
        )
        account.bio_lines.append(
            rng.choice(
                [
                    "Home, kitchen and garden.",
                    "Everyday items at fair prices.",
                    "Livres, déco et petits objets.",
                    "家居日用 品质保证",
                ]
            )
        )
        if rng.random() < 0.6:
            _contact_lines(rng, account, handle.split(".")[0], None, 0.4)
        add_shared_contacts(rng, account, shared, 0.3, 0.5 if country == "CN" else 0.0)
        sellers.unrelated.append(account)
    return sellers


def add_noise_to_networks(rng: random.Random, networks: list[Network], shared: SharedContacts) -> None:
    """Counterfeiters also quote platform support lines and the forwarder, as honest sellers do."""
    for network in networks:
        for account in network.accounts:
            add_shared_contacts(rng, account, shared, 0.35, 0.35)
