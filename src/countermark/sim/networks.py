"""Counterfeit networks: their accounts and shops, shared identifiers and the names they ship under."""

from __future__ import annotations

import random

from countermark.sim import identifiers as ids
from countermark.sim.entities import Brand, Network, SimAccount
from countermark.sim.fuzzy import LinkBook, link_fuzzily, rename, similar_handle, typo
from countermark.sim.identifiers import Identifier
from countermark.sim.platforms import MARKETPLACES, Addresses, joined_at, shop_domain, store_handle
from countermark.sim.text import CN_GIVEN, CN_SURNAMES, lookalike

_BASES = {
    "CN": (
        ("Shenzhen", "Guangdong", "5180", ("Futian", "Longgang", "Bao'an", "Luohu")),
        ("Guangzhou", "Guangdong", "5100", ("Baiyun", "Tianhe", "Yuexiu")),
        ("Putian", "Fujian", "3511", ("Licheng", "Chengxiang")),
        ("Yiwu", "Zhejiang", "3220", ("Futian Street", "Choujiang")),
    ),
    "HK": (("Kowloon", "Hong Kong", "", ("Mong Kok", "Sham Shui Po", "Kwun Tong")),),
    "TR": (("Istanbul", "Istanbul", "342", ("Bağcılar", "Zeytinburnu", "Laleli")),),
}
_COMPANY_WORDS = (
    "Bright",
    "Golden Star",
    "Hengda",
    "Jiayu",
    "Xinrui",
    "Fortune Way",
    "Kaixin",
    "Longsheng",
    "Sunrise",
    "Huafeng",
    "Evergreen",
    "Tianyi",
    "Ruixiang",
    "Yongli",
    "Meida",
    "Haoyun",
)
_COMPANY_KINDS = ("Trading", "Import & Export", "E-commerce", "Technology", "Industrial", "Supply Chain")
_INTROS = (
    "Factory direct, worldwide shipping.",
    "Top quality, best price. Wholesale & retail.",
    "工厂直销 支持批发 一件代发",
    "Grossiste, envoi dans le monde entier.",
    "New arrivals every week!",
    "Trusted seller since 2019, 5000+ happy customers.",
)
_NETWORK_STYLES = ("pro_reseller", "bulk_trader", "brand_store", "casual_private")
_NETWORK_STYLE_WEIGHTS = (0.4, 0.3, 0.12, 0.18)
_SIGNATURE_OPENERS = ("Warehouse in", "Ship from", "Our shop in", "Stock in", "Office:")
_SIGNATURE_ENDS = (
    "- 48h dispatch, wholesale welcome",
    "- same day shipping, mixed orders OK",
    "- 10 years experience, contact for catalogue",
    "- dropshipping supported, ask for price list",
)
_BUILDINGS = (
    "Huaqiang Plaza",
    "Xinghe Building",
    "Baoneng Center",
    "Tianan Cyber Park",
    "Jinlong Tower",
    "Wanda Plaza",
    "Hongfa Industrial Park",
)


def company_variants(rng: random.Random, city: str, word: str, kind: str, country: str) -> list[str]:
    """A company name as registered and as it appears, misspelt and reformatted, on declarations."""
    if country == "TR":
        canonical = f"{word} Dış Ticaret Ltd. Şti."
        return [
            canonical,
            f"{word.upper()} DIS TICARET LTD STI",
            f"{word} Dis Ticaret Limited Sirketi",
            f"{word} Dıs Tıcaret Ltd",
        ]
    legal = "Limited" if country == "HK" else "Co., Ltd."
    canonical = f"{city} {word} {kind} {legal}"
    typo_city = {"Shenzhen": "Shenzen", "Guangzhou": "Guangzou", "Putian": "Puitan", "Yiwu": "Yiwoo"}.get(
        city, city
    )
    variants = [
        canonical,
        canonical.upper().replace(".", "").replace(",", ""),
        f"{city} {word} {kind} Co.,Ltd",
        f"{typo_city} {word} {kind} Co Ltd",
        f"{word.upper()} {kind.upper()} ({city.upper()}) CO., LTD.",
    ]
    if " " in word:
        variants.append(f"{city} {word.replace(' ', '')} {kind} Co., Ltd.")
    return variants


def address_variants(
    rng: random.Random, country: str, city: str, province: str, postcode: str, district: str
) -> list[str]:
    """One premises written four ways (upper case, abbreviations, reordered, misspelt)."""
    if country == "TR":
        no, door = rng.randint(1, 120), rng.randint(1, 30)
        street = rng.choice(["Atatürk Cad.", "Merkez Mah. Gül Sok.", "Fevzi Çakmak Cad."])
        code = f"{postcode}{rng.randint(10, 99)}"
        return [
            f"{street} No:{no} D:{door}, {district}, {code} İstanbul",
            f"{street.upper()} NO {no} DAIRE {door} {district.upper()} ISTANBUL",
            f"{street} No {no}/{door} {district} Istanbul Turkey",
            f"{street} No:{no} {district} Istambul {code}",
        ]
    building = rng.choice(_BUILDINGS)
    room, block = rng.randint(101, 2808), rng.choice("ABCDE")
    if country == "HK":
        return [
            f"Flat {room}, {room // 100}/F, {building}, {district}, Kowloon, Hong Kong",
            f"FLAT {room} {room // 100}F {building.upper()} {district.upper()} KLN HK",
            f"Rm {room}, {building}, {district}, Kowloon",
            f"Flat {room} {building} {district} Kowlon Hong Kong",
        ]
    code = f"{postcode}{rng.randint(10, 99)}"
    spaced = building.replace("Huaqiang", "Hua Qiang").replace("Baoneng", "Bao Neng")
    return [
        f"Room {room}, Block {block}, {building}, {district} District, {city}, {province} {code}",
        f"RM{room} BLK {block} {building.upper()} {district.upper()} {city.upper()} {code}",
        f"{room}, Block {block}, {spaced}, {district} Dist., {city} {code}",
        f"{building} {block}-{room}, {city}, {province}, China",
    ]


def make_network(
    rng: random.Random,
    number: int,
    brands: list[Brand],
    addresses: Addresses,
    taken_handles: set[str],
    taken_domains: set[str],
    account_count: int,
    shop_count: int,
) -> Network:
    """One network with its identifiers, consignor identities, accounts and web shops (no listings yet)."""
    base = rng.choice(["CN", "CN", "CN", "HK", "TR"])
    city, province, postcode, districts = rng.choice(_BASES[base])
    word = rng.choice(_COMPANY_WORDS)
    network = Network(id=f"network-{number:03d}", name=f"{city} {word} ring", base_country=base)
    stem = word.replace(" ", "").lower()
    phone_country = {"CN": "CN", "HK": "HK", "TR": "TR"}[base]
    phones = [ids.make_phone(rng, phone_country), ids.make_phone(rng, "CN" if base != "TR" else "TR")]
    emails = [
        ids.make_email(rng, stem + rng.choice(["trade", "shop", "store", "sale"])),
        ids.make_email(rng, rng.choice(CN_SURNAMES) + rng.choice(CN_GIVEN)),
    ]
    messaging = (
        [ids.make_handle(rng, "wechat", stem + rng.choice(["sz", "gz", "hk", "888"]))]
        if base != "TR"
        else [ids.make_whatsapp(phones[1])]
    )
    wallet = ids.make_eth(rng) if rng.random() < 0.5 else ids.make_trx(rng)
    network.identifiers = [
        *phones,
        *emails,
        *messaging,
        ids.make_handle(rng, "telegram", stem + rng.choice(["_store", "_vip", "factory", "_outlet"])),
        ids.make_paypal(rng, word.title().replace(" ", "") + rng.choice(["Shop", "Trade", "Store"])),
        ids.make_btc(rng),
        wallet,
        ids.make_iban(rng, rng.choice(["LT", "EE", "PL", "GB", "DE"] if base != "TR" else ["TR", "LT"])),
    ]
    if rng.random() < 0.5:
        network.identifiers.append(ids.make_whatsapp(phones[0]))
    # Large networks run more lines: one more phone, e-mail or handle for every account beyond seven.
    for k in range(max(0, account_count + shop_count - 7)):
        roll = k % 3
        if roll == 0:
            network.identifiers.append(ids.make_phone(rng, phone_country))
        elif roll == 1:
            network.identifiers.append(ids.make_email(rng, stem + rng.choice(["vip", "kf", "sales", "cs"])))
        else:
            network.identifiers.append(
                ids.make_handle(rng, "telegram", stem + rng.choice(["_cs", "_b", "hk"]))
            )
    network.analytics = list(ids.make_analytics(rng))
    kind = rng.choice(_COMPANY_KINDS)
    network.consignor_names = company_variants(rng, city, word, kind, base)
    second_word = rng.choice([w for w in _COMPANY_WORDS if w != word])
    network.consignor_names += company_variants(rng, city, second_word, rng.choice(_COMPANY_KINDS), base)[:3]
    for _ in range(2):
        surname, given = rng.choice(CN_SURNAMES), rng.choice(CN_GIVEN)
        network.consignor_names += [
            f"{surname} {given}",
            f"{surname.upper()} {given.upper()}",
            f"{given} {surname}",
        ]
    for _ in range(2):
        network.consignor_addresses += address_variants(
            rng, base, city, province, postcode, rng.choice(districts)
        )
    network.consignor_contacts = [phones[1], emails[0], ids.make_phone(rng, phone_country)]
    network.brands = sorted(b.name for b in rng.sample(brands, min(len(brands), rng.randint(2, 4))))
    network.signature = (
        f"{rng.choice(_SIGNATURE_OPENERS)} {rng.choice(districts)} {word} "
        f"{rng.choice(_SIGNATURE_ENDS)} #{rng.randint(100, 999)}"
    )
    _add_accounts(rng, network, brands, addresses, taken_handles, taken_domains, account_count, shop_count)
    return network


def network_age(rng: random.Random, web: bool) -> int:
    """Days since a network account opened: mostly young, some years old (bought or long-running)."""
    roll = rng.random()
    if roll < 0.5:
        return rng.randint(30, 400 if not web else 300)
    if roll < 0.82:
        return rng.randint(300, 1500)
    return rng.randint(1500, 3000)


def _add_accounts(
    rng: random.Random,
    network: Network,
    brands: list[Brand],
    addresses: Addresses,
    taken_handles: set[str],
    taken_domains: set[str],
    account_count: int,
    shop_count: int,
) -> None:
    platforms = [rng.choice(MARKETPLACES), rng.choice(["Pixelgram", "ShadowBazaar", "Bazario"])]
    while len(set(platforms)) < 2:
        platforms[1] = rng.choice(["Pixelgram", "ShadowBazaar"])
    platforms = platforms[:account_count]
    platforms += [
        rng.choice([*MARKETPLACES, "Pixelgram", "Pixelgram", "ShadowBazaar"])
        for _ in range(account_count - len(platforms))
    ]
    for platform in platforms:
        handle = store_handle(rng, taken_handles)
        display = handle.replace("_", " ").replace(".", " ").title()
        if platform == "ShadowBazaar":
            display = handle.upper()
        days = network_age(rng, web=False)
        network.accounts.append(
            SimAccount(
                platform=platform,
                handle=handle,
                display_name=display,
                profile_url=addresses.profile_url(platform, handle),
                country=network.base_country if platform != "ShadowBazaar" else None,
                role="counterfeiter",
                network=network.id,
                joined_at=joined_at(rng, days, days),
                bio_lines=[rng.choice(_INTROS)] if rng.random() < 0.6 else [],
                style=rng.choices(_NETWORK_STYLES, weights=_NETWORK_STYLE_WEIGHTS)[0],
                kind="network",
            )
        )
    by_name = {b.name: b for b in brands}
    for _ in range(shop_count):
        brand = by_name[rng.choice(network.brands)]
        words = [
            rng.choice([brand.name, lookalike(rng, brand.name)]),
            rng.choice(["outlet", "sale", "store", "official", "paris", "soldes", "factory"]),
        ]
        domain = shop_domain(rng, taken_domains, words)
        network.shops.append(domain)
        days = network_age(rng, web=True)
        network.accounts.append(
            SimAccount(
                platform="web",
                handle=domain,
                display_name=domain.split(".")[0].replace("-", " ").title(),
                profile_url=addresses.profile_url("web", domain),
                country=rng.choice([None, None, "FR", "GB", network.base_country]),
                role="counterfeiter",
                network=network.id,
                joined_at=joined_at(rng, days, days),
                brand=brand.name,
                style=rng.choice(["brand_store", "brand_store", "pro_reseller", "bulk_trader"]),
                kind="network",
            )
        )


def _place(rng: random.Random, account: SimAccount, identifier: Identifier) -> None:
    """Write an identifier into the account's contacts or bio, or keep it for its offers."""
    place = rng.choices(["contacts", "bio", "listings"], weights=[0.35, 0.3, 0.35])[0]
    if account.platform == "ShadowBazaar" and identifier.kind in (ids.PHONE, ids.IBAN):
        place = "listings"
    if place == "listings":
        account.listing_identifiers.append(identifier)
        return
    written = ids.render(rng, identifier, account.country)
    account.plant(identifier, written, "contacts" if place == "contacts" else "bio")


def assign_identifiers(
    rng: random.Random,
    network: Network,
    addresses: Addresses,
    taken_handles: set[str],
    taken_domains: set[str],
    book: LinkBook,
    fuzzy_share: float = 0.3,
) -> None:
    """Spread the network's identifiers so that exact values link only part of it, in a chain.

    About `fuzzy_share` of the marketplace and social accounts show no value the network shares: each is
    tied to an account placed before it by fuzzy evidence only (an e-mail with a typo or on another
    domain, the network's bio line, a similar handle), and some of those replace an account banned
    earlier. The other accounts (and every web shop, which carry the network's analytics ids anyway)
    share values in a chain: consecutive accounts share one identifier each, the rest go to one account,
    and in larger networks a few values are shown by three or four accounts. One payment identifier is
    kept back from every account, so no account shows the network's whole set.
    """
    order = list(network.accounts)
    rng.shuffle(order)
    movable = [a for a in order[1:] if a.platform != "web"]
    wanted = round(fuzzy_share * len(order) + rng.uniform(-0.5, 0.5))
    fuzzy = set(map(id, rng.sample(movable, min(len(movable), max(0, wanted)))))
    core = [a for a in order if id(a) not in fuzzy]
    pool = list(network.identifiers)
    rng.shuffle(pool)
    # Phones and messaging handles are never kept back, because a WhatsApp handle also reveals its phone.
    withheld = next(i for i in pool if i.kind in (ids.IBAN, ids.CRYPTO, ids.PAYMENT))
    pool.remove(withheld)
    links, rest = pool[: len(core) - 1], pool[len(core) - 1 :]
    if not rest:
        raise ValueError("a network needs more identifiers than links between its accounts")
    holdings: dict[int, list[Identifier]] = {i: [] for i in range(len(core))}
    for i, identifier in enumerate(links):
        holdings[i].append(identifier)
        holdings[i + 1].append(identifier)
    for identifier in rest:
        holdings[rng.randrange(len(core))].append(identifier)
    if len(core) >= 6:
        for identifier in rng.sample(links, max(1, len(core) // 6)):
            for i in rng.sample(range(len(core)), rng.randint(1, 2)):
                if identifier not in holdings[i]:
                    holdings[i].append(identifier)
    holders: dict[Identifier, list[SimAccount]] = {}
    for i, account in enumerate(core):
        for identifier in holdings[i]:
            holders.setdefault(identifier, []).append(account)
    for i, account in enumerate(core):
        for identifier in holdings[i]:
            others = [a for a in holders[identifier] if a is not account]
            if identifier.kind == ids.EMAIL and others and rng.random() < 0.08:
                # A slip when copying the network's address: the link becomes fuzzy.
                slipped = typo(rng, identifier)
                account.plant(slipped, ids.render(rng, slipped, account.country), "contacts")
                for other in others:
                    book.link(account, other, "fuzzy:email_typo")
                continue
            _place(rng, account, identifier)
    placed = list(core)
    for account in order:
        if id(account) not in fuzzy:
            continue
        target = rng.choice(placed)
        replacing = rng.random() < 0.3 and target.platform == account.platform
        if replacing:
            # The account replaces one the platform banned: a similar handle, the same bio, a recent start.
            rename(account, addresses, similar_handle(rng, target.handle, taken_handles))
            account.bio_lines = list(target.bio_lines)
            account.joined_at = joined_at(rng, 30, 150)
            target.joined_at = min(target.joined_at, joined_at(rng, 300, 1200))
            book.link(account, target, "fuzzy:handle")
            book.replaces.append((account, target))
        else:
            link_fuzzily(
                rng, account, target, network.signature, addresses, taken_handles, taken_domains, book
            )
        # Its own line, shared with nobody.
        own = ids.make_email(rng, account.handle.replace(".", "").replace("_", ""))
        account.plant(own, ids.render(rng, own, account.country), "contacts")
        placed.append(account)
