"""Refusals in the reader's language (issue #18): `CountermarkError.of` and `core/http/error_text.py`.

An error raised from a template keeps its English `.message` (the API, the logs and the command line
read it) and its template and values, which a page translates with the locale's catalogue.
"""

from __future__ import annotations

import ast
import string
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from countermark.core.errors import Code, Codes, Conflict, CountermarkError, InvalidInput
from countermark.core.http.error_text import error_text
from countermark.core.http.templating import TRANSLATIONS_DIR

PACKAGE_DIR = Path(__file__).resolve().parents[2] / "src" / "countermark"
ERRORS = {"CountermarkError", "InvalidInput", "Forbidden", "Conflict", "NotFound"}


def test_an_error_from_a_template_keeps_its_english_message_its_template_and_values() -> None:
    error = InvalidInput.of("a {status} request cannot become {target}", status=Code("refused"), target="x")
    assert isinstance(error, InvalidInput) and error.status == 422
    assert error.message == str(error) == "a refused request cannot become x"
    assert error.template == "a {status} request cannot become {target}"
    assert error.values == {"status": "refused", "target": "x"}
    assert error.to_dict() == {"status": 422, "code": "invalid_input", "message": error.message}
    detailed = Conflict.of("at most {most} entries", most=3, detail={"most": 3})
    assert detailed.message == "at most 3 entries" and detailed.to_dict()["detail"] == {"most": 3}
    plain = InvalidInput("no {braces} are formatted here")
    assert plain.template == plain.message == "no {braces} are formatted here" and plain.values == {}


def test_error_text_translates_the_template_and_inserts_the_values() -> None:
    error = InvalidInput.of("a watchlist holds at most {most} entries: remove some first", most=500)
    assert error_text(error, "en") == error.message
    assert error_text(error, "fr") == (
        "une liste de surveillance contient au plus 500 entrées : retirez-en d’abord"
    )
    assert error_text(error, "zh") == "监视列表最多容纳 500 个条目：请先删除一些"
    quoted = InvalidInput.of("{value!r} is not a domain name (such as shop.example)", value="a b")
    assert error_text(quoted, "fr") == "'a b' n’est pas un nom de domaine (comme shop.example)"


def test_a_code_value_is_shown_by_its_label_in_the_readers_language() -> None:
    error = InvalidInput.of(
        "a {status} request cannot become {target}", status=Code("refused"), target=Code("accepted")
    )
    assert error.message == "a refused request cannot become accepted"
    assert (
        error_text(error, "fr")
        == "une demande au statut « refusée » ne peut pas passer au statut « acceptée »"
    )
    assert error_text(error, "zh") == "状态为“已拒绝”的请求不能变为“已接受”"
    counter = InvalidInput.of(
        "a {current} notice can become {allowed}, not {new}",
        current=Code("counter_notice"),
        allowed="actioned, relisted",
        new=Code("sent"),
    )
    assert error_text(counter, "fr").startswith("une notification au statut « contre-notification »")
    assert error_text(counter, "fr").endswith("pas à « envoyée »")


def test_without_a_translation_the_english_message_is_shown() -> None:
    untranslated = InvalidInput.of("a message no catalogue knows: {what}", what="x")
    assert (
        error_text(untranslated, "fr") == error_text(untranslated, "zh") == "a message no catalogue knows: x"
    )
    plain = InvalidInput("a plain message no catalogue knows")
    assert error_text(plain, "fr") == "a plain message no catalogue knows"
    # A plain message the catalogue knows is translated as it is (its template is the text).
    known = InvalidInput("the evidence file is empty")
    assert error_text(known, "fr") == "le fichier de preuve est vide"
    # A value missing from a template never breaks the page: the English message is shown.
    broken = CountermarkError("the {what} contains control characters")
    broken.values = {"other": 1}
    assert error_text(broken, "fr") == broken.message


def _error_templates() -> set[str]:
    """Every template given to `<Error>.of(...)` in the code base (a literal first argument): any `.of` of a
    class (a capitalised name), so that a new subclass of `CountermarkError` is covered too."""
    found: set[str] = set()
    for module in sorted(PACKAGE_DIR.rglob("*.py")):
        for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
                continue
            if node.func.attr != "of" or not node.args:
                continue
            owner = node.func.value
            name = owner.id if isinstance(owner, ast.Name) else getattr(owner, "attr", "")
            first = node.args[0]
            if name in ERRORS or name[:1].isupper():  # a class: `InvalidInput.of`, `errors.Conflict.of`
                assert isinstance(first, ast.Constant) and isinstance(first.value, str), (
                    f"{module}:{node.lineno}: an error template must be a literal string"
                )
                found.add(first.value)
    return found


def _fields(text: str) -> set[tuple[str, str | None, str]]:
    return {(name, conversion, spec) for _, name, spec, conversion in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("locale", ["fr", "zh"])
def test_every_error_template_is_translated_with_the_same_fields(locale: str) -> None:
    with (TRANSLATIONS_DIR / locale / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = read_po(handle, locale=locale)
    translated = {m.id: m.string for m in catalog if isinstance(m.id, str) and m.string and not m.fuzzy}
    templates = _error_templates()
    assert len(templates) > 50
    missing = sorted(templates - set(translated))
    assert not missing, f"{len(missing)} error templates missing from the {locale} catalogue: {missing[:5]}"
    for template in templates:
        assert _fields(template) == _fields(translated[template]), template


def test_a_code_given_with_its_label_is_shown_by_that_label_quoted_as_the_locale_quotes() -> None:
    error = Conflict.of(
        "{decision!r} is not possible at step {step!r}; possible: {offered}",
        decision=Code("send_notice", "Send the notice"),
        step=Code("notice_sent", "Platform to act on the notice"),
        offered=Codes([Code("refuse", "Refuse"), Code("action_taken", "Content taken down")]),
    )
    # The API's English message keeps the codes.
    assert (
        error.message == "'send_notice' is not possible at step 'notice_sent'; possible: refuse, action_taken"
    )
    assert error_text(error, "fr") == (
        "« Envoyer la notification » n’est pas possible à l’étape "
        "« La plateforme doit donner suite à la notification » ; possible : Refuser, Contenu retiré"
    )
    assert error_text(error, "zh") == "在步骤 “平台须处理通知” 不能作出 “发送通知”；可作出：拒绝、内容已下架"


def test_a_list_of_english_words_is_translated_word_by_word() -> None:
    missing = ["(d) good-faith statement", "a phrase no catalogue knows"]
    error = InvalidInput.of(
        "the {kind} notice lacks required elements: {missing}",
        kind=Code("marketplace report", "marketplace report"),
        missing=Codes(Code(name, name) for name in missing),
    )
    assert error.message == (
        "the marketplace report notice lacks required elements: (d) good-faith statement, "
        "a phrase no catalogue knows"
    )
    french = error_text(error, "fr")
    assert "(d) déclaration de bonne foi, a phrase no catalogue knows" in french
    assert "signalement à la place de marché" in french


def test_an_error_inside_a_refusal_is_translated_with_it() -> None:
    reason = InvalidInput.of("lists are limited to {most} items", most=50)
    error = InvalidInput.of("rule not allowed (column {column}): {reason}", column=7, reason=reason)
    assert error.message == "rule not allowed (column 7): lists are limited to 50 items"
    assert (
        error_text(error, "fr") == "règle non autorisée (colonne 7) : les listes sont limitées à 50 éléments"
    )
    assert error_text(error, "zh") == "规则不允许（第 7 列）：列表最多 50 项"
