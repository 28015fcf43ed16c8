"""The fault suite (issue 16): Telegram outages and stops, against the fake Bot API.

- 502 for two minutes during a reminder tick: every reminder inside the grace window arrives after.
- 502 while ten people ask: every one of them gets the answer once Telegram is back.
- 502 at start-up: the bot starts as soon as Telegram answers (a real process).
- SIGTERM during a broadcast: the process exits within 5 s; the restart completes the broadcast,
  with at most `BROADCAST_CONCURRENCY` duplicates (a real process, twice).
No test sleeps on the wall clock: the clock is injected, and waits are for events of the fake API.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

from telegram import Update

from bot.channels.telegram import build_application, lifespan
from bot.channels.telegram.render import RetryPolicy
from bot.channels.telegram.residents import RESIDENTS_KEY, ResidentsDoor, sender
from bot.clock import FixedClock
from bot.domain.reminders import DutyRule
from bot.settings import Settings
from storage import broadcasts, users
from storage import residents as people
from storage.open import open_database
from tests.data import PROJECT, bot_data_item, shipped_content
from tests.fakebotapi import TOKEN, FakeBotAPI, FakeBotAPIServer, RecordingRequest, TgUser
from tests.test_staff import NOW

FAST = RetryPolicy(first=0.01, cap=0.05, deadline=30.0)


def app_for(tmp_path: Path, api: FakeBotAPI, clock: FixedClock, target: str | None = None) -> object:
    settings = Settings(telegram_token=TOKEN, database=tmp_path / "bot.sqlite3", database_url=target)
    return build_application(
        settings, shipped_content(), clock=clock, request=RecordingRequest(api), reply_retry=FAST
    )


async def test_a_two_minute_outage_during_a_reminder_tick_loses_no_reminder(
    tmp_path: Path, database_target: str
) -> None:
    api, clock = FakeBotAPI(), FixedClock(NOW)  # Monday 10:00
    app = app_for(tmp_path, api, clock, database_target)
    async with lifespan(app):  # type: ignore[arg-type]
        service = bot_data_item(app.bot_data, RESIDENTS_KEY, ResidentsDoor).service  # type: ignore[attr-defined]
        chats = [5000 + n for n in range(50)]
        for chat in chats:
            await people.bind_resident(service.db, "telegram", str(chat), "gliwice", "zawiszy", "pl", NOW)
        local = NOW.astimezone(service.zone("gliwice"))
        rule = DutyRule("weekly", local.weekday(), (local + timedelta(minutes=1)).time().replace(second=0))
        await service.add_duty("gliwice", "zawiszy", "Sprzątanie kuchni", rule)
        send = sender(app.bot)  # type: ignore[attr-defined]
        api.fail("sendMessage", 502, times=None)  # Telegram down from the first due minute...
        for minute in (1, 2, 3):
            clock.set(NOW + timedelta(minutes=minute))
            await service.tick(send)
        api.failures.clear()  # ...for two minutes, then back
        for minute in range(4, 20):
            clock.set(NOW + timedelta(minutes=minute))
            await service.tick(send)
        got = Counter(c.chat_id for c in api.calls_to("sendMessage", ok=True) if "Sprzątanie" in c.visible)
        assert sorted(got) == chats and set(got.values()) == {1}
        failed = len(api.calls_to("sendMessage", ok=False))
        assert failed <= 3  # one probe per paused tick, not 50 a minute


async def test_everyone_who_asked_during_an_outage_gets_the_answer(tmp_path: Path) -> None:
    api, clock = FakeBotAPI(), FixedClock(NOW)
    app = app_for(tmp_path, api, clock)
    people_ = [TgUser(6000 + n, "U", "en") for n in range(10)]
    async with lifespan(app):  # type: ignore[arg-type]
        api.fail("sendMessage", 502, times=None)
        asked = [
            asyncio.create_task(
                app.process_update(Update.de_json(api.message_update(p, "office hours gliwice"), app.bot))  # type: ignore[attr-defined]
            )
            for p in people_
        ]
        # Telegram stays down until every question has failed at least twice.
        await api.wait_for(
            lambda: all(len(api.calls_to("sendMessage", p.id, ok=False)) >= 2 for p in people_)
        )
        api.failures.clear()
        await asyncio.gather(*asked)
    for person in people_:
        answers = api.calls_to("sendMessage", person.id, ok=True)
        assert answers and "16:30" in answers[-1].visible


# --- real processes --------------------------------------------------------------------------


def bot_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    prefixes = ("TELEGRAM_", "WEBHOOK_", "STAFF_", "DATABASE_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(prefixes)}
    env.update(
        TELEGRAM_BOT_TOKEN=TOKEN, DATABASE_PATH=str(tmp_path / "bot.sqlite3"), LOG_LEVEL="INFO", **extra
    )
    return env


async def start_bot(base_url: str, env: dict[str, str], log: Path) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.bot_process_main",
        base_url,
        cwd=PROJECT,
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=log.open("ab"),
    )


async def stop(process: asyncio.subprocess.Process) -> float:
    """SIGTERM; the seconds until the process was gone."""
    started = time.monotonic()
    process.send_signal(signal.SIGTERM)
    try:
        await asyncio.wait_for(process.wait(), 20)
    finally:
        if process.returncode is None:
            process.kill()
    return time.monotonic() - started


async def test_a_bad_gateway_at_start_up_is_waited_out(tmp_path: Path) -> None:
    async with FakeBotAPIServer() as server:
        api = server.api
        api.fail("getMe", 502, times=None)
        process = await start_bot(server.base_url, bot_env(tmp_path), tmp_path / "bot.log")
        try:
            await api.wait_for(lambda: len(api.calls_to("getMe", ok=False)) >= 3, within=30)
            assert process.returncode is None  # still trying, not gone
            api.failures.clear()
            anna = TgUser(7001, "Anna", "pl")
            api.says(anna, "/start gliwice")
            await api.wait_outgoing(anna.id, 1, within=30)
        finally:
            took = await stop(process)
        assert process.returncode == 0 and took <= 5
    log = (tmp_path / "bot.log").read_text()
    assert "Telegram is not reachable at start" in log
    assert TOKEN not in log


async def test_sigterm_during_a_broadcast_exits_quickly_and_the_restart_completes_it(
    tmp_path: Path, database_target: str
) -> None:
    """A real `run` process each time, on either engine (DATABASE_URL names it)."""
    recipients = [str(100_000 + n) for n in range(400)]
    db = await open_database(database_target)
    await users.add_users(db, "telegram", recipients, "gliwice", "pl", NOW)
    bid = await broadcasts.create_draft(db, "gliwice", "all", 42, "pl", NOW)
    await broadcasts.set_text(db, bid, "Jutro brak wody.")
    assert await broadcasts.confirm(db, bid, NOW) == len(recipients)
    await db.close()
    rates = {"TELEGRAM_RATE": "120", "BROADCAST_RATE": "120", "BROADCAST_CONCURRENCY": "8"}
    env = bot_env(tmp_path, DATABASE_URL=database_target, **rates)
    async with FakeBotAPIServer() as server:
        api = server.api

        def delivered() -> Counter[int]:
            return Counter(
                c.chat_id for c in api.calls_to("sendMessage", ok=True) if "brak wody" in c.visible
            )

        first = await start_bot(server.base_url, env, tmp_path / "bot.log")
        try:
            await api.wait_for(lambda: sum(delivered().values()) >= 100, within=30)
        finally:
            took = await stop(first)
        assert first.returncode == 0 and took <= 5, took
        before = sum(delivered().values())
        assert before < len(recipients)  # it really stopped in the middle
        second = await start_bot(server.base_url, env, tmp_path / "bot.log")
        try:
            await api.wait_for(lambda: len(delivered()) == len(recipients), within=60)
        finally:
            await stop(second)
    got = delivered()
    assert sorted(got) == sorted(int(r) for r in recipients)
    assert sum(got.values()) - len(recipients) <= 8  # duplicates at most the sends in flight
