"""Who sells: network sizes, lone counterfeiters, mixers, grey-market and parody sellers, seller styles."""

from __future__ import annotations

import random
from collections.abc import Sequence

from countermark.sim import identifiers as ids
from countermark.sim.brands import slugify
from countermark.sim.entities import Brand, Network, SimAccount
from countermark.sim.platforms import MARKETPLACES, Addresses, joined_at, person_handle, store_handle
from countermark.sim.sellers import HonestSellers
from countermark.sim.text import FIRST_NAMES, LAST_NAMES

LONE_COUNTRIES = ("FR", "FR", "DE", "IT", "ES", "NL", "BE", "PL", "PT")
_PRIVATE_BIOS = (
    "Selling things I no longer use.",
    "Vide-dressing, envoi soigné.",
    "Private seller, smoke-free home.",
    "Je vends ce que je ne porte plus.",
    "Fast shipping, check my reviews!",
    "Collector, selling part of my collection.",
)
_GREY_BIOS = (
    "Genuine goods sourced from Asian distributors. 100% authentic, ships from Hong Kong.",
    "Parallel import, original products, better prices. 正品保证",
    "Authentic branded items, direct from HK duty-free stock.",
)
_PARODY_BIOS = (
    "Inspired-by designs and dupes. Not affiliated with any brand.",
    "Parody tees and fun twists on famous logos.",
    "Affordable dupes of the looks you love.",
)


def network_sizes(rng: random.Random, count: int) -> list[int]:
    """Heavy-tailed network sizes between 2 and 40 accounts (pairs common, a few very large rings).

    Small worlds (fewer than twenty networks) cap sizes at 14 so the demo stays quick.
    """
    cap = 40 if count >= 20 else 14
    sizes = [min(cap, int(2 * (1 - rng.random()) ** (-1 / 1.25))) for _ in range(count)]
    # Every world holds one large ring, and worlds of twenty networks or more one of 25 to 40 accounts.
    sizes[0] = max(sizes[0], rng.randint(25, 40) if count >= 20 else rng.randint(9, 14))
    if count >= 3:
        sizes[1] = 2
    return sizes


def split_size(rng: random.Random, size: int) -> tuple[int, int]:
    """How many marketplace or social accounts and how many web shops a network of `size` runs."""
    if size <= 2:
        shops = 1 if rng.random() < 0.25 else 0
    else:
        shops = max(1, min(6, round(size * rng.uniform(0.1, 0.22))))
    return size - shops, shops


def network_offers(rng: random.Random, size: int) -> int:
    """Offers a network publishes: at least one per account, about two per account in all."""
    return max(size, round(size * rng.uniform(1.4, 2.2)) + rng.randint(0, 3))


def make_lone(
    rng: random.Random, number: int, brands: list[Brand], addresses: Addresses, taken: set[str]
) -> Network:
    """A lone counterfeiter: one old personal account in an EU country, selling fakes on the side."""
    country = rng.choice(LONE_COUNTRIES)
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    network = Network(id=f"lone-{number:03d}", name=f"{first} {last}", base_country=country, kind="lone")
    platform = rng.choice(["Trendora", "Trendora", "ShopMarket", "Pixelgram", "Bazario"])
    handle = person_handle(rng, taken, first, last)
    account = SimAccount(
        platform=platform,
        handle=handle,
        display_name=f"{first} {last[0]}.",
        profile_url=addresses.profile_url(platform, handle),
        country=country,
        home_country=country,
        role="counterfeiter",
        network=network.id,
        joined_at=joined_at(rng, 400, 3000),
        bio_lines=[rng.choice(_PRIVATE_BIOS)],
        style=rng.choice(["casual_private", "casual_private", "casual_private", "pro_reseller"]),
        kind="lone",
    )
    email = ids.make_email(rng, f"{first}.{last}", western=True)
    account.plant(email, ids.render(rng, email, country), rng.choice(["contacts", "bio"]))
    network.identifiers = [email]
    if rng.random() < 0.5:
        phone = ids.make_phone(rng, country if country in ("FR", "DE", "IT", "ES", "NL", "BE") else "FR")
        account.listing_identifiers.append(phone)
        network.identifiers.append(phone)
    network.brands = sorted(b.name for b in rng.sample(brands, min(len(brands), rng.randint(1, 2))))
    network.accounts = [account]
    return network


def stock_network(account: SimAccount, brands: list[str], number: int) -> Network:
    """A stand-in network holding one honest-population seller, for drawing that seller's fake offers."""
    return Network(
        id=f"stock-{number:03d}",
        name=account.display_name,
        base_country=account.country or "FR",
        accounts=[account],
        brands=brands,
        kind=account.kind,
    )


def _brand_choice(rng: random.Random, brands: list[Brand], most: int) -> list[str]:
    return sorted(b.name for b in rng.sample(brands, min(len(brands), rng.randint(1, most))))


def _shop_account(
    rng: random.Random,
    addresses: Addresses,
    taken_handles: set[str],
    *,
    platform: str,
    country: str,
    stem: str,
    max_days: int,
    bios: Sequence[str],
    style: str | list[str],
    kind: str,
) -> SimAccount:
    """An honest shop account of a special population (a style drawn from `style` when it is a list)."""
    handle = store_handle(rng, taken_handles, stem)
    return SimAccount(
        platform=platform,
        handle=handle,
        display_name=handle.replace("_", " ").replace(".", " ").title(),
        profile_url=addresses.profile_url(platform, handle),
        country=country,
        home_country=country,
        role="honest",
        network=None,
        joined_at=joined_at(rng, 30, max_days),
        bio_lines=[rng.choice(bios)],
        style=rng.choice(style) if isinstance(style, list) else style,
        kind=kind,
    )


def add_grey_and_parody(
    rng: random.Random,
    sellers: HonestSellers,
    brands: list[Brand],
    addresses: Addresses,
    taken_handles: set[str],
) -> tuple[list[SimAccount], list[tuple[SimAccount, list[str]]]]:
    """Genuine grey-market resellers (CN/HK, not authorised) and parody or dupe sellers.

    Grey-market sellers join the outlets (their genuine offers are drawn there); parody sellers are
    returned with their brands, their offers are drawn by the caller.
    """
    base = len(sellers.all())
    grey: list[SimAccount] = []
    for _ in range(max(2, round(base * 0.05))):
        country = rng.choice(["CN", "HK", "HK"])
        platform = rng.choice(["Bazario", "Bazario", "ShopMarket", "Pixelgram"])
        stem = rng.choice(["hk", "asia", "dutyfree", "global", "parallel"])
        account = _shop_account(
            rng, addresses, taken_handles, platform=platform, country=country, stem=stem, max_days=3000,
            bios=_GREY_BIOS, style=["grey_market", "grey_market", "bulk_trader", "pro_reseller"],
            kind="grey_market",
        )  # fmt: skip
        handle = account.handle
        email = ids.make_email(rng, handle.replace(".", ""))
        account.plant(email, ids.render(rng, email, country), "contacts")
        if rng.random() < 0.5:
            wechat = ids.make_handle(rng, "wechat", handle)
            account.plant(wechat, ids.render(rng, wechat, country), "contacts")
        sellers.outlets.append((account, _brand_choice(rng, brands, 3)))
        grey.append(account)
    parody: list[tuple[SimAccount, list[str]]] = []
    for _ in range(max(1, round(base * 0.03))):
        country = rng.choice(["FR", "GB", "US", "DE", "CN"])
        platform = rng.choice(["Pixelgram", "Trendora", "ShopMarket", "Bazario"])
        stem = rng.choice(["dupe", "parody", "inspired", "twist", "fun"])
        account = _shop_account(
            rng, addresses, taken_handles, platform=platform, country=country, stem=stem, max_days=2500,
            bios=_PARODY_BIOS, style="parody", kind="parody",
        )  # fmt: skip
        email = ids.make_email(rng, account.handle.replace(".", ""), western=country != "CN")
        account.plant(email, ids.render(rng, email, country), "contacts")
        parody.append((account, _brand_choice(rng, brands, 2)))
    return grey, parody


def make_mixers(
    rng: random.Random,
    sellers: HonestSellers,
    brands: list[Brand],
    addresses: Addresses,
    taken_handles: set[str],
) -> list[tuple[SimAccount, list[str]]]:
    """Honest-looking sellers (about a tenth) who mix 10–30% fakes into genuine stock."""
    mixers: list[tuple[SimAccount, list[str]]] = []
    for _ in range(max(2, round(len(sellers.all()) * 0.1))):
        country = rng.choice(("FR", "FR", "DE", "BE", "IT", "ES", "NL", "GB", "CN", "HK"))
        platform = rng.choice([*MARKETPLACES, "Pixelgram", "Trendora"])
        if rng.random() < 0.5:
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            handle = person_handle(rng, taken_handles, first, last)
            display, style = f"{first} {last[0]}.", "casual_private"
        else:
            handle = store_handle(rng, taken_handles)
            display = handle.replace("_", " ").replace(".", " ").title()
            style = rng.choice(["pro_reseller", "pro_reseller", "bulk_trader"])
        account = SimAccount(
            platform=platform,
            handle=handle,
            display_name=display,
            profile_url=addresses.profile_url(platform, handle),
            country=country,
            home_country=country,
            role="honest",
            network=None,
            joined_at=joined_at(rng, 60, 3000),
            bio_lines=[
                rng.choice([*_PRIVATE_BIOS, "Genuine branded goods, overstock and past collections."])
            ],
            style=style,
            kind="mixer",
            fake_share=round(rng.uniform(0.1, 0.3), 2),
        )
        email = ids.make_email(rng, slugify(display).replace("-", ""), western=country not in ("CN", "HK"))
        account.plant(email, ids.render(rng, email, country), rng.choice(["contacts", "bio"]))
        chosen = _brand_choice(rng, brands, 3)
        sellers.outlets.append((account, chosen))
        mixers.append((account, chosen))
    return mixers


def label_honest(rng: random.Random, sellers: HonestSellers) -> None:
    """Write each honest account's population (kind) and a style drawn independently of the label."""
    for stores in sellers.brand_stores.values():
        for account in stores:
            account.kind, account.style = "brand_store", "brand_store"
            account.operator = f"operator-{slugify(account.brand or account.display_name)}"
    for resellers in sellers.resellers.values():
        for account in resellers:
            account.kind = "authorised"
            account.style = rng.choice(["pro_reseller", "pro_reseller", "brand_store", "bulk_trader"])
    for account, _ in sellers.outlets:
        if account.kind in ("grey_market", "mixer"):
            continue
        account.kind = "authorised" if account.role == "authorised" else "outlet"
        account.style = rng.choice(["pro_reseller", "bulk_trader", "bulk_trader", "brand_store"])
    for account in sellers.private:
        account.kind = "private"
        account.style = rng.choice(["casual_private"] * 4 + ["pro_reseller"])
    for account in sellers.accessory:
        account.kind = "accessory"
        account.style = rng.choice(["bulk_trader", "bulk_trader", "pro_reseller", "grey_market"])
    for account in sellers.unrelated:
        account.kind = "unrelated"
        account.style = rng.choice(["bulk_trader", "casual_private", "pro_reseller"])
