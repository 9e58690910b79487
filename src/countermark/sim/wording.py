"""Titles and descriptions of offers in five languages, composed from how the seller writes.

Every function takes the seller's style; the label of the offer only decides what an infringer must say
differently (a lookalike mark, sometimes replica words) and why an honest seller sells an item cheaply.
Field order, separators, emoji and typos vary from offer to offer.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from countermark.sim.entities import Brand, MarkForm, Product, SimAccount
from countermark.sim.text import UNRELATED_ITEMS, lookalike
from countermark.sim.wording_templates import (
    BIOS,
    COLOUR_LABEL,
    COUNTRY_NAMES,
    DEFAULT_STYLE,
    EAN_LABEL,
    EMOJI,
    PHRASES,
    SEPARATORS,
    STYLE_HABITS,
    TITLE_LAYOUTS,
)

# Registers that name a place or a brand, or are decided by the offer rather than the style.
_BODY_ORDER = (
    "retailer",
    "service",
    "new",
    "used",
    "bought",
    "authentic",
    "grey",
    "outlet",
    "stock",
    "trade",
    "free_shipping",
    "ships_from",
    "delay",
    "hint",
    "parody",
)


_EUROPE = ("FR", "DE", "BE", "IT", "ES", "NL", "PL", "PT", "AT")


@dataclass
class Wording:
    """A title and description, and which form of the mark they use."""

    title: str
    description: str
    mark_form: MarkForm = "none"


def phrase(rng: random.Random, register: str, language: str, **values: str) -> str:
    """One phrase of a register in a language, with its placeholders filled."""
    text = rng.choice(PHRASES[register][language])
    return text.format(**values) if values else text


def country_name(code: str | None, language: str) -> str:
    """A country as sellers write it in a language (China if unknown: the commonest origin line)."""
    return COUNTRY_NAMES.get(code or "CN", COUNTRY_NAMES["CN"])[language]


def habits(style: str) -> dict[str, float]:
    """How a style writes; unknown styles write like private sellers."""
    return STYLE_HABITS.get(style, STYLE_HABITS[DEFAULT_STYLE])


def typo(rng: random.Random, text: str) -> str:
    """One slip of the keyboard in one word of four letters or more (never in numbers)."""
    words = text.split(" ")
    spots = [i for i, w in enumerate(words) if len(w) >= 4 and w.isalpha()]
    if not spots:
        return text
    i = rng.choice(spots)
    w = words[i]
    k = rng.randrange(1, len(w) - 1)
    how = rng.choice(("swap", "drop", "double"))
    if how == "swap":
        w = w[: k - 1] + w[k] + w[k - 1] + w[k + 1 :]
    elif how == "drop":
        w = w[:k] + w[k + 1 :]
    else:
        w = w[:k] + w[k] + w[k:]
    words[i] = w
    return " ".join(words)


def mark_for(rng: random.Random, brand: Brand, language: str, form: MarkForm) -> str:
    """The mark as a seller writes it: exact, a lookalike, the Chinese transliteration, or nothing."""
    if form == "exact":
        return brand.name if rng.random() < 0.8 else brand.name.upper()
    if form == "lookalike":
        return lookalike(rng, brand.name)
    if form == "transliteration":
        return brand.seed.zh_name
    return ""


def _sentence(language: str, text: str) -> str:
    if language == "zh" or not text:
        return text
    return text[0].upper() + text[1:]


def _finish(
    rng: random.Random, style: str, language: str, title: str, lines: list[str], form: MarkForm
) -> Wording:
    habit = habits(style)
    rng.shuffle(lines)
    body = rng.choice(SEPARATORS[language]).join(_sentence(language, line) for line in lines if line)
    if rng.random() < habit.get("typo", 0.0):
        body = typo(rng, body)
    if rng.random() < habit.get("typo", 0.0) / 2:
        title = typo(rng, title)
    if rng.random() < habit.get("emoji", 0.0):
        title = f"{rng.choice(EMOJI)} {title}" if rng.random() < 0.5 else f"{title} {rng.choice(EMOJI)}"
    if rng.random() < habit.get("emoji", 0.0):
        body += " " + "".join(rng.sample(EMOJI, rng.randint(1, 3)))
    return Wording(" ".join(title.split()), body, form)


def branded(
    rng: random.Random,
    *,
    style: str,
    language: str,
    brand: Brand,
    product: Product,
    form: MarkForm,
    ships_from: str | None,
    force: tuple[str, ...] = (),
    drop: tuple[str, ...] = (),
    pitch_from: str | None = None,
) -> Wording:
    """An offer naming a branded product, written the way the style writes.

    Args:
        force: registers the offer must use (a reason for a low price, replica words, parody words...).
        drop: registers it must not use (a careful infringer drops the shipping line).
        pitch_from: the register the title's pitch comes from (default: one the body uses, or none).
    """
    habit = habits(style)
    registers = [r for r in _BODY_ORDER if rng.random() < habit.get(r, 0.0)]
    registers += [r for r in force if r not in registers and r in PHRASES]
    registers = [r for r in registers if r not in drop]
    # Sellers shipping within Europe often say only that (an EU warehouse), whichever side they are on.
    eu = ships_from in _EUROPE and rng.random() < 0.6
    values = {
        "c": country_name("EU" if eu else ships_from, language),
        "b": brand.name if form == "exact" else mark_for(rng, brand, language, form) or brand.name,
        "y": str(rng.randint(2019, 2025)),
    }
    mark = mark_for(rng, brand, language, form)
    model = product.model if form != "none" else phrase(rng, "hint", language)
    noun = brand.category.noun[language]
    colour = product.colour_name[language]
    lines = [
        {
            "zh": f"{mark} {model}{colour}{noun}",
            "fr": f"{noun} {mark} {model}, {colour}",
            "es": f"{noun} {mark} {model}, {colour}",
        }.get(language, f"{mark} {model} {noun}, {colour}")
    ]
    if rng.random() < 0.3:
        lines.append(COLOUR_LABEL[language].format(v=colour))
    lines += [phrase(rng, r, language, **values) for r in registers]
    if "ean" not in drop and (rng.random() < habit.get("ean", 0.0) or "ean" in force):
        lines.append(EAN_LABEL[language].format(g=product.gtin))
    pitch = ""
    if pitch_from:
        pitch = phrase(rng, pitch_from, language, **values)
    elif registers and rng.random() < habit.get("pitch", 0.0):
        pitch = phrase(rng, rng.choice(registers), language, **values)
    layout = rng.choice(TITLE_LAYOUTS[language])
    title = layout.format(m=mark, o=model, n=noun, c=colour, p=pitch)
    title = title.replace("()", "").replace("【】", "").replace("| |", "|").strip(" |-–")
    return _finish(rng, style, language, _sentence(language, title), lines, form)


def compatible(rng: random.Random, style: str, brand: Brand, product: Product, language: str) -> Wording:
    """An unbranded accessory that names the brand to say what it fits (legitimately)."""
    accessory = brand.category.accessory[language]
    fits = {
        "en": ("compatible with", "fits", "replacement for", "suitable for"),
        "fr": ("compatible avec", "adapté pour", "remplacement pour"),
        "de": ("kompatibel mit", "passend für", "Ersatz für"),
        "es": ("compatible con", "apto para", "recambio para"),
        "zh": ("适用于", "兼容", "替换"),
    }[language]
    word = rng.choice(fits)
    title = (
        f"{word}{brand.name} {product.model} {accessory}"
        if language == "zh"
        else (f"{accessory} {word} {brand.name} {product.model}")
    )
    lines = [title]
    if rng.random() < 0.5:
        lines.append(phrase(rng, "not_affiliated", language))
    if rng.random() < 0.2:
        lines.append(rng.choice(("1:1", "OEM", "AAA")) + " " + phrase(rng, "stock", language))
    habit = habits(style)
    lines += [
        phrase(rng, r, language, c=country_name(None, language))
        for r in ("free_shipping", "ships_from")
        if rng.random() < habit.get(r, 0.0)
    ]
    return _finish(rng, style, language, _sentence(language, title), lines, "exact")


def unrelated(rng: random.Random, style: str, kind: str, language: str, colour: dict[str, str]) -> Wording:
    """An ordinary offer with no brand in it (some of them say 'designer style' all the same)."""
    item = UNRELATED_ITEMS[kind][language]
    title = f"{item} {colour[language]}" if language != "zh" else f"{colour['zh']}{item}"
    if rng.random() < 0.2:
        title = f"{title} {phrase(rng, 'hint', language)}"
    lines = [title, phrase(rng, "gift", language)]
    habit = habits(style)
    for register in ("free_shipping", "ships_from", "new", "stock", "authentic"):
        if rng.random() < habit.get(register, 0.0) * 0.6:
            lines.append(phrase(rng, register, language, c=country_name(None, language)))
    return _finish(rng, style, language, _sentence(language, title), lines, "none")


def bio(rng: random.Random, style: str) -> str:
    """An intro line for a seller page, drawn from its style (shared by honest and infringing sellers)."""
    return rng.choice(BIOS.get(style, BIOS[DEFAULT_STYLE]))


def add_intros(rng: random.Random, accounts: list[SimAccount], share: float = 0.5) -> None:
    """Open about half the seller pages with an intro drawn from the seller's style, on both sides.

    Counterfeiters' stock phrases ("Factory direct, worldwide shipping.") are the bulk traders' phrases,
    and honest bulk traders, outlets and accessory shops say them too.
    """
    for account in accounts:
        if rng.random() >= share:
            continue
        line = bio(rng, getattr(account, "style", None) or DEFAULT_STYLE)
        if line and line not in account.bio_lines:
            account.bio_lines.insert(0, line)
