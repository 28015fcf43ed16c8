"""Staff tools end to end: the real Application, polling and JobQueue, against the fake Bot API on 127.0.0.1.

Broadcast audience -> text -> preview -> confirm, sent by the JobQueue worker through 403, 429, 5xx and
400 answers, with progress edits and the final report; ticket relay both ways; the authorization matrix.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from bot.channels.telegram import (
    ALLOWED_UPDATES,
    BOT_DATA_KEY,
    Door,
    TelegramApp,
    build_application,
    lifespan,
)
from bot.channels.telegram.staff import STAFF_KEY, StaffConfig
from bot.clock import WARSAW, FixedClock
from bot.i18n import tr
from bot.settings import Settings
from bot.staff.access import COMMANDS, RANK
from storage import audit, broadcasts, users
from storage import staff as staff_store
from tests.data import bot_data_item, shipped_content
from tests.fakebotapi import TOKEN, FakeBotAPI, FakeBotAPIServer, TgUser, group_chat
from tests.test_telegram_e2e import Person

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=WARSAW)
ADMIN_ID, STAFF_ID, STAFF_CHAT = 4242, 4343, -100_999
FIRST, COUNT = 700_000, 30
NO_ACCESS = tr("pl")._("Sorry, you have no access to this command.")


@dataclass
class Live:
    app: TelegramApp
    api: FakeBotAPI

    @property
    def door(self) -> Door:
        return bot_data_item(self.app.bot_data, BOT_DATA_KEY, Door)

    @property
    def config(self) -> StaffConfig:
        return bot_data_item(self.app.bot_data, STAFF_KEY, StaffConfig)

    def person(self, user_id: int, lang: str = "pl") -> Person:
        return Person(self.api, TgUser(user_id, f"User{user_id}", lang))


@pytest.fixture
async def live(tmp_path: Path, database_target: str, caplog: pytest.LogCaptureFixture) -> AsyncIterator[Live]:
    caplog.set_level(logging.INFO)
    api = FakeBotAPI()
    async with FakeBotAPIServer(api) as server:
        settings = Settings(
            telegram_token=TOKEN,
            database=tmp_path / "bot.sqlite3",
            database_url=database_target,
            staff_admin_ids=frozenset({ADMIN_ID}),
            staff_chat_id=STAFF_CHAT,
        )
        app = build_application(settings, shipped_content(), clock=FixedClock(NOW), base_url=server.base_url)
        async with lifespan(app):
            assert app.updater is not None
            await app.start()
            await app.updater.start_polling(poll_interval=0, timeout=1, allowed_updates=ALLOWED_UPDATES)
            try:
                found = Live(app, api)
                found.config.progress_every = 0.0  # an edit after every round, so a short run shows some
                found.config.backoff_base = 0.05
                yield found
            finally:
                await app.updater.stop()
                await app.stop()
    assert api.unexpected == []


async def test_a_broadcast_goes_out_through_403_429_5xx_and_400(live: Live) -> None:
    db = live.door.db
    await users.add_users(db, "telegram", [str(FIRST + i) for i in range(COUNT)], "gliwice", "pl", NOW)
    blocked, limited, flaky, broken = FIRST + 1, FIRST + 2, FIRST + 3, FIRST + 4
    live.api.fail("sendMessage", 403, chat_id=blocked, times=None)
    live.api.fail("sendMessage", 429, retry_after=1, chat_id=limited, times=1)
    live.api.fail("sendMessage", 502, chat_id=flaky, times=2)
    live.api.fail("sendMessage", 400, "Bad Request: message is too long", chat_id=broken, times=None)

    admin = live.person(ADMIN_ID)
    await admin.say("/start gliwice")
    [menu] = await admin.say("/broadcast")
    labels = {data: label for label, data in menu.buttons()}
    assert f"({COUNT + 1})" in labels["b:a:all"]  # the admin chose Gliwice too
    [prompt] = await admin.press("b:a:all")
    assert prompt.method == "editMessageText"
    preview, question = await admin.say("Jutro brak wody w budynku przy Lompy.", expect=2)
    assert preview.visible == "Jutro brak wody w budynku przy Lompy." and not preview.buttons()
    assert f"{COUNT + 1} odbiorców" in question.visible
    [progress] = await admin.press("b:ok:1")
    assert progress.visible == "wysłano 0/31"
    await live.api.wait_for(lambda: 1 in live.config.finished, within=20)
    final = live.config.finished[1]
    assert (final.sent, final.blocked, final.failed) == (COUNT - 2 + 1, 1, 1)
    report = tr("pl")._("Delivered: {n}").format(n=COUNT - 1)
    await live.api.wait_for(lambda: report in live.api.outgoing(ADMIN_ID)[-1].visible)
    edits = [c.visible for c in live.api.outgoing(ADMIN_ID) if c.method == "editMessageText"]
    assert any(text.startswith("wysłano ") and text != "wysłano 0/31" for text in edits)
    delivered = Counter(c.chat_id for c in live.api.calls_to("sendMessage", ok=True) if "Lompy" in c.visible)
    delivered[ADMIN_ID] -= 1  # the preview
    expected = {ADMIN_ID, *range(FIRST, FIRST + COUNT)} - {blocked, broken}
    assert set(delivered) == expected and set(delivered.values()) == {1}
    assert [c.status for c in live.api.calls_to("sendMessage", flaky)] == [502, 502, 200]
    assert [c.status for c in live.api.calls_to("sendMessage", limited)] == [429, 200]
    assert await broadcasts.count_audience(db, "gliwice", "all") == COUNT  # the blocked one is inactive now
    item = await broadcasts.get(db, 1)
    assert item is not None and item.status == "done"


async def test_ticket_relay_over_the_wire(live: Live) -> None:
    db = live.door.db  # the worker who answers is staff of the ticket's centre (issue 16)
    await staff_store.add_invite(db, "st_" + "c" * 32, "gliwice", ADMIN_ID, NOW, NOW.replace(year=2027))
    assert isinstance(
        await staff_store.redeem_invite(db, "st_" + "c" * 32, STAFF_ID, NOW), staff_store.StaffMember
    )
    asker = live.person(808, "uk")
    await asker.say("/start gliwice")
    [ack] = await asker.say("/ask Чи можна тримати кота?")
    assert "#1" in ack.visible
    await live.api.wait_for(lambda: bool(live.api.outgoing(STAFF_CHAT)))
    [ticket] = live.api.outgoing(STAFF_CHAT)
    assert "кота" in ticket.visible and "User808" not in ticket.visible
    staff_message = live.api.last_message(STAFF_CHAT)
    worker = TgUser(STAFF_ID, "Worker", "pl")
    live.api.says(worker, "Так, за згодою центру.", chat=group_chat(STAFF_CHAT), reply_to=staff_message)
    answer = (await live.api.wait_outgoing(asker.chat, 3))[-1]
    assert "Так, за згодою центру." in answer.visible
    markup, closed = await asker.press("k:close:1", expect=2)
    assert markup.method == "editMessageReplyMarkup" and "#1" in closed.visible
    await live.api.wait_for(lambda: len(live.api.outgoing(STAFF_CHAT)) == 2)


async def test_authorization_matrix_over_the_wire(live: Live) -> None:
    db = live.door.db
    await staff_store.add_invite(db, "st_" + "b" * 32, "gliwice", ADMIN_ID, NOW, NOW.replace(year=2027))
    assert isinstance(
        await staff_store.redeem_invite(db, "st_" + "b" * 32, STAFF_ID, NOW), staff_store.StaffMember
    )
    people = {"admin": ADMIN_ID, "staff": STAFF_ID, "none": 999}
    for user_id in people.values():
        stored = await users.get_or_create_user(db, "telegram", str(user_id), NOW)
        await users.set_centre(db, stored.id, "gliwice", NOW)
    for role, user_id in people.items():
        person = live.person(user_id)
        for command, need in sorted(COMMANDS.items()):
            [reply] = await person.say(f"/{command}")
            allowed = RANK[role] >= RANK[need]
            assert (reply.visible == NO_ACCESS) is not allowed, (role, command)
    denied = [(e.actor, e.action) for e in await audit.entries(db) if e.outcome == "denied"]
    assert sorted(denied) == sorted(
        [(999, c) for c in COMMANDS] + [(STAFF_ID, c) for c, need in COMMANDS.items() if need == "admin"]
    )


async def test_a_scheduled_broadcast_waits_in_the_job_queue_then_goes_out(live: Live) -> None:
    db = live.door.db
    await users.add_users(db, "telegram", [str(FIRST + i) for i in range(3)], "gliwice", "pl", NOW)
    admin = live.person(ADMIN_ID)
    await admin.say("/start gliwice")
    await admin.say("/broadcast")
    await admin.press("b:a:all")
    await admin.say("Zebranie mieszkańców jutro o 8:00.", expect=2)
    await admin.press("b:at:1")
    [scheduled] = await admin.say("2026-11-24 08:00")
    assert "2026-11-24 08:00" in scheduled.visible
    assert live.app.job_queue is not None
    [job] = live.app.job_queue.get_jobs_by_name("broadcast:1")
    assert job.next_t is not None
    assert timedelta(hours=21) < job.next_t - datetime.now(WARSAW) < timedelta(hours=23)  # 22 h after NOW
    assert not live.api.calls_to("sendMessage", FIRST)  # nothing goes before its time
    await job.run(live.app)  # the moment comes
    assert live.config.finished[1].sent == 4
    sent = [c.visible for c in live.api.calls_to("sendMessage", FIRST)]
    assert sent == ["Zebranie mieszkańców jutro o 8:00."]
    item = await broadcasts.get(db, 1)
    assert item is not None and item.status == "done"
