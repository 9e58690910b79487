"""A web shop's template fingerprint (`observe.templates`) and the synthetic world's themes (`sim.themes`)
drawn into its saved pages and served shops."""

from __future__ import annotations

import random
from dataclasses import replace

from hypothesis import given
from hypothesis import strategies as st

from countermark.observe.identifiers import normalise_identifier
from countermark.observe.shops import is_shop_platform
from countermark.observe.templates import page_template, template_tokens
from countermark.sim.themes import (
    DEFAULT_THEME,
    Theme,
    assign_themes,
    custom_theme,
    frame,
    read_themes,
    stock_theme,
    write_themes,
)
from tests.worlds import web_shop


def _page(
    theme: Theme, *, title: str = "Bag", main: str = "<div class='item'><p>x</p></div>", **kw: object
) -> str:
    values: dict[str, object] = {
        "lang": "en",
        "title": title,
        "shop_name": "Lux Bags",
        "main": main,
        "about": "Factory direct",
        "contacts": ["sales@luxbags.example"],
    }
    values.update(kw)
    return frame(theme, **values)  # type: ignore[arg-type]


def test_pages_of_one_theme_share_a_template_whatever_their_content() -> None:
    theme = stock_theme("aurora")
    first = _page(theme, title="Bag", main="<div class='item'><h1>Bag</h1><div><img src=a.jpg></div></div>")
    second = _page(
        theme,
        title="Wallet",
        main="<section class='grid'>" + "<div class='card'><a>w</a></div>" * 12 + "</section>",
        about="Two<br>lines",
        contacts=[],
        tail="<script>\ngtag('config', 'G-AB12CD34EF');\n</script>\n",
    )
    assert page_template(first) is not None
    assert page_template(first) == page_template(second)


def test_another_theme_or_an_operators_customisation_is_another_template() -> None:
    rng = random.Random(3)
    aurora, brooklyn = stock_theme("aurora"), stock_theme("brooklyn")
    own = custom_theme(rng)
    found = {page_template(_page(t)) for t in (aurora, brooklyn, own, replace(own, blocks=()))}
    assert len(found) == 4 and None not in found


def test_asset_hosts_and_versions_do_not_matter_but_paths_do() -> None:
    base = "<html><head>{}</head><body><header><div><a>x</a></div></header><main></main>"
    base += "<footer><div class='a'><p>c</p></div><div class='b'><p>d</p></div></footer></body></html>"
    one = base.format('<link rel="stylesheet" href="https://a.example/t/x/theme.css?v=1">')
    two = base.format('<link rel="stylesheet" href="//cdn.b.example/T/X/theme.css?v=9#top">')
    three = base.format('<link rel="stylesheet" href="/t/y/theme.css">')
    assert page_template(one) == page_template(two) != page_template(three)
    assert "css:/t/x/theme.css" in template_tokens(one)


def test_the_main_content_and_inline_scripts_are_left_out() -> None:
    theme = stock_theme("minimal")
    tokens = template_tokens(
        _page(theme, main="<div class='only-in-main'><p>x</p></div>", tail="<script>var a = 1;</script>")
    )
    assert not any("only-in-main" in token for token in tokens)
    assert "body.webshop" in tokens and any(t.startswith("header.minimal-header") for t in tokens)


def test_bare_malformed_or_empty_pages_give_no_template() -> None:
    assert page_template("") is None
    assert page_template("<p>hello") is None
    assert page_template("<html><body><div><div>") is None
    assert page_template("\x00\x01<<>>") is None


@given(st.text(max_size=400))
def test_any_text_gives_a_template_or_none_without_failing(text: str) -> None:
    found = page_template(text)
    assert found is None or normalise_identifier("site_template", found) == found


def test_the_identifier_kind_accepts_only_sixteen_hex_digits() -> None:
    assert normalise_identifier("site_template", " 0123456789ABCDEF ") == "0123456789abcdef"
    assert normalise_identifier("site_template", "0123456789abcde") is None
    assert normalise_identifier("site_template", "0123456789abcdeg") is None


def test_shop_platforms() -> None:
    assert is_shop_platform("web") and is_shop_platform(" Website ")
    assert not is_shop_platform("Bazario") and not is_shop_platform(None)


def test_a_networks_shops_mostly_run_its_own_theme_and_honest_shops_mostly_stock_ones() -> None:
    shops = [web_shop(f"ring{n}-{i}.example", f"network-{n:03d}") for n in range(30) for i in range(3)]
    shops += [web_shop(f"honest{i}.example", None, role="honest") for i in range(200)]
    themes = assign_themes(random.Random(7), shops)
    shared_within = 0
    for n in range(30):
        names = [themes[f"ring{n}-{i}.example"].name for i in range(3)]
        shared_within += sum(1 for name in names if "+" in name and names.count(name) >= 2)
    assert shared_within >= 0.6 * 90  # most of the rings' shops share their operator's theme
    honest = [themes[f"honest{i}.example"].name for i in range(200)]
    stock = sum(1 for name in honest if "+" not in name)
    assert 0.6 * 200 <= stock <= 0.8 * 200
    # A few stock themes carry most honest shops: a template many hold tells nothing (a hub).
    assert max(honest.count(name) for name in set(honest)) >= 30


def test_themes_are_written_and_read_back(tmp_path: object) -> None:
    from pathlib import Path

    folder = Path(str(tmp_path))
    theme = custom_theme(random.Random(1))
    write_themes(folder, {"a.example": theme, "b.example": DEFAULT_THEME})
    assert read_themes(folder) == {"a.example": theme, "b.example": DEFAULT_THEME}
    assert read_themes(folder / "nowhere") == {}
