"""Near-matches between accounts: e-mail slips, one local part on several domains, a recognisable handle,
a reused bio line (MinHash), a family of shop domains.

Each rule keeps only rare evidence: a local part, handle stem or line shown by more than `RARE` parties
is boilerplate (or a hub) and ties nobody.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from itertools import combinations

from rapidfuzz.distance import DamerauLevenshtein

from countermark.link.evidence import Link, Party
from countermark.link.networks import usable_links
from countermark.observe.identifiers import extract_identifiers

BIO_LINE = "text:bio_line"  # the evidence of a long line two parties' bios share
RARE = 3
MIN_LOCAL = 6
MIN_STEM = 5
MIN_LINE = 24
# A hub's number is found in a line by its last digits (a phone's subscriber part, an account's tail).
HUB_DIGITS = 8
COMMON_WORD = 10  # a word this many parties write in their bios is a template's, not an operator's
MIN_WORD = 4
GENERIC_LOCALS = frozenset(
    {"service", "support", "info", "contact", "sales", "shop", "store", "admin", "order"}
)
# Mail services that read no dots in a local part (d.aily@ and daily@ are one mailbox).
DOTLESS_MAIL = frozenset({"gmail.com", "googlemail.com"})
_SEPARATORS = re.compile(r"[._\-]")
_HANDLE_PREFIX = re.compile(r"^(the|real|new|official)[._-]?")
_HANDLE_SUFFIX = re.compile(r"([._-]?(official|store|shop|new|eu|uk|fr|outlet|sale|online))+$")


def _emails(party: Party) -> list[tuple[str, str]]:
    return [tuple(v.split("@", 1)) for k, v in party.values if k == "email" and "@" in v]  # type: ignore[misc]


def handle_stem(handle: str, *, domain: bool = False) -> str:
    """What stays of a handle once numbers, separators and stock prefixes/suffixes are dropped.

    A shop's handle is a domain (`domain`): its first label is the name. A marketplace handle's dot is a
    separator like `_` (dream.luckyofficial and dream_luckyofficial are one stem).
    """
    stem = handle.lower().split(".")[0] if domain else handle.lower()
    stem = _HANDLE_PREFIX.sub("", stem)
    stem = re.sub(r"\d+$", "", stem)
    stem = _HANDLE_SUFFIX.sub("", stem)
    stem = re.sub(r"\d+$", "", stem)
    return re.sub(r"[._\-\s]", "", stem)


def normal_line(line: str) -> str:
    """A bio line folded for comparison: case, accents, spacing and punctuation removed."""
    folded = unicodedata.normalize("NFKD", line).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", " ", folded).strip()


def _name(text: str) -> tuple[str, ...]:
    """The name a resemblance rests on: an e-mail's local part, a handle's stem and a shop domain's first
    word that spell one name are one piece of evidence (a shop called bagstudio writes bagstudio@…), read
    as a handle's stem is (primetoysstore@… and the handle prime_toysstore are one name, primetoys).

    A local part of two words or more is also read as its first word's initial and last word, and as its
    first word and last word's initial, and as each of the two words alone: max.russo@… and the handle
    mrusso80 (or maxr80, or max_85) are one person's name, Max Russo, and two strangers may both bear it."""
    forms = [f"name:{re.sub(r'[^a-z0-9]', '', handle_stem(text) or text.lower())}"]
    words = [w for w in re.split(r"[._\-]+", re.sub(r"\d+$", "", text.lower())) if w]
    if len(words) >= 2 and all(w.isalpha() for w in words):
        forms += [f"name:{words[0][0]}{words[-1]}", f"name:{words[0]}{words[-1][0]}"]
        forms += [f"name:{words[0]}", f"name:{words[-1]}"]
    return tuple(dict.fromkeys(forms))


def _pairs_of_rare(groups: dict[str, set[str]]) -> Iterable[tuple[str, str, str]]:
    for token, members in groups.items():
        if 2 <= len(members) <= RARE:
            for a, b in combinations(sorted(members), 2):
                yield a, b, token


def email_links(parties: Sequence[Party]) -> list[Link]:
    """The same local part on another domain, and local parts one slip apart on one domain."""
    by_local: dict[str, set[str]] = defaultdict(set)
    by_domain: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for party in parties:
        for local, domain in _emails(party):
            if len(local) >= MIN_LOCAL and local not in GENERIC_LOCALS:
                by_local[local].add(party.key)
                by_domain[domain][local].add(party.key)
    links = [
        Link(a, b, "fuzzy:email_local", f"{local}@… on several domains", strong=False, basis=_name(local))
        for a, b, local in _pairs_of_rare(by_local)
    ]
    for domain, locals_ in by_domain.items():
        # Block on the first two characters or the last two: a single slip keeps one of them.
        blocks: dict[str, set[str]] = defaultdict(set)
        for local in locals_:
            blocks["<" + local[:2]].add(local)
            blocks[">" + local[-2:]].add(local)
        seen: set[tuple[str, str]] = set()
        for block in blocks.values():
            if len(block) > 400:
                continue
            for x, y in combinations(sorted(block), 2):
                if (x, y) in seen or abs(len(x) - len(y)) > 1:
                    continue
                seen.add((x, y))
                if DamerauLevenshtein.distance(x, y) != 1 or x.rstrip("0123456789") == y.rstrip("0123456789"):
                    continue
                holders_x, holders_y = locals_[x], locals_[y]
                if len(holders_x) > RARE or len(holders_y) > RARE:
                    continue
                joined = words_joined_apart(x, y, domain)
                strong = not (joined or another_initial(x, y))
                basis: tuple[str, ...] = (f"email:{x}@{domain}", f"email:{y}@{domain}")
                if joined:
                    # Only the name is alike: it is one piece with that name read elsewhere (a handle).
                    basis += _name(x)[:1]
                for a in holders_x:
                    for b in holders_y:
                        if a != b:
                            first, second = sorted((a, b))
                            detail = f"{x}@{domain} ~ {y}@{domain}"
                            links.append(
                                Link(first, second, "fuzzy:email_typo", detail, strong=strong, basis=basis)
                            )
    return links


def another_initial(x: str, y: str) -> bool:
    """Two local parts one letter apart where that letter is the first or last of the name part (digits
    aside): juliad@ and julias@, ingridm80@ and ingridp80@, mjones@ and djones@ read as two people's
    initials as well as a slip, so the resemblance is weak evidence, not a tie on its own (training
    worlds 34 and 39: two honest sellers each). In a name of several words, a letter added, dropped or
    changed at either end of one word is another name too: luca.fischer@ and lucas.fischer@ (world 42:
    a lone counterfeiter and an honest seller; longshen.trade@ for longsheng.trade@ is then weak too,
    a slip or another name). A plural "s" added at the end is another word form a stranger may pick:
    ruixiangsale@ and ruixiangsales@ (fresh world 178: two rings whose names share a common given name),
    where an "s" doubled (longshengsaless@) stays a slip. A slip inside the name (longshentrade for
    longshengtrade, a swap, a doubled letter) stays a slip."""
    name_x, name_y = x.rstrip("0123456789"), y.rstrip("0123456789")
    if x[len(name_x) :] != y[len(name_y) :]:
        return False
    if len(name_x) >= 2 and _one_end_apart(name_x, name_y, changed_only=True):
        return True
    short, long_ = sorted((name_x, name_y), key=len)
    if len(short) >= 2 and not short.endswith("s") and long_ == short + "s":
        return True
    words_x, words_y = re.split(r"[._\-]", name_x), re.split(r"[._\-]", name_y)
    if len(words_x) < 2 or len(words_x) != len(words_y):
        return False
    changed = [(a, b) for a, b in zip(words_x, words_y, strict=True) if a != b]
    return len(changed) == 1 and _one_end_apart(*changed[0])


def words_joined_apart(x: str, y: str, domain: str) -> bool:
    """Two local parts that differ only by a separator between words (daily_deal@ and dailydeal@,
    bags_globalshop@ and bagsglobalshop@): how to join two words is a writer's choice strangers make
    either way, so the resemblance is weak evidence (fresh world 180: an honest seller tied to a ring of
    40 by daily_deal@ / dailydeal@, two honest shops by bags_globalshop@ / bagsglobalshop@). Such a
    resemblance is the name alone, so it rests on that name as a handle's stem does (`_name`): a handle
    of the same stem is the same piece, not a second one. Gmail reads no dots in a local part, so a dot
    alone there is one mailbox, and stays a tie."""
    if x == y or _SEPARATORS.sub("", x) != _SEPARATORS.sub("", y):
        return False
    one_mailbox = domain in DOTLESS_MAIL and x.replace(".", "") == y.replace(".", "")
    return not one_mailbox


def _one_end_apart(a: str, b: str, *, changed_only: bool = False) -> bool:
    """Whether two words differ by one letter changed at either end, or (unless `changed_only`) added or
    dropped there."""
    short, long_ = sorted((a, b), key=len)
    if len(short) == len(long_):
        return short[:-1] == long_[:-1] or short[1:] == long_[1:]
    return not changed_only and (long_[:-1] == short or long_[1:] == short)


def handle_links(parties: Sequence[Party]) -> list[Link]:
    """Accounts whose handles share a rare stem (kicks_happy, kicks.happy2, thekickshappy)."""
    by_stem: dict[str, set[str]] = defaultdict(set)
    for party in parties:
        if party.kind == "account" and party.handle:
            stem = handle_stem(party.handle)
            if len(stem) >= MIN_STEM:
                by_stem[stem].add(party.key)
    return [
        Link(a, b, "fuzzy:handle", f"handle stem '{stem}'", strong=False, basis=_name(stem))
        for a, b, stem in _pairs_of_rare(by_stem)
    ]


def domain_family_links(parties: Sequence[Party], marks: Iterable[str] = ()) -> list[Link]:
    """Web shops of one family: one first word of the domain label (kopex-outlet.top, kopex-sale3.shop)."""
    by_head: dict[str, set[str]] = defaultdict(set)
    # A registered mark's name heads the brand's own shops and many lookalikes of every network: no tie.
    taken = {re.sub(r"[^a-z0-9]", "", m.lower()) for m in marks}
    for party in parties:
        if party.kind == "shop" and party.handle:
            label = party.handle.lower().split(".")[0]
            head = label.split("-")[0]
            if "-" in label and len(head) >= 4 and head not in taken:
                by_head[head].add(party.key)
    return [
        Link(a, b, "domain:family", f"shop domains of the '{head}-' family", strong=False, basis=_name(head))
        for a, b, head in _pairs_of_rare(by_head)
    ]


def _template(text: str, writers: Counter[str]) -> bool:
    """A line made only of words many parties write ("trusted seller since 2016, 5000 happy customers"):
    a stock phrase that honest sellers fill in alike, not an operator's own words."""
    words = [word for word in text.split() if len(word) >= MIN_WORD and not word.isdigit()]
    return bool(words) and min(writers[word] for word in words) >= COMMON_WORD


def _names_a_hub(text: str, hub_words: set[str], line: str, hub_digits: frozenset[str]) -> bool:
    if any(word in hub_words for word in text.split()):
        return True
    digits = re.sub(r"\D", "", line)
    return len(digits) >= HUB_DIGITS and any(tail in digits for tail in hub_digits)


def line_links(
    parties: Sequence[Party], threshold: float = 0.8, hubs: Iterable[tuple[str, str]] = ()
) -> list[Link]:
    """Bio lines reused by a few accounts, found by MinHash over word shingles (near-identical counts).

    A line that names a hub's value, even in a form the extractor does not read ("add yiwudrop11 on
    WeChat"), is the hub's advertisement copied by its customers: not evidence as text.
    """
    return links_of_lines(line_groups(parties, threshold, hubs))


def links_of_lines(groups: Mapping[str, set[str]]) -> list[Link]:
    """Strong links between the writers of each line a few (2 to RARE) parties write."""
    links: list[Link] = []
    seen: set[tuple[str, str]] = set()
    for text, members in groups.items():
        if 2 <= len(members) <= RARE:
            for a, b in combinations(sorted(members), 2):
                if (a, b) not in seen:
                    seen.add((a, b))
                    links.append(
                        Link(a, b, BIO_LINE, f"reused line \u201c{text[:60]}\u201d", strong=True)
                    )
    return links


def line_groups(
    parties: Sequence[Party],
    threshold: float = 0.8,
    hubs: Iterable[tuple[str, str]] = (),
    stock: set[str] | None = None,
) -> dict[str, set[str]]:
    """Each bio line worth reading as text (long enough, no identifier, no hub's value, not made of stock
    words) and the parties that write it or a near-identical line (MinHash LSH over word shingles).

    Given a `stock` set, lines made of stock words are grouped too (among themselves) and their texts
    added to it: a ring's signature filled in from a template ("Office: Longgang Hengda - 10 years
    experience, contact for catalogue #327") is no evidence as text, but who writes it still says
    something once the run has its groups (`engine.group_lines`)."""
    from datasketch import MinHash, MinHashLSH

    hubs = list(hubs)
    hub_words = {
        word
        for _, value in hubs
        for word in normal_line(value.split(":", 1)[-1]).split()
        if len(word) >= MIN_STEM and not word.isdigit()
    }
    # A hub's number written in a form the extractor does not read ("Shipping agent: 0579 5020 2028" for
    # +86 579 5020 2028): its last digits in the line's digits.
    hub_digits = frozenset(
        digits[-HUB_DIGITS:]
        for _, value in hubs
        if len(digits := re.sub(r"\D", "", number := value.split(":", 1)[-1])) >= HUB_DIGITS
        and len(digits) >= 0.7 * len(number)  # a number, not a photo's hex digest
    )
    normal = [(party.key, [(line, normal_line(line)) for line in party.lines]) for party in parties]
    writers: Counter[str] = Counter()
    for _, written in normal:
        writers.update({word for _, text in written for word in text.split()})
    lines: dict[str, set[str]] = defaultdict(set)
    for key, written in normal:
        for line, text in written:
            # A line carrying an identifier is evidence through that identifier (or a hub's): not as text.
            if (
                len(text) >= MIN_LINE
                and not extract_identifiers(line)
                and not _names_a_hub(text, hub_words, line, hub_digits)
            ):
                if not _template(text, writers):
                    lines[text].add(key)
                elif stock is not None:
                    stock.add(text)
                    lines[text].add(key)
    lsh = MinHashLSH(threshold=threshold, num_perm=64)
    hashes: dict[str, MinHash] = {}
    for index, text in enumerate(lines):
        words = text.split()
        shingles = {" ".join(words[i : i + 2]) for i in range(max(1, len(words) - 1))}
        digest = MinHash(num_perm=64, seed=1)
        for shingle in shingles:
            digest.update(shingle.encode())
        hashes[text] = digest
        lsh.insert(str(index), digest)
    keys = list(lines)
    groups: dict[str, set[str]] = {}
    for text, digest in hashes.items():
        members: set[str] = set()
        for found in lsh.query(digest):
            other = keys[int(found)]
            if stock is None or (text in stock) == (other in stock):
                members |= lines[other]
        groups[text] = members
    return groups


def lines_alone(
    links: Sequence[Link], online: set[str], set_aside: Iterable[Iterable[str]] = ()
) -> list[Link]:
    """The links, with each reused bio line whose writers nothing else ties (no identifier, photo, name
    or template shared with anyone, online; a lone weak link, one name or one stem in common with a
    stranger, is no tie, two independent pieces are) made weak evidence: a sentence two or three
    accounts share and nothing more is a stock phrase copied from one source as often as an operation's
    signature, and an operation's accounts slip in more ways than one. Its writers then join only with a
    second piece. Another shared line is no tie here: stock phrases come in sets (training world 110: four
    honest parody shops, three writing two of the three stock bios, chained into one network line by line).

    `set_aside`: the holders of each value kept off the links only because nothing else tied them (a
    scattered photo or template): sharing one is something else, so a ring's shops that share shots and
    a line keep the line strong, and the shots can then tie the ring's other shops (`engine.regrouped`)."""
    writers: dict[str, set[str]] = defaultdict(set)
    for link in links:
        if link.evidence == BIO_LINE and link.strong:
            writers[link.detail] |= {link.a, link.b}
    if not writers:
        return list(links)
    # Only the writers' partners are kept: a million parties' would cost the memory of a second graph.
    partners: dict[str, set[str]] = {key: set() for keys in writers.values() for key in keys}
    # A tie is what a run would use: a strong link, or weak ones of two independent pieces.
    touching = [
        link
        for link in links
        if link.a in online
        and link.b in online
        and (link.a in partners or link.b in partners)
        and link.evidence != BIO_LINE
    ]
    for link in usable_links(touching):
        if link.a in partners:
            partners[link.a].add(link.b)
        if link.b in partners:
            partners[link.b].add(link.a)
    for holders in set_aside:
        keys = {key for key in holders if key in online}
        for key in keys & partners.keys():
            partners[key] |= keys - {key}
    alone = {text for text, keys in writers.items() if all(partners[key] <= keys for key in keys)}
    if not alone:
        return list(links)
    return [
        replace(link, strong=False) if link.evidence == BIO_LINE and link.detail in alone else link
        for link in links
    ]
