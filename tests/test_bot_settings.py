"""Several bots (TELEGRAM_BOTS, issue 15): the settings and their plain messages, doctor with two
tokens, and the storage filters each bot's scheduler uses (on both engines)."""

from __future__ import annotations

import asyncio
from datetime import datetime
from pathlib import Path

import pytest

from bot.clock import WARSAW, FixedClock
from bot.doctor import examine
from bot.residents.service import Residents
from bot.settings import Settings, SettingsError, unknown_centres
from storage import broadcasts
from storage import residents as people
from storage.residents import Resident
from tests.data import shipped_content
from tests.fakebotapi import TOKEN, FakeBotAPIServer
from tests.test_many_bots import NOW, SECRET_A, STAFF_CHAT, TOKEN_B, env

# --- settings ----------------------------------------------------------------------------------


def test_several_bots_are_read_each_with_its_token_centres_channel_and_secret(tmp_path: Path) -> None:
    settings = Settings.from_env(
        env(
            tmp_path,
            WEBHOOK_URL="https://bot.example.org/telegram",
            TELEGRAM_BOT_GLIWICE_WEBHOOK_SECRET=SECRET_A,
        )
    )
    gliwice, slask = settings.bots()
    assert (gliwice.name, gliwice.token, gliwice.centres) == ("gliwice", TOKEN, frozenset({"gliwice"}))
    assert (slask.name, slask.centres, slask.staff_chat_id) == ("slask", frozenset({"wodzislaw"}), None)
    assert (gliwice.channel, slask.channel) == ("telegram:gliwice", "telegram:slask")
    assert gliwice.staff_chat_id == STAFF_CHAT and gliwice.webhook_secret == SECRET_A
    assert slask.webhook_secret is not None and len(slask.webhook_secret) >= 32  # a random one
    assert settings.channel_of("wodzislaw") == "telegram:slask"
    assert settings.for_bot(slask).telegram_token == TOKEN_B
    assert settings.for_bot(slask).telegram_channel == "telegram:slask"
    assert unknown_centres(settings, {"gliwice", "wodzislaw"}) == []
    assert unknown_centres(settings, {"gliwice"}) == [
        "the bot slask serves the centre 'wodzislaw', which is not in the content"
        " (TELEGRAM_BOT_SLASK_CENTRES)"
    ]


def test_one_token_alone_stays_the_one_bot_of_every_centre() -> None:
    settings = Settings.from_env({"TELEGRAM_BOT_TOKEN": TOKEN, "STAFF_CHAT_ID": "-5"})
    [bot] = settings.bots()
    assert (bot.name, bot.centres, bot.channel, bot.staff_chat_id) == (None, None, "telegram", -5)
    assert settings.channel_of("gliwice") == "telegram" and settings.telegram_channel == "telegram"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"TELEGRAM_BOT_TOKEN": TOKEN}, "set TELEGRAM_BOT_TOKEN for one bot or TELEGRAM_BOTS for several"),
        ({"TELEGRAM_BOTS": "gliwice, 9lives"}, "TELEGRAM_BOTS: '9lives' is not a bot name"),
        ({"TELEGRAM_BOTS": "gliwice,gliwice"}, "TELEGRAM_BOTS names the bot 'gliwice' twice"),
        ({"TELEGRAM_BOT_SLASK_TOKEN": ""}, "TELEGRAM_BOT_SLASK_TOKEN is not set"),
        (
            {"TELEGRAM_BOT_SLASK_TOKEN": TOKEN},
            "TELEGRAM_BOT_SLASK_TOKEN is the same token as the bot 'gliwice'",
        ),
        ({"TELEGRAM_BOT_SLASK_CENTRES": " , "}, "TELEGRAM_BOT_SLASK_CENTRES is not set"),
        (
            {"TELEGRAM_BOT_SLASK_CENTRES": "wodzislaw,gliwice"},
            "the centre 'gliwice' is in TELEGRAM_BOT_SLASK_CENTRES and in the bot 'gliwice''s",
        ),
        (
            {"TELEGRAM_BOT_SLASK_STAFF_CHAT_ID": "staff"},
            "TELEGRAM_BOT_SLASK_STAFF_CHAT_ID must be a whole number",
        ),
        (
            {"WEBHOOK_URL": "https://x.org/t", "TELEGRAM_BOT_SLASK_WEBHOOK_SECRET": "short"},
            "TELEGRAM_BOT_SLASK_WEBHOOK_SECRET must be at least 32 characters",
        ),
    ],
)
def test_settings_say_plainly_what_is_wrong_with_the_bots(
    tmp_path: Path, change: dict[str, str], message: str
) -> None:
    with pytest.raises(SettingsError) as raised:
        Settings.from_env(env(tmp_path, **change))
    assert message in str(raised.value)


async def test_doctor_checks_every_token_and_names_the_bot(tmp_path: Path) -> None:
    async with FakeBotAPIServer() as api:  # knows only the first token: the second is refused
        url = f"http://127.0.0.1:{api.port}"
        found = await asyncio.to_thread(examine, env(tmp_path), True, url)
    lines = [finding.line() for finding in found]
    assert "OK       telegram gliwice: the token belongs to @housing_test_bot, serving gliwice" in lines
    assert "PROBLEM  telegram slask: Telegram refuses TELEGRAM_BOT_SLASK_TOKEN (ask @BotFather)" in lines
    missing = examine(env(tmp_path, TELEGRAM_BOT_SLASK_CENTRES="wodzislaw,rybnik"))
    assert any(
        f.level == "problem"
        and "the bot slask serves the centre 'rybnik', which is not in the content" in f.text
        for f in missing
    )


async def test_storage_gives_each_bot_only_its_own_rows(database_target: str) -> None:
    """The filters the per-bot schedulers use, on both engines: reminders by the residents'
    channel, broadcasts by the bot's centres."""
    from storage import reminders
    from storage.open import open_database

    db = await open_database(database_target)
    try:
        service = Residents(db, shipped_content(), FixedClock(datetime(2027, 4, 1, 12, tzinfo=WARSAW)))
        for channel, chat in (("telegram:slask", "1"), ("telegram:gliwice", "2")):
            code = await service.create_invite("wodzislaw", "chronione", "s")
            assert isinstance(await service.join(channel, chat, code, "pl"), Resident)
        due = await reminders.due_now(db, NOW, 100)
        mine = await reminders.due_now(db, NOW, 100, "telegram:slask")
        assert len(due) == 2 * len(mine) and mine
        await service.collect(NOW)
        claimed = await reminders.claim(db, NOW, 10, "me", NOW, "telegram:slask")
        residents = await people.residents_by_ids(db, [d.resident_id for d in claimed])
        assert claimed and {r.channel for r in residents.values()} == {"telegram:slask"}
        assert await reminders.claim(db, NOW, 10, "me", NOW, "telegram:nobody") == []
        first = await broadcasts.create_draft(db, "gliwice", "all", 1, "pl", NOW)
        second = await broadcasts.create_draft(db, "wodzislaw", "all", 2, "pl", NOW)
        for bid in (first, second):
            await broadcasts.set_text(db, bid, "x")
            await broadcasts.confirm(db, bid, NOW)
        assert [b.id for b in await broadcasts.with_status(db, "sending")] == [first, second]
        assert [b.id for b in await broadcasts.with_status(db, "sending", frozenset({"wodzislaw"}))] == [
            second
        ]
        assert await broadcasts.with_status(db, "sending", frozenset()) == []
    finally:
        await db.close()
