"""A refused form says why in the reader's language; the API keeps the English message (issue #18).

The case page's forms and its decisions, the password form and the watchlist, in French and Chinese:
the page shows the translated refusal and not the English one; the same refusal asked for as JSON is
the service's English message.
"""

from __future__ import annotations

import pytest
from fastapi import FastAPI

from countermark.cases.notices import NOTICE_KINDS
from countermark.core.http.templating import translations
from tests.service.test_case_participation import PASSWORD
from tests.service.test_case_platform import site  # noqa: F401 - the fixture
from tests.service.test_pages import csrf_of, signed_in
from tests.service.test_workbench_reasons import visible_text, workbench_site  # noqa: F401 - the fixture

JSON = {"accept": "application/json"}
KINDS = ", ".join(NOTICE_KINDS)
NOTICE_TYPE = {"fr": f"choisissez un type de notification : {KINDS}", "zh": f"请选择通知类型：{KINDS}"}
# The refused decision, the step and the decisions possible are named by their titles, not their codes.
NOT_POSSIBLE = {
    "fr": "« Envoyer la notification » n’est pas possible à l’étape « {step} » ; possible : {offered}",
    "zh": "在步骤 “{step}” 不能作出 “发送通知”；可作出：{offered}",
}
OFFERED = ("Content taken down", "Counter-notice received", "Refuse")
SAME_PASSWORD = {
    "fr": "choisissez un nouveau mot de passe différent de l’actuel",
    "zh": "请选择与当前密码不同的新密码",
}
WATCH_KIND = {
    "fr": "une entrée de la liste de surveillance est l’un des types suivants",
    "zh": "监视列表条目的类型应为",
}


@pytest.mark.parametrize("locale", ["fr", "zh"])
def test_the_case_pages_refusals_are_in_the_readers_language(
    site: tuple[FastAPI, dict[str, int], int],  # noqa: F811
    locale: str,
) -> None:
    app, _, case_id = site
    brand = signed_in(app, "analyst@brand.example", PASSWORD)
    token = csrf_of(brand.get(f"/cases/{case_id}").text)
    # A notice of no known type: the case page comes back with the reason.
    notice = brand.post(f"/cases/{case_id}/notices?lang={locale}", data={"csrf_token": token, "kind": "fax"})
    assert notice.status_code == 422
    text = visible_text(notice.text)
    assert NOTICE_TYPE[locale] in text and "choose a notice type" not in text
    # A decision the step does not offer: the error page says so in the reader's language.
    form = {"csrf_token": token, "decision": "send_notice"}
    refused = brand.post(f"/cases/{case_id}/decisions?lang={locale}", data=form)
    assert refused.status_code == 409
    text = visible_text(refused.text)
    _ = translations(locale).gettext
    offered = ("、" if locale == "zh" else ", ").join(_(label) for label in OFFERED)
    expected = NOT_POSSIBLE[locale].format(step=_("Platform to act on the notice"), offered=offered)
    assert expected in text and "is not possible at step" not in text
    assert "notice_sent" not in text and "send_notice" not in text
    # Asked for as JSON, the same refusals are the service's English messages.
    api = brand.post(f"/cases/{case_id}/decisions?lang={locale}", data=form, headers=JSON)
    assert api.status_code == 409 and api.json()["code"] == "conflict"
    assert api.json()["message"].startswith("'send_notice' is not possible at step 'notice_sent'; possible:")
    english = brand.post(f"/cases/{case_id}/notices?lang=en", data={"csrf_token": token, "kind": "fax"})
    assert f"choose a notice type: {KINDS}" in visible_text(english.text)


@pytest.mark.parametrize("locale", ["fr", "zh"])
def test_a_refused_password_change_is_explained_in_the_readers_language(
    site: tuple[FastAPI, dict[str, int], int],  # noqa: F811
    locale: str,
) -> None:
    app, _, _ = site
    user = signed_in(app, "analyst@brand.example", PASSWORD)
    token = csrf_of(user.get("/password").text)
    form = {"csrf_token": token, "current_password": PASSWORD, "new_password": PASSWORD,
            "confirm_password": PASSWORD}  # fmt: skip
    same = user.post(f"/password?lang={locale}", data=form)
    assert same.status_code == 422
    text = visible_text(same.text)
    assert SAME_PASSWORD[locale] in text and "choose a new password" not in text
    # A wrong current password is said in the reader's language too (and changes nothing).
    wrong = user.post(f"/password?lang={locale}", data={**form, "current_password": "not the password"})
    catalogue = translations(locale)
    assert wrong.status_code == 403
    assert catalogue.gettext("Your current password is wrong.") in visible_text(wrong.text)
    assert "Your current password is wrong." not in visible_text(wrong.text)
    english = user.post("/password?lang=en", data=form)
    assert "choose a new password different from the current one" in visible_text(english.text)


@pytest.mark.parametrize("locale", ["fr", "zh"])
def test_a_refused_watchlist_value_is_explained_in_the_readers_language(
    workbench_site: tuple[FastAPI, object, dict[str, object]],  # noqa: F811
    locale: str,
) -> None:
    app, seeded, _ = workbench_site
    brand = signed_in(app, seeded.brand_admin, seeded.password)  # type: ignore[attr-defined]
    token = csrf_of(brand.get("/watchlist").text)
    form = {"csrf_token": token, "kind": "planet", "value": "Mars"}
    bad = brand.post(f"/watchlist?lang={locale}", data=form)
    assert bad.status_code == 422
    text = visible_text(bad.text)
    assert WATCH_KIND[locale] in text and "'planet'" in text and "a watchlist entry is one of" not in text
    short = brand.post(f"/watchlist?lang={locale}", data={**form, "kind": "brand", "value": "A"})
    expected = {
        "fr": "une marque à surveiller comporte au moins 2 caractères",
        "zh": "要监视的品牌至少需要 2 个字符",
    }
    assert short.status_code == 422 and expected[locale] in visible_text(short.text)
    english = visible_text(brand.post("/watchlist?lang=en", data=form).text)
    assert "a watchlist entry is one of" in english and "not 'planet'" in english


def test_the_elements_a_notice_lacks_are_named_in_french(
    site: tuple[FastAPI, dict[str, int], int],  # noqa: F811
) -> None:
    app, _, case_id = site
    brand = signed_in(app, "analyst@brand.example", PASSWORD)
    token = csrf_of(brand.get(f"/cases/{case_id}").text)
    # A DSA notice without the good-faith statement nor a notifier: the page lists what it lacks, in French.
    form = {"csrf_token": token, "kind": "dsa", "notifier_name": "", "notifier_email": ""}
    refused = brand.post(f"/cases/{case_id}/notices?lang=fr", data=form)
    assert refused.status_code == 422
    text = visible_text(refused.text)
    assert "il manque des éléments obligatoires à la notification DSA Art. 16(2) :" in text
    assert "(c) nom du notifiant et adresse e-mail valide, (d) déclaration de bonne foi" in text
    assert "good-faith statement" not in text and "notifier name" not in text
    english = visible_text(brand.post(f"/cases/{case_id}/notices?lang=en", data=form).text)
    assert "(c) notifier name and valid e-mail, (d) good-faith statement" in english
