"""Stored codes reach pages as words in the reader's language (issue #18): `core/http/labels.py`."""

from __future__ import annotations

import pytest
from babel.messages.pofile import read_po

from countermark.core.http.labels import LABELS, humanised, label_of
from countermark.core.http.templating import TRANSLATIONS_DIR, environment


def test_codes_become_labels_and_unknown_codes_are_humanised() -> None:
    assert label_of("rights_holder") == "rights holder"
    assert label_of("record_inspection") == "recorded an inspection"
    assert label_of("some_new_code") == humanised("some_new_code") == "Some new code"
    assert label_of(None) == "" and label_of("") == ""


@pytest.mark.parametrize("locale", ["fr", "zh"])
def test_every_label_is_translated(locale: str) -> None:
    with (TRANSLATIONS_DIR / locale / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = read_po(handle, locale=locale)
    translated = {m.id for m in catalog if isinstance(m.id, str) and m.string and not m.fuzzy}
    missing = sorted(set(LABELS.values()) - translated)
    assert not missing, f"{len(missing)} labels missing from the {locale} catalogue: {missing[:8]}"


def test_the_template_filter_translates_in_the_pages_locale() -> None:
    template = "{{ 'rights_holder'|label }} · {{ 'red'|label }} · {{ none|label }}·"
    assert environment("en").from_string(template).render(none=None) == "rights holder · red · ·"
    assert environment("fr").from_string(template).render(none=None) == "titulaire du droit · rouge · ·"
    assert environment("zh").from_string(template).render(none=None) == "权利人 · 红色 · ·"
