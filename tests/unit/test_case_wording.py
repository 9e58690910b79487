"""Every word a case page shows for a rule pack is in the French and Chinese catalogues (issue #18).

Rule packs carry English titles and codes; the pages show them through `cases/wording.py` and the
catalogues. A new step, decision, effect or unit in a pack fails here until it has a label and both
translations, instead of reaching a French or Chinese page in English or as a raw code.
"""

from __future__ import annotations

import re

import pytest
from babel.messages.pofile import read_po

from countermark.cases.packs import default_packs
from countermark.cases.wording import WORDS, humanised, missing_labels, pack_codes, pack_messages
from countermark.core.http.templating import TRANSLATIONS_DIR


def test_every_code_of_the_shipped_packs_has_a_label() -> None:
    assert missing_labels(default_packs()) == []
    codes = pack_codes(default_packs())
    assert {"send_notice", "detain", "release"} <= codes["decision"]
    assert codes["unit"] == {"working_days", "business_days", "calendar_days"}


def test_labels_are_words_and_unknown_codes_are_humanised() -> None:
    assert WORDS.decision("send_notice") == "Send the notice"
    assert WORDS.unit("working_days") == ("%(num)s working day", "%(num)s working days")
    assert WORDS.decision("refer_to_customs") == humanised("refer_to_customs") == "Refer to customs"
    assert WORDS.event(None) == ""


@pytest.mark.parametrize("locale", ["fr", "zh"])
def test_every_pack_message_is_translated(locale: str) -> None:
    with (TRANSLATIONS_DIR / locale / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = read_po(handle, locale=locale)
    translated: dict[str, str] = {}
    for message in catalog:
        if not message.id or message.fuzzy:
            continue
        ids = (message.id,) if isinstance(message.id, str) else tuple(message.id)
        strings = (message.string,) if isinstance(message.string, str) else tuple(message.string or ())
        if all(strings):
            for msgid in ids:
                translated[msgid] = strings[-1]
    messages = pack_messages(default_packs())
    assert len(messages) > 100
    missing = sorted(messages - set(translated))
    assert not missing, f"{len(missing)} case words missing from the {locale} catalogue: {missing[:8]}"
    for msgid in messages:
        assert set(re.findall(r"%\(\w+\)s", msgid)) == set(re.findall(r"%\(\w+\)s", translated[msgid])), msgid
