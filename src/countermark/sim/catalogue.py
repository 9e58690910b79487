"""Product categories and the fictional brands of the synthetic world."""

from __future__ import annotations

from dataclasses import dataclass

RGB = tuple[int, int, int]


@dataclass(frozen=True)
class Category:
    """What a product category looks like, costs, weighs and is declared as."""

    key: str
    noun: dict[str, str]
    hs_code: str
    nice_classes: tuple[int, ...]
    price_eur: tuple[int, int]
    models: tuple[str, ...]
    unit_mass_kg: float
    has_design: bool
    accessory: dict[str, str]
    accessory_price_eur: tuple[int, int]
    accessory_hs: str
    generic_words: tuple[str, ...]
    decoy_hs_codes: tuple[str, ...]


CATEGORIES: dict[str, Category] = {
    c.key: c
    for c in (
        Category(
            "sneakers",
            {"en": "sneakers", "fr": "baskets", "zh": "运动鞋", "de": "Sneaker", "es": "zapatillas"},
            "640411",
            (25,),
            (95, 190),
            ("Glide Runner", "Court Classic", "Apex Trail", "Aero Knit", "Volt Low", "Summit Mid"),
            1.1,
            True,
            {
                "en": "replacement laces",
                "fr": "lacets de rechange",
                "zh": "替换鞋带",
                "de": "Ersatz-Schnürsenkel",
                "es": "cordones de repuesto",
            },
            (4, 12),
            "630790",
            ("shoes", "footwear", "sport shoes", "chaussures"),
            ("630790", "950300", "640590"),
        ),
        Category(
            "handbags",
            {"en": "handbag", "fr": "sac à main", "zh": "手提包", "de": "Handtasche", "es": "bolso"},
            "420221",
            (18, 25),
            (450, 2200),
            (
                "Celeste Tote",
                "Mini Lune",
                "Heloise Shoulder Bag",
                "Etoile Clutch",
                "Voyage Weekender",
                "Saddle Bag",
            ),
            1.2,
            True,
            {
                "en": "bag organiser insert",
                "fr": "organiseur de sac",
                "zh": "包中包内胆",
                "de": "Taschenorganizer",
                "es": "organizador de bolso",
            },
            (12, 30),
            "420292",
            ("bag", "handbag", "accessories", "sac"),
            ("420292", "630790", "392690"),
        ),
        Category(
            "watches",
            {"en": "watch", "fr": "montre", "zh": "手表", "de": "Uhr", "es": "reloj"},
            "910221",
            (14,),
            (380, 4500),
            (
                "Meridian Automatic 40",
                "Regatta Chronograph",
                "Lumen Diver 42",
                "Classique 36",
                "Heritage GMT",
                "Pilot Field 38",
            ),
            0.35,
            True,
            {
                "en": "replacement strap",
                "fr": "bracelet de rechange",
                "zh": "替换表带",
                "de": "Ersatzarmband",
                "es": "correa de repuesto",
            },
            (9, 29),
            "911390",
            ("watch", "gift", "accessories", "montre"),
            ("911390", "711719", "392690"),
        ),
        Category(
            "perfume",
            {"en": "perfume", "fr": "parfum", "zh": "香水", "de": "Parfüm", "es": "perfume"},
            "330300",
            (3,),
            (65, 180),
            (
                "Nuit d'Ambre EDP 100ml",
                "Fleur Sauvage EDT 50ml",
                "Cuir Noir EDP 75ml",
                "Ondine EDP 30ml",
                "Bois Secret EDP 100ml",
                "Eau Claire EDT 100ml",
            ),
            0.45,
            False,
            {
                "en": "refillable travel atomiser",
                "fr": "atomiseur de voyage",
                "zh": "分装喷瓶",
                "de": "Reisezerstäuber",
                "es": "atomizador de viaje",
            },
            (6, 15),
            "961610",
            ("cosmetics", "sample", "gift", "parfum"),
            ("330749", "340130", "961610"),
        ),
        Category(
            "headphones",
            {"en": "headphones", "fr": "casque audio", "zh": "耳机", "de": "Kopfhörer", "es": "auriculares"},
            "851830",
            (9,),
            (120, 380),
            ("QX-700 Wireless", "QX-300 Buds", "Studio Pro", "Wave Lite", "QX-900 ANC", "Sport Loop"),
            0.4,
            True,
            {
                "en": "replacement ear pads",
                "fr": "coussinets de rechange",
                "zh": "替换耳罩",
                "de": "Ersatz-Ohrpolster",
                "es": "almohadillas de repuesto",
            },
            (8, 22),
            "851890",
            ("electronics", "earphones", "parts", "sample"),
            ("854442", "392690", "851890"),
        ),
        Category(
            "phone_accessories",
            {
                "en": "phone accessory",
                "fr": "accessoire téléphone",
                "zh": "手机配件",
                "de": "Handyzubehör",
                "es": "accesorio de móvil",
            },
            "850440",
            (9,),
            (19, 69),
            (
                "GaN 65W Charger",
                "MagDock Wireless Pad",
                "Armor Case",
                "PowerCore 20000",
                "Braided USB-C Cable 2m",
                "Car Mount Pro",
            ),
            0.25,
            False,
            {
                "en": "charging cable",
                "fr": "câble de charge",
                "zh": "充电线",
                "de": "Ladekabel",
                "es": "cable de carga",
            },
            (3, 9),
            "854442",
            ("accessories", "cable", "parts", "electronics"),
            ("392690", "854442", "851770"),
        ),
        Category(
            "toys",
            {
                "en": "building set",
                "fr": "jeu de construction",
                "zh": "拼装玩具",
                "de": "Bauset",
                "es": "set de construcción",
            },
            "950300",
            (28,),
            (25, 130),
            (
                "Star Cruiser Set",
                "Castle Builder",
                "Robo Pals",
                "Ocean Explorer",
                "Racing Team",
                "Jungle Outpost",
            ),
            0.9,
            True,
            {
                "en": "compatible bricks pack",
                "fr": "briques compatibles",
                "zh": "兼容积木",
                "de": "kompatible Bausteine",
                "es": "bloques compatibles",
            },
            (7, 25),
            "950300",
            ("toys", "gift", "plastic parts", "jouets"),
            ("392690", "392610", "491199"),
        ),
        Category(
            "software",
            {"en": "video game", "fr": "jeu vidéo", "zh": "电子游戏", "de": "Videospiel", "es": "videojuego"},
            "852349",
            (9, 41),
            (39, 119),
            (
                "Standard Edition (PC)",
                "Standard Edition (Console)",
                "Deluxe Edition",
                "Collector's Edition",
                "Season Pass Bundle",
                "Anniversary Edition",
            ),
            0.15,
            False,
            {
                "en": "game case and stand",
                "fr": "boîtier et support",
                "zh": "游戏收纳盒",
                "de": "Spielehülle mit Ständer",
                "es": "funda y soporte para juegos",
            },
            (6, 18),
            "392690",
            ("disc", "media", "sample", "printed matter"),
            ("491199", "392690", "852341"),
        ),
        Category(
            "cosmetics",
            {
                "en": "skincare",
                "fr": "soin visage",
                "zh": "护肤品",
                "de": "Hautpflege",
                "es": "cuidado facial",
            },
            "330499",
            (3,),
            (24, 95),
            (
                "Hydra Serum 30ml",
                "Velvet Lipstick",
                "Night Repair Cream 50ml",
                "Clear Skin Toner 200ml",
                "Sun Shield SPF50",
                "Eye Contour Gel 15ml",
            ),
            0.2,
            False,
            {
                "en": "empty cosmetic jars",
                "fr": "pots cosmétiques vides",
                "zh": "空分装瓶",
                "de": "leere Kosmetikdosen",
                "es": "tarros cosméticos vacíos",
            },
            (4, 12),
            "392330",
            ("cosmetics", "cream", "sample", "gift"),
            ("340130", "330749", "950300"),
        ),
    )
}


@dataclass(frozen=True)
class BrandSeed:
    """A fictional brand and the company that holds it."""

    name: str
    category: str
    company: str
    country: str
    zh_name: str
    primary: RGB
    secondary: RGB
    logo_shape: str


CURATED_BRANDS: tuple[BrandSeed, ...] = (
    BrandSeed(
        "Stridon",
        "sneakers",
        "Stridon Athletics Inc.",
        "US",
        "斯瑞登",
        (200, 30, 40),
        (25, 25, 25),
        "chevron",
    ),
    BrandSeed(
        "Lunavelle",
        "handbags",
        "Lunavelle Paris SAS",
        "FR",
        "露娜维尔",
        (120, 70, 40),
        (230, 200, 150),
        "crescent",
    ),
    BrandSeed(
        "Chronark",
        "watches",
        "Chronark Horlogerie SA",
        "CH",
        "克罗纳克",
        (15, 45, 95),
        (205, 170, 60),
        "ring",
    ),
    BrandSeed(
        "Orvessa",
        "perfume",
        "Orvessa Parfums SAS",
        "FR",
        "奥维萨",
        (150, 40, 110),
        (240, 215, 230),
        "diamond",
    ),
    BrandSeed(
        "Quellwave", "headphones", "Quellwave Audio K.K.", "JP", "奎尔波", (0, 140, 150), (30, 30, 30), "wave"
    ),
    BrandSeed(
        "Voltaxis",
        "phone_accessories",
        "Shenzhen Voltaxis Technology Co., Ltd.",
        "CN",
        "沃塔克斯",
        (245, 175, 0),
        (40, 40, 40),
        "triangle",
    ),
    BrandSeed("Plumibo", "toys", "Plumibo Toys A/S", "DK", "普鲁米波", (225, 60, 50), (40, 120, 220), "star"),
    BrandSeed(
        "Glimmerhold",
        "software",
        "Nimbulus Interactive Ltd",
        "GB",
        "辉光要塞",
        (70, 30, 140),
        (120, 220, 255),
        "hexagon",
    ),
    BrandSeed(
        "Dermavelle",
        "cosmetics",
        "Dermavelle Cosmetici S.p.A.",
        "IT",
        "德玛维尔",
        (40, 140, 90),
        (250, 248, 235),
        "leaf",
    ),
)

# Syllables for the extra brands of larger worlds; each pair maps to a Chinese transliteration.
_PREFIXES = (
    ("Vel", "维"),
    ("Mar", "马"),
    ("Quor", "阔"),
    ("Zen", "禅"),
    ("Lum", "卢"),
    ("Tav", "塔"),
    ("Bri", "布"),
    ("Sol", "索"),
    ("Nox", "诺"),
    ("Ori", "奥"),
    ("Kel", "凯"),
    ("Dra", "德"),
    ("Fen", "芬"),
    ("Gal", "加"),
    ("Hal", "哈"),
    ("Pra", "普"),
)
_SUFFIXES = (
    ("ano", "诺"),
    ("ique", "克"),
    ("ora", "拉"),
    ("exa", "莎"),
    ("ivo", "沃"),
    ("enza", "萨"),
    ("aris", "瑞"),
    ("ondo", "多"),
    ("ysse", "丝"),
    ("etta", "塔"),
)
_LEGAL_FORMS = {
    "DE": "GmbH",
    "FR": "SAS",
    "CH": "SA",
    "US": "Inc.",
    "GB": "Ltd",
    "IT": "S.p.A.",
    "DK": "A/S",
    "JP": "K.K.",
    "ES": "S.L.",
    "NL": "B.V.",
    "SE": "AB",
    "KR": "Co., Ltd.",
}
_SHAPES = ("chevron", "crescent", "ring", "diamond", "wave", "triangle", "star", "hexagon", "leaf")


def extra_brand_seeds(count: int, pick: list[int]) -> list[BrandSeed]:
    """Deterministic extra brands for medium and large worlds; `pick` is a list of random integers."""
    seeds: list[BrandSeed] = []
    taken = {b.name for b in CURATED_BRANDS}
    categories = sorted(CATEGORIES)
    countries = sorted(_LEGAL_FORMS)
    i = 0
    while len(seeds) < count:
        r = pick[i % len(pick)] + i * 7919
        i += 1
        prefix, zh_prefix = _PREFIXES[r % len(_PREFIXES)]
        suffix, zh_suffix = _SUFFIXES[(r // 17) % len(_SUFFIXES)]
        name = prefix + suffix
        if name in taken:
            continue
        taken.add(name)
        country = countries[(r // 3) % len(countries)]
        primary = ((r * 37) % 200 + 20, (r * 53) % 200 + 20, (r * 71) % 200 + 20)
        secondary = (255 - primary[0] // 2, 255 - primary[1] // 2, 255 - primary[2] // 2)
        seeds.append(
            BrandSeed(
                name,
                categories[len(seeds) % len(categories)],
                f"{name} {_LEGAL_FORMS[country]}",
                country,
                zh_prefix + zh_suffix,
                primary,
                secondary,
                _SHAPES[r % len(_SHAPES)],
            )
        )
    return seeds


COLOURS: tuple[tuple[dict[str, str], RGB], ...] = (
    ({"en": "black", "fr": "noir", "zh": "黑色", "de": "schwarz", "es": "negro"}, (28, 28, 30)),
    ({"en": "white", "fr": "blanc", "zh": "白色", "de": "weiß", "es": "blanco"}, (236, 236, 232)),
    ({"en": "red", "fr": "rouge", "zh": "红色", "de": "rot", "es": "rojo"}, (190, 35, 40)),
    (
        {"en": "navy", "fr": "bleu marine", "zh": "藏青色", "de": "marineblau", "es": "azul marino"},
        (25, 40, 90),
    ),
    ({"en": "beige", "fr": "beige", "zh": "米色", "de": "beige", "es": "beige"}, (215, 195, 160)),
    ({"en": "green", "fr": "vert", "zh": "绿色", "de": "grün", "es": "verde"}, (40, 120, 70)),
    ({"en": "grey", "fr": "gris", "zh": "灰色", "de": "grau", "es": "gris"}, (128, 128, 132)),
    ({"en": "pink", "fr": "rose", "zh": "粉色", "de": "rosa", "es": "rosa"}, (230, 150, 175)),
    ({"en": "gold", "fr": "doré", "zh": "金色", "de": "gold", "es": "dorado"}, (200, 165, 70)),
    ({"en": "brown", "fr": "marron", "zh": "棕色", "de": "braun", "es": "marrón"}, (110, 70, 40)),
)
