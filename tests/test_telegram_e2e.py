"""End to end: the real Application, its polling loop and HTTPXRequest, against a fake Bot API on 127.0.0.1.

Scripted users send updates through getUpdates; every wait is for an event the fake records
(with a 10 s ceiling), never a fixed sleep. The fake can answer 429, 403, 400 and 5xx.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from bot.channels.telegram import (
    ALLOWED_UPDATES,
    BOT_DATA_KEY,
    CHANNEL,
    FORGET_YES,
    Door,
    TelegramApp,
    build_application,
    lifespan,
    texts,
)
from bot.channels.telegram.render import RetryPolicy
from bot.clock import WARSAW, FixedClock
from bot.settings import Settings
from storage import users
from tests.data import shipped_content
from tests.fakebotapi import MEDIA, TOKEN, Call, FakeBotAPI, FakeBotAPIServer, TgUser, group_chat

PROJECT = Path(__file__).resolve().parent.parent
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=WARSAW)  # Monday morning
MENU = {"m:flats", "m:apply", "m:rules", "m:fees", "m:hours", "m:law", "m:centre", "m:lang"}


@dataclass
class Person:
    """A scripted Telegram user; each action waits until the bot has answered it."""

    api: FakeBotAPI
    user: TgUser

    @property
    def chat(self) -> int:
        return self.user.id

    async def say(self, text: str | None, expect: int = 1, **kwargs: Any) -> list[Call]:
        """Send a message; wait for `expect` messages or edits in this chat and return them."""
        before = len(self.api.outgoing(self.chat))
        self.api.push(self.api.message_update(self.user, text, **kwargs))
        return (await self.api.wait_outgoing(self.chat, before + expect))[before:]

    async def press(self, label_or_data: str, expect: int = 1) -> list[Call]:
        """Press the newest button with this callback data (or label); wait for the answer and the reply."""
        data = label_or_data if ":" in label_or_data else self.api.button_data(self.chat, label_or_data)
        before = len(self.api.outgoing(self.chat))
        update = self.api.presses(self.user, data)
        query_id = update["callback_query"]["id"]
        await self.api.wait_for(
            lambda: any(
                c.params.get("callback_query_id") == query_id
                for c in self.api.calls_to("answerCallbackQuery")
            )
        )
        return (await self.api.wait_outgoing(self.chat, before + expect))[before:]


@dataclass
class Live:
    app: TelegramApp
    api: FakeBotAPI

    def person(self, user_id: int, lang: str | None) -> Person:
        return Person(self.api, TgUser(user_id, f"User{user_id}", lang))

    async def stored(self, person: Person) -> users.User | None:
        found = self.app.bot_data[BOT_DATA_KEY]
        assert isinstance(found, Door)
        return await users.get_user(found.db, CHANNEL, str(person.user.id))


FAST_RETRY = RetryPolicy(first=0.01, cap=0.05, deadline=2.0)  # the outage policy, minus the waiting


@pytest.fixture
async def live(tmp_path: Path, database_target: str, caplog: pytest.LogCaptureFixture) -> AsyncIterator[Live]:
    caplog.set_level(logging.INFO)
    api = FakeBotAPI()
    async with FakeBotAPIServer(api) as server:
        settings = Settings(
            telegram_token=TOKEN, database=tmp_path / "bot.sqlite3", database_url=database_target
        )
        app = build_application(
            settings,
            shipped_content(),
            clock=FixedClock(NOW),
            base_url=server.base_url,
            reply_retry=FAST_RETRY,
        )
        async with lifespan(app):
            assert app.updater is not None
            await app.start()
            await app.updater.start_polling(poll_interval=0, timeout=1, allowed_updates=ALLOWED_UPDATES)
            try:
                yield Live(app, api)
            finally:
                await app.updater.stop()
                await app.stop()
    assert api.unexpected == []
    getupdates = api.calls_to("getUpdates")
    assert getupdates and all(c.params.get("allowed_updates") == ALLOWED_UPDATES for c in getupdates if c.ok)


def data_of(call: Call) -> set[str]:
    return {data for _, data in call.buttons()}


async def test_a_conversation_in_three_languages(live: Live) -> None:
    assert [c.method for c in live.api.calls[:1]] == ["getMe"]
    assert set(live.api.commands) == {None, "pl", "uk", "en"}

    anna = live.person(501, "pl")
    [hello] = await anna.say("/start")
    assert hello.method == "sendMessage" and data_of(hello) == {"c:gliwice", "c:wodzislaw"}
    [menu] = await anna.press("Gliwicach")
    assert menu.method == "editMessageText" and data_of(menu) >= MENU
    [choose] = await anna.press("m:lang")
    assert data_of(choose) == {"l:pl", "l:uk", "l:en"}
    [menu] = await anna.press("l:pl")
    assert data_of(menu) >= MENU
    [hours] = await anna.press("m:hours")
    assert "16:30" in hours.visible and "poniedziałek" in hours.visible
    [menu] = await anna.press("m:main")
    [flats] = await anna.press("m:flats")
    assert "Zawiszy Czarnego" in flats.visible
    [answer] = await anna.say("Który adres ma mieszkanie dla osób z zaburzeniami psychicznymi?")
    assert answer.method == "sendMessage" and "Zawiszy Czarnego" in answer.visible

    olha = live.person(502, "uk")
    await olha.say("/start")
    [menu] = await olha.press("c:gliwice")
    assert shipped_content().centres["gliwice"].centre.name.get("uk") in menu.visible
    [answer] = await olha.say("Години роботи")
    assert "16:30" in answer.visible and "понеділок" in answer.visible

    john = live.person(503, "en")
    [menu] = await john.say("/start gliwice")
    assert data_of(menu) >= MENU
    [answer] = await john.say("What are the office hours?")
    assert "16:30" in answer.visible and "Monday" in answer.visible
    [polite] = await john.say(None, extra=MEDIA["voice"])
    assert polite.visible == texts.text_only("en")
    [privacy] = await john.say("/privacy")
    assert "/forget" in privacy.visible
    [question] = await john.say("/forget")
    assert data_of(question) == {"x:yes", "x:no"}
    [done] = await john.press(FORGET_YES)
    assert done.visible == texts.forgotten("en")
    assert await live.stored(john) is None

    stored = await live.stored(anna)
    assert stored is not None and (stored.centre, stored.lang) == ("gliwice", "pl")
    presses = sum(1 for c in live.api.calls if c.method == "answerCallbackQuery")
    assert presses == 8  # every press was answered


async def test_429_is_retried_and_the_message_still_arrives(
    live: Live, caplog: pytest.LogCaptureFixture
) -> None:
    john = live.person(601, "en")
    await john.say("/start gliwice")
    live.api.fail("sendMessage", 429, retry_after=1, chat_id=john.chat, times=1)
    [answer] = await john.say("What are the office hours?")
    assert "16:30" in answer.visible
    statuses = [c.status for c in live.api.calls_to("sendMessage", john.chat)]
    assert statuses[-2:] == [429, 200]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_a_blocked_user_does_not_stop_the_bot(live: Live, caplog: pytest.LogCaptureFixture) -> None:
    blocked, other = live.person(701, "pl"), live.person(702, "pl")
    live.api.fail("sendMessage", 403, chat_id=blocked.chat, times=None)
    live.api.says(blocked.user, "/start gliwice")
    await live.api.wait_for(lambda: bool(live.api.calls_to("sendMessage", blocked.chat, ok=False)))
    [answer] = await other.say("/start gliwice")
    assert data_of(answer) >= MENU
    [answer] = await other.say("godziny otwarcia")
    assert "16:30" in answer.visible
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert any("blocked" in r.getMessage() for r in caplog.records if r.levelno == logging.INFO)


async def test_users_are_served_in_parallel_but_each_in_arrival_order(live: Live) -> None:
    anna, olha = live.person(1101, "pl"), live.person(1102, "uk")
    await anna.say("/start gliwice")
    await olha.say("/start gliwice")
    before = len(live.api.outgoing(anna.chat))
    gate = live.api.hold("sendMessage", chat_id=anna.chat)  # Telegram is slow for Anna
    live.api.says(anna.user, "godziny otwarcia")
    live.api.says(anna.user, "/privacy")  # must not overtake the first message
    await live.api.wait_for(lambda: len(live.api.held) == 1)
    [answer] = await olha.say("Години роботи")  # Olha does not wait for Anna
    assert "16:30" in answer.visible
    assert len(live.api.held) == 1  # Anna's second update has not started
    gate.set()
    first, second = (await live.api.wait_outgoing(anna.chat, before + 2))[before:]
    assert "16:30" in first.visible and "/forget" in second.visible


async def test_a_refused_send_is_logged_and_the_bot_keeps_serving(
    live: Live, caplog: pytest.LogCaptureFixture
) -> None:
    john = live.person(801, "en")
    await john.say("/start gliwice")
    live.api.fail("sendMessage", 400, chat_id=john.chat, times=1)
    [apology] = await john.say("What are the office hours?")
    assert apology.visible == texts.something_went_wrong("en")
    failed = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(failed) == 1 and failed[0].exc_info is not None
    assert not any("office hours" in r.getMessage() for r in caplog.records)
    [answer] = await john.say("What are the office hours?")
    assert "16:30" in answer.visible


@pytest.mark.parametrize("status", [500, 502])
async def test_a_server_error_is_retried_and_the_answer_arrives(live: Live, status: int) -> None:
    john = live.person(802, "en")
    await john.say("/start gliwice")
    live.api.fail("sendMessage", status, chat_id=john.chat, times=3)
    [answer] = await john.say("What are the office hours?")
    assert "16:30" in answer.visible
    assert [c.status for c in live.api.calls_to("sendMessage") if c.chat_id == john.chat][-4:] == [
        status,
        status,
        status,
        200,
    ]


async def test_polling_survives_a_bad_gateway_on_get_updates(live: Live) -> None:
    live.api.fail("getUpdates", 502, times=1)
    anna = live.person(901, "pl")
    [menu] = await anna.say("/start gliwice")
    assert data_of(menu) >= MENU
    assert [c.status for c in live.api.calls_to("getUpdates") if not c.ok] == [502]


async def test_group_chat_answers_only_when_addressed(live: Live) -> None:
    anna = live.person(1001, "pl")
    await anna.say("/start gliwice")
    group = group_chat(-100_777, "Mieszkańcy")
    live.api.says(anna.user, "godziny otwarcia Gliwice", chat=group)  # not for the bot
    live.api.says(anna.user, "@housing_test_bot godziny otwarcia Gliwice", chat=group)
    await live.api.wait_for(lambda: bool(live.api.outgoing(group["id"])))
    [answer] = live.api.outgoing(group["id"])
    assert "16:30" in answer.visible
