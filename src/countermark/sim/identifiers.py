"""Realistic contact and payment identifiers, their normalised values and the ways sellers write them."""

from __future__ import annotations

import hashlib
import random
import string
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

import phonenumbers

# Kinds follow countermark.observe.models.IDENTIFIER_KINDS.
EMAIL, PHONE, IBAN, CRYPTO, MESSAGING, PAYMENT, ANALYTICS = (
    "email",
    "phone",
    "iban",
    "crypto_wallet",
    "messaging_handle",
    "payment_account",
    "analytics_id",
)

_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"

# The free-mail addresses, PayPal and messaging handles issued while one world is built. Two owners who
# draw the same stem ("Outlet Club", "felix.garcia") must not share one mailbox or one handle: before
# 5 December the generator gave 6 to 10 such pairs a world, evidence no real pair of strangers leaves,
# which linking then rightly followed into pairs the truth called false. A value shared on purpose (a
# network's, a company's, a hub's) is issued once and its Identifier reused; an address on a given domain
# (a brand's support@, a platform's service@) is not drawn from a stem many share and is not counted.
_ISSUED: ContextVar[set[str] | None] = ContextVar("countermark_sim_issued", default=None)


@contextmanager
def distinct_identifiers() -> Iterator[None]:
    """Within this block, each free-mail address and handle drawn is one no other draw was given."""
    token = _ISSUED.set(set())
    try:
        yield
    finally:
        _ISSUED.reset(token)


def claim(value: str, other: Callable[[int], str]) -> str:
    """`value` as one owner's own (`distinct_identifiers`): itself, or `other(2)`, `other(3)`… when
    another owner was given it already in this build (no random draw of its own; a longer value can still
    change later draws that read its length)."""
    issued = _ISSUED.get()
    if issued is None:
        return value
    candidate, number = value, 2
    while candidate in issued:
        candidate, number = other(number), number + 1
    issued.add(candidate)
    return candidate


@dataclass(frozen=True)
class Identifier:
    """One identifier: its kind, its normalised value and what is needed to write it in other forms."""

    kind: str
    value: str
    country: str | None = None
    raw: str = ""
    extra: tuple[str, ...] = field(default_factory=tuple)

    def planted(self) -> list[dict[str, str]]:
        """The normalised entries an extractor should find wherever this identifier is written."""
        entries = [{"kind": self.kind, "value": self.value}]
        if self.kind == MESSAGING and self.value.startswith("whatsapp:"):
            # A WhatsApp number is also a phone number: a careful extractor reports both.
            entries.append({"kind": PHONE, "value": self.value.removeprefix("whatsapp:")})
        return entries


def base58check(payload: bytes) -> str:
    """Base58Check encoding (Bitcoin alphabet) of a version-prefixed payload."""
    checksum = hashlib.sha256(hashlib.sha256(payload).digest()).digest()[:4]
    data = payload + checksum
    number = int.from_bytes(data, "big")
    encoded = ""
    while number:
        number, remainder = divmod(number, 58)
        encoded = _B58[remainder] + encoded
    leading_zeros = len(data) - len(data.lstrip(b"\x00"))
    return "1" * leading_zeros + encoded


def iban_check_digits(country: str, bban: str) -> str:
    """The two ISO 13616 mod-97 check digits of a BBAN in a country."""
    rearranged = bban + country + "00"
    numeric = "".join(str(int(ch, 36)) for ch in rearranged)
    return f"{98 - int(numeric) % 97:02d}"


# National number shapes that libphonenumber accepts; each generated number is still checked.
_PHONE_SHAPES: dict[str, tuple[str, ...]] = {
    "CN": (
        "138########",
        "139########",
        "135########",
        "136########",
        "150########",
        "152########",
        "158########",
        "186########",
        "187########",
        "188########",
        "189########",
        "177########",
    ),
    "CN_LANDLINE": ("755########", "20########", "579########"),
    "HK": ("5#######", "6#######", "9#######"),
    "TR": ("53########", "54########", "55########"),
    "FR": ("6########", "7########"),
    "FR_LANDLINE": ("1########", "4########"),
    "DE": ("151########", "160#######", "170#######", "176########"),
    "GB": ("7400######", "7700######", "7911######", "7850######"),
    "US": (
        "212@######",
        "415@######",
        "305@######",
        "646@######",
        "718@######",
        "312@######",
        "617@######",
        "702@######",
        "404@######",
        "206@######",
    ),
    "IT": ("347#######", "333#######", "320#######"),
    "ES": ("6########",),
    "NL": ("6########",),
    "BE": ("47#######", "48#######", "49#######"),
}


def make_phone(rng: random.Random, country: str) -> Identifier:
    """A random phone number valid for its country (mobile unless the key ends in _LANDLINE)."""
    region = country.split("_")[0]
    shapes = _PHONE_SHAPES[country]
    for _ in range(200):
        shape = rng.choice(shapes)
        digits = "".join(
            rng.choice("23456789") if ch == "@" else rng.choice(string.digits) if ch == "#" else ch
            for ch in shape
        )
        if region == "US" and digits[3:6] == "555":
            continue
        number = phonenumbers.parse(digits, region)
        if phonenumbers.is_valid_number(number):
            e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
            return Identifier(PHONE, e164, country=region)
    raise RuntimeError(f"could not draw a valid phone number for {country}")


def render_phone(rng: random.Random, phone: Identifier, context_country: str | None) -> str:
    """The number written as sellers write it; national forms only where the record's country implies it."""
    number = phonenumbers.parse(phone.value)
    international = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    forms = [
        international,
        international,
        phone.value,
        "00" + international[1:].replace(" ", "-"),
        international.replace(" ", "-"),
        international.replace(" ", "."),
    ]
    if context_country == phone.country:
        forms.append(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL))
    return rng.choice(forms)


_MAIL_DOMAINS = (
    "gmail.com",
    "outlook.com",
    "hotmail.com",
    "yahoo.com",
    "protonmail.com",
    "163.com",
    "126.com",
    "yandex.com",
    "mail.ru",
)


_WESTERN_MAIL_DOMAINS = (
    "gmail.com",
    "outlook.com",
    "hotmail.com",
    "yahoo.com",
    "orange.fr",
    "gmx.de",
    "free.fr",
)


def make_email(rng: random.Random, stem: str, domain: str | None = None, western: bool = False) -> Identifier:
    """An e-mail address built from a stem (a shop or person name), lower-case as normalised."""
    chosen = domain or rng.choice(_WESTERN_MAIL_DOMAINS if western else (*_MAIL_DOMAINS, "qq.com"))
    if chosen == "qq.com":
        local = str(rng.randint(10**8, 10**10 - 1))
    else:
        suffix = "" if domain else rng.choice(["", str(rng.randint(1, 99))])
        local = stem.lower().replace(" ", rng.choice(["", ".", "_"])) + suffix
    local = "".join(ch for ch in local if ch.isascii() and (ch.isalnum() or ch in "._"))
    value = f"{local}@{chosen}"
    if domain is None:  # a free-mail address is one person's
        value = claim(
            value,
            lambda n: f"{int(local) + n}@{chosen}" if local.isdigit() else f"{local}{n}@{chosen}",
        )
    return Identifier(EMAIL, value, raw=value)


def render_email(rng: random.Random, email: Identifier) -> str:
    """The address plain, capitalised or obfuscated with [at]/[dot] the way sellers dodge filters."""
    local, domain = email.value.split("@")
    name, _, tld = domain.rpartition(".")
    roll = rng.random()
    if roll < 0.45:
        return email.value
    if roll < 0.6:
        return local.capitalize() + "@" + domain.capitalize()
    if roll < 0.85:
        return f"{local} [at] {name} [dot] {tld}"
    return f"{local}(at){domain}"


_IBAN_SHAPES = {
    "LT": ("#####", "###########"),
    "DE": ("########", "##########"),
    "GB": ("@@@@", "##############"),
    "TR": ("#####0", "################"),
    "PL": ("########", "################"),
    "EE": ("##", "##############"),
}


def make_iban(rng: random.Random, country: str) -> Identifier:
    """An IBAN with correct mod-97 check digits (bank and account digits random)."""
    bank_shape, account_shape = _IBAN_SHAPES[country]
    bban = "".join(
        rng.choice(string.ascii_uppercase) if ch == "@" else rng.choice(string.digits) if ch == "#" else ch
        for ch in bank_shape + account_shape
    )
    value = country + iban_check_digits(country, bban) + bban
    return Identifier(IBAN, value, country=country)


def render_iban(rng: random.Random, iban: Identifier) -> str:
    """The IBAN grouped by four (as printed) or compact."""
    if rng.random() < 0.6:
        return " ".join(iban.value[i : i + 4] for i in range(0, len(iban.value), 4))
    return iban.value


def make_btc(rng: random.Random) -> Identifier:
    """A base58check-valid bitcoin address (P2PKH or P2SH) over a random 20-byte hash."""
    version = b"\x00" if rng.random() < 0.7 else b"\x05"
    address = base58check(version + rng.randbytes(20))
    return Identifier(CRYPTO, "btc:" + address, raw=address)


def make_eth(rng: random.Random) -> Identifier:
    """A random Ethereum address, lower-case hex."""
    address = "0x" + rng.randbytes(20).hex()
    return Identifier(CRYPTO, "eth:" + address, raw=address)


def make_trx(rng: random.Random) -> Identifier:
    """A base58check-valid TRON address (version byte 0x41) over a random 20-byte hash."""
    address = base58check(b"\x41" + rng.randbytes(20))
    return Identifier(CRYPTO, "trx:" + address, raw=address)


def render_wallet(rng: random.Random, wallet: Identifier) -> str:
    """The wallet with a label sellers use (the address itself is never altered)."""
    chain = wallet.value.split(":")[0]
    labels = {
        "btc": ("BTC: ", "Bitcoin: ", "BTC wallet "),
        "eth": ("ETH: ", "USDT (ERC20): ", "ETH "),
        "trx": ("USDT TRC20: ", "TRX: ", "USDT-TRC20 "),
    }[chain]
    return rng.choice(labels) + wallet.raw


def make_handle(rng: random.Random, network: str, stem: str) -> Identifier:
    """A messaging handle (telegram, wechat) normalised as '<network>:<lower-case name>'."""
    name = "".join(ch for ch in stem.lower() if ch.isascii() and (ch.isalnum() or ch == "_"))
    if not name or not name[0].isalpha():
        name = "x" + name
    name = (name + rng.choice(["", "_", ""]) + str(rng.randint(1, 999)))[:30]
    name = claim(f"{network}:{name}", lambda n: f"{network}:{name[:27]}_{n}").split(":", 1)[1]
    return Identifier(MESSAGING, f"{network}:{name}", raw=name)


def make_whatsapp(phone: Identifier) -> Identifier:
    """The WhatsApp account of a phone number."""
    return Identifier(MESSAGING, "whatsapp:" + phone.value, country=phone.country, raw=phone.value)


def render_handle(rng: random.Random, handle: Identifier, context_country: str | None) -> str:
    """A messaging handle as written in a bio or a listing."""
    network = handle.value.split(":")[0]
    if network == "telegram":
        return rng.choice(
            [
                f"Telegram: @{handle.raw}",
                f"t.me/{handle.raw}",
                f"TG @{handle.raw}",
                f"https://t.me/{handle.raw}",
            ]
        )
    if network == "wechat":
        return rng.choice([f"WeChat: {handle.raw}", f"微信: {handle.raw}", f"WeChat ID {handle.raw}"])
    phone = Identifier(PHONE, handle.raw, country=handle.country)
    if rng.random() < 0.35:
        return "wa.me/" + handle.raw.removeprefix("+")
    return "WhatsApp " + render_phone(rng, phone, context_country)


def make_paypal(rng: random.Random, stem: str) -> Identifier:
    """A PayPal.Me handle, normalised 'paypal:<lower-case handle>'."""
    base = "".join(ch for ch in stem if ch.isascii() and ch.isalnum()) + str(rng.randint(1, 99))
    value = claim("paypal:" + base.lower(), lambda n: f"paypal:{base.lower()}x{n}")
    return Identifier(PAYMENT, value, raw=base + value[len("paypal:") + len(base) :])


def render_paypal(rng: random.Random, paypal: Identifier) -> str:
    """The PayPal.Me link as written."""
    return (
        rng.choice(["paypal.me/", "PayPal: paypal.me/", "https://www.paypal.me/", "PayPal.Me/"]) + paypal.raw
    )


def make_analytics(rng: random.Random) -> tuple[Identifier, Identifier, Identifier]:
    """A Universal Analytics property, a GA4 measurement id and a Tag Manager container."""
    alphabet = string.ascii_uppercase + string.digits
    ua = f"UA-{rng.randint(10**7, 10**9 - 1)}"
    ga4 = "G-" + "".join(rng.choice(alphabet) for _ in range(10))
    gtm = "GTM-" + "".join(rng.choice(alphabet) for _ in range(7))
    return Identifier(ANALYTICS, ua), Identifier(ANALYTICS, ga4), Identifier(ANALYTICS, gtm)


def render(rng: random.Random, identifier: Identifier, context_country: str | None) -> str:
    """Any identifier written in one of its usual forms."""
    if identifier.kind == PHONE:
        return render_phone(rng, identifier, context_country)
    if identifier.kind == EMAIL:
        return render_email(rng, identifier)
    if identifier.kind == IBAN:
        return "IBAN " + render_iban(rng, identifier)
    if identifier.kind == CRYPTO:
        return render_wallet(rng, identifier)
    if identifier.kind == MESSAGING:
        return render_handle(rng, identifier, context_country)
    if identifier.kind == PAYMENT:
        return render_paypal(rng, identifier)
    return identifier.value


def email_with_typo(rng: random.Random, email: Identifier) -> Identifier:
    """The same address with two adjacent letters of its local part swapped (a seller's slip)."""
    local, domain = email.value.split("@")
    if len(local) < 4:
        return email
    i = rng.randrange(1, len(local) - 2)
    typo = local[:i] + local[i + 1] + local[i] + local[i + 2 :]
    return Identifier(EMAIL, f"{typo}@{domain}", raw=f"{typo}@{domain}")
