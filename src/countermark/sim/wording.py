"""Titles and descriptions of offers, in English, French or Chinese, for each kind of seller."""

from __future__ import annotations

import random
from dataclasses import dataclass

from countermark.sim.entities import Brand, MarkForm, Product
from countermark.sim.text import (
    AUTHORISED_WORDS,
    COMPATIBLE_EXTRAS,
    COMPATIBLE_WORDS,
    DISCOUNT_WORDS,
    PLAIN_FAKE_WORDS,
    REPLICA_WORDS,
    SECOND_HAND_WORDS,
    SHIPPING_LINES,
    UNRELATED_ITEMS,
    lookalike,
)

# Wording counterfeiters use for goods with no mark at all ("famous brand" hints, or nothing).
OFFICIAL_WORDS = {"en": "Official store", "fr": "Boutique officielle", "zh": "官方旗舰店"}
_UNBRANDED_HINTS = {
    "en": ("premium", "designer style", "luxury", "famous brand style", "top seller"),
    "fr": ("premium", "style créateur", "luxe", "grande marque", "best-seller"),
    "zh": ("大牌同款", "明星同款", "高端", "爆款", "专柜款"),
}


@dataclass
class Wording:
    """A title and description, and which form of the mark they use."""

    title: str
    description: str
    mark_form: MarkForm = "none"


_COLOUR_LABEL = {"en": "Colour: ", "fr": "Coloris : ", "zh": "颜色："}
_IN_STOCK = {"en": "In stock", "fr": "En stock", "zh": "现货"}
_ALL_SIZES = {"en": "All sizes in stock", "fr": "Toutes tailles disponibles", "zh": "尺码齐全"}


def _join(language: str, parts: list[str]) -> str:
    if language == "zh":
        return "，".join(p for p in parts if p)
    return ". ".join(p[0].upper() + p[1:] for p in parts if p)


def mark_for(rng: random.Random, brand: Brand, language: str, form: MarkForm) -> str:
    """The mark as a seller writes it: exact, a lookalike, the Chinese transliteration, or nothing."""
    if form == "exact":
        return brand.name if rng.random() < 0.8 else brand.name.upper()
    if form == "lookalike":
        return lookalike(rng, brand.name)
    if form == "transliteration":
        return brand.seed.zh_name
    return ""


def counterfeit(
    rng: random.Random,
    brand: Brand,
    product: Product,
    language: str,
    form: MarkForm,
    replica: bool,
    ships_from: str | None,
) -> Wording:
    """An offer of fakes: a mark in some form (or none), replica words or plain 'new with box' wording."""
    noun = brand.category.noun[language]
    colour = product.colour_name[language]
    mark = mark_for(rng, brand, language, form)
    model = product.model if form != "none" else rng.choice(_UNBRANDED_HINTS[language])
    pitch = rng.choice(REPLICA_WORDS[language] if replica else PLAIN_FAKE_WORDS[language])
    second = rng.choice(PLAIN_FAKE_WORDS[language])
    stock = (
        (_ALL_SIZES if brand.category.key == "sneakers" else _IN_STOCK)[language]
        if rng.random() < 0.5
        else ""
    )
    if language == "en":
        title = f"{mark} {model} {noun} {colour} - {pitch}".strip()
        body = [f"{mark} {model} {noun}, {colour}".strip(), second, stock]
    elif language == "fr":
        title = f"{noun.capitalize()} {mark} {model} {colour} – {pitch}".replace("  ", " ")
        body = [f"{noun.capitalize()} {mark} {model} coloris {colour}".replace("  ", " "), second, stock]
    else:
        title = f"{mark} {model} {colour}{noun} {pitch}".strip()
        body = [f"{mark} {model}{colour}{noun}".strip(), second, stock]
    lines = SHIPPING_LINES[language]
    body.append(lines.get(ships_from or "", lines["default"]))
    return Wording(" ".join(title.split()), _join(language, body), form)


def authorised(rng: random.Random, brand: Brand, product: Product, language: str, official: bool) -> Wording:
    """A genuine offer by the brand's store or an authorised retailer (with the product's EAN)."""
    noun = brand.category.noun[language]
    colour = product.colour_name[language]
    pitch = OFFICIAL_WORDS[language] if official else rng.choice(AUTHORISED_WORDS[language])
    if language == "zh":
        title = f"{brand.name} {product.model} {colour}{noun} {pitch}"
        body = [
            pitch,
            f"{brand.name} {product.model}，{colour}",
            f"商品条码 EAN {product.gtin}",
            "七天无理由退换",
        ]
    elif language == "fr":
        title = f"{brand.name} {product.model} – {noun} {colour}"
        body = [
            pitch,
            f"{brand.name} {product.model}, coloris {colour}",
            f"EAN {product.gtin}",
            "Retour gratuit sous 30 jours",
        ]
    else:
        title = f"{brand.name} {product.model} {noun} – {colour}"
        body = [
            pitch,
            f"{brand.name} {product.model}, {colour}",
            f"EAN {product.gtin}",
            "Free returns within 30 days",
        ]
    return Wording(title, _join(language, body), "exact")


def second_hand(rng: random.Random, brand: Brand, product: Product, language: str) -> Wording:
    """A private seller's used genuine item."""
    noun = brand.category.noun[language]
    words = rng.sample(SECOND_HAND_WORDS[language], 2)
    year = rng.randint(2021, 2025)
    bought = {"en": f"Bought in {year}", "fr": f"Acheté en {year}", "zh": f"{year}年购入"}[language]
    handover = {"en": "Can post or hand over", "fr": "Envoi ou remise en main propre", "zh": "可邮寄可自提"}[
        language
    ]
    if language == "zh":
        title = f"{words[0]} {brand.name} {product.model} {noun}"
    elif language == "fr":
        title = f"{noun.capitalize()} {brand.name} {product.model} {words[0]}"
    else:
        title = f"{brand.name} {product.model} {noun} - {words[0]}"
    body = [words[1], _COLOUR_LABEL[language] + product.colour_name[language], bought, handover]
    return Wording(title, _join(language, body), "exact")


def discount(rng: random.Random, brand: Brand, product: Product, language: str, percent: int) -> Wording:
    """A genuine item sold off at an outlet price."""
    noun = brand.category.noun[language]
    word = rng.choice(DISCOUNT_WORDS[language])
    if language == "zh":
        title = f"{brand.name} {product.model} {noun} {word} -{percent}%"
        body = [f"{word}，{brand.name}正品", _COLOUR_LABEL["zh"] + product.colour_name["zh"], "数量有限"]
    elif language == "fr":
        title = f"{brand.name} {product.model} {noun} -{percent}% {word}"
        body = [
            f"{word} : produits {brand.name} authentiques",
            _COLOUR_LABEL["fr"] + product.colour_name["fr"],
            "Quantités limitées",
        ]
    else:
        title = f"{brand.name} {product.model} {noun} -{percent}% {word}"
        body = [
            f"{word}: genuine {brand.name} stock",
            _COLOUR_LABEL["en"] + product.colour_name["en"],
            "Limited quantities",
        ]
    return Wording(title, _join(language, body), "exact")


def compatible(rng: random.Random, brand: Brand, product: Product, language: str) -> Wording:
    """An unbranded accessory that names the brand to say what it fits (legitimately)."""
    accessory = brand.category.accessory[language]
    word = rng.choice(COMPATIBLE_WORDS[language])
    extra = rng.choice(COMPATIBLE_EXTRAS[language]) if rng.random() < 0.6 else ""
    if language == "zh":
        title = f"{word}{brand.name} {product.model} {accessory}"
    else:
        title = f"{accessory.capitalize()} {word} {brand.name} {product.model}"
    body = [title, extra, rng.choice(["2 pack", "lot de 2", "2件装"]) if rng.random() < 0.3 else ""]
    return Wording(title, _join(language, body), "exact")


def unrelated(rng: random.Random, kind: str, language: str, colour: dict[str, str]) -> Wording:
    """An ordinary offer with no brand in it."""
    item = UNRELATED_ITEMS[kind][language]
    title = f"{item} {colour[language]}" if language != "zh" else f"{colour['zh']}{item}"
    body = [
        title,
        rng.choice(
            {
                "en": ("Fast delivery", "Great gift", "In stock"),
                "fr": ("Livraison rapide", "Idée cadeau", "En stock"),
                "zh": ("现货", "送礼佳品", "快速发货"),
            }[language]
        ),
    ]
    return Wording(title, _join(language, body), "none")
