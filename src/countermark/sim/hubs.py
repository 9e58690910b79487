"""Values many sellers share: hubs, identifiers two networks share, and honest same-owner groups."""

from __future__ import annotations

import random

from countermark.sim import identifiers as ids
from countermark.sim.entities import TODAY, Network, SimAccount
from countermark.sim.fuzzy import LinkBook, other_domain, similar_handle
from countermark.sim.identifiers import Identifier
from countermark.sim.platforms import MARKETPLACES, Addresses, joined_at
from countermark.sim.sellers import HonestSellers

_HUB_LINES = {
    "aggregator": "Payment: {}",
    "forwarder": "Shipping agent: {}",
    "supplier": "Supplier / dropshipping: {}",
    "agent": "Customer service agent: {}",
}


def _hub_identifiers(rng: random.Random) -> list[tuple[str, Identifier]]:
    """Five to eight hub values: payment aggregators, a second forwarder, a supplier's WeChat, agents."""
    hubs: list[tuple[str, Identifier]] = [
        ("aggregator", ids.make_paypal(rng, rng.choice(["GlobalPayHub", "EasyPayAsia", "PayLinkTrade"]))),
        ("aggregator", ids.make_paypal(rng, rng.choice(["SwiftCollect", "AsiaPayGo", "TradePayPro"]))),
        ("forwarder", ids.make_email(rng, "service", rng.choice(["cn-forward.com", "yunexpress-agent.com"]))),
        ("forwarder", ids.make_phone(rng, "CN_LANDLINE")),
        ("supplier", ids.make_handle(rng, "wechat", rng.choice(["putianfactory", "gzsupply", "yiwudrop"]))),
    ]
    for _ in range(rng.randint(0, 3)):
        hubs.append(("agent", ids.make_handle(rng, "telegram", rng.choice(["cs_agent", "kefu", "support"]))))
    return hubs


def plant_hubs(rng: random.Random, networks: list[Network], sellers: HonestSellers, book: LinkBook) -> None:
    """Plant hub values on 5–20 accounts each, on both sides, and one value two networks share (~10%)."""
    asian = [
        a
        for a in [*sellers.accessory, *sellers.unrelated, *[a for a, _ in sellers.outlets]]
        if a.home_country in ("CN", "HK") or a.country in ("CN", "HK")
    ]
    honest_any = [a for a in sellers.all() if a.kind not in ("brand_store",)]
    for role, identifier in _hub_identifiers(rng):
        degree = rng.randint(5, 20) if role != "supplier" else rng.randint(5, 10)
        holders: list[SimAccount] = []
        if role == "supplier":
            # A drop-shipping supplier's WeChat, shared by two or three networks and a few honest shops.
            for network in rng.sample(networks, min(len(networks), rng.randint(2, 3))):
                holders += rng.sample(network.accounts, min(len(network.accounts), rng.randint(1, 3)))
        network_accounts = [a for n in networks for a in n.accounts]
        while len(holders) < degree:
            if rng.random() < 0.5:
                pool = network_accounts
            else:
                pool = asian if asian and rng.random() < 0.6 else honest_any
            candidate = rng.choice(pool)
            if all(candidate is not h for h in holders):
                holders.append(candidate)
        for account in holders:
            written = _HUB_LINES[role].format(ids.render(rng, identifier, account.country))
            account.plant(identifier, written, rng.choice(["bio", "contacts"]))
        book.hubs.append((role, identifier))
    multi = [n for n in networks if len(n.accounts) >= 2]
    for _ in range(max(1, round(0.1 * len(multi))) if len(multi) >= 2 else 0):
        first, second = rng.sample(multi, 2)
        shared = [i for a in first.accounts for i in a.planted if i in first.identifiers]
        if not shared:
            continue
        identifier = rng.choice(shared)
        account = rng.choice(second.accounts)
        account.plant(identifier, ids.render(rng, identifier, account.country), "contacts")
        book.cross_network.append((first.id, second.id, identifier))


def add_operator_twins(
    rng: random.Random,
    sellers: HonestSellers,
    addresses: Addresses,
    taken_handles: set[str],
    book: LinkBook,
) -> list[SimAccount]:
    """Honest same-owner groups: some resellers and shops run a second store on another marketplace.

    The twin shares the owner's e-mail (or, fuzzily, its local part on another domain, or a similar
    handle); both carry the same `operator` id, so linking them is right and merging them into a
    counterfeit network is wrong.
    """
    twins: list[SimAccount] = []
    candidates = [a for v in sellers.resellers.values() for a in v if a.platform != "web"]
    candidates += [a for a in sellers.accessory + sellers.unrelated if a.platform != "web"]
    rng.shuffle(candidates)
    for account in candidates[: max(2, len(candidates) // 6)]:
        platform = rng.choice([p for p in [*MARKETPLACES, "Pixelgram"] if p != account.platform])
        handle = similar_handle(rng, account.handle, taken_handles)
        twin = SimAccount(
            platform=platform,
            handle=handle,
            display_name=account.display_name,
            profile_url=addresses.profile_url(platform, handle),
            country=account.country,
            home_country=account.home_country,
            role=account.role,
            network=None,
            joined_at=joined_at(rng, 30, max(31, (TODAY - account.joined_at.date()).days)),
            bio_lines=list(account.bio_lines[:1]),
            brand=account.brand,
            style=account.style,
            kind=account.kind,
        )
        operator = f"operator-{account.handle}"
        account.operator = twin.operator = operator
        emails = [i for i in account.planted if i.kind == ids.EMAIL]
        if emails and rng.random() < 0.7:
            email = emails[0] if rng.random() < 0.6 else other_domain(rng, emails[0])
            twin.plant(email, ids.render(rng, email, twin.country), "contacts")
            book.link(twin, account, "exact:email" if email == emails[0] else "fuzzy:email_local")
        else:
            book.link(twin, account, "fuzzy:handle")
        for group in sellers.resellers.values():
            if any(a is account for a in group):
                group.append(twin)
                break
        else:
            (sellers.accessory if any(a is account for a in sellers.accessory) else sellers.unrelated).append(
                twin
            )
        twins.append(twin)
    return twins
