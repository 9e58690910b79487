"""Vocabularies of the synthetic world (English, French, German, Spanish, Chinese) and lookalike marks."""

from __future__ import annotations

import random

LANGUAGES = ("en", "fr", "de", "es", "zh")

# Replica vocabulary: what a naive detector looks for. Many fakes use none of it.
REPLICA_WORDS: dict[str, tuple[str, ...]] = {
    "en": (
        "AAA quality",
        "1:1 copy",
        "mirror quality",
        "replica",
        "top grade copy",
        "UA version",
        "super fake",
    ),
    "fr": ("réplique", "copie 1:1", "qualité miroir", "qualité AAA", "imitation parfaite"),
    "de": ("Replika", "1:1 Kopie", "Spiegelqualität", "AAA Qualität"),
    "es": ("réplica", "copia 1:1", "calidad espejo", "calidad AAA"),
    "zh": ("复刻", "高仿", "1:1原版", "顶级版本", "原单", "莆田货"),
}

UNRELATED_ITEMS: dict[str, dict[str, str]] = {
    "mug": {
        "en": "ceramic coffee mug 350ml",
        "fr": "mug en céramique 350ml",
        "zh": "陶瓷咖啡杯 350ml",
        "de": "Keramik-Kaffeebecher 350ml",
        "es": "taza de cerámica 350ml",
    },
    "lamp": {
        "en": "bedside table lamp",
        "fr": "lampe de chevet",
        "zh": "床头台灯",
        "de": "Nachttischlampe",
        "es": "lámpara de noche",
    },
    "tshirt": {
        "en": "cotton t-shirt, plain",
        "fr": "t-shirt en coton uni",
        "zh": "纯棉纯色T恤",
        "de": "Baumwoll-T-Shirt, uni",
        "es": "camiseta de algodón lisa",
    },
    "book": {
        "en": "paperback novel, like new",
        "fr": "roman de poche, comme neuf",
        "zh": "平装小说 九成新",
        "de": "Taschenbuch-Roman, wie neu",
        "es": "novela de bolsillo, como nueva",
    },
    "plant": {
        "en": "indoor plant in pot",
        "fr": "plante d'intérieur en pot",
        "zh": "室内盆栽",
        "de": "Zimmerpflanze im Topf",
        "es": "planta de interior en maceta",
    },
    "chair": {
        "en": "wooden dining chair",
        "fr": "chaise en bois",
        "zh": "实木餐椅",
        "de": "Esszimmerstuhl aus Holz",
        "es": "silla de comedor de madera",
    },
    "bottle": {
        "en": "insulated water bottle 750ml",
        "fr": "gourde isotherme 750ml",
        "zh": "保温水杯 750ml",
        "de": "Isolierflasche 750ml",
        "es": "botella térmica 750ml",
    },
    "backpack": {
        "en": "school backpack",
        "fr": "sac à dos scolaire",
        "zh": "学生双肩包",
        "de": "Schulrucksack",
        "es": "mochila escolar",
    },
}
UNRELATED_PRICES: dict[str, tuple[int, int]] = {
    "mug": (6, 18),
    "lamp": (15, 60),
    "tshirt": (5, 25),
    "book": (3, 12),
    "plant": (8, 40),
    "chair": (25, 120),
    "bottle": (9, 30),
    "backpack": (12, 45),
}

CONTACT_LABELS: dict[str, tuple[str, ...]] = {
    "en": ("Contact:", "For orders:", "Wholesale:", "DM or", "Questions?", "Payment:"),
    "fr": ("Contact :", "Commandes :", "Paiement :", "Écrivez-nous :"),
    "de": ("Kontakt:", "Bestellungen:", "Zahlung:", "Schreib uns:"),
    "es": ("Contacto:", "Pedidos:", "Pago:", "Escríbenos:"),
    "zh": ("联系方式：", "下单请加", "批发咨询：", "付款方式："),
}

FIRST_NAMES = (
    "Camille",
    "Lucas",
    "Emma",
    "Hugo",
    "Léa",
    "Nathan",
    "Chloé",
    "Louis",
    "Sarah",
    "Jonas",
    "Anna",
    "Felix",
    "Marie",
    "Paul",
    "Laura",
    "Tom",
    "Julia",
    "Max",
    "Sofia",
    "Leon",
    "Olivia",
    "James",
    "Emily",
    "Daniel",
    "Giulia",
    "Marco",
    "Lucía",
    "Pablo",
    "Sven",
    "Ingrid",
)
LAST_NAMES = (
    "Martin",
    "Bernard",
    "Dubois",
    "Thomas",
    "Robert",
    "Petit",
    "Durand",
    "Leroy",
    "Moreau",
    "Simon",
    "Müller",
    "Schmidt",
    "Schneider",
    "Fischer",
    "Weber",
    "Smith",
    "Johnson",
    "Brown",
    "Rossi",
    "Russo",
    "García",
    "López",
    "Janssen",
    "De Vries",
    "Peeters",
    "Lefebvre",
    "Fontaine",
)
CN_SURNAMES = ("Li", "Wang", "Zhang", "Liu", "Chen", "Yang", "Huang", "Zhao", "Wu", "Zhou", "Lin", "Guo")
CN_GIVEN = ("Wei", "Fang", "Min", "Jing", "Lei", "Qiang", "Yan", "Jun", "Hui", "Xin", "Hao", "Ling")

CITIES: dict[str, tuple[tuple[str, str], ...]] = {
    "FR": (
        ("Paris", "75011"),
        ("Lyon", "69003"),
        ("Marseille", "13006"),
        ("Lille", "59000"),
        ("Bordeaux", "33000"),
        ("Nantes", "44000"),
        ("Toulouse", "31000"),
        ("Strasbourg", "67000"),
    ),
    "DE": (("Berlin", "10115"), ("Hamburg", "20095"), ("München", "80331"), ("Köln", "50667")),
    "BE": (("Bruxelles", "1000"), ("Antwerpen", "2000"), ("Liège", "4000")),
    "IT": (("Milano", "20121"), ("Roma", "00184"), ("Torino", "10121")),
    "ES": (("Madrid", "28001"), ("Barcelona", "08001"), ("Valencia", "46001")),
    "NL": (("Amsterdam", "1012"), ("Rotterdam", "3011"), ("Utrecht", "3511")),
    "GB": (("London", "E1 6AN"), ("Manchester", "M1 1AE"), ("Leeds", "LS1 4DY")),
    "US": (("New York, NY", "10001"), ("Los Angeles, CA", "90012"), ("Miami, FL", "33130")),
}
STREETS: dict[str, tuple[str, ...]] = {
    "FR": (
        "rue de la République",
        "avenue Jean Jaurès",
        "boulevard Voltaire",
        "rue Victor Hugo",
        "rue des Lilas",
    ),
    "DE": ("Hauptstraße", "Bahnhofstraße", "Gartenweg", "Lindenallee"),
    "BE": ("rue Neuve", "Meir", "rue Royale"),
    "IT": ("Via Roma", "Via Garibaldi", "Corso Italia"),
    "ES": ("Calle Mayor", "Gran Vía", "Calle del Sol"),
    "NL": ("Kerkstraat", "Dorpsstraat", "Prinsengracht"),
    "GB": ("High Street", "Station Road", "Church Lane"),
    "US": ("Main Street", "Oak Avenue", "5th Avenue"),
}

# Homoglyphs: Cyrillic letters that render like Latin ones.
HOMOGLYPHS = {"a": "а", "e": "е", "o": "о", "i": "і", "c": "с", "p": "р", "x": "х", "y": "у"}
LEET = {"o": "0", "i": "1", "l": "1", "e": "3", "a": "4", "s": "5"}
VOWELS = "aeiou"


def lookalike(rng: random.Random, name: str) -> str:
    """A spelling of a mark that reads like it without being it (substitutions, homoglyphs, spaces)."""
    for _ in range(20):
        method = rng.choice(["double", "vowel", "leet", "homoglyph", "space", "drop", "append", "case"])
        lower = name.lower()
        positions = list(range(1, len(name) - 1))
        i = rng.choice(positions)
        if method == "double":
            candidate = name[: i + 1] + name[i] + name[i + 1 :]
        elif method == "vowel":
            spots = [k for k in positions if lower[k] in VOWELS]
            if not spots:
                continue
            k = rng.choice(spots)
            candidate = name[:k] + rng.choice([v for v in VOWELS if v != lower[k]]) + name[k + 1 :]
        elif method == "leet":
            spots = [k for k in range(len(name)) if lower[k] in LEET]
            if not spots:
                continue
            k = rng.choice(spots)
            candidate = name[:k] + LEET[lower[k]] + name[k + 1 :]
        elif method == "homoglyph":
            spots = [k for k in range(1, len(name)) if name[k] in HOMOGLYPHS]
            if not spots:
                continue
            k = rng.choice(spots)
            candidate = name[:k] + HOMOGLYPHS[name[k]] + name[k + 1 :]
        elif method == "space":
            candidate = name[:i] + rng.choice([" ", "-", ".", " "]) + name[i:]
        elif method == "drop":
            candidate = name[:i] + name[i + 1 :]
        elif method == "append":
            candidate = name + rng.choice(["e", "s", "x", "o"])
        else:
            candidate = name[0] + name[1:].upper().replace("I", "l")
        if candidate.lower() != lower and candidate.upper() != name.upper():
            return candidate
    return name[:-1] + "e" + name[-1]
