"""The web door and the Telegram bot in one process, as `python -m bot run` with WEB_PORT wires them:
a web visitor's ticket in the Telegram staff chat, answered there (the centre check included) and
shown in the web chat; closing from either side; `/panel`'s one-time login link.

The real Application polls the fake Bot API on 127.0.0.1; the web app runs its own lifespan on the
same event loop and is called through httpx's ASGI transport, so both share the bot's sender.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.channels.telegram import (
    ALLOWED_UPDATES,
    BOT_DATA_KEY,
    Door,
    TelegramApp,
    build_application,
    lifespan,
)
from bot.channels.web.app import create_app
from bot.channels.web.config import WebSettings
from bot.channels.web.serve import telegram_hooks
from bot.clock import WARSAW, FixedClock
from bot.i18n import tr
from bot.settings import Settings
from storage import audit, tickets
from storage import staff as staff_store
from tests.data import bot_data_item, shipped_content
from tests.fakebotapi import TOKEN, FakeBotAPI, FakeBotAPIServer, TgUser, group_chat
from tests.web_helpers import Ticks, csrf_of

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=WARSAW)
ADMIN_ID, GLIWICE_STAFF, WODZISLAW_STAFF, STAFF_CHAT = 4242, 4343, 4444, -100_999
PUBLIC = "https://pomoc.example.pl"
NO_ACCESS = tr("pl")._("Sorry, you have no access to this command.")


@dataclass
class Both:
    app: TelegramApp
    api: FakeBotAPI
    web: httpx.AsyncClient

    @property
    def door(self) -> Door:
        return bot_data_item(self.app.bot_data, BOT_DATA_KEY, Door)

    async def chat(self, csrf: str, **fields: str) -> list[dict[str, Any]]:
        """One web chat message (as the page's script posts it); the new entries."""
        response = await self.web.post(
            "/chat/gliwice", data={"csrf": csrf, "lang": "", **fields}, headers={"accept": "application/json"}
        )
        assert response.status_code == 200, response.text
        entries: list[dict[str, Any]] = response.json()["entries"]
        return entries

    async def staff_says(self, user_id: int, text: str, reply_to: dict[str, Any] | None) -> str:
        """A message in the staff chat; the bot's next message there."""
        before = len(self.api.outgoing(STAFF_CHAT))
        worker = TgUser(user_id, "Worker", "pl")
        self.api.says(worker, text, chat=group_chat(STAFF_CHAT), reply_to=reply_to)
        return (await self.api.wait_outgoing(STAFF_CHAT, before + 1))[before].visible


async def add_member(door: Door, user_id: int, centre: str) -> None:
    code = staff_store.new_code()
    await staff_store.add_invite(door.db, code, centre, ADMIN_ID, NOW, NOW + timedelta(days=1))
    assert isinstance(await staff_store.redeem_invite(door.db, code, user_id, NOW), staff_store.StaffMember)


@pytest.fixture
async def both(tmp_path: Path) -> AsyncIterator[Both]:
    api = FakeBotAPI()
    content, clock = shipped_content(), FixedClock(NOW)
    settings = Settings(
        telegram_token=TOKEN,
        database=tmp_path / "bot.sqlite3",
        staff_admin_ids=frozenset({ADMIN_ID}),
        staff_chat_id=STAFF_CHAT,
    )
    web = WebSettings(public_url=PUBLIC, public_url_set=True)
    async with FakeBotAPIServer(api) as server:
        app = build_application(
            settings,
            content,
            clock=clock,
            base_url=server.base_url,
            follow_content=False,  # as serve_with_telegram: the web door follows content for both
            panel_url=web.panel_url,
        )
        async with lifespan(app):
            assert app.updater is not None
            await app.start()
            await app.updater.start_polling(poll_interval=0, timeout=1, allowed_updates=ALLOWED_UPDATES)
            hooks = telegram_hooks(app)
            web_app = create_app(
                settings, web, content, clock=clock, wake=hooks.wake, scheduler=hooks.scheduler, ticks=Ticks()
            )
            try:
                async with web_app.router.lifespan_context(web_app):
                    transport = httpx.ASGITransport(app=web_app)
                    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
                        found = Both(app, api, client)
                        await add_member(found.door, GLIWICE_STAFF, "gliwice")
                        await add_member(found.door, WODZISLAW_STAFF, "wodzislaw")
                        yield found
            finally:
                await app.updater.stop()
                await app.stop()
    assert api.unexpected == []


def ticket_of(entries: list[dict[str, Any]]) -> int:
    data = entries[-1]["buttons"][0][0]["data"]
    return int(data.rsplit(":", 1)[1])


async def test_a_web_ticket_is_answered_from_the_telegram_staff_chat(both: Both) -> None:
    csrf = csrf_of((await both.web.get("/chat/gliwice")).text)
    await both.chat(csrf, button="m:ask")
    opened = await both.chat(csrf, text="Czy w mieszkaniu jest winda?")
    ticket, seen = ticket_of(opened), opened[-1]["number"]

    # The staff chat gets it as a Telegram ticket: centre in words, language, the panel's link.
    [posted] = await both.api.wait_outgoing(STAFF_CHAT, 1)
    name = both.door.content.centres["gliwice"].centre.name.get("pl")
    assert posted.visible.startswith(f"Zgłoszenie #{ticket} z czatu na stronie ({name}, pl).")
    assert f"{PUBLIC}/staff/tickets/{ticket}" in posted.visible and "winda" in posted.visible
    assert [data for _, data in posted.buttons()] == [f"k:close:{ticket}"]
    message = both.api.last_message(STAFF_CHAT)

    # Staff of another centre may not answer it (refused and audited); the visitor sees nothing.
    assert await both.staff_says(WODZISLAW_STAFF, "Nie wiem.", message) == NO_ACCESS
    quiet = await both.web.get(f"/chat/gliwice/updates?after={seen}")
    assert quiet.json()["entries"] == []
    denied = [(e.actor, e.action) for e in await audit.entries(both.door.db) if e.outcome == "denied"]
    assert (WODZISLAW_STAFF, "ticket_reply") in denied

    # Gliwice's staff answer it by replying; the web chat shows the answer on its next poll.
    saved = await both.staff_says(GLIWICE_STAFF, "Tak, w budynku jest winda.", message)
    assert saved.startswith(f"Zgłoszenie #{ticket}: odpowiedź zapisana.")
    new = (await both.web.get(f"/chat/gliwice/updates?after={seen}")).json()["entries"]
    assert [e["author"] for e in new] == ["staff"] and "Tak, w budynku jest winda." in new[0]["text"]
    page = (await both.web.get("/chat/gliwice")).text  # and on a fresh load of the page
    assert "Tak, w budynku jest winda." in page

    # The visitor closes it: the staff chat hears so; the bot never writes to a made-up chat.
    closed = await both.chat(csrf, button=f"k:close:{ticket}")
    assert f"#{ticket}" in closed[-1]["text"]
    said = f"Zgłoszenie #{ticket} jest zamknięte"
    await both.api.wait_for(lambda: said in both.api.outgoing(STAFF_CHAT)[-1].visible)
    assert {c.chat_id for c in both.api.calls_to("sendMessage")} <= {STAFF_CHAT}
    stored = await tickets.get(both.door.db, ticket)
    assert stored is not None and stored.status == "closed"


async def test_staff_close_a_web_ticket_from_the_staff_chat(both: Both) -> None:
    csrf = csrf_of((await both.web.get("/chat/gliwice")).text)
    await both.chat(csrf, button="m:ask")
    ticket = ticket_of(await both.chat(csrf, text="Kiedy mogę przyjść?"))
    await both.api.wait_outgoing(STAFF_CHAT, 1)
    message = both.api.message_with_button(STAFF_CHAT, f"k:close:{ticket}")
    assert message is not None
    both.api.presses(TgUser(GLIWICE_STAFF, "Worker", "pl"), f"k:close:{ticket}", message)
    await both.api.wait_for(lambda: any("jest zamknięte" in c.visible for c in both.api.outgoing(STAFF_CHAT)))
    stored = await tickets.get(both.door.db, ticket)
    assert stored is not None and stored.status == "closed"
    assert {c.chat_id for c in both.api.calls_to("sendMessage")} <= {STAFF_CHAT}
    # A late reply in the staff chat hears it is closed, and the visitor's chat gets nothing.
    assert "zamknięte" in await both.staff_says(GLIWICE_STAFF, "Zapraszamy jutro.", message)


async def test_panel_gives_staff_a_one_time_login_link_in_a_private_chat_only(both: Both) -> None:
    staff = TgUser(GLIWICE_STAFF, "Worker", "pl")
    both.api.says(staff, "/panel")
    [reply] = await both.api.wait_outgoing(GLIWICE_STAFF, 1)
    match = re.search(re.escape(PUBLIC) + r"/staff/login/(\S+)", reply.visible)
    assert match is not None, reply.visible
    code = match.group(1)
    assert code not in str(await both.door.db.fetch_all("SELECT * FROM panel_links"))  # only its hash
    login = await both.web.post("/staff/login", data={"code": code}, follow_redirects=False)
    assert login.status_code == 303 and login.headers["location"] == "/staff/tickets"
    again = await both.web.post("/staff/login", data={"code": code}, follow_redirects=False)
    assert again.status_code == 403  # single use

    # Someone without a role: the plain refusal. In a group: never a link, write privately.
    stranger = TgUser(999, "Someone", "pl")
    both.api.says(stranger, "/panel")
    [refused] = await both.api.wait_outgoing(999, 1)
    assert refused.visible == NO_ACCESS
    assert "prywatnej" in await both.staff_says(GLIWICE_STAFF, "/panel", None)
    assert "/staff/login/" not in " ".join(c.visible for c in both.api.outgoing(STAFF_CHAT))


async def test_panel_says_so_when_the_panel_has_no_public_address(tmp_path: Path) -> None:
    api = FakeBotAPI()
    settings = Settings(
        telegram_token=TOKEN, database=tmp_path / "bot.sqlite3", staff_admin_ids=frozenset({1})
    )
    async with FakeBotAPIServer(api) as server:
        app = build_application(settings, shipped_content(), clock=FixedClock(NOW), base_url=server.base_url)
        async with lifespan(app):
            assert app.updater is not None
            await app.start()
            await app.updater.start_polling(poll_interval=0, timeout=1, allowed_updates=ALLOWED_UPDATES)
            try:
                api.says(TgUser(1, "Admin", "pl"), "/panel")
                [reply] = await api.wait_outgoing(1, 1)
            finally:
                await app.updater.stop()
                await app.stop()
    assert "WEB_PUBLIC_URL" in reply.visible and "/staff/login/" not in reply.visible
    assert WebSettings.from_env({}).panel_url is None
    assert WebSettings.from_env({"WEB_PUBLIC_URL": PUBLIC + "/"}).panel_url == PUBLIC
