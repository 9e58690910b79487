"""Evidence that links accounts without an exact shared value: typos, reused text, similar names."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from countermark.sim import identifiers as ids
from countermark.sim.entities import SimAccount
from countermark.sim.identifiers import Identifier
from countermark.sim.platforms import Addresses

# Free-mail domains a seller moves the same local part to.
OTHER_DOMAINS = ("gmail.com", "outlook.com", "hotmail.com", "163.com", "126.com", "yahoo.com", "proton.me")


@dataclass
class LinkBook:
    """What the generator planted to tie accounts together, for the truth's linkability section."""

    links: list[tuple[SimAccount, SimAccount, str]] = field(default_factory=list)
    replaces: list[tuple[SimAccount, SimAccount]] = field(default_factory=list)
    hubs: list[tuple[str, Identifier]] = field(default_factory=list)
    cross_network: list[tuple[str, str, Identifier]] = field(default_factory=list)

    def link(self, a: SimAccount, b: SimAccount, evidence: str) -> None:
        """Record one piece of direct evidence between two accounts."""
        self.links.append((a, b, evidence))


def emails_of(account: SimAccount) -> list[Identifier]:
    """The e-mail addresses written on an account's page."""
    return [i for i in account.planted if i.kind == ids.EMAIL]


def other_domain(rng: random.Random, email: Identifier) -> Identifier:
    """The same local part on another free-mail domain."""
    local, domain = email.value.split("@")
    choices = [d for d in OTHER_DOMAINS if d != domain]
    chosen = rng.choice(choices)
    # A stranger may hold this local part on that domain: then the next free one (no further draw).
    start = choices.index(chosen)
    ring = [f"{local}@{d}" for d in choices[start:] + choices[:start]]
    value = ids.claim(ring[0], lambda n: ring[n - 1] if n <= len(ring) else f"{local}{n}@{chosen}")
    return Identifier(ids.EMAIL, value, raw=value)


def typo(rng: random.Random, email: Identifier) -> Identifier:
    """A slip in the local part: two letters swapped, one doubled or one dropped (never the same value)."""
    local, domain = email.value.split("@")
    for _ in range(10):
        roll = rng.random()
        i = rng.randrange(1, max(2, len(local) - 1))
        if roll < 0.4 and len(local) >= 4:
            changed = ids.email_with_typo(rng, email).value.split("@")[0]
        elif roll < 0.7:
            changed = local[:i] + local[i - 1] + local[i:]
        else:
            changed = local[: i - 1] + local[i:] if len(local) > 4 else local + "1"
        if changed != local and changed and changed[0].isalnum():
            return _own_slip(changed, domain)
    return _own_slip(f"{local}1", domain)


def _own_slip(local: str, domain: str) -> Identifier:
    """A slipped address, unless a stranger holds it (then with a number: a slip is its writer's own)."""
    value = ids.claim(f"{local}@{domain}", lambda n: f"{local}{n}@{domain}")
    return Identifier(ids.EMAIL, value, raw=value)


def similar_handle(rng: random.Random, handle: str, taken: set[str]) -> str:
    """A handle a person would recognise as the same seller's (a new number, another separator, a suffix)."""
    stem = handle.rstrip("0123456789") or handle
    while True:
        roll = rng.random()
        if roll < 0.35:
            candidate = f"{stem}{rng.randint(2, 99)}"
        elif roll < 0.55:
            candidate = stem.replace("_", ".") if "_" in stem else stem.replace(".", "_") + "_"
        elif roll < 0.8:
            candidate = f"{stem}{rng.choice(['_official', '.store', '_new', '_eu', 'shop'])}"
        else:
            candidate = f"{rng.choice(['the', 'real', 'new'])}{'_' if rng.random() < 0.5 else ''}{stem}"
        candidate = candidate[:40]
        if candidate not in taken and candidate != handle:
            taken.add(candidate)
            return candidate


def family_domain(rng: random.Random, domain: str, taken: set[str]) -> str:
    """Another web shop of the same family: the label's first word kept, a new ending or top-level domain."""
    label, _, _ = domain.partition(".")
    head = label.split("-")[0]
    while True:
        ending = rng.choice(["outlet", "sale", "store", "shop", "official", "online", "eu", "fr", "uk"])
        number = rng.choice(["", str(rng.randint(1, 9)), str(rng.randint(2024, 2026))])
        tld = rng.choice(["com", "shop", "top", "store", "online", "vip", "net", "xyz"])
        candidate = f"{head}-{ending}{number}.{tld}"
        if candidate not in taken and candidate != domain:
            taken.add(candidate)
            return candidate


def rename(account: SimAccount, addresses: Addresses, handle: str) -> None:
    """Give an account a new handle (or domain) and the matching address and display name."""
    account.handle = handle
    account.profile_url = addresses.profile_url(account.platform, handle)
    if account.platform == "web":
        account.display_name = handle.split(".")[0].replace("-", " ").title()
    elif account.platform == "ShadowBazaar":
        account.display_name = handle.upper()
    else:
        account.display_name = handle.replace("_", " ").replace(".", " ").title()


def link_fuzzily(
    rng: random.Random,
    account: SimAccount,
    target: SimAccount,
    signature: str,
    addresses: Addresses,
    taken_handles: set[str],
    taken_domains: set[str],
    book: LinkBook,
) -> str:
    """Tie an account to another of its network by one piece of fuzzy evidence; returns which one."""
    if account.platform == "web" and target.platform == "web":
        rename(account, addresses, family_domain(rng, target.handle, taken_domains))
        book.link(account, target, "domain:lookalike_family")
        return "domain:lookalike_family"
    choices = ["fuzzy:bio", "fuzzy:handle"]
    if emails_of(target):
        choices += ["fuzzy:email_typo", "fuzzy:email_typo", "fuzzy:email_local", "fuzzy:email_local"]
    if account.platform == "web" or target.platform == "web":
        choices.remove("fuzzy:handle")
    evidence = rng.choice(choices)
    if evidence == "fuzzy:email_typo" or evidence == "fuzzy:email_local":
        source = rng.choice(emails_of(target))
        written = typo(rng, source) if evidence == "fuzzy:email_typo" else other_domain(rng, source)
        account.plant(written, ids.render(rng, written, account.country), rng.choice(["bio", "contacts"]))
    elif evidence == "fuzzy:handle":
        rename(account, addresses, similar_handle(rng, target.handle, taken_handles))
    else:
        if signature not in target.bio_lines:
            target.bio_lines.append(signature)
        account.bio_lines.append(signature)
    book.link(account, target, evidence)
    return evidence
