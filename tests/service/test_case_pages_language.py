"""A case page in French or Chinese shows no English workflow text and no raw code (issue #18).

The page's visible text (tags and attributes removed) must not contain any English message of the rule
packs that its catalogue translates differently, nor a snake_case code such as `working_days` or
`send_notice`; times are shown in the reader's locale, not as ISO strings.
"""

from __future__ import annotations

import html
import re

import pytest
from fastapi import FastAPI

from countermark.cases.packs import default_packs
from countermark.cases.wording import pack_messages
from countermark.core.http.templating import translations
from tests.service.test_case_participation import PASSWORD
from tests.service.test_case_platform import site  # noqa: F401 - the fixture
from tests.service.test_pages import csrf_of, signed_in

CODE = re.compile(r"\b[a-z]+(?:_[a-z]+)+\b")
ISO_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")


def visible_text(page: str) -> str:
    """The words a reader sees: scripts, styles, tags and their attributes removed."""
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


@pytest.mark.parametrize("locale", ["fr", "zh"])
def test_a_case_page_speaks_the_readers_language(
    site: tuple[FastAPI, dict[str, int], int],  # noqa: F811
    locale: str,
) -> None:
    app, orgs, case_id = site
    brand = signed_in(app, "analyst@brand.example", PASSWORD)
    page = brand.get(f"/cases/{case_id}")
    form = {"csrf_token": csrf_of(page.text), "platform_org_id": orgs["platform"]}
    brand.post(f"/cases/{case_id}/platform", data=form)
    platform = signed_in(app, "analyst@platform.example", PASSWORD)
    text = visible_text(platform.get(f"/cases/{case_id}?lang={locale}").text)
    catalogue = translations(locale)
    names = set(orgs)  # the fixture's organisations are called "platform", "brand"…: data, not interface
    english = {m for m in pack_messages(default_packs()) if catalogue.gettext(m) != m and m not in names}
    shown = sorted(m for m in english if re.search(rf"(?<![\w-]){re.escape(m)}(?![\w-])", text))
    assert not shown, f"English workflow text on a {locale} page: {shown[:5]}"
    assert not CODE.findall(text), CODE.findall(text)[:5]
    assert not ISO_TIME.search(text)
    # The decisions the platform takes, the step and the timeline, in the reader's words.
    for english_text in ("Content taken down", "Platform to act on the notice", "Send the notice", "Opened"):
        assert catalogue.gettext(english_text) in text
    assert catalogue.ngettext("%(num)s working day", "%(num)s working days", 2) != "%(num)s working days"
