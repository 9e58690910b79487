"""A platform's own contacts: values that belong to the marketplace an account sells on, not to its seller.

Sellers quote the marketplace's support address or line ("After-sales via ShopMarket support: …"), so
honest sellers and counterfeiters alike show it. Quoted by only two or three accounts, it is not held
widely enough to be a hub by count (`link.hubs`), and it would tie strangers together. Two readings of
the data tell it apart, without a list of platforms:

- an e-mail address on the platform's own domain is the platform's. A platform's domain is the one most
  of its accounts' listing and profile addresses sit on (a web shop's addresses are its own, so shop
  platforms have none);
- a value written in a line that names the account's platform beside a support word is the platform's,
  when at least half of its holders write it so (one account cannot hide its network's own phone by
  calling it the platform's).
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence

from countermark.link.evidence import NON_LINKING_KINDS, Party, Value
from countermark.observe.identifiers import extract_identifiers
from countermark.observe.shops import is_shop_platform
from countermark.observe.weblinks import normalise_domain

# Words that say a contact is a service desk's, in the project's languages.
SUPPORT_WORDS = (
    "support", "service", "customer care", "customer service", "helpdesk", "help desk", "help centre",
    "help center", "after-sales", "after sales", "aftersales", "assistance", "aide", "sav",
    "service client", "kundenservice", "kundendienst", "hilfe", "soporte", "atención al cliente",
    "servizio clienti", "客服", "售后", "客户服务",
)  # fmt: skip
_SUPPORT = re.compile(
    r"(?<!\w)(?:" + "|".join(re.escape(word) for word in SUPPORT_WORDS) + r")(?!\w)", re.IGNORECASE
)
DOMAIN_SHARE = 0.5  # a domain is a platform's when at least this share of its accounts' addresses use it


def _on_a_marketplace(party: Party) -> bool:
    """An online account of a platform that is not a web shop's own site."""
    return party.kind != "shipment" and bool(party.platform) and not is_shop_platform(party.platform)


def platform_domains(parties: Iterable[Party]) -> dict[str, str]:
    """Registrable domain -> the platform whose accounts' listing and profile addresses mostly use it (its
    most used domain, when at least DOMAIN_SHARE of its accounts use it)."""
    accounts: Counter[str] = Counter()
    using: dict[str, Counter[str]] = defaultdict(Counter)
    for party in filter(_on_a_marketplace, parties):
        accounts[party.platform] += 1
        hosts = {normalise_domain(value) for kind, value in party.values if kind == "url"}
        using[party.platform].update(host for host in hosts if host)
    domains: dict[str, str] = {}
    for platform, counts in using.items():
        most = max(counts.values(), default=0)
        for domain, holders in counts.items():
            # Its most used domain only: a link many of its sellers post (a messaging or payment site) is not.
            if accounts[platform] >= 2 and holders == most and holders >= DOMAIN_SHARE * accounts[platform]:
                domains.setdefault(domain, platform)
    return domains


def _names_platform(line: str, platform: str) -> bool:
    """Whether the line names the platform as a word of its own (not inside "ShopMarketplace")."""
    return re.search(rf"(?<![^\W_]){re.escape(platform)}(?![^\W_])", line, re.IGNORECASE) is not None


def _written_as_support(parties: Sequence[Party]) -> dict[Value, str]:
    """Values that at least half of their holders write as their own platform's support contact."""
    framed: dict[Value, Counter[str]] = defaultdict(Counter)
    for party in filter(_on_a_marketplace, parties):
        written: set[Value] = set()
        for line in party.lines:
            if _SUPPORT.search(line) and _names_platform(line, party.platform):
                found = extract_identifiers(line, default_region=party.country or None)
                written |= {
                    (hit.kind, hit.value) for hit in found if hit.kind not in NON_LINKING_KINDS
                } & party.values
        for value in written:
            framed[value][party.platform] += 1
    if not framed:
        return {}
    holders: Counter[Value] = Counter()
    for party in parties:
        if party.kind != "shipment":
            holders.update(value for value in party.values if value in framed)
    contacts: dict[Value, str] = {}
    for value, platforms in framed.items():
        if sum(platforms.values()) * 2 >= holders[value]:
            contacts[value] = f"written as {platforms.most_common(1)[0][0]}'s support contact"
    return contacts


def platform_contacts(parties: Sequence[Party]) -> dict[Value, str]:
    """The platforms' own contacts among the parties' values, each with the reason it is one."""
    domains = platform_domains(parties)
    contacts: dict[Value, str] = {}
    for party in parties:
        for kind, text in party.values:
            if kind == "email" and (domain := normalise_domain(text)) in domains:
                contacts[(kind, text)] = f"an address on {domains[domain]}'s own domain {domain}"
    for value, reason in _written_as_support(parties).items():
        contacts.setdefault(value, reason)
    return contacts
