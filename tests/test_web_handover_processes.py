"""The web door and the Telegram bot as SEPARATE processes on one database (`python -m bot web`
beside `python -m bot run`): nothing passes between them but the database.

Two Telegram Applications (two bot processes: only the first polls updates, both run their jobs)
talk to the fake Bot API on 127.0.0.1; the web app runs its own lifespan with its own connection and
no hook into either bot, called through httpx's ASGI transport. A web ticket reaches the staff chat
and a panel answer reaches a Telegram user, each exactly once, whichever bot process sends it.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest

from bot import callbacks
from bot.channels.telegram import (
    ALLOWED_UPDATES,
    BOT_DATA_KEY,
    Door,
    TelegramApp,
    build_application,
    lifespan,
)
from bot.channels.telegram import ticket_posts as telegram_posts
from bot.channels.web.app import create_app
from bot.channels.web.config import WebSettings
from bot.clock import WARSAW, FixedClock
from bot.settings import Settings
from storage import panel_links, ticket_posts, tickets
from storage import staff as staff_store
from tests.data import bot_data_item, shipped_content
from tests.fakebotapi import TOKEN, FakeBotAPI, FakeBotAPIServer, TgUser, group_chat
from tests.web_helpers import Ticks, csrf_of

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=WARSAW)
ADMIN_ID, GLIWICE_STAFF, STAFF_CHAT = 4242, 4343, -100_999
ASKER = TgUser(5151, "Ola", "pl")
PUBLIC = "https://pomoc.example.pl"


@dataclass
class Apart:
    bots: tuple[TelegramApp, TelegramApp]
    api: FakeBotAPI
    web: httpx.AsyncClient

    @property
    def db(self) -> Any:
        return bot_data_item(self.bots[0].bot_data, BOT_DATA_KEY, Door).db

    async def run_jobs(self) -> None:
        """Each bot process's ticket-posts job once more, now (as its next interval would)."""
        for bot in self.bots:
            assert bot.job_queue is not None
            for job in bot.job_queue.get_jobs_by_name(callbacks.JOB_TICKET_POSTS):
                await job.run(bot)

    async def until(self, done: Callable[[], Any], within: float = 10.0) -> None:
        """Poll an async condition on the database (the web door's work shows only there)."""
        async with asyncio.timeout(within):
            while not await done():  # noqa: ASYNC110 - the database has no event to wait on
                await asyncio.sleep(0.01)

    async def log_in(self, user_id: int) -> None:
        code = await panel_links.add_link(self.db, user_id, NOW)
        done = await self.web.post("/staff/login", data={"code": code}, follow_redirects=False)
        assert done.status_code == 303


@pytest.fixture
async def apart(database_target: str, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Apart]:
    monkeypatch.setattr(telegram_posts, "POLL_SECONDS", 0.05)  # another process's post soon seen
    api = FakeBotAPI()
    content, clock = shipped_content(), FixedClock(NOW)
    settings = Settings(
        telegram_token=TOKEN,
        database_url=database_target,
        staff_admin_ids=frozenset({ADMIN_ID}),
        staff_chat_id=STAFF_CHAT,
    )
    web = WebSettings(public_url=PUBLIC, public_url_set=True)
    async with FakeBotAPIServer(api) as server, AsyncExitStack() as stack:
        url = server.base_url
        bots = [build_application(settings, content, clock=clock, base_url=url) for _ in range(2)]
        for bot in bots:
            await stack.enter_async_context(lifespan(bot))
            await bot.start()
            stack.push_async_callback(bot.stop)
        first = bots[0]
        assert first.updater is not None
        await first.updater.start_polling(poll_interval=0, timeout=1, allowed_updates=ALLOWED_UPDATES)
        stack.push_async_callback(first.updater.stop)
        # The web door of another process: no relay, no wake, no scheduler; only the database.
        web_app = create_app(settings, web, content, clock=clock, ticks=Ticks())
        await stack.enter_async_context(web_app.router.lifespan_context(web_app))
        transport = httpx.ASGITransport(app=web_app)
        client = await stack.enter_async_context(
            httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1")
        )
        found = Apart((bots[0], bots[1]), api, client)
        db = found.db
        code = staff_store.new_code()
        await staff_store.add_invite(db, code, "gliwice", ADMIN_ID, NOW, NOW + timedelta(days=1))
        await staff_store.redeem_invite(db, code, GLIWICE_STAFF, NOW)
        yield found
    assert api.unexpected == []


async def web_chat(apart: Apart, csrf: str, **fields: str) -> list[dict[str, Any]]:
    response = await apart.web.post(
        "/chat/gliwice", data={"csrf": csrf, "lang": "", **fields}, headers={"accept": "application/json"}
    )
    assert response.status_code == 200, response.text
    entries: list[dict[str, Any]] = response.json()["entries"]
    return entries


async def test_a_web_ticket_reaches_the_staff_chat_of_another_process_once(apart: Apart) -> None:
    gate = apart.api.hold("sendMessage", STAFF_CHAT)  # Telegram is slow: the post stays in flight
    csrf = csrf_of((await apart.web.get("/chat/gliwice")).text)
    await web_chat(apart, csrf, button="m:ask")
    opened = await web_chat(apart, csrf, text="Czy w mieszkaniu jest winda?")
    ticket = int(opened[-1]["buttons"][0][0]["data"].rsplit(":", 1)[1])

    # One bot process claimed it and is sending; the other (and the sender's own next run) finds
    # nothing to claim: the lease holds it.
    await apart.api.wait_for(lambda: len(apart.api.held) == 1)
    await apart.run_jobs()
    assert len(apart.api.held) == 1
    gate.set()
    [posted] = await apart.api.wait_outgoing(STAFF_CHAT, 1)
    assert posted.visible.startswith(f"Zgłoszenie #{ticket} z czatu na stronie")
    assert "winda" in posted.visible and [d for _, d in posted.buttons()] == [f"k:close:{ticket}"]

    async def sent() -> bool:
        return await ticket_posts.waiting(apart.db) == []

    await apart.until(sent)  # deleted once sent: the text does not wait in the database
    await apart.run_jobs()
    assert len(apart.api.outgoing(STAFF_CHAT)) == 1  # never twice

    # A reply there answers it (the sending process linked the message); the web chat shows it.
    message = apart.api.last_message(STAFF_CHAT)
    worker = TgUser(GLIWICE_STAFF, "Worker", "pl")
    apart.api.says(worker, "Tak, jest winda.", chat=group_chat(STAFF_CHAT), reply_to=message)
    saved = await apart.api.wait_outgoing(STAFF_CHAT, 2)
    assert saved[-1].visible.startswith(f"Zgłoszenie #{ticket}: odpowiedź zapisana.")
    new = (await apart.web.get("/chat/gliwice/updates?after=0")).json()["entries"]
    assert [e["text"] for e in new if e["author"] == "staff"][-1].endswith("Tak, jest winda.")

    # The visitor closes it in the web chat: the staff chat of the other process hears it, once.
    await web_chat(apart, csrf, button=f"k:close:{ticket}")
    closed = f"Zgłoszenie #{ticket} jest zamknięte"
    await apart.api.wait_for(lambda: closed in apart.api.outgoing(STAFF_CHAT)[-1].visible)
    await apart.until(sent)
    await apart.run_jobs()
    assert [c.visible for c in apart.api.outgoing(STAFF_CHAT)].count(closed + ".") == 1


async def test_a_panel_answer_reaches_the_telegram_user_of_another_process_once(apart: Apart) -> None:
    apart.api.says(ASKER, "/ask Czy mogę przyjść z psem?")
    [posted] = await apart.api.wait_outgoing(STAFF_CHAT, 1)
    ticket = int(re.search(r"#(\d+)", posted.visible).group(1))  # type: ignore[union-attr]
    await apart.api.wait_outgoing(ASKER.id, 1)  # "your question went to the staff as ticket #…"

    await apart.log_in(ADMIN_ID)  # the asker chose no centre: an administrator's ticket
    page = (await apart.web.get(f"/staff/tickets/{ticket}")).text
    done = await apart.web.post(
        f"/staff/tickets/{ticket}/answer", data={"csrf": csrf_of(page), "text": "Tak, za zgodą ośrodka."}
    )
    assert done.headers["location"] == f"/staff/tickets/{ticket}?done=on_its_way"
    assert "w drodze" in (await apart.web.get(done.headers["location"])).text
    answers = await apart.api.wait_outgoing(ASKER.id, 2)
    assert "Tak, za zgodą ośrodka." in answers[-1].visible and f"#{ticket}" in answers[-1].visible
    assert [d for _, d in answers[-1].buttons()] == [f"k:close:{ticket}"]

    async def sent() -> bool:
        return await ticket_posts.waiting(apart.db) == []

    await apart.until(sent)
    await apart.run_jobs()
    assert sum("Tak, za zgodą ośrodka." in c.visible for c in apart.api.outgoing(ASKER.id)) == 1

    # The user replies to the answer: the sending process linked it, so it goes on as the ticket.
    apart.api.says(ASKER, "Dziękuję!", reply_to=apart.api.last_message(ASKER.id))
    follow = await apart.api.wait_outgoing(STAFF_CHAT, 2)
    assert "Dziękuję!" in follow[-1].visible and f"#{ticket}" in follow[-1].visible

    # Closing it in the panel: the user and the staff chat hear so.
    page = (await apart.web.get(f"/staff/tickets/{ticket}")).text
    await apart.web.post(f"/staff/tickets/{ticket}/close", data={"csrf": csrf_of(page)})
    await apart.api.wait_for(lambda: "zamknięte" in apart.api.outgoing(ASKER.id)[-1].visible)
    await apart.api.wait_for(lambda: "zamknięte" in apart.api.outgoing(STAFF_CHAT)[-1].visible)
    stored = await tickets.get(apart.db, ticket)
    assert stored is not None and stored.status == "closed"


async def test_a_panel_answer_to_a_user_who_blocked_the_bot_closes_the_ticket(apart: Apart) -> None:
    apart.api.says(ASKER, "/ask Czy jest parking?")
    [posted] = await apart.api.wait_outgoing(STAFF_CHAT, 1)
    ticket = int(re.search(r"#(\d+)", posted.visible).group(1))  # type: ignore[union-attr]
    await apart.api.wait_outgoing(ASKER.id, 1)
    apart.api.fail("sendMessage", 403, chat_id=ASKER.id)
    await apart.log_in(ADMIN_ID)
    page = (await apart.web.get(f"/staff/tickets/{ticket}")).text
    await apart.web.post(f"/staff/tickets/{ticket}/answer", data={"csrf": csrf_of(page), "text": "Tak."})
    said = await apart.api.wait_outgoing(STAFF_CHAT, 2)
    assert "zablokował" in said[-1].visible and f"#{ticket}" in said[-1].visible
    stored = await tickets.get(apart.db, ticket)
    assert stored is not None and stored.status == "closed"
