"""One pool of phrases in five languages, shared by honest and infringing sellers alike.

Which phrases an offer uses is drawn from how its seller writes (its style), never from what the seller is:
a bulk trader of genuine stock says "100% authentic, free shipping, ships from China" as readily as a
counterfeiter does, and a careful counterfeiter copies an authorised retailer's clean text.
"""

from __future__ import annotations

from countermark.sim.text import REPLICA_WORDS

LANGUAGES = ("en", "fr", "de", "es", "zh")

# Phrases by register, per language. "{c}" is a country name, "{b}" a brand, "{y}" a year.
PHRASES: dict[str, dict[str, tuple[str, ...]]] = {
    "authentic": {
        "en": ("100% authentic", "100% original", "genuine product", "authentic, not a copy"),
        "fr": ("100% authentique", "produit original", "authentique, pas une copie"),
        "de": ("100% original", "Originalware", "echt, keine Kopie"),
        "es": ("100% auténtico", "producto original", "auténtico, no es copia"),
        "zh": ("正品保证", "100%正品", "假一赔十"),
    },
    "free_shipping": {
        "en": ("free shipping", "free delivery", "free shipping worldwide"),
        "fr": ("livraison offerte", "livraison gratuite"),
        "de": ("kostenloser Versand", "versandkostenfrei"),
        "es": ("envío gratis", "envío gratuito"),
        "zh": ("包邮", "全国包邮"),
    },
    "ships_from": {
        "en": ("ships from {c}", "shipped from {c}", "dispatched from {c}"),
        "fr": ("expédié de {c}", "envoi depuis {c}"),
        "de": ("Versand aus {c}", "wird aus {c} verschickt"),
        "es": ("enviado desde {c}", "envío desde {c}"),
        "zh": ("{c}发货", "{c}直发"),
    },
    "delay": {
        "en": ("delivered in 7-15 days", "2-3 working days", "tracked delivery"),
        "fr": ("livré sous 7 à 15 jours", "2 à 3 jours ouvrés", "envoi suivi"),
        "de": ("Lieferzeit 7-15 Tage", "2-3 Werktage", "versicherter Versand"),
        "es": ("entrega en 7-15 días", "2-3 días laborables", "envío con seguimiento"),
        "zh": ("7-15天到货", "顺丰包邮", "可查物流"),
    },
    "service": {
        "en": ("Free returns within 30 days", "2-year manufacturer warranty", "Invoice with every order"),
        "fr": ("Retour gratuit sous 30 jours", "Garantie constructeur 2 ans", "Facture avec chaque commande"),
        "de": ("30 Tage kostenlose Rücksendung", "2 Jahre Herstellergarantie", "Rechnung liegt bei"),
        "es": ("Devolución gratuita en 30 días", "2 años de garantía del fabricante", "Factura incluida"),
        "zh": ("七天无理由退换", "全国联保", "可开发票"),
    },
    "retailer": {
        "en": ("Official retailer", "Authorised dealer", "Official store", "Genuine product with warranty"),
        "fr": ("Revendeur agréé", "Distributeur officiel", "Boutique officielle"),
        "de": ("Offizieller Händler", "Autorisierter Fachhändler", "Offizieller Shop"),
        "es": ("Distribuidor oficial", "Tienda oficial", "Vendedor autorizado"),
        "zh": ("官方授权", "授权经销商", "官方旗舰店"),
    },
    "new": {
        "en": ("new with box", "brand new, sealed", "new with tags", "original packaging"),
        "fr": ("neuf avec boîte", "neuf sous blister", "neuf avec étiquettes"),
        "de": ("neu mit Karton", "neu und versiegelt", "neu mit Etikett"),
        "es": ("nuevo con caja", "nuevo precintado", "nuevo con etiquetas"),
        "zh": ("全新带盒", "全新未拆封", "吊牌齐全"),
    },
    "stock": {
        "en": ("in stock", "limited stock", "all sizes available", "restocked"),
        "fr": ("en stock", "stock limité", "toutes tailles disponibles"),
        "de": ("auf Lager", "begrenzter Bestand", "alle Größen verfügbar"),
        "es": ("en stock", "stock limitado", "todas las tallas"),
        "zh": ("现货", "现货秒发", "尺码齐全"),
    },
    "trade": {
        "en": ("wholesale welcome", "bulk discount", "factory price", "best price online", "reseller prices"),
        "fr": ("grossiste bienvenu", "remise par quantité", "prix usine", "meilleur prix"),
        "de": ("Großhandel möglich", "Mengenrabatt", "Fabrikpreis", "bester Preis"),
        "es": ("venta al por mayor", "descuento por volumen", "precio de fábrica", "mejor precio"),
        "zh": ("支持批发", "工厂直销", "批发价", "一件代发"),
    },
    "used": {
        "en": (
            "used",
            "pre-owned",
            "worn twice",
            "good condition",
            "bought at the brand store, receipt available",
        ),
        "fr": ("d'occasion", "très bon état", "porté deux fois", "acheté en boutique, facture disponible"),
        "de": ("gebraucht", "sehr guter Zustand", "zweimal getragen", "im Laden gekauft, Beleg vorhanden"),
        "es": ("usado", "muy buen estado", "usado dos veces", "comprado en tienda, con ticket"),
        "zh": ("二手", "九成新", "自用闲置", "专柜购买 有小票"),
    },
    "bought": {
        "en": ("bought in {y}", "gift, never used", "can post or hand over"),
        "fr": ("acheté en {y}", "cadeau jamais utilisé", "envoi ou remise en main propre"),
        "de": ("gekauft {y}", "Geschenk, nie benutzt", "Versand oder Abholung"),
        "es": ("comprado en {y}", "regalo, sin usar", "envío o entrega en mano"),
        "zh": ("{y}年购入", "送的礼物 没用过", "可邮寄可自提"),
    },
    # Why a genuine item sells far below its price: damaged, a lot, a clearance.
    "cheap": {
        "en": (
            "box damaged, item intact",
            "display model, small scratches",
            "lot from a closed shop",
            "clearance, last piece",
            "missing accessories",
            "sold as is, for parts",
        ),
        "fr": (
            "boîte abîmée, article intact",
            "modèle d'exposition",
            "lot de fin de stock",
            "liquidation, dernière pièce",
            "vendu en l'état",
        ),
        "de": (
            "Karton beschädigt, Artikel einwandfrei",
            "Ausstellungsstück",
            "Restposten",
            "Räumungsverkauf, letztes Stück",
            "Bastlerware",
        ),
        "es": (
            "caja dañada, artículo intacto",
            "modelo de exposición",
            "lote de liquidación",
            "última unidad",
            "se vende tal cual",
        ),
        "zh": ("外盒破损 商品完好", "展示样品", "清仓甩卖", "最后一件", "有瑕疵 介意勿拍"),
    },
    "outlet": {
        "en": ("outlet", "end of season sale", "clearance", "last sizes", "previous collection"),
        "fr": ("déstockage", "soldes", "fin de série", "collection précédente", "prix outlet"),
        "de": ("Outlet", "Saisonschlussverkauf", "Abverkauf", "Restgrößen", "Vorjahreskollektion"),
        "es": ("outlet", "rebajas de temporada", "liquidación", "últimas tallas", "colección anterior"),
        "zh": ("清仓", "折扣", "断码特价", "过季款", "奥莱价"),
    },
    "grey": {
        "en": ("global version", "import, no EU warranty", "international edition", "parallel import"),
        "fr": ("version internationale", "import, sans garantie UE", "import parallèle"),
        "de": ("internationale Version", "Import, keine EU-Garantie", "Parallelimport"),
        "es": ("versión global", "importación, sin garantía UE", "importación paralela"),
        "zh": ("海外版", "国际版 无国内保修", "水货"),
    },
    "replica": REPLICA_WORDS,
    "parody": {
        "en": ("dupe of {b}", "inspired by {b}", "parody, not {b}", "{b} look for less", "smells like {b}"),
        "fr": ("dupe de {b}", "inspiré de {b}", "parodie, pas {b}", "le style {b} pour moins cher"),
        "de": ("Dupe von {b}", "inspiriert von {b}", "Parodie, nicht {b}", "{b}-Look günstiger"),
        "es": ("dupe de {b}", "inspirado en {b}", "parodia, no es {b}", "estilo {b} más barato"),
        "zh": ("{b}平替", "{b}同款平替", "致敬{b}", "恶搞款 非{b}"),
    },
    "not_affiliated": {
        "en": ("not affiliated with the brand", "third-party product", "unofficial"),
        "fr": ("non affilié à la marque", "produit non officiel"),
        "de": ("keine Verbindung zur Marke", "Drittanbieterprodukt"),
        "es": ("sin relación con la marca", "producto no oficial"),
        "zh": ("非官方", "第三方产品"),
    },
    "hint": {
        "en": ("premium", "designer style", "luxury", "famous brand style", "top seller"),
        "fr": ("premium", "style créateur", "luxe", "grande marque", "best-seller"),
        "de": ("Premium", "Designer-Stil", "Luxus", "Markenstil", "Bestseller"),
        "es": ("premium", "estilo diseñador", "lujo", "estilo de marca", "más vendido"),
        "zh": ("大牌同款", "明星同款", "高端", "爆款", "专柜款"),
    },
    "gift": {
        "en": ("Fast delivery", "Great gift", "In stock", "Quality guaranteed"),
        "fr": ("Livraison rapide", "Idée cadeau", "En stock", "Qualité garantie"),
        "de": ("Schnelle Lieferung", "Tolles Geschenk", "Auf Lager"),
        "es": ("Entrega rápida", "Ideal para regalo", "En stock"),
        "zh": ("现货", "送礼佳品", "快速发货"),
    },
}

COUNTRY_NAMES: dict[str, dict[str, str]] = {
    "CN": {"en": "China", "fr": "Chine", "de": "China", "es": "China", "zh": "国内"},
    "HK": {"en": "Hong Kong", "fr": "Hong Kong", "de": "Hongkong", "es": "Hong Kong", "zh": "香港"},
    "TR": {"en": "Istanbul", "fr": "Istanbul", "de": "Istanbul", "es": "Estambul", "zh": "土耳其"},
    "FR": {"en": "France", "fr": "France", "de": "Frankreich", "es": "Francia", "zh": "法国"},
    "DE": {"en": "Germany", "fr": "Allemagne", "de": "Deutschland", "es": "Alemania", "zh": "德国"},
    "ES": {"en": "Spain", "fr": "Espagne", "de": "Spanien", "es": "España", "zh": "西班牙"},
    "IT": {"en": "Italy", "fr": "Italie", "de": "Italien", "es": "Italia", "zh": "意大利"},
    "NL": {
        "en": "the Netherlands",
        "fr": "Pays-Bas",
        "de": "den Niederlanden",
        "es": "Países Bajos",
        "zh": "荷兰",
    },
    "BE": {"en": "Belgium", "fr": "Belgique", "de": "Belgien", "es": "Bélgica", "zh": "比利时"},
    "PL": {"en": "Poland", "fr": "Pologne", "de": "Polen", "es": "Polonia", "zh": "波兰"},
    "GB": {"en": "the UK", "fr": "Royaume-Uni", "de": "Großbritannien", "es": "Reino Unido", "zh": "英国"},
    "EU": {"en": "the EU", "fr": "l'UE", "de": "der EU", "es": "la UE", "zh": "欧洲仓"},
    "US": {"en": "the USA", "fr": "États-Unis", "de": "den USA", "es": "EE. UU.", "zh": "美国"},
}

EAN_LABEL = {"en": "EAN {g}", "fr": "EAN {g}", "de": "EAN {g}", "es": "EAN {g}", "zh": "商品条码 EAN {g}"}
COLOUR_LABEL = {
    "en": "Colour: {v}",
    "fr": "Coloris : {v}",
    "de": "Farbe: {v}",
    "es": "Color: {v}",
    "zh": "颜色：{v}",
}
PRICE_ON_REQUEST = {
    "en": "DM for price",
    "fr": "Prix en MP",
    "de": "Preis per PN",
    "es": "Precio por MD",
    "zh": "私聊询价",
}

# Title layouts: the same fields in different orders; "{p}" is an optional pitch, where the layout puts it.
TITLE_LAYOUTS: dict[str, tuple[str, ...]] = {
    "en": (
        "{m} {o} {n} {c} {p}",
        "{p} {m} {o} {n} - {c}",
        "{m} {o} {n} | {c} | {p}",
        "{n} {m} {o} ({c}) {p}",
    ),
    "fr": (
        "{n} {m} {o} {c} {p}",
        "{p} {m} {o} – {n} {c}",
        "{m} {o} {n} coloris {c} {p}",
        "{n} {m} {o} | {c} | {p}",
    ),
    "de": ("{m} {o} {n} {c} {p}", "{p} {m} {o} {n} in {c}", "{n} {m} {o} - {c} - {p}"),
    "es": ("{n} {m} {o} {c} {p}", "{p} {m} {o} – {n} {c}", "{m} {o} {n} color {c} {p}"),
    "zh": ("{m} {o} {c}{n} {p}", "{p} {m}{o} {c}{n}", "【{p}】{m} {o} {c}{n}"),
}

SEPARATORS: dict[str, tuple[str, ...]] = {
    "en": (". ", "\n", " | ", " • ", ", "),
    "fr": (". ", "\n", " | ", " • "),
    "de": (". ", "\n", " | ", " • "),
    "es": (". ", "\n", " | ", " • "),
    "zh": ("，", "\n", " ", "｜"),
}

EMOJI = ("🔥", "✨", "💯", "📦", "🚚", "⭐", "✅", "💥", "👌", "🎁", "❤️", "⚡")

# How each style writes: the chance of each register in the body, emoji and typos; numbers, not labels.
STYLE_HABITS: dict[str, dict[str, float]] = {
    "brand_store": {"retailer": 0.9, "service": 0.9, "ean": 0.95, "new": 0.2, "free_shipping": 0.3,
                    "authentic": 0.05, "emoji": 0.02, "typo": 0.01, "pitch": 0.3},
    "pro_reseller": {"retailer": 0.5, "service": 0.6, "ean": 0.55, "new": 0.4, "free_shipping": 0.4,
                     "authentic": 0.3, "stock": 0.4, "ships_from": 0.2, "outlet": 0.15, "grey": 0.05,
                     "hint": 0.08, "emoji": 0.12, "typo": 0.05, "pitch": 0.5},
    "casual_private": {"used": 0.8, "bought": 0.6, "authentic": 0.25, "free_shipping": 0.15, "ean": 0.15,
                       "hint": 0.06, "emoji": 0.3, "typo": 0.3, "pitch": 0.4},
    "bulk_trader": {"authentic": 0.5, "free_shipping": 0.55, "ships_from": 0.4, "delay": 0.4, "trade": 0.4,
                    "stock": 0.5, "new": 0.5, "outlet": 0.25, "grey": 0.12, "ean": 0.45, "service": 0.15,
                    "hint": 0.15, "emoji": 0.5, "typo": 0.2, "pitch": 0.7},
    "grey_market": {"authentic": 0.6, "grey": 0.55, "ships_from": 0.5, "delay": 0.4, "free_shipping": 0.5,
                    "ean": 0.45, "new": 0.5, "outlet": 0.1, "hint": 0.1, "emoji": 0.2, "typo": 0.1,
                    "pitch": 0.5},
    "parody": {"parody": 0.9, "free_shipping": 0.3, "stock": 0.3, "hint": 0.2, "emoji": 0.35, "typo": 0.1,
               "pitch": 0.6},
}  # fmt: skip
DEFAULT_STYLE = "casual_private"

# Intro lines of seller pages, by style; each is used by honest and infringing sellers of that style.
BIOS: dict[str, tuple[str, ...]] = {
    "brand_store": (
        "Official store. Customer care 7 days a week.",
        "Boutique officielle.",
        "Offizieller Shop.",
        "官方旗舰店",
    ),
    "pro_reseller": (
        "Independent retailer since 2011. Invoice with every order.",
        "Revendeur indépendant.",
        "Fachhändler seit 2009.",
        "Tienda especializada.",
    ),
    "casual_private": (
        "Clearing out my wardrobe.",
        "Vide-dressing, envoi rapide.",
        "Privatverkauf.",
        "Vendo cosas que ya no uso.",
        "",
    ),
    "bulk_trader": (
        "Factory direct, worldwide shipping.",
        "Top quality, best price. Wholesale & retail.",
        "工厂直销 支持批发 一件代发",
        "Grossiste, envoi dans le monde entier.",
        "New arrivals every week!",
        "Trusted seller since 2019, 5000+ happy customers.",
    ),
    "grey_market": (
        "Global brands at HK prices. Wholesale & retail.",
        "Factory direct, worldwide shipping.",
        "香港直邮 支持批发",
        "Trusted seller since 2016, 5000+ happy customers.",
    ),
    "parody": (
        "Dupes and parodies, not affiliated with any brand.",
        "平替好物 每周上新",
        "New arrivals every week!",
    ),
}
