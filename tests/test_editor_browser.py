"""The content editor in a real browser (the web door's harness: Debian's Chromium, Playwright,
axe-core): an FAQ answer edited in three languages, the preview changing, publish, the web chat
answering with it; an invalid edit refused at its field with the files unchanged; a concurrent edit
refused; a restore bringing the old text back; 0 WCAG 2.1 AA violations on every editor page.

One server (on a copy of content/) and one browser for the whole module."""

from __future__ import annotations

import shutil
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.channels.web.app import create_app
from bot.channels.web.config import WebSettings
from bot.clock import FixedClock
from bot.domain.loader import load_content
from bot.settings import Settings
from tests.conftest import CONTENT_DIR, PINNED
from tests.test_web_browser import ADMIN, ask, browser, free_port, login_link, no_violations, page

__all__ = ["browser", "page"]  # the browser harness's fixtures, used here by name

FORM = "/staff/content/gliwice/faq/foreigners"
NEW = {
    "pl": "Cudzoziemcy pytają w biurze w poniedziałki, 9:00–12:00.",
    "uk": "Іноземці питають в офісі в понеділок, 9:00–12:00.",
    "en": "Foreigners ask at the office on Mondays, 9:00–12:00.",
}


@pytest.fixture(scope="module")
def server() -> Iterator[dict[str, Any]]:
    import uvicorn

    folder = Path(tempfile.mkdtemp(prefix="editor-browser-"))
    root = folder / "content"
    shutil.copytree(CONTENT_DIR, root)
    settings = Settings(
        database=folder / "bot.sqlite3",
        staff_admin_ids=frozenset({ADMIN}),
        default_centre="gliwice",
        content_dir=root,
    )
    port = free_port()
    web = WebSettings(port=port, public_url=f"http://127.0.0.1:{port}")
    app = create_app(settings, web, load_content(root), clock=FixedClock(PINNED))
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)
    instance = uvicorn.Server(config)
    thread = threading.Thread(target=instance.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not instance.started and time.monotonic() < deadline:  # readiness, not a fixed wait
        time.sleep(0.02)
    assert instance.started, "the web server did not start"
    yield {"url": f"http://127.0.0.1:{port}", "database": settings.database, "root": root}
    instance.should_exit = True
    thread.join(timeout=10)
    shutil.rmtree(folder, ignore_errors=True)


def snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*.yaml"))}


def logged_in(server: dict[str, Any], tab: Any) -> None:
    tab.goto(login_link(server))
    tab.click("button.send")
    tab.wait_for_url("**/staff/tickets")


def chat_answer(server: dict[str, Any], browser: Any, question: str) -> str:
    tab = browser.new_page()
    try:
        tab.goto(f"{server['url']}/chat/gliwice")
        return ask(tab, question)
    finally:
        tab.close()


def test_edit_preview_publish_refusals_and_restore(server: dict[str, Any], page: Any, browser: Any) -> None:
    root: Path = server["root"]
    original = (root / "gliwice/faq.yaml").read_bytes()
    logged_in(server, page)
    page.click("nav a[href='/staff/content']")
    no_violations(page, "editor: centres")
    page.click("a[href='/staff/content/gliwice']")
    no_violations(page, "editor: a centre's entries")
    page.click(f"a[href='{FORM}']")
    no_violations(page, "editor: the form")

    for lang, text in NEW.items():
        page.fill(f"[name='text.{lang}']", text)
    page.fill("[name='question']", "cudzoziemiec")
    page.select_option("[name='preview_lang']", "pl")
    page.click("button[value='preview']")
    page.locator("#reply-after").wait_for()
    assert NEW["pl"] in page.inner_text("#reply-after")
    assert NEW["pl"] not in page.inner_text("#reply-today")
    no_violations(page, "editor: preview")
    assert (root / "gliwice/faq.yaml").read_bytes() == original  # the preview wrote nothing

    page.click("button[value='publish']")
    page.wait_for_url("**done=published")
    no_violations(page, "editor: published")
    assert NEW["pl"] in chat_answer(server, browser, "cudzoziemiec")

    published = snapshot(root)
    page.fill("[name='text.uk']", "")
    page.click("button[value='publish']")
    page.locator("#f-text-uk-error").wait_for()
    assert page.get_attribute("#f-text-uk", "aria-invalid") == "true"
    no_violations(page, "editor: an invalid edit")
    assert snapshot(root) == published  # byte for byte

    other = browser.new_page()
    try:
        page.goto(f"{server['url']}{FORM}")
        other.goto(f"{server['url']}{FORM}")
        page.fill("[name='text.en']", "Saved first.")
        page.click("button[value='publish']")
        page.wait_for_url("**done=published")
        other.fill("[name='text.en']", "Saved second, on a stale version.")
        other.click("button[value='publish']")
        other.locator("p.alert").wait_for()
        assert other.input_value("[name='text.en']") == "Saved first."  # the new version is shown
        no_violations(other, "editor: a concurrent edit")
    finally:
        other.close()
    assert b"Saved second" not in (root / "gliwice/faq.yaml").read_bytes()

    page.goto(f"{server['url']}/staff/content/gliwice/history")
    no_violations(page, "editor: history")
    page.locator("form[action$='/restore'] button").last.click()  # the oldest change: the first publish
    page.wait_for_url("**done=restored")
    assert (root / "gliwice/faq.yaml").read_bytes() == original
    assert NEW["pl"] not in chat_answer(server, browser, "cudzoziemiec")

    page.goto(f"{server['url']}/staff/content/gliwice/flats/wilgi")
    no_violations(page, "editor: a flat")
    page.goto(f"{server['url']}/staff/content/gliwice/centre/centre")
    no_violations(page, "editor: the centre")
    page.goto(f"{server['url']}/staff/content/shared/crisis.yaml")
    no_violations(page, "editor: a shared file")
    page.goto(f"{server['url']}/staff/content/new-centre")
    no_violations(page, "editor: a new centre")


FEES = "/staff/content/wodzislaw/fees/fees"
FEE_QUESTION = "Mieszkam sama, mam 1200 zł dochodu. Ile zapłacę?"


def test_fee_table_payment_notes_and_a_shared_restore_in_the_browser(
    server: dict[str, Any], page: Any, browser: Any
) -> None:
    root: Path = server["root"]
    logged_in(server, page)
    page.goto(f"{server['url']}/staff/content/wodzislaw")
    no_violations(page, "editor: a centre's entries with the money forms")
    page.click(f"a[href='{FEES}']")
    no_violations(page, "editor: the fee table")
    page.fill("[name='tables.0.brackets.1.fee_percent']", "45")
    page.fill("[name='question']", FEE_QUESTION)
    page.select_option("[name='preview_lang']", "pl")
    page.click("button[value='preview']")
    page.locator("#reply-after").wait_for()
    assert "45%" in page.inner_text("#reply-after") and "40%" in page.inner_text("#reply-today")
    no_violations(page, "editor: the fee table's preview")
    files = snapshot(root)
    page.fill("[name='tables.0.brackets.1.fee_percent']", "90")  # more than the next bracket's 60%
    page.click("button[value='publish']")
    page.locator("fieldset.fee-table .field-error").first.wait_for()
    no_violations(page, "editor: an invalid fee table")
    assert snapshot(root) == files
    page.fill("[name='tables.0.brackets.1.fee_percent']", "45")
    page.click("button[value='publish']")
    page.wait_for_url("**done=published")
    assert b'fee_percent: "45"' in (root / "wodzislaw/fees.yaml").read_bytes()

    page.goto(f"{server['url']}/staff/content/wodzislaw/payment/_payment")
    no_violations(page, "editor: the payment rule")
    assert page.input_value("[name='due_day']") == "30"
    page.goto(f"{server['url']}/staff/content/wodzislaw/centre/centre")
    assert "nieaktualny" in page.input_value("[name='phone_note.pl']")

    original = (root / "crisis.yaml").read_bytes()
    page.goto(f"{server['url']}/staff/content/shared/crisis.yaml")
    page.fill("#f-text", original.decode("utf-8") + "# reviewed in the browser\n")
    page.click("button.send")
    page.wait_for_url("**done=published")
    page.locator("form[action*='/history/'] button").first.click()
    page.wait_for_url("**done=restored")
    no_violations(page, "editor: a shared file restored")
    assert (root / "crisis.yaml").read_bytes() == original

    chat_answer(server, browser, "godziny otwarcia")  # one counted question for the charts
    page.goto(f"{server['url']}/staff/numbers")
    assert page.locator("img.chart").count() >= 5  # each chart is its own SVG resource (pygal)
    page.wait_for_function(
        "() => [...document.querySelectorAll('img.chart')].every(i => i.complete && i.naturalWidth > 0)"
    )
    no_violations(page, "numbers: with the question charts")
