"""The Telegram door offline: real `telegram.Update` objects through `Application.process_update`.

Every Bot API call goes to `tests.fakebotapi.RecordingRequest` (no network); an endpoint the fake
does not know fails the test. The real content and a temporary SQLite file are used.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from telegram import Update
from telegram.ext import Application, CommandHandler, ContextTypes

from bot import callbacks
from bot.channels import telegram as telegram_door
from bot.channels.telegram import (
    BOT_DATA_KEY,
    CHANNEL,
    FORGET_NO,
    FORGET_YES,
    Door,
    TelegramApp,
    build_application,
    lifespan,
    texts,
    without_mention,
)
from bot.channels.telegram.order import PerUserOrder, order_key
from bot.channels.telegram.render import MAX_TEXT, split_text, utf16_len
from bot.clock import WARSAW, FixedClock
from bot.conversation.dialogue import Incoming
from bot.domain.content import Content
from bot.replies import Button, Reply
from bot.settings import Settings
from storage import users
from tests.data import bot_data_item, shipped_content
from tests.fakebotapi import (
    BOT_ID,
    BOT_USERNAME,
    MEDIA,
    TOKEN,
    Call,
    FakeBotAPI,
    RecordingRequest,
    TgUser,
    group_chat,
)

PROJECT = Path(__file__).resolve().parent.parent
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=WARSAW)  # a Monday morning: the Gliwice office is open
MENU_BUTTONS = {callbacks.make(callbacks.MENU, item) for item in callbacks.MENU_ITEMS}


@dataclass
class Harness:
    """The Application with its fake Bot API; each helper returns the calls one update caused."""

    app: TelegramApp
    api: FakeBotAPI
    db_path: Path

    async def process(self, update: dict[str, Any]) -> list[Call]:
        before = len(self.api.calls)
        await self.app.process_update(Update.de_json(update, self.app.bot))
        return self.api.calls[before:]

    async def say(self, user: TgUser, text: str | None, **kwargs: Any) -> list[Call]:
        return await self.process(self.api.message_update(user, text, **kwargs))

    async def press(self, user: TgUser, data: str, message: dict[str, Any] | None = None) -> list[Call]:
        return await self.process(self.api.callback_update(user, data, message))

    @property
    def door(self) -> Door:
        return bot_data_item(self.app.bot_data, BOT_DATA_KEY, Door)

    async def stored(self, user: TgUser) -> users.User | None:
        return await users.get_user(self.door.db, CHANNEL, str(user.id))

    async def ready(self, user: TgUser, centre: str = "gliwice") -> None:
        """A user who has chosen the centre (deep link) and whose language comes from their app."""
        await self.say(user, f"/start {centre}")
        stored = await self.stored(user)
        assert stored is not None and stored.centre == centre


def shown(calls: list[Call]) -> list[Call]:
    return [c for c in calls if c.ok and c.method in ("sendMessage", "editMessageText")]


def only_message(calls: list[Call]) -> Call:
    messages = shown(calls)
    assert len(messages) == 1, [c.method for c in calls]
    return messages[0]


def button_data(call: Call) -> set[str]:
    return {data for _, data in call.buttons()}


def errors(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.levelno >= logging.ERROR]


@pytest.fixture
async def bot(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> AsyncIterator[Harness]:
    caplog.set_level(logging.INFO)
    api = FakeBotAPI()
    db_path = tmp_path / "bot.sqlite3"
    settings = Settings(telegram_token=TOKEN, database=db_path)
    app = build_application(settings, shipped_content(), clock=FixedClock(NOW), request=RecordingRequest(api))
    async with lifespan(app):
        yield Harness(app, api, db_path)
    assert api.unexpected == []


ANNA = TgUser(1001, "Anna", "pl")
OLHA = TgUser(1002, "Olha", "uk")
JOHN = TgUser(1003, "John", "en")
HANS = TgUser(1004, "Hans", "de")  # a language the bot does not speak


# --- wiring --------------------------------------------------------------------------------------


async def test_nothing_is_opened_before_start_and_everything_is_closed_after(tmp_path: Path) -> None:
    db_path = tmp_path / "sub" / "bot.sqlite3"
    api = FakeBotAPI()
    app = build_application(
        Settings(telegram_token=TOKEN, database=db_path), shipped_content(), request=RecordingRequest(api)
    )
    assert not db_path.exists() and api.calls == [] and BOT_DATA_KEY not in app.bot_data
    async with lifespan(app):
        assert isinstance(app.bot_data[BOT_DATA_KEY], Door)
        assert db_path.exists()
    assert BOT_DATA_KEY not in app.bot_data
    assert [c.method for c in api.calls][:1] == ["getMe"]


def test_a_token_is_required() -> None:
    with pytest.raises(ValueError, match="TELEGRAM_BOT_TOKEN"):
        build_application(Settings(telegram_token=None), shipped_content(), request=RecordingRequest())


async def test_command_menus_are_set_per_language(bot: Harness) -> None:
    assert set(bot.api.commands) == {None, "pl", "uk", "en"}
    for commands in bot.api.commands.values():
        names = [c["command"] for c in commands]
        assert names == list(texts.COMMANDS)
        assert all(c["description"].strip() for c in commands)
    assert bot.api.commands[None] == bot.api.commands["pl"]  # Polish for everyone else


# --- first contact, centre and language ----------------------------------------------------------


async def test_start_offers_the_centre_choice(bot: Harness) -> None:
    message = only_message(await bot.say(ANNA, "/start"))
    assert message.method == "sendMessage" and message.chat_id == ANNA.id
    assert button_data(message) == {"c:gliwice", "c:wodzislaw"}
    assert message.params["parse_mode"] == "HTML"


async def test_centre_and_language_buttons_edit_the_menu_in_place(bot: Harness) -> None:
    first = only_message(await bot.say(HANS, "/start"))
    calls = await bot.press(HANS, "c:gliwice")
    assert calls[0].method == "answerCallbackQuery"
    edit = only_message(calls)
    assert edit.method == "editMessageText"
    assert edit.params["message_id"] == first.response["result"]["message_id"]
    assert button_data(edit) == {"l:pl", "l:uk", "l:en"}  # Telegram says "de": ask for the language

    calls = await bot.press(HANS, "l:en")
    assert calls[0].method == "answerCallbackQuery"
    menu = only_message(calls)
    assert menu.method == "editMessageText" and button_data(menu) >= MENU_BUTTONS
    stored = await bot.stored(HANS)
    assert stored is not None and (stored.centre, stored.lang) == ("gliwice", "en")


async def test_deep_link_selects_the_centre(bot: Harness) -> None:
    menu = only_message(await bot.say(ANNA, "/start wodzislaw"))
    assert button_data(menu) >= MENU_BUTTONS
    stored = await bot.stored(ANNA)
    assert stored is not None and (stored.centre, stored.lang) == ("wodzislaw", "pl")


async def test_other_deep_link_payloads_start_normally(bot: Harness) -> None:
    message = only_message(await bot.say(ANNA, "/start INVITE-abc123"))
    assert button_data(message) == {"c:gliwice", "c:wodzislaw"}


async def test_centre_and_language_commands(bot: Harness) -> None:
    await bot.ready(JOHN)
    assert button_data(only_message(await bot.say(JOHN, "/centre"))) == {"c:gliwice", "c:wodzislaw"}
    assert button_data(only_message(await bot.say(JOHN, "/language"))) == {"l:pl", "l:uk", "l:en"}


async def test_language_from_the_telegram_app_gives_ukrainian_replies(bot: Harness) -> None:
    await bot.say(OLHA, "/start")
    menu = only_message(await bot.press(OLHA, "c:gliwice"))
    assert shipped_content().centres["gliwice"].centre.name.get("uk") in menu.visible
    stored = await bot.stored(OLHA)
    assert stored is not None and stored.lang == "uk"
    answer = only_message(await bot.say(OLHA, "Години роботи"))
    assert "16:30" in answer.visible and "понеділок" in answer.visible


# --- menus and questions -------------------------------------------------------------------------


@pytest.mark.parametrize("item", callbacks.MENU_ITEMS)
async def test_every_menu_button_is_answered(bot: Harness, item: str) -> None:
    await bot.ready(ANNA)
    calls = await bot.press(ANNA, callbacks.make(callbacks.MENU, item))
    assert calls[0].method == "answerCallbackQuery"
    assert shown(calls), "a menu press must show something"
    assert all(c.ok for c in calls)


async def test_menu_hours_and_flats_show_the_facts(bot: Harness) -> None:
    await bot.ready(JOHN)
    hours = only_message(await bot.press(JOHN, "m:hours"))
    assert hours.method == "editMessageText" and "16:30" in hours.visible
    await bot.say(JOHN, "/menu")
    flats = only_message(await bot.press(JOHN, "m:flats"))
    assert "Zawiszy Czarnego" in flats.visible
    group = only_message(await bot.press(JOHN, "g:mental_disorders"))
    assert "Zawiszy Czarnego" in group.visible
    menu = only_message(await bot.press(JOHN, "m:main"))
    assert button_data(menu) >= MENU_BUTTONS


@pytest.mark.parametrize(
    ("user", "question", "fact"),
    [
        (ANNA, "Który adres ma mieszkanie dla osób z zaburzeniami psychicznymi?", "Zawiszy Czarnego"),
        (ANNA, "W jakich godzinach pracuje ośrodek?", "16:30"),
        (OLHA, "Години роботи", "16:30"),
        (JOHN, "What are the office hours?", "16:30"),
        (JOHN, "Where is the flat for people with mental disorders?", "Zawiszy Czarnego"),
    ],
)
async def test_free_text_questions_get_the_facts(
    bot: Harness, user: TgUser, question: str, fact: str
) -> None:
    await bot.ready(user)
    answer = only_message(await bot.say(user, question))
    assert answer.method == "sendMessage" and fact in answer.visible


async def test_menu_and_help_commands(bot: Harness) -> None:
    await bot.ready(ANNA)
    assert button_data(only_message(await bot.say(ANNA, "/menu"))) >= MENU_BUTTONS
    calls = shown(await bot.say(ANNA, "/help"))
    assert len(calls) == 2 and "/privacy" in calls[0].visible and "/forget" in calls[0].visible
    assert button_data(calls[1]) >= MENU_BUTTONS
    assert button_data(only_message(await bot.say(ANNA, "/nosuchcommand"))) >= MENU_BUTTONS


async def test_stale_or_unknown_button_is_answered_with_the_menu(bot: Harness) -> None:
    await bot.ready(JOHN)
    for data in ("zz:gone", "f:no-such-flat", "m:no-such-item", ""):
        await bot.press(JOHN, "m:hours")  # the message under the buttons shows something else first
        calls = await bot.press(JOHN, data, message=bot.api.last_message(JOHN.id))
        assert calls[0].method == "answerCallbackQuery"
        assert button_data(only_message(calls)) >= MENU_BUTTONS, data


async def test_pressing_the_same_menu_twice_is_not_an_error(
    bot: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    await bot.ready(JOHN)
    await bot.press(JOHN, "m:main")
    calls = await bot.press(JOHN, "m:main")  # the message already shows exactly this menu
    assert [c.method for c in calls] == ["answerCallbackQuery", "editMessageText"]
    assert "message is not modified" in calls[1].response["description"]
    assert errors(caplog) == []


@pytest.mark.parametrize("date", [0, 1_700_000_000])  # 0: Telegram's "inaccessible message"
async def test_a_button_on_a_message_that_cannot_be_edited_gets_a_new_message(
    bot: Harness, date: int
) -> None:
    await bot.ready(JOHN)
    gone = {"message_id": 999_999, "date": date, "chat": JOHN.private_chat(), "text": "old"}
    calls = await bot.press(JOHN, "m:main", message=gone)
    assert [c.method for c in calls if c.ok] == ["answerCallbackQuery", "sendMessage"]
    assert button_data(calls[-1]) >= MENU_BUTTONS


# --- rendering -----------------------------------------------------------------------------------


async def test_reply_text_is_html_escaped(bot: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    async def handle(
        channel: str,
        external_id: str,
        incoming: Incoming,
        lang_hint: str | None = None,
        user: users.User | None = None,  # the door passes the person it read once for the update
    ) -> list[Reply]:
        return [Reply("Dochód < 1 000 zł & <b>nie</b> pogrubione", ((Button("a < b", "m:main"),),))]

    monkeypatch.setattr(bot.door.dialogue, "handle", handle)
    message = only_message(await bot.say(ANNA, "cokolwiek"))
    assert message.text == "Dochód &lt; 1 000 zł &amp; &lt;b&gt;nie&lt;/b&gt; pogrubione"
    assert message.visible == "Dochód < 1 000 zł & <b>nie</b> pogrubione"
    assert message.buttons() == [("a < b", "m:main")]  # labels are plain text, never parsed


async def test_long_replies_are_split_on_line_boundaries(
    bot: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    lines = [f"{i:04d} " + "żółw & <ryba> " * 20 for i in range(100)]
    long_text = "\n".join(lines)

    async def handle(
        channel: str,
        external_id: str,
        incoming: Incoming,
        lang_hint: str | None = None,
        user: users.User | None = None,  # the door passes the person it read once for the update
    ) -> list[Reply]:
        return [Reply(long_text, ((Button("Menu", "m:main"),),))]

    monkeypatch.setattr(bot.door.dialogue, "handle", handle)
    messages = shown(await bot.say(ANNA, "dużo"))
    assert len(messages) > 1
    assert all(utf16_len(m.visible) <= MAX_TEXT for m in messages)
    assert "\n".join(m.visible for m in messages) == long_text
    assert [bool(m.buttons()) for m in messages] == [False] * (len(messages) - 1) + [True]


def test_split_text_counts_utf16_and_cuts_long_lines() -> None:
    assert split_text("krótko") == ["krótko"]
    emoji = "😀" * 3000  # 6000 UTF-16 units in one line
    pieces = split_text(emoji)
    assert "".join(pieces) == emoji and all(utf16_len(p) <= MAX_TEXT for p in pieces)
    words = ("słowo " * 2000).strip()
    pieces = split_text(words)
    assert all(utf16_len(p) <= MAX_TEXT for p in pieces) and " ".join(pieces) == words
    exact = "x" * MAX_TEXT
    assert split_text(exact) == [exact]


async def test_a_4096_character_message_is_answered(bot: Harness) -> None:
    await bot.ready(ANNA)
    text = ("Jakie są godziny otwarcia ośrodka? " * 120)[:4096]
    assert len(text) == 4096
    calls = shown(await bot.say(ANNA, text))
    assert calls and all(utf16_len(c.visible) <= MAX_TEXT for c in calls)


# --- privacy and /forget -------------------------------------------------------------------------


async def test_privacy_says_what_is_stored(bot: Harness) -> None:
    message = only_message(await bot.say(JOHN, "/privacy"))
    for words in ("Telegram user id", "centre", "language", "step", "name", "income", "/forget"):
        assert words in message.visible


async def test_forget_asks_and_then_deletes_the_user(bot: Harness) -> None:
    await bot.ready(JOHN)
    question = only_message(await bot.say(JOHN, "/forget"))
    assert question.buttons() == [(texts.forget_yes("en"), FORGET_YES), (texts.forget_no("en"), FORGET_NO)]
    assert await bot.stored(JOHN) is not None
    calls = await bot.press(JOHN, FORGET_YES)
    assert calls[0].method == "answerCallbackQuery"
    done = only_message(calls)
    assert done.method == "editMessageText" and done.visible == texts.forgotten("en")
    assert await bot.stored(JOHN) is None


async def test_forget_cancel_keeps_the_user(bot: Harness) -> None:
    await bot.ready(ANNA)
    await bot.say(ANNA, "/forget")
    done = only_message(await bot.press(ANNA, FORGET_NO))
    assert done.visible == texts.not_forgotten("pl")
    stored = await bot.stored(ANNA)
    assert stored is not None and stored.centre == "gliwice"


async def test_forget_is_only_offered_in_a_private_chat(bot: Harness) -> None:
    await bot.ready(ANNA)
    message = only_message(await bot.say(ANNA, f"/forget@{BOT_USERNAME}", chat=group_chat()))
    assert message.buttons() == [] and message.visible == texts.forget_in_private("pl")
    assert await bot.stored(ANNA) is not None


# --- what is not a question ----------------------------------------------------------------------


@pytest.mark.parametrize("kind", sorted(MEDIA))
async def test_media_gets_a_polite_text_only_reply(bot: Harness, kind: str) -> None:
    message = only_message(await bot.say(JOHN, None, extra=MEDIA[kind]))
    assert message.visible == texts.text_only("en")
    assert button_data(message) == {"m:main"}


@pytest.mark.parametrize("kind", ["edited_message", "channel_post"])
async def test_edited_messages_and_channel_posts_are_ignored(
    bot: Harness, caplog: pytest.LogCaptureFixture, kind: str
) -> None:
    channel = {"id": -1_001_999, "type": "channel", "title": "News"}
    user = None if kind == "channel_post" else ANNA
    chat = channel if user is None else None
    update = bot.api.message_update(user, "godziny otwarcia", kind=kind, chat=chat)
    assert await bot.process(update) == []
    assert errors(caplog) == []


# --- groups --------------------------------------------------------------------------------------


async def test_group_message_not_addressed_to_the_bot_is_ignored(bot: Harness) -> None:
    await bot.ready(ANNA)
    assert await bot.say(ANNA, "godziny otwarcia", chat=group_chat()) == []
    assert await bot.say(ANNA, "zapytam @someone_else o godziny", chat=group_chat()) == []
    assert await bot.say(ANNA, "/menu@other_bot", chat=group_chat()) == []
    assert await bot.say(ANNA, None, chat=group_chat(), extra=MEDIA["sticker"]) == []


async def test_group_message_mentioning_the_bot_is_answered(bot: Harness) -> None:
    await bot.ready(ANNA)
    chat = group_chat()
    question = f"@{BOT_USERNAME} w jakich godzinach pracuje ośrodek?"
    answer = only_message(await bot.say(ANNA, question, chat=chat))
    assert answer.chat_id == chat["id"] and "16:30" in answer.visible


async def test_group_reply_to_the_bot_is_answered(bot: Harness) -> None:
    await bot.ready(ANNA)
    chat = group_chat()
    menu = only_message(await bot.say(ANNA, "/menu", chat=chat))
    assert menu.chat_id == chat["id"]
    mine = bot.api.messages[(chat["id"], menu.response["result"]["message_id"])]
    answer = only_message(await bot.say(ANNA, "godziny otwarcia", chat=chat, reply_to=mine))
    assert "16:30" in answer.visible


def test_without_mention() -> None:
    assert without_mention(f"@{BOT_USERNAME.upper()} godziny?", BOT_USERNAME) == "godziny?"
    assert without_mention(f"godziny @{BOT_USERNAME}", BOT_USERNAME) == "godziny"


# --- failures ------------------------------------------------------------------------------------


async def test_a_user_who_blocked_the_bot_is_logged_at_info(
    bot: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    await bot.ready(ANNA)
    bot.api.fail("sendMessage", 403, chat_id=ANNA.id, times=None)
    calls = await bot.say(ANNA, "godziny otwarcia")
    assert [c.status for c in calls] == [403]
    assert errors(caplog) == []
    assert any("blocked" in r.getMessage() for r in caplog.records if r.levelno == logging.INFO)
    assert not any("godziny" in r.getMessage() for r in caplog.records)


async def test_an_error_is_logged_and_the_user_gets_an_apology(
    bot: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    await bot.ready(JOHN)
    bot.api.fail("sendMessage", 400, chat_id=JOHN.id, times=1)
    question = "What are the office hours, my income is 1234 zł?"
    calls = await bot.say(JOHN, question)
    assert [c.status for c in calls] == [400, 200]
    assert calls[1].visible == texts.something_went_wrong("en")
    logged = errors(caplog)
    assert len(logged) == 1 and logged[0].exc_info is not None
    assert not any(question in r.getMessage() or "1234" in r.getMessage() for r in caplog.records)


async def test_the_door_keeps_the_dialogue_free_of_telegram_types(
    bot: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[tuple[str, str, Incoming, str | None]] = []
    real = bot.door.dialogue.handle

    async def handle(
        channel: str,
        external_id: str,
        incoming: Incoming,
        lang_hint: str | None = None,
        user: users.User | None = None,  # the door passes the person it read once for the update
    ) -> list[Reply]:
        seen.append((channel, external_id, incoming, lang_hint))
        return await real(channel, external_id, incoming, lang_hint, user)

    monkeypatch.setattr(bot.door.dialogue, "handle", handle)
    await bot.say(TgUser(77, language_code="uk-UA"), "/start gliwice")
    await bot.press(TgUser(77, language_code="uk-UA"), "m:hours")
    assert seen == [
        ("telegram", "77", Incoming(button="c:gliwice"), "uk"),
        ("telegram", "77", Incoming(button="m:hours"), "uk"),
    ]
    assert all(type(v) in (str, Incoming) for s in seen for v in s)
    assert dataclasses.is_dataclass(seen[0][2])


async def test_per_user_order_runs_users_in_parallel_and_each_in_sequence(bot: Harness) -> None:
    processor = PerUserOrder(8)
    log: list[str] = []
    release = asyncio.Event()

    async def work(name: str, wait: bool = False) -> None:
        log.append(f"{name} start")
        if wait:
            await release.wait()
        log.append(f"{name} end")

    def update(user: TgUser, text: str) -> Update:
        return Update.de_json(bot.api.message_update(user, text), bot.app.bot)

    tasks = [
        asyncio.create_task(processor.process_update(update(ANNA, "1"), work("anna1", wait=True))),
        asyncio.create_task(processor.process_update(update(ANNA, "2"), work("anna2"))),
        asyncio.create_task(processor.process_update(update(JOHN, "1"), work("john1"))),
    ]
    for _ in range(5):  # a few turns of the event loop (no wall-clock waiting)
        await asyncio.sleep(0)
    assert log == ["anna1 start", "john1 start", "john1 end"]
    assert processor.busy_users == 1
    release.set()
    await asyncio.gather(*tasks)
    assert log[3:] == ["anna1 end", "anna2 start", "anna2 end"]
    assert processor.busy_users == 0
    assert order_key(object()) is None


def test_run_telegram_long_polls_for_the_handled_update_types(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    api = FakeBotAPI()

    def build(settings: Settings, content: Content, **kwargs: Any) -> TelegramApp:
        app = build_application(settings, content, request=RecordingRequest(api))

        async def stop(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
            context.application.stop_running()

        app.add_handler(CommandHandler("stopnow", stop), group=-2)
        return app

    monkeypatch.setattr(telegram_door, "build_application", build)
    api.says(ANNA, "/start")
    api.says(ANNA, "/stopnow")
    asyncio.set_event_loop(asyncio.new_event_loop())  # run_polling takes the thread's loop and closes it
    try:
        assert (
            telegram_door.run_telegram(
                Settings(telegram_token=TOKEN, database=tmp_path / "b.sqlite3"), shipped_content()
            )
            == 0
        )
    finally:
        asyncio.set_event_loop(None)
    assert api.unexpected == []
    assert api.calls_to("deleteWebhook")[0].params.get("drop_pending_updates") in (None, False)
    polls = api.calls_to("getUpdates")
    assert polls and all(c.params["allowed_updates"] == ["message", "callback_query"] for c in polls)
    assert api.calls_to("sendMessage", ANNA.id)  # /start was answered before stopping


def test_run_telegram_serves_a_webhook_when_configured(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: dict[str, Any] = {}
    api = FakeBotAPI()

    def run_webhook(self: TelegramApp, **kwargs: Any) -> None:
        seen.update(kwargs)

    def build(settings: Settings, content: Content, **kwargs: Any) -> TelegramApp:
        return build_application(settings, content, request=RecordingRequest(api))

    monkeypatch.setattr(Application, "run_webhook", run_webhook)
    monkeypatch.setattr(telegram_door, "build_application", build)
    secret = "s3cret-Token-" + "x" * 30
    settings = Settings(
        telegram_token=TOKEN,
        database=tmp_path / "b.sqlite3",
        webhook_port=8444,
        webhook_url="https://bot.example.org/tg/hook",
        webhook_secret=secret,
    )
    asyncio.set_event_loop(asyncio.new_event_loop())
    try:
        assert telegram_door.run_telegram(settings, shipped_content()) == 0
    finally:
        asyncio.set_event_loop(None)
    assert seen == {
        "listen": "127.0.0.1",  # behind a reverse proxy, not on every interface (WEBHOOK_LISTEN)
        "port": 8444,
        "url_path": "tg/hook",
        "webhook_url": "https://bot.example.org/tg/hook",
        "secret_token": secret,
        "allowed_updates": ["message", "callback_query"],
        "drop_pending_updates": False,
        "bootstrap_retries": -1,  # an outage at start is waited out, never the end of the process
        "stop_signals": None,  # our SIGTERM handler stops the workers first (telegram/run.py)
    }
    assert [c.method for c in api.calls] == ["getMe"]  # the start-up call, through the fake


def test_the_bot_id_in_the_fake_matches_the_token() -> None:
    assert TOKEN.startswith(f"{BOT_ID}:")


async def test_a_user_who_writes_again_is_active_for_broadcasts_again(bot: Harness) -> None:
    await bot.say(ANNA, "/start")
    db = bot.door.db
    await db.execute("UPDATE users SET active = 0 WHERE external_id = ?", (str(ANNA.id),))
    await bot.say(ANNA, "godziny otwarcia")
    row = await db.fetch_one("SELECT active FROM users WHERE external_id = ?", (str(ANNA.id),))
    assert row is not None and row[0] == 1
