"""Nothing personal is kept (issue 16): a whole session at DEBUG, over HTTP to the fake Bot API (so
PTB and httpx log every request), with a ticket, a fee question and an unanswered question, then
/forget. Afterwards none of the planted strings (a name, a username, a health word, an income, the
bot token) is in the database file, its WAL, or any log record, at any level."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest
from telegram import Update

from bot import logsafe
from bot.channels.telegram import BOT_DATA_KEY, build_application, lifespan
from bot.channels.telegram.render import RetryPolicy
from bot.clock import FixedClock
from bot.conversation.privacy import scrub
from bot.settings import Settings
from tests.data import shipped_content
from tests.fakebotapi import TOKEN, FakeBotAPI, FakeBotAPIServer, TgUser
from tests.test_forget import rows_naming
from tests.test_staff import NOW

STAFF_CHAT = -100_321
NAME, SURNAME, USERNAME = "Bożenna", "Wierzchosławska", "bozenna_w77"
# The income with its grosze: four digits alone turn up by chance in a timestamp's microseconds.
HEALTH, INCOME = "psychiatrycznie", "1234,57"
PLANTED = (NAME, SURNAME, USERNAME, HEALTH, INCOME, INCOME.replace(",", "."), TOKEN, TOKEN.split(":")[1])


class Named(TgUser):
    def as_json(self) -> dict[str, Any]:
        return {**super().as_json(), "last_name": SURNAME, "username": USERNAME}


def everything_logged(caplog: pytest.LogCaptureFixture) -> str:
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
    return "\n".join(handler.format(record) for record in caplog.records)


async def test_a_session_at_debug_then_forget_leaves_no_planted_string(
    tmp_path: Path, database_target: str, caplog: pytest.LogCaptureFixture
) -> None:
    logsafe.install([TOKEN], "DEBUG")
    caplog.set_level(logging.DEBUG)
    for name in ("telegram", "httpx", "httpcore"):  # the libraries at their most talkative
        logging.getLogger(name).setLevel(logging.DEBUG)
    person = Named(8801, NAME, "pl")
    api = FakeBotAPI()
    async with FakeBotAPIServer(api) as server:
        settings = Settings(
            telegram_token=TOKEN,
            database=tmp_path / "bot.sqlite3",
            database_url=database_target,
            staff_chat_id=STAFF_CHAT,
        )
        app = build_application(
            settings,
            shipped_content(),
            clock=FixedClock(NOW),
            base_url=server.base_url,
            reply_retry=RetryPolicy(first=0.01, cap=0.01, deadline=0.1),
        )

        async def say(text: str) -> None:
            await app.process_update(Update.de_json(api.message_update(person, text), app.bot))

        async def press(data: str) -> None:
            await app.process_update(Update.de_json(api.callback_update(person, data), app.bot))

        async with lifespan(app):
            await say("/start wodzislaw")
            await say(f"/ask Nazywam się {NAME} {SURNAME}, leczę się {HEALTH}. Czy mogę dostać mieszkanie?")
            await say(f"Mój dochód to {INCOME} zł")  # a fee question: the income is never stored
            await say(f"Jestem {NAME} {SURNAME}, leczę się {HEALTH}; czy w Toszku jest basen?")
            await press("u:yes")  # consent to keep the unanswered question (scrubbed)
            await say("/forget")
            await press("x:yes")
            sent = " ".join(c.visible for c in api.calls_to("sendMessage"))
            assert "ticket #1" in sent.lower() or "#1" in sent  # the ticket really went to the staff
            db = app.bot_data[BOT_DATA_KEY].db
            for planted in PLANTED:  # no row keeps it, on either engine
                assert await rows_naming(db, planted) == [], planted
    for file in (tmp_path / "bot.sqlite3", tmp_path / "bot.sqlite3-wal"):  # SQLite's file and WAL
        data = file.read_bytes() if file.exists() else b""
        for planted in PLANTED:
            assert planted.encode() not in data, (file.name, planted)
    logged = everything_logged(caplog)
    assert len(caplog.records) > 20  # DEBUG really was on
    for planted in PLANTED:
        assert planted not in logged, planted


def test_scrub_keeps_the_question_and_drops_the_person() -> None:
    text = (
        "Nazywam się Anna Kowalska, leczę się psychiatrycznie w Toszku, dochód 1234 zł,"
        " tel. 600 123 456, anna.k@example.pl, ul. Zawiszy 5. Czy mogę mieć kota?"
    )
    kept = scrub(text)
    for gone in ("Anna", "Kowalska", "psychiatr", "Toszku", "1234", "600", "anna.k", "Zawiszy"):
        assert gone not in kept
    assert "Czy mogę mieć kota?" in kept
    assert scrub("Мене звати Олена Петренко, де подати заяву?") == "Мене звати […] де подати заяву?"
    assert scrub("Where do I apply?") == "Where do I apply?"


def test_library_arguments_and_tokens_never_reach_a_log(caplog: pytest.LogCaptureFixture) -> None:
    logsafe.install([TOKEN], "DEBUG")
    caplog.set_level(logging.DEBUG)
    library = logging.getLogger("telegram.ext.ExtBot")
    library.setLevel(logging.DEBUG)
    library.debug("Calling Bot API endpoint `%s` with parameters `%s`", "sendMessage", {"text": SURNAME})
    logging.getLogger("bot.x").info("url https://api.telegram.org/bot%s/getMe", TOKEN)
    try:
        raise ValueError(f"https://api.telegram.org/bot{TOKEN}/sendMessage")
    except ValueError:
        logging.getLogger("httpx").exception("request failed")
    logged = everything_logged(caplog)
    assert SURNAME not in logged and TOKEN not in logged
    assert "Calling Bot API endpoint `[…]`" in logged and "[secret]" in logged
