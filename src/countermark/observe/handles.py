"""Messaging handles, payment accounts and analytics/ad ids, labelled in text or given as "platform:value".

A handle's normalised value is "platform:name" with the platform spelled one way (x → twitter,
支付宝 → alipay) and the name lower-cased, because every platform listed here matches names without
regard to case. Phone-based accounts (WhatsApp, Signal) carry the number in E.164.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from countermark.observe.phones import parse_phone

Hit = tuple[str, str, int, int]  # (kind, value, start, end)

PAYMENT_PLATFORMS = frozenset({"paypal", "alipay", "wechatpay", "cashapp", "venmo"})
MESSAGING_PLATFORMS = frozenset(
    {
        "telegram",
        "whatsapp",
        "wechat",
        "qq",
        "signal",
        "skype",
        "discord",
        "instagram",
        "twitter",
        "tiktok",
        "facebook",
    }
)
_ALIASES = {
    "tg": "telegram",
    "t.me": "telegram",
    "wa": "whatsapp",
    "whats app": "whatsapp",
    "weixin": "wechat",
    "微信": "wechat",
    "vx": "wechat",
    "wx": "wechat",
    "we chat": "wechat",
    "ig": "instagram",
    "insta": "instagram",
    "x": "twitter",
    "fb": "facebook",
    "支付宝": "alipay",
    "ali pay": "alipay",
    "wechat pay": "wechatpay",
    "微信支付": "wechatpay",
    "cash app": "cashapp",
    "cash.app": "cashapp",
    "paypal.me": "paypal",
    "扣扣": "qq",
}

_EMAIL = r"[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){1,6}"
_PHONEISH = r"\+?\d[\d \t().-]{4,22}\d"
_VALUE_RES = {
    "telegram": re.compile(r"[a-z][a-z0-9_]{3,31}"),
    "wechat": re.compile(r"[a-z][a-z0-9_-]{5,19}"),
    "qq": re.compile(r"[1-9]\d{4,11}", re.A),
    "signal": re.compile(r"[a-z][a-z0-9_]{2,31}\.\d{2,9}", re.A),
    "skype": re.compile(r"live:[a-z0-9._-]{3,40}|[a-z][a-z0-9._,-]{5,31}"),
    "discord": re.compile(r"[a-z0-9_](?:[a-z0-9_.]{0,30}[a-z0-9_])?(?:#\d{4})?", re.A),
    "instagram": re.compile(r"[a-z0-9_](?:[a-z0-9_.]{0,28}[a-z0-9_])?"),
    "twitter": re.compile(r"[a-z0-9_]{1,15}"),
    "tiktok": re.compile(r"[a-z0-9_](?:[a-z0-9_.]{0,22}[a-z0-9_])?"),
    "facebook": re.compile(r"[a-z0-9][a-z0-9.]{4,49}|\d{5,20}", re.A),
    "paypal": re.compile(r"[a-z0-9_-]{1,30}"),
    "alipay": re.compile(r"[a-z][a-z0-9_.-]{2,40}"),
    "wechatpay": re.compile(r"[a-z][a-z0-9_-]{5,19}"),
    "cashapp": re.compile(r"[a-z][a-z0-9_-]{0,19}"),
    "venmo": re.compile(r"[a-z0-9_-]{5,30}"),
}
_EMAIL_RE = re.compile(_EMAIL, re.A)
_PHONEISH_RE = re.compile(_PHONEISH, re.A)
_PHONE_PLATFORMS = frozenset({"whatsapp", "signal", "wechat", "alipay", "wechatpay"})


def platform_kind(platform: str) -> str:
    """The kind ("payment_account" or "messaging_handle") of a canonical platform's accounts."""
    return "payment_account" if platform in PAYMENT_PLATFORMS else "messaging_handle"


def canonical_platform(name: str) -> str | None:
    """The canonical platform for a label or alias ("TG", "微信", "X"), or None if unknown."""
    key = " ".join(name.strip().lower().split())
    key = _ALIASES.get(key, key)
    return key if key in PAYMENT_PLATFORMS or key in MESSAGING_PLATFORMS else None


def normalise_handle(platform: str, value: str, region: str | None) -> str | None:
    """The "platform:value" of one account name on a canonical platform, or None if not valid there."""
    value = value.strip().strip("\u200b")
    value = value.lstrip("$" if platform == "cashapp" else "@")
    value = value.rstrip(".,;")
    if not value or len(value) > 80:
        return None
    if platform in _PHONE_PLATFORMS and _PHONEISH_RE.fullmatch(value):
        # Chinese payment and chat ids are very often the owner's mobile number.
        home = region or ("CN" if platform in ("wechat", "alipay", "wechatpay") else None)
        phone = parse_phone(value, home, bare_international=True)
        if phone:
            return f"{platform}:{phone}"
        digits = "".join(c for c in value if c.isdigit())
        # A numeric WeChat/Alipay id that is not a phone is usually a linked QQ number: keep its digits.
        if platform != "whatsapp" and platform != "signal" and 5 <= len(digits) <= 15:
            return f"{platform}:{digits}"
        return None
    if platform in ("paypal", "alipay") and _EMAIL_RE.fullmatch(value):
        return f"{platform}:{value.lower()}"
    pattern = _VALUE_RES.get(platform)
    if pattern is None:
        return None
    lowered = value.lower()
    return f"{platform}:{lowered}" if pattern.fullmatch(lowered) else None


def parse_prefixed(raw: str, region: str | None) -> tuple[str, str] | None:
    """(kind, value) of a structured "platform:name" field such as "telegram:@Name" or "微信: abc"."""
    text = raw.strip()
    if text.startswith("$"):
        value = normalise_handle("cashapp", text, region)
        return ("payment_account", value) if value else None
    for sep in (":", "："):
        label, found, rest = text.partition(sep)
        if found and len(label) <= 20:
            platform = canonical_platform(label)
            if platform:
                value = normalise_handle(platform, rest, region)
                return (platform_kind(platform), value) if value else None
    return None


# Labels are matched case-insensitively and must not be glued to a preceding ASCII letter/digit.
_QUALIFIER = (
    r"(?:[ \t]*(?:id|user ?name|account|acct|number|no\.?|handle|e-?mail|address|channel|group|"
    r"号码|账号|帐号|账户|号))?"
)
# A qualifier that names the account ("WeChat ID yiwudrop44", "Telegram handle cs_agent") is label enough:
# the name may follow after a space, without the colon the other labels need.
_NAMING = r"[ \t]*(?:id|user ?name|handle|号|账号|帐号)[ \t]+"
_COLON = r"[ \t]*[:：][ \t]*"
_COLON_OR_AT = r"[ \t]*(?:[:：][ \t]*|(?=@))"
_OPTIONAL = r"[ \t]*[:：]?[ \t]*"
# An account value ends where no name character follows (a final full stop ends the sentence, not the id).
_END = r"(?![A-Za-z0-9_@-]|\.[A-Za-z0-9])"
_LABELLED_SPECS: tuple[tuple[str, str, str, str], ...] = (
    (
        "telegram",
        r"telegram|tg|电报|纸飞机|飞机",
        _COLON_OR_AT,
        r"@?(?P<v>[A-Za-z][A-Za-z0-9_]{3,31})(?![A-Za-z0-9_])",
    ),
    ("whatsapp", r"whats[ \t]?app", _OPTIONAL, rf"(?P<v>{_PHONEISH})(?!\d)"),
    ("whatsapp", r"wa", _COLON, rf"(?P<v>{_PHONEISH})(?!\d)"),
    (
        "wechatpay",
        r"we[ \t]?chat[ \t]?pay|weixin[ \t]?pay|微信支付",
        _OPTIONAL,
        rf"(?P<v>{_PHONEISH}|[A-Za-z][A-Za-z0-9_-]{{5,19}})(?![A-Za-z0-9_-])",
    ),
    (
        "wechat",
        r"we[ \t]?chat(?![ \t]?pay)|weixin(?![ \t]?pay)|vx|wx|v信",
        _COLON,
        rf"(?P<v>{_PHONEISH}|[A-Za-z][A-Za-z0-9_-]{{5,19}})(?![A-Za-z0-9_-])",
    ),
    (
        "wechat",
        r"微信(?!支付)|薇信|威信|徽信",
        _OPTIONAL,
        rf"(?P<v>{_PHONEISH}|[A-Za-z][A-Za-z0-9_-]{{5,19}})(?![A-Za-z0-9_-])",
    ),
    ("qq", r"qq|扣扣", _OPTIONAL, r"(?P<v>[1-9]\d{4,11})(?!\d)"),
    (
        "signal",
        r"signal",
        _COLON,
        rf"(?P<v>{_PHONEISH}|[A-Za-z][A-Za-z0-9_]{{2,31}}\.\d{{2,9}})(?![\dA-Za-z])",
    ),
    ("skype", r"skype", _COLON, r"(?P<v>live:[A-Za-z0-9._-]{3,40}|[A-Za-z][A-Za-z0-9._-]{5,31})"),
    (
        "discord",
        r"discord",
        _COLON_OR_AT,
        r"@?(?P<v>[A-Za-z0-9_](?:[A-Za-z0-9_.]{0,30}[A-Za-z0-9_])?(?:#\d{4})?)(?![A-Za-z0-9_#])",
    ),
    (
        "instagram",
        r"instagram|insta|ig",
        _COLON_OR_AT,
        r"@?(?P<v>[A-Za-z0-9_](?:[A-Za-z0-9_.]{0,28}[A-Za-z0-9_])?)(?![A-Za-z0-9_])",
    ),
    ("twitter", r"twitter", _COLON_OR_AT, r"@?(?P<v>[A-Za-z0-9_]{1,15})(?![A-Za-z0-9_])"),
    (
        "tiktok",
        r"tik[ \t]?tok",
        _COLON_OR_AT,
        r"@?(?P<v>[A-Za-z0-9_](?:[A-Za-z0-9_.]{0,22}[A-Za-z0-9_])?)(?![A-Za-z0-9_])",
    ),
    ("paypal", r"paypal", _COLON, rf"(?P<v>{_EMAIL}|@?[A-Za-z0-9_-]{{2,30}}){_END}"),
    (
        "alipay",
        r"ali[ \t]?pay|zhifubao",
        _COLON,
        rf"(?P<v>{_EMAIL}|{_PHONEISH}|[A-Za-z][A-Za-z0-9_.-]{{2,40}}){_END}",
    ),
    ("alipay", r"支付宝", _OPTIONAL, rf"(?P<v>{_EMAIL}|{_PHONEISH}|[A-Za-z][A-Za-z0-9_.-]{{2,40}}){_END}"),
    (
        "cashapp",
        r"cash[ \t]?app|cashtag",
        _OPTIONAL,
        r"(?P<v>\$[A-Za-z][A-Za-z0-9_-]{0,19})(?![A-Za-z0-9_-])",
    ),
    ("venmo", r"venmo", _COLON_OR_AT, r"@?(?P<v>[A-Za-z0-9_-]{5,30})(?![A-Za-z0-9_-])"),
)
_LABELLED_RES = tuple(
    (
        platform,
        re.compile(rf"(?<![A-Za-z0-9])(?:{label})(?:{_QUALIFIER}{sep}|{_NAMING}){value}", re.I | re.A),
    )
    for platform, label, sep, value in _LABELLED_SPECS
)
# One pass finds where any label starts; the full patterns are then tried only there, instead of
# each of them scanning the whole text. Group "s<i>" tells which spec's label matched.
_LABEL_SCAN_RE = re.compile(
    r"(?<![A-Za-z0-9])(?:"
    + "|".join(f"(?P<s{i}>{label})" for i, (_, label, _, _) in enumerate(_LABELLED_SPECS))
    + ")",
    re.I | re.A,
)


# "PayPal: accepted", "WeChat Pay: available": words that answer the label instead of naming an account.
_NOT_ACCOUNT_NAMES = frozenset(
    "accepted available only yes no ok okay welcome supported preferred please contact join here link below "  # noqa: SIM905 (a word list reads better as words)
    "above same none payment payments transfer friends family goods services "
    "is are for on in at via and or the to upon request sent given shared provided message inbox number "
    "private add me my our".split()
)


def find_labelled(text: str, region: str | None) -> Iterator[Hit]:
    """Handles and payment accounts announced by a label ("TG: @name", "支付宝：…"), with their phones."""
    for label in _LABEL_SCAN_RE.finditer(text):
        platform, pattern = _LABELLED_RES[int((label.lastgroup or "s0")[1:])]
        match = pattern.match(text, label.start())
        if match is not None:
            if match.group("v").lower().lstrip("@$") in _NOT_ACCOUNT_NAMES:
                continue
            value = normalise_handle(platform, match.group("v"), region)
            if value is None:
                continue
            yield platform_kind(platform), value, match.start(), match.end()
            if platform in ("whatsapp", "signal") and value.startswith(f"{platform}:+"):
                yield "phone", value.partition(":")[2], match.start("v"), match.end("v")
            elif platform in ("paypal", "alipay") and "@" in value:
                yield "email", value.partition(":")[2], match.start("v"), match.end("v")


# (pattern, value prefix, lower-case substring without which the pattern cannot match: a cheap skip).
# Google ids are written upper-case; lower-case "g-…" in prose is almost never a GA4 id.
_ANALYTICS_RES: tuple[tuple[re.Pattern[str], str, str], ...] = (
    (re.compile(r"(?<![A-Za-z0-9-])UA-(?P<v>\d{4,10})-\d{1,4}(?![0-9])", re.I | re.A), "UA-", "ua-"),
    (
        re.compile(r"(?<![A-Za-z0-9-])G-(?P<v>(?=[A-Z]*[0-9])[A-Z0-9]{8,12})(?![A-Za-z0-9-])", re.A),
        "G-",
        "g-",
    ),
    (re.compile(r"(?<![A-Za-z0-9-])GTM-(?P<v>[A-Z0-9]{4,9})(?![A-Za-z0-9-])", re.A), "GTM-", "gtm-"),
    (re.compile(r"(?<![A-Za-z0-9-])AW-(?P<v>\d{9,11})(?![A-Za-z0-9-])", re.A), "AW-", "aw-"),
    (re.compile(r"(?<![A-Za-z0-9-])(?:ca-)?pub-(?P<v>\d{16})(?!\d)", re.I | re.A), "ca-pub-", "pub-"),
    (
        re.compile(r"fbq\([ \t]*['\"]init['\"][ \t]*,[ \t]*['\"]?(?P<v>\d{15,16})(?!\d)", re.A),
        "fbpixel:",
        "fbq(",
    ),
    (
        re.compile(r"facebook\.com/tr/?\?(?:[^\s\"'<>]{0,200}?&)?id=(?P<v>\d{15,16})(?!\d)", re.I | re.A),
        "fbpixel:",
        "facebook.com/tr",
    ),
    (
        re.compile(
            r"(?<![A-Za-z0-9])(?:facebook|fb|meta)[ \t]*pixel(?:[ \t]*id)?[ \t]*[:：=#]?[ \t]*"
            r"(?P<v>\d{15,16})(?!\d)",
            re.I | re.A,
        ),
        "fbpixel:",
        "pixel",
    ),
    (
        re.compile(r"(?<![A-Za-z0-9])ym\([ \t]*(?P<v>\d{5,10})[ \t]*,[ \t]*['\"]init['\"]", re.A),
        "ymetrika:",
        "ym(",
    ),
    (
        re.compile(r"mc\.yandex\.(?:ru|com|by|kz|com\.tr)/watch/(?P<v>\d{5,10})(?!\d)", re.I | re.A),
        "ymetrika:",
        "mc.yandex.",
    ),
    (
        re.compile(
            r"(?<![A-Za-z0-9])(?:yandex[ \t.]*metri[ck]a|метрика)(?:[ \t]*(?:id|counter|счетчик|счётчик))?"
            r"[ \t]*[:：=#№]?[ \t]*(?P<v>[0-9]{5,10})(?![0-9])",
            re.I,
        ),
        "ymetrika:",
        "metri",
    ),
    (
        re.compile(r"hm\.baidu\.com/hm\.js\?(?P<v>[0-9a-f]{32})(?![0-9a-f])", re.I | re.A),
        "baidu:",
        "hm.baidu.com",
    ),
)


# Site-verification tokens in a page's <meta> tags: the token a search console, an ad or business manager
# or a social network gave the account that owns the site. One account verifying several shops puts its
# token in each (Facebook's domain verification is one per business; a Google account's meta tag can be
# reused), so investigators of counterfeit-shop networks pivot on them as on analytics ids. The value is
# "<service>-verify:<token>"; Google's and Pinterest's tokens keep their case, which is part of them.
_VERIFICATION_SERVICES: dict[str, tuple[str, str]] = {
    # meta name -> (service, token pattern)
    "google-site-verification": ("google", r"[A-Za-z0-9_-]{20,64}"),
    "facebook-domain-verification": ("facebook", r"[a-z0-9]{20,40}"),
    "msvalidate.01": ("bing", r"[0-9A-Fa-f]{32}"),
    "yandex-verification": ("yandex", r"[0-9a-f]{16}"),
    "p:domain_verify": ("pinterest", r"[0-9a-f]{32}"),
    "baidu-site-verification": ("baidu", r"(?:code-)?[A-Za-z0-9]{10}"),
}
_KEEP_CASE = frozenset({"google", "pinterest", "baidu"})
_META_NAME = "|".join(re.escape(name) for name in _VERIFICATION_SERVICES)
_VERIFICATION_RES = (
    re.compile(
        r"<meta\b[^>]{0,200}?\bname[ \t]*=[ \t]*[\"']?(?P<name>" + _META_NAME + r")[\"']?[^>]{0,200}?"
        r"\bcontent[ \t]*=[ \t]*[\"']?(?P<v>[^\"'\s>]{1,100})",
        re.I | re.A,
    ),
    re.compile(
        r"<meta\b[^>]{0,200}?\bcontent[ \t]*=[ \t]*[\"']?(?P<v>[^\"'\s>]{1,100})[\"']?[^>]{0,200}?"
        r"\bname[ \t]*=[ \t]*[\"']?(?P<name>" + _META_NAME + r")(?![A-Za-z0-9_.:-])",
        re.I | re.A,
    ),
)


def verification_value(service: str, token: str) -> str | None:
    """The normalised value of a site-verification token, or None when it is not one of that service."""
    name = next((n for n, (svc, _) in _VERIFICATION_SERVICES.items() if svc == service), None)
    token = token if service in _KEEP_CASE else token.lower()
    if name is None or re.fullmatch(_VERIFICATION_SERVICES[name][1], token, re.A) is None:
        return None
    return f"{service}-verify:{token}"


def find_verifications(text: str, lowered: str | None = None) -> Iterator[tuple[str, int, int]]:
    """Site-verification tokens in page source (<meta name="google-site-verification" content="…">)."""
    lowered = text.lower() if lowered is None else lowered
    if "<meta" not in lowered or ("verif" not in lowered and "msvalidate" not in lowered):
        return
    seen: set[int] = set()
    for pattern in _VERIFICATION_RES:
        for match in pattern.finditer(text):
            if match.start() in seen:
                continue
            seen.add(match.start())
            service = _VERIFICATION_SERVICES[match.group("name").lower()][0]
            value = verification_value(service, match.group("v"))
            if value is not None:
                yield value, match.start(), match.end()


def find_analytics(text: str) -> Iterator[tuple[str, int, int]]:
    """Analytics, tag-manager and ad-network ids and site-verification tokens in text (page source or
    prose) as (value, start, end)."""
    lowered = text.lower()
    for pattern, prefix, hint in _ANALYTICS_RES:
        if hint not in lowered and not (hint == "metri" and "метри" in lowered):
            continue
        for match in pattern.finditer(text):
            ident = match.group("v")
            yield (
                prefix + (ident.lower() if prefix == "baidu:" else ident.upper()),
                match.start(),
                match.end(),
            )
    yield from find_verifications(text, lowered)


_STRUCTURED_ANALYTICS_RE = re.compile(
    r"(?:(?P<ua>UA-\d{4,10})(?:-\d{1,4})?|(?P<google>(?:G-(?=[A-Z]*[0-9])[A-Z0-9]{8,12}|GTM-[A-Z0-9]{4,9}|"
    r"AW-\d{9,11}))|(?:CA-)?PUB-(?P<pub>\d{16})|FBPIXEL:(?P<fb>\d{15,16})|YMETRIKA:(?P<ym>\d{5,10})|"
    r"BAIDU:(?P<baidu>[0-9A-F]{32}))",
    re.A,
)


_VERIFICATION_FIELD_RE = re.compile(r"(?P<service>[a-z]+)-verify:(?P<token>\S{1,100})", re.I | re.A)


def normalise_analytics(raw: str) -> str | None:
    """The normalised form of one analytics/ad id or site-verification field ("ua-123-1" → "UA-123",
    "Facebook-verify:ABC…" → "facebook-verify:abc…"), or None."""
    verification = _VERIFICATION_FIELD_RE.fullmatch(raw.strip())
    if verification is not None:
        return verification_value(verification["service"].lower(), verification["token"])
    text = raw.strip().upper().replace(" ", "")
    if len(text) > 60:
        return None
    match = _STRUCTURED_ANALYTICS_RE.fullmatch(text)
    if match is None:
        return None
    if match["ua"]:
        return match["ua"]
    if match["google"]:
        return match["google"]
    if match["pub"]:
        return f"ca-pub-{match['pub']}"
    if match["fb"]:
        return f"fbpixel:{match['fb']}"
    if match["ym"]:
        return f"ymetrika:{match['ym']}"
    return f"baidu:{match['baidu'].lower()}"
