"""Identifier extraction and normalisation: real-world formats, negatives, hostile input, no network."""

from __future__ import annotations

from typing import Any

import bech32
import pytest

from countermark.observe.identifiers import KINDS, FoundIdentifier, extract_identifiers, normalise_identifier

GENESIS = "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa"
BECH32_V0 = "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq"
TAPROOT = "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0"  # BIP-350 / BIP-86 vector
EIP55 = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"  # EIP-55 test vector
MONERO = "44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3A"


def found(text: str, region: str | None = None) -> list[FoundIdentifier]:
    """Extract, and check the contract every result must keep: raw is exactly text[start:end]."""
    result = extract_identifiers(text, default_region=region)
    for item in result:
        assert item.kind in KINDS
        assert item.raw == text[item.start : item.end]
    return result


def pairs(text: str, region: str | None = None) -> set[tuple[str, str]]:
    return {(item.kind, item.value) for item in found(text, region)}


def values(kind: str, text: str, region: str | None = None) -> list[str]:
    return [item.value for item in found(text, region) if item.kind == kind]


def cases(rows: list[tuple[Any, ...]]) -> list[Any]:
    """Pytest params from rows written as (id, *arguments), so each table keeps one case per line."""
    return [pytest.param(*row[1:], id=row[0]) for row in rows]


# ---------------------------------------------------------------------------------------------- phones

PHONES = [
    ("fr-national-spaces", "Tél : 06 12 34 56 78", "FR", "+33612345678"),
    ("fr-national-dots", "Appelez le 06.12.34.56.78 !", "FR", "+33612345678"),
    ("fr-national-dashes", "tel 06-12-34-56-78", "FR", "+33612345678"),
    ("fr-plus", "Call +33 6 12 34 56 78", None, "+33612345678"),
    ("fr-00-prefix-without-region", "Call 0033 6 12 34 56 78", None, "+33612345678"),
    ("fr-trunk-zero-in-parentheses", "Tel +33 (0)6 12 34 56 78", None, "+33612345678"),
    ("uk-national", "Ring 020 7946 0958", "GB", "+442079460958"),
    ("uk-plus", "Ring +44 20 7946 0958", None, "+442079460958"),
    ("uk-00-prefix", "Ring 0044 20 7946 0958", None, "+442079460958"),
    ("uk-trunk-zero", "Tel. +44 (0)20 7946 0958", None, "+442079460958"),
    ("us-parentheses", "Call (212) 555-0100", "US", "+12125550100"),
    ("us-dots", "Call 212.555.0123", "US", "+12125550123"),
    ("us-phone-hash-label", "Phone #: 212-555-0123", "US", "+12125550123"),
    ("us-from-abroad-00", "Call 001 212 555 0123", None, "+12125550123"),
    ("cn-plus-spaced", "Call +86 138 0013 8000 now", None, "+8613800138000"),
    ("cn-00-prefix", "Call 0086 138 0013 8000", None, "+8613800138000"),
    ("cn-mobile-in-chinese", "手机：13800138000。", "CN", "+8613800138000"),
    ("cn-plus-in-chinese", "电话+86 138 0013 8000，谢谢", None, "+8613800138000"),
    ("cn-dashes", "Tel 138-0013-8000", "CN", "+8613800138000"),
    ("de-national", "Ruf 030 1234567", "DE", "+49301234567"),
    ("de-plus", "Ruf +49 30 1234567", None, "+49301234567"),
    ("de-trunk-zero", "Ruf +49 (0)30 1234567", None, "+49301234567"),
    ("de-00-prefix", "Ruf 0049 30 1234567", None, "+49301234567"),
    ("hk-national", "Tel 2345 6789", "HK", "+85223456789"),
    ("hk-plus", "Tel +852 9123-4567", None, "+85291234567"),
    ("hk-00-prefix", "Tel 00852 9123 4567", None, "+85291234567"),
    ("whatsapp-link-number", "wa.me/8613800138000", None, "+8613800138000"),
]


@pytest.mark.parametrize(("text", "region", "e164"), cases(PHONES))
def test_phone_formats_normalise_to_e164(text: str, region: str | None, e164: str) -> None:
    assert values("phone", text, region) == [e164]


PHONE_NEGATIVES = [
    ("price-euro", "Prix : € 129.99", "FR"),
    ("price-comma", "Prix : 129,99 €", "FR"),
    ("price-thousands", "US$ 1,299.00", "US"),
    ("price-read-as-a-short-german-number", '<div class="price">168.99 EUR</div>', "DE"),
    # A whole price phonenumbers reads as a German pager number (+491640): fresh worlds 180 and 183.
    ("whole-price-read-as-a-german-pager", '<div class="price">1640 USD</div>', "DE"),
    ("year-read-as-a-german-pager", "Gekauft 1641, Preis 1642", "DE"),
    ("iso-date-us", "Shipped 2024-03-15", "US"),
    ("iso-date-cn", "发货日期 2024-03-15", "CN"),
    ("slash-date", "Livré le 12/03/2024", "FR"),
    ("gtin13-us", "GTIN 4006381333931", "US"),
    ("gtin13-de", "EAN: 4006381333931", "DE"),
    ("gtin13-cn", "条码 4006381333931", "CN"),
    ("gtin14", "GTIN 40063813339310", "FR"),
    ("order-hash", "Order #2125550123", "US"),
    ("order-number", "Order No. 2125550123", "US"),
    ("order-chinese", "订单号：13800138000", "CN"),
    ("sku", "SKU 8613800138000", "CN"),
    ("version", "firmware v2.3.1", "US"),
    # A listing page's own web addresses: its id in a relative path or a query, not a number to call.
    ("path-segment", '<a href="/annonce/3517246741">', "CN"),
    ("query-value", '<a href="/compte/message?annonce=3517246741">Contacter</a>', "CN"),
    ("query-after-amp", "/search?q=bag&item=13800138000", "CN"),
]


@pytest.mark.parametrize(("text", "region"), cases(PHONE_NEGATIVES))
def test_prices_dates_product_codes_and_references_are_not_phones(text: str, region: str) -> None:
    assert values("phone", text, region) == []


def test_national_numbers_need_a_region() -> None:
    assert values("phone", "Tél : 06 12 34 56 78") == []


# ----------------------------------------------------------------------------------------------- IBANs

IBANS = [
    ("de-compact", "DE89370400440532013000", "DE89370400440532013000"),
    ("de-grouped", "IBAN: DE89 3704 0044 0532 0130 00 BIC COBADEFFXXX", "DE89370400440532013000"),
    ("gb-lower-grouped", "iban gb82 west 1234 5698 7654 32.", "GB82WEST12345698765432"),
    ("gb-compact", "GB82WEST12345698765432", "GB82WEST12345698765432"),
    ("fr-grouped", "Virement : FR14 2004 1010 0505 0001 3M02 606", "FR1420041010050500013M02606"),
    ("nl-compact", "NL91ABNA0417164300", "NL91ABNA0417164300"),
    ("de-in-chinese", "账户：DE89370400440532013000，谢谢", "DE89370400440532013000"),
]


@pytest.mark.parametrize(("text", "iban"), cases(IBANS))
def test_valid_ibans_are_extracted_compact_and_upper_case(text: str, iban: str) -> None:
    assert values("iban", text) == [iban]


@pytest.mark.parametrize(
    "text",
    cases(
        [
            ("de-last-digit-changed", "DE89370400440532013001"),
            ("de-check-digits-changed", "DE88370400440532013000"),
            ("gb-digit-changed", "GB82WEST12345698765433"),
            ("fr-digit-changed", "FR1420041010050500013M02607"),
            ("nl-digit-changed", "NL91ABNA0417164301"),
            ("de-too-short", "DE8937040044053201300"),
            ("unknown-country", "XX89370400440532013000"),
        ]
    ),
)
def test_ibans_with_a_wrong_checksum_or_length_are_rejected(text: str) -> None:
    assert values("iban", text) == []


def test_two_ibans_separated_by_a_space_are_both_found() -> None:
    text = "DE89370400440532013000 GB82WEST12345698765432"
    assert values("iban", text) == ["DE89370400440532013000", "GB82WEST12345698765432"]


# ---------------------------------------------------------------------------------------------- e-mails

EMAILS = [
    ("plain-keeps-dots-tags", "Contact: Sales.Team+EU@Shop-Example.COM", "sales.team+eu@shop-example.com"),
    ("square-brackets", "john.doe [at] shop-example [dot] com", "john.doe@shop-example.com"),
    ("parentheses", "sales(at)fakes(dot)cn", "sales@fakes.cn"),
    ("parentheses-multi-label", "sales (at) fakes (dot) co (dot) uk", "sales@fakes.co.uk"),
    ("braces", "mail: kf {at} luxe {dot} fr", "kf@luxe.fr"),
    ("words", "contact at luxe-bags dot fr", "contact@luxe-bags.fr"),
    ("spaced", "name @ domain . com", "name@domain.com"),
    ("full-width", "ｊｏｈｎ＠ｑｑ．ｃｏｍ", "john@qq.com"),
    ("full-width-at-in-chinese", "邮箱：kf＠shop.cn，谢谢", "kf@shop.cn"),
    ("qq-number", "123456789 [at] qq [dot] com", "123456789@qq.com"),
    ("french-words", "Écrivez à nom arobase domaine point fr", "nom@domaine.fr"),
]


@pytest.mark.parametrize(("text", "email"), cases(EMAILS))
def test_plain_and_obfuscated_emails_are_lower_cased(text: str, email: str) -> None:
    assert values("email", text) == [email]
    assert values("domain", text) == [email.rpartition("@")[2]]


@pytest.mark.parametrize(
    "text",
    cases(
        [
            ("pronoun-is-not-a-mailbox", "email us at shop dot com"),
            ("price-at-shop", "20 @ amazon.com"),
            ("no-public-suffix", "look at this dot example"),
            ("no-tld", "user@localhost"),
            ("retina-file-name", "logo photo@2x.png"),
        ]
    ),
)
def test_text_that_only_resembles_an_email_is_not_one(text: str) -> None:
    assert values("email", text) == []


def test_email_domain_is_the_registrable_domain() -> None:
    assert pairs("orders@mail.shop.co.uk") == {("email", "orders@mail.shop.co.uk"), ("domain", "shop.co.uk")}


# --------------------------------------------------------------------------------------- URLs, domains

URLS = [
    (
        "scheme-host-lowered-port-fragment-dropped",
        "Visit https://WWW.Shop-Example.com:443/Path?x=1#frag, now",
        "https://www.shop-example.com/Path?x=1",
        "shop-example.com",
    ),
    ("default-port-empty-path", "http://example.com:80/", "http://example.com", "example.com"),
    ("other-port-kept", "http://example.com:8080/a", "http://example.com:8080/a", "example.com"),
    ("bare-www", "see www.example.co.uk/item.", "http://www.example.co.uk/item", "example.co.uk"),
    ("bare-domain", "shop-example.com", "http://shop-example.com", "shop-example.com"),
    (
        "balanced-parens",
        "(see https://shop.example.com/a_(b))",
        "https://shop.example.com/a_(b)",
        "example.com",
    ),
    (
        "in-chinese",
        "访问https://fake-shop.cn/item/123，谢谢",
        "https://fake-shop.cn/item/123",
        "fake-shop.cn",
    ),
    (
        "in-french",
        "Boutique : https://boutique.fr/sacs?page=2.",
        "https://boutique.fr/sacs?page=2",
        "boutique.fr",
    ),
    ("private-suffix-shop", "foo.myshopify.com", "http://foo.myshopify.com", "foo.myshopify.com"),
]


@pytest.mark.parametrize(("text", "url", "domain"), cases(URLS))
def test_urls_are_normalised_and_yield_their_registrable_domain(text: str, url: str, domain: str) -> None:
    assert values("url", text) == [url]
    assert values("domain", text) == [domain]


@pytest.mark.parametrize(
    "text",
    cases(
        [
            ("image-file", "photo.jpg"),
            ("files-whose-extension-is-a-tld", "readme.md and setup.py"),
            ("version", "firmware v2.3.1"),
            ("missing-space-after-full-stop", "It was fake.It broke"),
            ("company-abbreviation", "Shenzhen Co.Ltd"),
            ("abbreviation-and-number", "e.g. 3.14"),
        ]
    ),
)
def test_file_names_versions_and_sentence_breaks_are_not_domains(text: str) -> None:
    assert found(text, "US") == []


# -------------------------------------------------------------------------------------- crypto wallets

WALLETS = [
    ("btc-p2pkh-genesis", f"BTC: {GENESIS}", f"btc:{GENESIS}"),
    ("btc-p2sh", "3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy", "btc:3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy"),
    ("btc-bech32", BECH32_V0, f"btc:{BECH32_V0}"),
    ("btc-bech32-upper-case", BECH32_V0.upper(), f"btc:{BECH32_V0}"),
    ("btc-taproot-bech32m", TAPROOT, f"btc:{TAPROOT}"),
    ("eth-eip55", f"USDT {EIP55}", f"eth:{EIP55.lower()}"),
    ("eth-all-lower", EIP55.lower(), f"eth:{EIP55.lower()}"),
    ("tron", "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t", "trx:TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t"),
    ("ltc-legacy", "LVg2kJoFNg45Nbpy53h7Fe1wKyeXVRhMH9", "ltc:LVg2kJoFNg45Nbpy53h7Fe1wKyeXVRhMH9"),
    ("ltc-p2sh", "MGxNPPB7eBoWPUaprtX9v9CXJZoD2465zN", "ltc:MGxNPPB7eBoWPUaprtX9v9CXJZoD2465zN"),
    ("monero-structural", f"XMR {MONERO}", f"xmr:{MONERO}"),
    ("btc-in-chinese", f"付款地址：{GENESIS}。", f"btc:{GENESIS}"),
]


@pytest.mark.parametrize(("text", "value"), cases(WALLETS))
def test_valid_wallets_are_prefixed_with_their_chain(text: str, value: str) -> None:
    assert values("crypto_wallet", text) == [value]


def _flip_case(address: str, index: int) -> str:
    char = address[index]
    return address[:index] + (char.lower() if char.isupper() else char.upper()) + address[index + 1 :]


def _first_letter(address: str) -> int:
    return next(i for i, c in enumerate(address) if i > 1 and c.isalpha())


@pytest.mark.parametrize(
    "text",
    cases(
        [
            ("btc-one-char-changed", GENESIS[:-1] + "b"),
            ("bech32-one-char-changed", BECH32_V0[:-1] + "p"),
            ("bech32-mixed-case", BECH32_V0[:10] + BECH32_V0[10:].upper()),
            ("eth-one-case-flipped", _flip_case(EIP55, _first_letter(EIP55))),
            ("tron-one-char-changed", "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6u"),
            ("taproot-with-bech32-not-bech32m", str(bech32.encode("bc", 1, list(range(32))))),
        ]
    ),
)
def test_wallets_with_a_broken_checksum_are_rejected(text: str) -> None:
    assert values("crypto_wallet", text) == []


def test_ltc_bech32_is_recognised() -> None:
    address = bech32.encode("ltc", 0, list(range(20)))
    assert address is not None
    assert values("crypto_wallet", f"LTC {address}") == [f"ltc:{address}"]


# -------------------------------------------------------------------------------------- analytics ids

ANALYTICS = [
    ("universal-analytics-property", "gtag('config', 'UA-12345678-1');", "UA-12345678"),
    ("ga4", "gtag('config', 'G-ABC1234DEF');", "G-ABC1234DEF"),
    ("tag-manager", "googletagmanager.com/ns.html?id=GTM-N8XK2P", "GTM-N8XK2P"),
    ("adsense-ca-pub", 'data-ad-client="ca-pub-1234567890123456"', "ca-pub-1234567890123456"),
    ("adsense-pub", "google_ad_client = pub-1234567890123456", "ca-pub-1234567890123456"),
    ("facebook-pixel", "fbq('init', '123456789012345');", "fbpixel:123456789012345"),
    ("facebook-pixel-labelled", "Facebook Pixel ID: 123456789012345", "fbpixel:123456789012345"),
    ("yandex-metrika", "ym(87654321, 'init', {clickmap:true});", "ymetrika:87654321"),
    ("yandex-metrika-labelled", "Yandex.Metrika: 12345678", "ymetrika:12345678"),
    ("google-ads", "AW-123456789", "AW-123456789"),
    (
        "baidu",
        "hm.baidu.com/hm.js?0123456789abcdef0123456789ABCDEF",
        "baidu:0123456789abcdef0123456789abcdef",
    ),
]


@pytest.mark.parametrize(("text", "value"), cases(ANALYTICS))
def test_analytics_and_ad_ids_are_extracted(text: str, value: str) -> None:
    assert values("analytics_id", text) == [value]


GOOGLE_TOKEN = "Ab3dEfGhIjKlMnOpQrStUvWxYz0123456789_-abcd"
VERIFICATIONS = [
    ("google-name-first", f'<meta name="google-site-verification" content="{GOOGLE_TOKEN}" />',
     f"google-verify:{GOOGLE_TOKEN}"),
    ("facebook-content-first",
     '<meta content="0123456789ABCDEFGHIJ0123456789" name="facebook-domain-verification">',
     "facebook-verify:0123456789abcdefghij0123456789"),
    ("bing-single-quotes", "<META NAME='msvalidate.01' CONTENT='0123456789ABCDEF0123456789ABCDEF'>",
     "bing-verify:0123456789abcdef0123456789abcdef"),
    ("yandex", '<meta name="yandex-verification" content="0123456789abcdef">',
     "yandex-verify:0123456789abcdef"),
    ("pinterest", '<meta name="p:domain_verify" content="0123456789abcdef0123456789abcdef"/>',
     "pinterest-verify:0123456789abcdef0123456789abcdef"),
    ("baidu", '<meta name="baidu-site-verification" content="code-AbCdEf1234" />',
     "baidu-verify:code-AbCdEf1234"),
]  # fmt: skip


@pytest.mark.parametrize(("text", "value"), cases(VERIFICATIONS))
def test_site_verification_tokens_in_meta_tags_are_extracted(text: str, value: str) -> None:
    assert values("analytics_id", f"<html><head>{text}</head><body>Shop</body></html>") == [value]


@pytest.mark.parametrize(
    "text",
    [
        '<meta name="google-site-verification" content="short">',  # not a token of that service
        '<meta name="description" content="how google-site-verification works">',  # named in prose
        '<meta name="yandex-verification" content="0123456789ABCDEFXYZ">',  # not hexadecimal
        "Our google-site-verification is Ab3dEfGhIjKlMnOpQrStUvWxYz0123456789",  # not in a meta tag
    ],
)
def test_what_only_looks_like_a_verification_token_is_not_one(text: str) -> None:
    assert values("analytics_id", text) == []


def test_a_verification_token_in_a_structured_field_is_normalised() -> None:
    assert normalise_identifier("analytics_id", "Facebook-verify:0123456789ABCDEFGHIJ0123456789") == (
        "facebook-verify:0123456789abcdefghij0123456789"
    )
    google = f"google-verify:{GOOGLE_TOKEN}"
    assert normalise_identifier("analytics_id", google) == google
    assert normalise_identifier("analytics_id", "google-verify:short") is None
    assert normalise_identifier("analytics_id", "acme-verify:0123456789abcdef") is None


def test_product_names_shaped_like_ga4_ids_are_not_analytics() -> None:
    assert values("analytics_id", "Casio G-SHOCK GA-2100 and G-SHOCKWATCH") == []


def test_analytics_digits_are_not_read_as_phones() -> None:
    assert values("phone", "ca-pub-1234567890123456 UA-2125550123-1", "US") == []


# --------------------------------------------------------------------------- messaging and payment

HANDLES = [
    ("telegram-tg-label", "TG: @FakeShop_bot", "messaging_handle telegram:fakeshop_bot"),
    ("telegram-no-at", "telegram: cheapbags", "messaging_handle telegram:cheapbags"),
    ("telegram-tg-space-at", "tg @LuxReps", "messaging_handle telegram:luxreps"),
    ("telegram-chinese-slang", "纸飞机：@LuxReps", "messaging_handle telegram:luxreps"),
    (
        "telegram-link",
        "t.me/LuxuryReps",
        "url http://t.me/LuxuryReps | domain t.me | messaging_handle telegram:luxuryreps",
    ),
    (
        "whatsapp-link",
        "wa.me/8613800138000",
        "url http://wa.me/8613800138000 | domain wa.me | phone +8613800138000"
        " | messaging_handle whatsapp:+8613800138000",
    ),
    (
        "whatsapp-labelled",
        "WhatsApp: +44 20 7946 0958",
        "messaging_handle whatsapp:+442079460958 | phone +442079460958",
    ),
    ("wechat-chinese-label", "微信：abc_12345", "messaging_handle wechat:abc_12345"),
    ("wechat-no-colon", "加微信abc123456", "messaging_handle wechat:abc123456"),
    ("wechat-id", "WeChat ID: Lux_Bags88", "messaging_handle wechat:lux_bags88"),
    ("wechat-id-no-colon", "Supplier: WeChat ID yiwudrop11, worldwide", "messaging_handle wechat:yiwudrop11"),
    ("telegram-handle-no-colon", "Telegram handle cs_agent", "messaging_handle telegram:cs_agent"),
    ("wechat-vx", "vx: wxid888888", "messaging_handle wechat:wxid888888"),
    ("qq", "QQ号：123456789", "messaging_handle qq:123456789"),
    (
        "signal-number",
        "Signal: +33 6 12 34 56 78",
        "messaging_handle signal:+33612345678 | phone +33612345678",
    ),
    ("skype", "skype: live:.cid.123abc", "messaging_handle skype:live:.cid.123abc"),
    ("discord-legacy", "discord: Name#1234", "messaging_handle discord:name#1234"),
    ("discord-new", "discord: cool.seller", "messaging_handle discord:cool.seller"),
    ("instagram-labelled", "IG @luxe_bags", "messaging_handle instagram:luxe_bags"),
    (
        "instagram-link",
        "instagram.com/fake.bags/",
        "url http://instagram.com/fake.bags/ | domain instagram.com | messaging_handle instagram:fake.bags",
    ),
    (
        "x-link-is-twitter",
        "https://x.com/FakeDeals",
        "url https://x.com/FakeDeals | domain x.com | messaging_handle twitter:fakedeals",
    ),
    (
        "tiktok-link",
        "tiktok.com/@rep.king",
        "url http://tiktok.com/@rep.king | domain tiktok.com | messaging_handle tiktok:rep.king",
    ),
    (
        "paypal-me",
        "paypal.me/JohnShop",
        "url http://paypal.me/JohnShop | domain paypal.me | payment_account paypal:johnshop",
    ),
    (
        "paypal-email",
        "PayPal: Some.One@x.com",
        "payment_account paypal:some.one@x.com | email some.one@x.com | domain x.com",
    ),
    ("alipay-chinese", "支付宝：fake_shop88", "payment_account alipay:fake_shop88"),
    ("alipay-phone", "alipay: 138 0013 8000", "payment_account alipay:+8613800138000"),
    ("wechat-pay", "微信支付: wxpay_shop", "payment_account wechatpay:wxpay_shop"),
    ("cashapp-tag", "cash app $CheapKicks", "payment_account cashapp:cheapkicks"),
    ("venmo", "Venmo @kick-seller", "payment_account venmo:kick-seller"),
]


@pytest.mark.parametrize(("text", "expected"), cases(HANDLES))
def test_messaging_handles_and_payment_accounts(text: str, expected: str) -> None:
    """expected lists "kind value" pairs separated by " | "."""
    assert pairs(text) == {(part.split(" ", 1)[0], part.split(" ", 1)[1]) for part in expected.split(" | ")}


@pytest.mark.parametrize(
    "text",
    cases(
        [
            ("paypal-answer", "PayPal: accepted"),
            ("wechat-pay-answer", "WeChat Pay: available"),
            ("skype-too-short", "Skype: call me"),
            ("telegram-must-start-with-a-letter", "tg: 12345"),
            ("id-without-colon-then-words", "Telegram ID upon request; PayPal ID is below"),
            ("wechat-id-number-is-private", "Our WeChat id number is private"),
        ]
    ),
)
def test_labels_followed_by_ordinary_words_are_not_accounts(text: str) -> None:
    assert found(text) == []


def test_dollar_amounts_are_not_cashtags_without_cash_app_wording() -> None:
    assert values("payment_account", "Only $CheapKicks today, was $120") == []


def test_identifiers_in_french_and_chinese_prose() -> None:
    text = "Écrivez-nous à contact@boutique.fr ou appelez le 06 12 34 56 78. 微信：lux_bags8，QQ 123456789。"
    assert pairs(text, "FR") == {
        ("email", "contact@boutique.fr"),
        ("domain", "boutique.fr"),
        ("phone", "+33612345678"),
        ("messaging_handle", "wechat:lux_bags8"),
        ("messaging_handle", "qq:123456789"),
    }


def test_results_are_deduplicated_and_in_order_of_first_appearance() -> None:
    text = "B@Shop.com then +33 6 12 34 56 78, again b@shop.com and +33612345678"
    result = found(text)
    assert [(r.kind, r.value) for r in result] == [
        ("email", "b@shop.com"),
        ("domain", "shop.com"),
        ("phone", "+33612345678"),
    ]
    assert result[0].raw == "B@Shop.com"
