"""What every browser test shares: Debian's Chromium, a seeded store, and the app served by uvicorn."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from countermark.core.blobs import LocalBlobStore
from countermark.core.context import AppContext, build_context
from countermark.core.settings import Settings
from countermark.web.app import create_app

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]
SLOW_MACHINE_MS = 120_000
NEEDS_CHROMIUM = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="no Chromium at /usr/bin/chromium (apt-get install chromium)"
)


@contextmanager
def store_in(tmp: Path) -> Iterator[AppContext]:
    """A context on a fresh SQLite store and blob folder under tmp (the caller seeds and migrates it)."""
    settings = Settings(data_dir=tmp / "data", database_url=f"sqlite:///{tmp / 'countermark.db'}")
    ctx = build_context(settings, blobs=LocalBlobStore(tmp / "blobs"))
    try:
        yield ctx
    finally:
        ctx.close()


@contextmanager
def served(ctx: AppContext) -> Iterator[str]:
    """The app on this context, served by uvicorn in a thread on a free port of 127.0.0.1; its base URL."""
    import uvicorn

    server = uvicorn.Server(
        uvicorn.Config(create_app(context=ctx), host="127.0.0.1", port=0, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("uvicorn did not start")
        time.sleep(0.05)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@contextmanager
def chromium_browser() -> Iterator[Any]:
    """Debian's Chromium driven by Playwright (never a downloaded browser)."""
    from playwright import sync_api

    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@contextmanager
def new_page(browser: Any, *, width: int = 1280, height: int = 860) -> Iterator[Any]:
    """A tab in a fresh browser context (its own cookies), in British English."""
    context = browser.new_context(viewport={"width": width, "height": height}, locale="en-GB")
    # The app is served from a thread of the test process, on two cores shared with the other xdist worker:
    # on a busy CI machine a sign-in (Argon2) and its redirect have taken over Playwright's 30 s default.
    # Waiting longer changes no outcome a test checks; a page that never comes still fails.
    context.set_default_timeout(SLOW_MACHINE_MS)
    context.set_default_navigation_timeout(SLOW_MACHINE_MS)
    try:
        yield context.new_page()
    finally:
        context.close()


def sign_in(page: Any, base: str, email: str, password: str) -> None:
    """Sign in through the form, as a person would."""
    page.goto(f"{base}/login")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    try:
        page.wait_for_url(f"{base}/")
    except Exception as exc:  # say where the browser stood instead (a refusal, a throttle, a slow page)
        said = page.locator("[role=alert], h1").all_inner_texts() if page.url.startswith(base) else []
        pytest.fail(f"sign-in of {email} did not reach the home page: at {page.url}, showing {said}: {exc}")


# Text of each element (its own text nodes, not its children's), skipping what is marked as another language
# (the language switch names each language in itself).
OWN_TEXTS = """locale => Array.from(document.querySelectorAll('body *'))
  .filter(e => !['SCRIPT', 'STYLE'].includes(e.tagName) && e.checkVisibility())
  .filter(e => { const marked = e.closest('[lang]'); return !marked || marked.lang === locale; })
  .map(e => Array.from(e.childNodes).filter(n => n.nodeType === 3).map(n => n.textContent).join(' ')
    .replace(/\\s+/g, ' ').trim())
  .filter(t => t.length > 0)"""


def english_strings(locale: str) -> frozenset[str]:
    """The interface's English strings that the locale's catalogue translates into something else (and
    that are not themselves a translation), and the stored codes that have a label: seen verbatim on a page
    in that locale, one of them is a system string left untranslated or a raw code."""
    from babel.messages.pofile import read_po

    from countermark.core.http.templating import TRANSLATIONS_DIR

    with (TRANSLATIONS_DIR / locale / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = read_po(handle, locale=locale)
    messages = [(m.id, m.string) for m in catalog if isinstance(m.id, str) and isinstance(m.string, str)]
    # A word of both languages is no sign (French "File" is the English "Queue").
    translations = {string for _, string in messages}
    english = {
        english
        for english, string in messages
        if string and string != english and english not in translations and "%(" not in english
        and len(english) > 3
    }
    # Stored codes shown raw where their label belongs ("consignment" for "envoi", "link.run").
    from countermark.core.http.labels import LABELS

    words = dict(messages)
    codes = {
        code
        for code, label in LABELS.items()
        if words.get(label) and words[label] != code and code not in translations and len(code) > 3
    }
    return frozenset(english | codes)


def untranslated(page: Any, locale: str) -> list[str]:
    """The English interface strings the page shows as whole texts of an element, in a French or Chinese
    page (empty in English)."""
    if locale == "en":
        return []
    english = english_strings(locale)
    return sorted({text for text in page.evaluate(OWN_TEXTS, locale) if text in english})
