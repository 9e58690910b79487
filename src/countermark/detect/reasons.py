"""Each signal as a sentence an officer can paste into a report, in English, French or Chinese."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from babel.numbers import format_decimal

from countermark.detect.rules import Decision
from countermark.detect.signals import Signal

LANGUAGES = ("en", "fr", "zh")

SENTENCES: dict[str, dict[str, str]] = {
    "mark_exact": {
        "en": "The listing names the registered mark {mark}.",
        "fr": "L'annonce cite la marque enregistrée {mark}.",
        "zh": "该商品信息提及注册商标 {mark}。",
    },
    "mark_homoglyph": {
        "en": "The listing writes the mark {mark} with look-alike letters of another script (“{text}”).",
        "fr": "L'annonce écrit la marque {mark} avec des lettres d'un autre alphabet (« {text} »).",
        "zh": "该商品信息用其他文字中形近的字母书写商标 {mark}（“{text}”）。",
    },
    "mark_leetspeak": {
        "en": "The listing disguises the mark {mark} with digits or symbols (“{text}”).",
        "fr": "L'annonce déguise la marque {mark} avec des chiffres ou des symboles (« {text} »).",
        "zh": "该商品信息用数字或符号伪装商标 {mark}（“{text}”）。",
    },
    "mark_spacing": {
        "en": "The listing splits or joins the mark {mark} to avoid searches (“{text}”).",
        "fr": "L'annonce coupe ou colle la marque {mark} pour échapper aux recherches (« {text} »).",
        "zh": "该商品信息拆分或拼接商标 {mark} 以规避搜索（“{text}”）。",
    },
    "mark_misspelling": {
        "en": "The listing uses “{text}”, a misspelling of the mark {mark}.",
        "fr": "L'annonce emploie « {text} », une variante orthographique de la marque {mark}.",
        "zh": "该商品信息使用“{text}”，为商标 {mark} 的错拼。",
    },
    "mark_transliteration": {
        "en": "The listing uses “{text}”, a Chinese transliteration of the mark {mark}.",
        "fr": "L'annonce emploie « {text} », une translittération chinoise de la marque {mark}.",
        "zh": "该商品信息使用“{text}”，为商标 {mark} 的中文音译。",
    },
    "mark_alias": {
        "en": "The listing uses “{text}”, a name registered for the mark {mark}.",
        "fr": "L'annonce emploie « {text} », un nom enregistré pour la marque {mark}.",
        "zh": "该商品信息使用“{text}”，为商标 {mark} 的登记名称。",
    },
    "mark_in_photo": {
        "en": "The photo shows the {mark} logo although the text does not name the brand.",
        "fr": "La photo montre le logo {mark} alors que le texte ne nomme pas la marque.",
        "zh": "图片显示 {mark} 标识，但文字未提及该品牌。",
    },
    "price_low": {
        "en": "The price ({price} {currency}) is less than half the lowest genuine price of {product} "
        "({low} {currency}).",
        "fr": "Le prix ({price} {currency}) est sous la moitié du plus bas prix d'origine de {product} "
        "({low} {currency}).",
        "zh": "售价（{price} {currency}）不到 {product} 正品最低价（{low} {currency}）的一半。",
    },
    "photo_theft": {
        "en": "A photo is the rights holder's own photo of {product}, used by a seller not authorised.",
        "fr": "Une photo est celle du titulaire des droits de {product}, reprise par un vendeur tiers.",
        "zh": "图片为权利人 {product} 的官方图片，而卖家未获授权。",
    },
    "seller_authorised": {
        "en": "The seller {seller} is on the brand's list of authorised sellers.",
        "fr": "Le vendeur {seller} figure sur la liste des vendeurs autorisés de la marque.",
        "zh": "卖家 {seller} 在品牌授权经销商名单中。",
    },
    "shop_name_uses_mark": {
        "en": "The shop name {seller} uses the mark {mark} without being authorised.",
        "fr": "Le nom de boutique {seller} utilise la marque {mark} sans autorisation.",
        "zh": "店铺名 {seller} 未经授权使用商标 {mark}。",
    },
    "replica_terms": {
        "en": "The text uses replica vocabulary: {terms}.",
        "fr": "Le texte emploie le vocabulaire de la copie : {terms}.",
        "zh": "文字使用仿冒用语：{terms}。",
    },
    "coded_terms": {
        "en": "The text uses coded terms of the replica trade: {terms}.",
        "fr": "Le texte emploie des termes codés du commerce de copies : {terms}.",
        "zh": "文字使用仿冒交易的暗语：{terms}。",
    },
    "piracy_terms": {
        "en": "The text offers pirated digital content: {terms}.",
        "fr": "Le texte propose des contenus numériques piratés : {terms}.",
        "zh": "文字提供盗版数字内容：{terms}。",
    },
    "parody_terms": {
        "en": "The text presents the goods as a parody or an imitation, not the brand's own: {terms}.",
        "fr": "Le texte présente le produit comme une parodie ou une imitation, non de la marque : {terms}.",
        "zh": "文字称商品为恶搞或平替，而非品牌正品：{terms}。",
    },
    "sale_terms": {
        "en": "The text gives a reason for a low price (outlet, used, damaged, clearance): {terms}.",
        "fr": "Le texte justifie un prix bas (déstockage, occasion, abîmé, liquidation) : {terms}.",
        "zh": "文字说明了低价的原因（清仓、二手、瑕疵、过季）：{terms}。",
    },
    "compatible_terms": {
        "en": "The text names the brand to say what the goods fit, as an accessory maker may: {terms}.",
        "fr": "Le texte cite la marque pour dire à quoi le produit s'adapte, comme un fabricant "
        "d'accessoires peut le faire : {terms}.",
        "zh": "文字提及品牌只为说明商品适配的型号，配件厂商可以这样使用：{terms}。",
    },
    "known_offer": {
        "en": "The text repeats an offer already confirmed infringing (similarity {similarity}).",
        "fr": "Le texte reprend une offre déjà confirmée contrefaisante (similarité {similarity}).",
        "zh": "文字与已确认侵权的商品信息雷同（相似度 {similarity}）。",
    },
    "ships_from_other_country": {
        "en": "The goods ship from {ships_from} while the seller declares {declared}.",
        "fr": "Les produits sont expédiés de {ships_from} alors que le vendeur déclare {declared}.",
        "zh": "商品从 {ships_from} 发货，而卖家申报所在地为 {declared}。",
    },
    "seller_history": {
        "en": "The seller already has {count} confirmed infringing listings.",
        "fr": "Le vendeur a déjà {count} annonces contrefaisantes confirmées.",
        "zh": "该卖家已有 {count} 条确认侵权的商品信息。",
    },
    "seller_network": {
        "en": "The seller belongs to a network of {size} linked accounts whose other sellers have "
        "{confirmed} confirmed infringing listings.",
        "fr": "Le vendeur appartient à un réseau de {size} comptes liés dont les autres vendeurs ont "
        "{confirmed} annonces contrefaisantes confirmées.",
        "zh": "该卖家属于一个由 {size} 个关联账户组成的网络，网络中其他卖家已有 {confirmed} 条确认侵权的"
        "商品信息。",
    },
    "seller_range_lookalike": {
        "en": "Listings of this seller writing a registered mark in disguise: {count} of {listings}.",
        "fr": "Annonces du vendeur écrivant une marque enregistrée de façon déguisée : "
        "{count} sur {listings}.",
        "zh": "该卖家以变体书写注册商标的商品信息：{listings} 条中有 {count} 条。",
    },
    "seller_range_replica": {
        "en": "Listings of this seller using replica vocabulary: {count} of {listings}.",
        "fr": "Annonces du vendeur employant le vocabulaire de la copie : {count} sur {listings}.",
        "zh": "该卖家使用仿冒用语的商品信息：{listings} 条中有 {count} 条。",
    },
    "seller_range_photo_theft": {
        "en": "Listings of this seller showing the rights holders' own photos: {count} of {listings}.",
        "fr": "Annonces du vendeur montrant les photos des titulaires des droits : {count} sur {listings}.",
        "zh": "该卖家使用权利人官方图片的商品信息：{listings} 条中有 {count} 条。",
    },
    "seller_range_low_price": {
        "en": "Listings of this seller priced under half the genuine price: {count} of {listings}.",
        "fr": "Annonces du vendeur sous la moitié du prix d'origine : {count} sur {listings}.",
        "zh": "该卖家售价不到正品价格一半的商品信息：{listings} 条中有 {count} 条。",
    },
    "seller_range_sale": {
        "en": "Listings of this seller giving a reason for a low price (outlet, used, damaged, clearance): "
        "{count} of {listings}.",
        "fr": "Annonces du vendeur justifiant un prix bas (déstockage, occasion, abîmé, liquidation) : "
        "{count} sur {listings}.",
        "zh": "该卖家说明低价原因（清仓、二手、瑕疵、过季）的商品信息：{listings} 条中有 {count} 条。",
    },
    "seller_range_brands": {
        "en": "The seller offers goods of {count} registered brands ({brands}).",
        "fr": "Le vendeur propose des produits de {count} marques enregistrées ({brands}).",
        "zh": "该卖家销售 {count} 个注册品牌的商品（{brands}）。",
    },
    "seller_range_cheaper": {
        "en": "Measured against the genuine price, this offer is at {percent}% of the seller's usual level.",
        "fr": "Rapportée au prix d'origine, cette offre est à {percent} % du niveau habituel du vendeur.",
        "zh": "按正品价格衡量，该商品的定价仅为该卖家通常水平的 {percent}%。",
    },
    "allow_seller": {
        "en": "No alert: {brand} lists {seller} as its own or authorised seller.",
        "fr": "Pas d'alerte : {brand} déclare {seller} comme son vendeur ou un vendeur autorisé.",
        "zh": "不报警：{brand} 将 {seller} 登记为自营或授权卖家。",
    },
    "allow_domain": {
        "en": "No alert: {brand} lists the domain {domain} as its own.",
        "fr": "Pas d'alerte : {brand} déclare le domaine {domain} comme le sien.",
        "zh": "不报警：{brand} 将域名 {domain} 登记为自有域名。",
    },
    "deny_seller": {
        "en": "Alert: {brand} has listed {seller} as a known infringer.",
        "fr": "Alerte : {brand} a signalé {seller} comme contrefacteur connu.",
        "zh": "报警：{brand} 已将 {seller} 列为已知侵权者。",
    },
    "deny_term": {
        "en": "Alert: the text contains “{term}”, which {brand} has listed as infringing.",
        "fr": "Alerte : le texte contient « {term} », que {brand} a déclaré contrefaisant.",
        "zh": "报警：文字包含 {brand} 列为侵权的“{term}”。",
    },
    "parody_shop": {
        "en": "The seller presents its range as parodies or dupes: whether such an offer infringes depends "
        "on the logo on the goods, which only the photo shows, so it is alerted from a probability of "
        "{threshold}.",
        "fr": "Le vendeur présente sa gamme comme des parodies ou des imitations : une telle offre est "
        "contrefaisante ou non selon le logo porté par le produit, que seule la photo montre ; l'alerte "
        "vient donc à partir d'une probabilité de {threshold}.",
        "zh": "该卖家将其商品标榜为恶搞或平替：此类商品是否侵权取决于商品本身的标识，只有图片能显示，"
        "因此概率达到 {threshold} 才报警。",
    },
    "goods_of_brands": {
        "en": "The goods offered ({goods}) are of a kind the registered brands sell.",
        "fr": "Les produits offerts ({goods}) sont d'un type que vendent les marques enregistrées.",
        "zh": "所售商品（{goods}）属于注册品牌销售的品类。",
    },
    "goods_other": {
        "en": "The goods offered ({goods}) are of a kind none of the registered brands sells.",
        "fr": "Les produits offerts ({goods}) sont d'un type qu'aucune des marques enregistrées ne vend.",
        "zh": "所售商品（{goods}）不属于任何注册品牌销售的品类。",
    },
    "score": {
        "en": "The model puts the probability that this listing infringes at {probability}.",
        "fr": "Le modèle estime à {probability} la probabilité que cette annonce soit contrefaisante.",
        "zh": "模型估计该商品信息侵权的概率为 {probability}。",
    },
}


def _language(language: str) -> str:
    base = language.split("-")[0].casefold()
    return base if base in LANGUAGES else "en"


# Values a signal stored before its sentence named them (prices were always in euros then).
_EARLIER: dict[str, dict[str, str]] = {"price_low": {"currency": "EUR"}}
# The sentence of a signal's reasons stored before its sentence named a value nobody can supply: a network
# counted by its size alone, before the confirmed infringements of its other sellers were required.
_FORMER: dict[str, dict[str, str]] = {
    "seller_network": {
        "en": "The seller belongs to a network of {size} linked accounts.",
        "fr": "Le vendeur appartient à un réseau de {size} comptes liés.",
        "zh": "该卖家属于一个由 {size} 个关联账户组成的网络。",
    }
}


# A value stored as a decimal number ("16.06", "1.00"): written the reader's way (16,06 in French). Whole
# numbers (counts, a GTIN, a year) are left as stored.
_DECIMAL = re.compile(r"^-?\d+\.\d+$")


def quoted_for(value: str, language: str) -> str:
    """Quoted words as stored («replica», «1:1») in the language's quotation marks: corner brackets and the
    enumeration comma in Chinese (「replica」、「1:1」); English and French keep them as stored."""
    if not language.startswith("zh") or "«" not in value:
        return value
    return value.replace("«", "「").replace("»", "」").replace("」, 「", "」、「")


def _localised(value: str, language: str) -> str:
    if "«" in value:
        return quoted_for(value, language)
    if language == "en" or not _DECIMAL.match(value):
        return value
    places = len(value.partition(".")[2])
    return str(format_decimal(Decimal(value), format="#,##0." + "0" * places, locale=language))


def sentence(name: str, values: Mapping[str, str], language: str = "en") -> str:
    """The sentence of one signal or rule in the language (English when the language is not known), its
    decimal numbers written the language's way, and its quoted words in Chinese quotation marks in Chinese."""
    templates = SENTENCES.get(name)
    if templates is None:
        return name
    values = {k: _localised(v, _language(language)) for k, v in {**_EARLIER.get(name, {}), **values}.items()}
    try:
        return templates[_language(language)].format(**values)
    except KeyError:
        if name in _FORMER:
            return _FORMER[name][_language(language)].format_map(values)
        return templates["en"].format_map(dict.fromkeys(("mark", "text"), "?") | dict(values))


def reason_codes(signals: Sequence[Signal], decision: Decision, probability: float) -> list[dict[str, Any]]:
    """Why, as codes and values: the deciding rule (if any), the model's probability, then each signal
    strongest first (`render` turns them into sentences in a language)."""
    codes: list[dict[str, Any]] = []
    if decision.rule is not None:
        codes.append({"code": decision.rule, "params": dict(decision.detail)})
    codes.append({"code": "score", "params": {"probability": f"{probability:.2f}"}})
    for signal in sorted(signals, key=lambda s: -abs(s.strength)):
        codes.append({"code": signal.name, "params": {k: str(v) for k, v in signal.evidence.items()}})
    return codes


def render(codes: Sequence[Mapping[str, Any]], language: str = "en") -> list[str]:
    """The sentences of stored reason codes in a language (English when the language is not known)."""
    return [
        sentence(
            str(item.get("code", "")),
            {str(k): str(v) for k, v in dict(item.get("params") or {}).items()},
            language,
        )
        for item in codes
    ]


def reasons(
    signals: Sequence[Signal], decision: Decision, probability: float, language: str = "en"
) -> list[str]:
    """Why: the deciding rule (if any), the model's probability, then each signal strongest first."""
    return render(reason_codes(signals, decision, probability), language)
