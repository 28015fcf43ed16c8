"""SIGKILL in the middle of every multi-step flow, then a restart: the next message continues it.

The bot runs as a real process (tests/bot_process_main.py) against the fake Bot API; each flow's
step is only in the database (bot/flows.py), so a killed process loses nothing: the staff member's
"08:00" after "Send later" is the send time (not an office-hours question), a half-entered duty
goes on at its step, a broadcast draft takes its text, and the message after /ask is the question.
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.i18n import tr
from storage import broadcasts, connect
from storage import reminders as store
from tests.fakebotapi import Call, FakeBotAPI, FakeBotAPIServer, TgUser
from tests.test_faults import bot_env, start_bot, stop

ADMIN = TgUser(42, "Admin", "pl")
PERSON = TgUser(7001, "Anna", "pl")
STAFF_CHAT = -100_777
T = tr("pl")


@dataclass
class Bot:
    api: FakeBotAPI
    base_url: str
    env: dict[str, str]
    log: Path
    process: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        self.process = await start_bot(self.base_url, self.env, self.log)

    async def kill(self) -> None:
        """SIGKILL once every update sent so far has been taken (so none is delivered twice)."""
        assert self.process is not None
        # The next getUpdates (its offset past them) drops them from the fake's queue.
        await self.api.wait_for(lambda: not self.api._updates, within=30)
        self.process.send_signal(signal.SIGKILL)
        assert await self.process.wait() == -signal.SIGKILL
        self.process = None

    async def act(self, user: TgUser, update: dict[str, Any], chat: int | None = None) -> list[Call]:
        """Push an update; the messages and edits it brought to `chat` (the user's by default)."""
        where = user.id if chat is None else chat
        before = len(self.api.outgoing(where))
        self.api.push(update)
        await self.api.wait_outgoing(where, before + 1, within=60)
        await asyncio.sleep(0.2)  # a reply of several messages: let the rest arrive too
        return self.api.outgoing(where)[before:]

    async def says(self, user: TgUser, text: str, chat: int | None = None) -> list[str]:
        return [c.visible for c in await self.act(user, self.api.message_update(user, text), chat)]

    async def presses(self, user: TgUser, data: str) -> list[str]:
        return [c.visible for c in await self.act(user, self.api.callback_update(user, data))]


@asynccontextmanager
async def running_bot(tmp_path: Path) -> AsyncIterator[Bot]:
    env = bot_env(
        tmp_path, STAFF_ADMIN_IDS=str(ADMIN.id), STAFF_CHAT_ID=str(STAFF_CHAT), BOT_DEFAULT_CENTRE="gliwice"
    )
    async with FakeBotAPIServer() as server:
        bot = Bot(server.api, server.base_url, env, tmp_path / "bot.log")
        await bot.start()
        try:
            yield bot
        finally:
            if bot.process is not None:
                await stop(bot.process)


async def test_a_broadcast_draft_and_its_send_later_time_survive_sigkill(tmp_path: Path) -> None:
    async with running_bot(tmp_path) as bot:
        await bot.says(PERSON, "/start gliwice")  # one recipient
        await bot.says(ADMIN, "/broadcast")
        await bot.presses(ADMIN, "b:a:all")
        await bot.kill()  # waiting for the text
        await bot.start()
        shown = await bot.says(ADMIN, "Jutro brak wody.")
        assert shown[0] == "Jutro brak wody."  # the preview: the text was taken as the message
        assert T._("Send it?") in shown[-1]
        await bot.presses(ADMIN, "b:at:1")
        await bot.kill()  # waiting for the time
        await bot.start()
        [scheduled] = await bot.says(ADMIN, "08:00")
        when = T.ngettext(
            "Scheduled for {when} to {n} recipient.", "Scheduled for {when} to {n} recipients.", 1
        )
        prefix, rest = when.split("{when}")
        assert scheduled.startswith(prefix) and scheduled.endswith(rest.format(n=1))
        assert " 08:00" in scheduled
    db = await connect(tmp_path / "bot.sqlite3")
    try:
        item = await broadcasts.get(db, 1)
    finally:
        await db.close()
    assert item is not None and item.status == "scheduled" and item.text == "Jutro brak wody."


async def test_an_expired_send_later_step_ends_clearly_and_is_not_a_question(tmp_path: Path) -> None:
    async with running_bot(tmp_path) as bot:
        await bot.says(ADMIN, "/broadcast")
        await bot.presses(ADMIN, "b:a:all")
        await bot.says(ADMIN, "Jutro brak wody.")
        await bot.presses(ADMIN, "b:at:1")
        await bot.kill()
        db = await connect(tmp_path / "bot.sqlite3")  # a day goes by while the bot is down
        await db.execute("UPDATE conversations SET expires_at = '2000-01-01T00:00:00.000000+00:00'")
        await db.close()
        await bot.start()
        [ended] = await bot.says(ADMIN, "08:00")
        assert "/broadcast" in ended and "16:30" not in ended  # not the office hours
        answer = await bot.says(ADMIN, "08:00")  # the flow is over: now it is a question again
        assert answer and not any("/broadcast" in shown for shown in answer)


async def test_the_duty_wizard_goes_on_at_its_step_after_sigkill(tmp_path: Path) -> None:
    async with running_bot(tmp_path) as bot:
        await bot.says(ADMIN, "/duty add wodzislaw/chronione")
        how_often = await bot.says(ADMIN, "Wynieść śmieci")
        assert how_often == [T._("How often?")], how_often
        await bot.kill()
        await bot.start()
        [weekday] = await bot.presses(ADMIN, "s:dk:weekly")
        assert weekday == T._("On which weekday? (e.g. poniedziałek, wt, 3)")
        await bot.says(ADMIN, "poniedziałek")
        await bot.kill()
        await bot.start()
        [saved] = await bot.says(ADMIN, "18:00")
        assert "Wynieść śmieci" in saved
    db = await connect(tmp_path / "bot.sqlite3")
    try:
        duties = await store.flat_duties(db, "wodzislaw", "chronione")
    finally:
        await db.close()
    assert [(d.text, d.kind, d.day, d.at) for d in duties] == [("Wynieść śmieci", "weekly", 0, "18:00")]


async def test_the_question_after_ask_reaches_the_staff_after_sigkill(tmp_path: Path) -> None:
    async with running_bot(tmp_path) as bot:
        await bot.says(PERSON, "/start gliwice")
        await bot.says(PERSON, "/ask")
        await bot.kill()
        await bot.start()
        before = len(bot.api.outgoing(STAFF_CHAT))
        [sent] = await bot.says(PERSON, "Czy mogę mieć kota?")
        went = T._("Your question went to the staff as ticket #{id}. The answer will come here.")
        assert sent == went.format(id=1)
        await bot.api.wait_outgoing(STAFF_CHAT, before + 1, within=30)
        [ticket] = [c.visible for c in bot.api.outgoing(STAFF_CHAT)[before:]]
        assert "Czy mogę mieć kota?" in ticket and "?," not in ticket
