"""The web door in a real browser: Debian's headless Chromium driven by Playwright (no browser is
downloaded). The chat with and without our script, three languages, the fee flow, a crisis,
"forget me", the widget on a host page, a ticket answered from the panel, the charts, axe-core
(WCAG 2.1 A and AA) on every page, a keyboard-only run, and 320 px width.

One server and one browser for the whole module keep this file to a few seconds.
`WEB_SCREENSHOTS=1` also writes the README's pictures to docs/.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import tempfile
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from bot.channels.web.app import create_app
from bot.channels.web.config import WebSettings
from bot.clock import FixedClock
from bot.domain.content import Content
from bot.settings import Settings
from storage import connect, panel_links
from tests.conftest import PINNED

CHROMIUM = Path("/usr/bin/chromium")
if not CHROMIUM.exists():
    pytest.skip(
        "Chromium is missing: `apt-get install -y chromium` runs the browser tests", allow_module_level=True
    )
sync_api = pytest.importorskip("playwright.sync_api")
axe_module = pytest.importorskip("axe_playwright_python.sync_playwright")

ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
WCAG_AA = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}
ADMIN = 1
DOCS = Path(__file__).resolve().parent.parent / "docs"
DEMO = """<!doctype html><html lang="pl"><head><meta charset="utf-8"><title>OPS – strona ośrodka</title>
</head><body><main><h1>Mieszkania treningowe</h1><p>Strona ośrodka z czatem.</p></main>
<script src="/widget.js" data-centre="gliwice" defer></script></body></html>"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def server(content: Content) -> Iterator[dict[str, Any]]:
    import uvicorn
    from starlette.responses import HTMLResponse
    from starlette.routing import Route

    folder = Path(tempfile.mkdtemp(prefix="web-browser-"))
    # The administrator works in the default centre (broadcasts go to one centre).
    settings = Settings(
        database=folder / "bot.sqlite3", staff_admin_ids=frozenset({ADMIN}), default_centre="gliwice"
    )
    port = free_port()
    web = WebSettings(port=port, public_url=f"http://127.0.0.1:{port}")
    # A centre's own page has its own policy; ours would forbid the iframe on it.
    policy = {"content-security-policy": "default-src 'self'"}
    demo = Route("/demo", lambda request: HTMLResponse(DEMO, headers=policy))
    app = create_app(settings, web, content, clock=FixedClock(PINNED), extra_routes=[demo])
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)
    instance = uvicorn.Server(config)
    thread = threading.Thread(target=instance.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not instance.started and time.monotonic() < deadline:  # readiness, not a fixed wait
        time.sleep(0.02)
    assert instance.started, "the web server did not start"
    yield {"url": f"http://127.0.0.1:{port}", "database": settings.database}
    instance.should_exit = True
    thread.join(timeout=10)
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    profile = tempfile.mkdtemp(prefix="chromium-profile-")
    with sync_api.sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            profile,
            executable_path=str(CHROMIUM),
            args=ARGS,
            headless=True,
            locale="pl-PL",
            viewport={"width": 1000, "height": 800},
        )
        yield context
        context.close()
    shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    browser.clear_cookies()
    tab = browser.new_page()
    yield tab
    tab.close()


def no_violations(tab: Any, name: str) -> None:
    results = axe_module.Axe().run(tab, options=WCAG_AA)
    assert results.violations_count == 0, f"{name}:\n{results.generate_report()}"


def shoot(tab: Any, name: str) -> None:
    if os.environ.get("WEB_SCREENSHOTS") == "1":
        DOCS.mkdir(exist_ok=True)
        tab.screenshot(path=str(DOCS / name), full_page=False)


def ask(tab: Any, text: str) -> str:
    """Type a question, press Enter, return the text of the newest answer."""
    before = tab.locator("#log li.bot, #log li.staff").count()
    tab.fill("#message", text)
    tab.press("#message", "Enter")
    # Locator waits, not wait_for_function: that evaluates a string, which our CSP forbids.
    tab.locator("#log li.bot, #log li.staff").nth(before).wait_for()
    return str(tab.locator("#log li.bot, #log li.staff").last.inner_text())


def test_chat_in_three_languages_without_reloading(server: dict[str, Any], page: Any) -> None:
    page.goto(f"{server['url']}/chat/gliwice")
    assert page.get_attribute("html", "lang") == "pl"
    no_violations(page, "chat pl")
    page.evaluate("window.notReloaded = true")
    assert "poniedziałek" in ask(page, "kiedy jesteście otwarci?")
    page.click("button[value='l:uk']")
    page.locator("html[lang='uk']").wait_for(state="attached")
    no_violations(page, "chat uk")
    assert "понеділок" in ask(page, "коли ви працюєте?")
    page.click("button[value='l:en']")
    page.locator("html[lang='en']").wait_for(state="attached")
    page.evaluate("window.notReloaded = true")
    assert "Monday" in ask(page, "when are you open?")
    assert page.evaluate("window.notReloaded === true")
    no_violations(page, "chat en")


def test_fee_flow_crisis_and_forget(server: dict[str, Any], page: Any) -> None:
    page.goto(f"{server['url']}/chat/gliwice")
    page.click("#log li.bot button[value='m:fees']")
    page.locator("#log li.bot").nth(1).wait_for()
    estimate = ask(page, "2000 zł")
    assert "zł" in estimate
    shoot(page, "web-chat.png")
    crisis = ask(page, "chcę się zabić")
    assert "112" in page.locator("#log li.bot").nth(-2).inner_text() + crisis
    no_violations(page, "chat after a conversation")
    page.click("footer button[value='w:forget']")
    page.wait_for_selector("#log button[value='x:yes']")
    no_violations(page, "forget question")
    page.click("#log button[value='x:yes']")
    page.wait_for_selector("text=Twoje dane zostały usunięte")
    assert "2000 zł" not in page.inner_text("#log")


def test_the_chat_works_without_our_script(server: dict[str, Any], page: Any) -> None:
    page.route("**/static/chat.js", lambda route: route.abort())
    page.goto(f"{server['url']}/chat/gliwice")
    page.fill("#message", "godziny otwarcia")
    with page.expect_navigation():
        page.click("button.send")
    assert page.url.endswith("/chat/gliwice#latest")
    assert "poniedziałek" in page.inner_text("#log")
    with page.expect_navigation():
        page.click("#log button[value='m:main']")
    assert page.locator("#log button[value='m:flats']").count() == 1


def test_a_keyboard_only_question_and_ticket(server: dict[str, Any], page: Any) -> None:
    page.goto(f"{server['url']}/chat/gliwice")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "message"
    page.keyboard.type("jakie są zasady?")
    page.keyboard.press("Enter")
    page.locator("#log li.bot").nth(1).wait_for()
    for _ in range(40):  # back through the answer's buttons to the main menu's "Ask a person"
        if page.evaluate("document.activeElement.value") == "m:main":
            break
        page.keyboard.press("Shift+Tab")
    page.keyboard.press("Enter")
    page.wait_for_selector("#log li.bot:last-child button[value='m:ask']")
    for _ in range(40):
        if page.evaluate("document.activeElement.value") == "m:ask":
            break
        page.keyboard.press("Shift+Tab")
    assert page.evaluate("document.activeElement.value") == "m:ask"
    page.keyboard.press("Enter")
    page.locator("#message:focus").wait_for()
    page.keyboard.type("Czy mogę mieszkać z kotem?")
    page.keyboard.press("Enter")
    page.wait_for_selector("#log li.bot button[value^='k:close:']")
    assert "#" in page.locator("#log li.bot").last.inner_text()


def test_the_widget_opens_the_chat_in_an_iframe(server: dict[str, Any], page: Any) -> None:
    page.goto(f"{server['url']}/demo")
    page.click("button.housing-chat-toggle")
    frame = page.frame_locator("#housing-chat-frame")
    frame.locator("#message").fill("godziny otwarcia")
    frame.locator("#message").press("Enter")
    frame.locator("#log li.bot >> nth=1").wait_for()
    assert "poniedziałek" in frame.locator("#log").inner_text()
    no_violations(page, "widget host page")
    shoot(page, "web-widget.png")


def test_320_px_wide_without_horizontal_scrolling(server: dict[str, Any], browser: Any) -> None:
    tab = browser.new_page()
    tab.set_viewport_size({"width": 320, "height": 640})
    try:
        for path in ("/chat/gliwice", "/staff/login"):
            tab.goto(server["url"] + path)
            assert tab.evaluate("document.documentElement.scrollWidth") <= 320, path
    finally:
        tab.close()


def login_link(server: dict[str, Any]) -> str:
    async def make() -> str:
        db = await connect(server["database"])
        try:
            return await panel_links.add_link(db, ADMIN, PINNED)
        finally:
            await db.close()

    # Playwright's sync API keeps an event loop in this thread; the database call gets its own.
    with ThreadPoolExecutor(1) as pool:
        code = pool.submit(asyncio.run, make()).result()
    return f"{server['url']}/staff/login/{code}"


def test_a_web_ticket_answered_from_the_panel_and_the_charts(
    server: dict[str, Any], page: Any, browser: Any
) -> None:
    page.goto(f"{server['url']}/chat/gliwice")
    page.click("#log button[value='m:ask']")
    page.wait_for_selector("text=Napisz pytanie")
    ask(page, "Czy w mieszkaniu jest pralka?")
    staff = browser.new_page()
    try:
        staff.goto(f"{server['url']}/staff/tickets")
        assert staff.url.endswith("/staff/login")
        no_violations(staff, "staff login")
        staff.goto(login_link(server))
        staff.click("button.send")
        staff.wait_for_url("**/staff/tickets")
        no_violations(staff, "tickets")
        shoot(staff, "web-panel-tickets.png")
        staff.locator("table a").first.click()
        assert "Czy w mieszkaniu jest pralka?" in staff.inner_text("main")
        no_violations(staff, "ticket")
        staff.fill("#answer", "Tak, pralka jest w łazience.")
        staff.click("form.answer button")
        staff.wait_for_selector("text=Odpowiedź została wysłana")
        staff.goto(f"{server['url']}/staff/unanswered")
        no_violations(staff, "unanswered")
        staff.goto(f"{server['url']}/staff/numbers")
        assert staff.locator("img.chart").count() >= 3
        # Every chart loads as an image (its own SVG resource, its own policy) and is drawn.
        staff.wait_for_function(
            "() => [...document.querySelectorAll('img.chart')].every(i => i.complete && i.naturalWidth > 0)"
        )
        no_violations(staff, "numbers")
        shoot(staff, "web-panel-numbers.png")
    finally:
        staff.close()
    page.reload()
    assert "Tak, pralka jest w łazience." in page.inner_text("#log")


def test_a_broadcast_from_the_panel(server: dict[str, Any], page: Any) -> None:
    page.goto(login_link(server))
    page.click("button.send")
    page.wait_for_url("**/staff/tickets")
    page.click("nav a[href='/staff/broadcasts']")
    no_violations(page, "new broadcast")
    page.fill("#text", "Jutro zebranie mieszkańców o 10:00.")
    page.click("form.answer button.send")
    page.wait_for_selector("text=Podgląd, dokładnie tak, jak zobaczą go odbiorcy")
    assert "Jutro zebranie mieszkańców o 10:00." in page.inner_text("main")
    no_violations(page, "broadcast preview")
    page.click("button[value='now']")
    page.wait_for_selector("#broadcast-progress")
    no_violations(page, "broadcast progress")


def test_an_error_page_is_accessible(server: dict[str, Any], page: Any) -> None:
    page.goto(f"{server['url']}/chat/nowhere")
    no_violations(page, "404")
