"""Three bot processes on one PostgreSQL and the fake Bot API: during a broadcast and a reminder tick,
SIGKILL one process and then the scheduler leader. Every recipient and every reminder is delivered,
duplicates stay within the killed leader's in-flight sends, and the tick resumes within a minute.

Sizes come from the environment so the full run (FLEET_RECIPIENTS=3000 FLEET_REMINDERS=1000) can be
made on purpose; the defaults keep the suite's run short on a small machine. Leases and the leader's
retry are short (env of the processes); the test only polls for outcomes, with generous timeouts.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

from bot.clock import WARSAW, FixedClock
from bot.domain.content import Content
from bot.domain.reminders import DutyRule
from bot.residents.service import Residents
from storage import broadcasts, users
from storage import reminders as store
from storage import residents as people
from storage.open import open_database
from tests.data import PROJECT
from tests.fakebotapi import TOKEN, FakeBotAPI, FakeBotAPIServer

RECIPIENTS = int(os.environ.get("FLEET_RECIPIENTS", "600"))
REMINDERS = int(os.environ.get("FLEET_REMINDERS", "200"))
CONCURRENCY = 8  # the broadcast worker's sends in flight: what a killed leader may leave unmarked
BROADCAST_FIRST, RESIDENT_FIRST = 6_000_000, 7_000_000
LEADS = "scheduler: this process leads"


def moment_outside_quiet_hours() -> datetime:
    """Today 11:00 in Warsaw: the processes' clock is shifted there, so reminders are due now."""
    today = datetime.now(UTC).astimezone(WARSAW).date()
    return datetime.combine(today, time(11, 0), tzinfo=WARSAW)


async def prepare(url: str, content: Content, target: datetime) -> int:
    """A confirmed broadcast to RECIPIENTS users of Gliwice and REMINDERS residents of one Wodzisław
    flat whose weekly duty fell due two minutes before `target`."""
    db = await open_database(url)
    try:
        real_now = datetime.now(UTC) - timedelta(minutes=1)  # the worker runs on the real clock
        ids = [str(BROADCAST_FIRST + i) for i in range(RECIPIENTS)]
        await users.add_users(db, "telegram", ids, "gliwice", "pl", real_now)
        bid = await broadcasts.create_draft(db, "gliwice", "all", 1, "pl", real_now)
        await broadcasts.set_text(db, bid, "Jutro brak wody w budynku")
        assert await broadcasts.confirm(db, bid, real_now) == RECIPIENTS
        setup = target - timedelta(hours=1)
        async with db.transaction():
            for i in range(REMINDERS):
                await people.bind_resident(
                    db, "telegram", str(RESIDENT_FIRST + i), "wodzislaw", "chronione", "pl", setup
                )
        service = Residents(db, content, FixedClock(setup))
        due = target - timedelta(minutes=2)
        await service.add_duty(
            "wodzislaw", "chronione", "Wynieś śmieci", DutyRule("weekly", due.weekday(), due.time())
        )
        return bid
    finally:
        await db.close()


@dataclass
class Bot:
    process: asyncio.subprocess.Process
    log: Path

    def leads(self) -> bool:
        return self.process.returncode is None and LEADS in self.log.read_text(errors="replace")


async def start(url: str, base_url: str, tmp_path: Path, n: int, offset: float) -> Bot:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "WEBHOOK_", "STAFF_"))}
    env.update(
        TELEGRAM_BOT_TOKEN=TOKEN,
        DATABASE_URL=url,
        DATABASE_PATH=str(tmp_path / f"unused{n}.sqlite3"),
        CLAIM_LEASE_SECONDS="3",
        LEADER_RETRY_SECONDS="1",
        TELEGRAM_RATE="5000",
        # The broadcast lasts about 20 s, so both kills land while it and the tick are under way.
        BROADCAST_RATE=str(max(20, RECIPIENTS // 20)),
        BROADCAST_CONCURRENCY=str(CONCURRENCY),
        FLEET_CLOCK_OFFSET_SECONDS=str(offset),
        LOG_LEVEL="INFO",
    )
    log = tmp_path / f"bot{n}.log"
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.fleet_process_main", base_url,
        cwd=PROJECT, env=env, stdout=asyncio.subprocess.DEVNULL, stderr=log.open("ab"),
    )  # fmt: skip
    return Bot(process, log)


async def poll(predicate: Callable[[], bool], within: float) -> None:
    """For outcomes the fake API does not see (log lines): look again every 0.1 s until `within`."""
    async with asyncio.timeout(within):
        while not predicate():  # noqa: ASYNC110 - a file, not an event, holds the outcome
            await asyncio.sleep(0.1)


async def settled(url: str, bid: int, within: float) -> None:
    """Until the database says every row is done: a message the killed leader sent but never marked
    reached its chat already, and is marked only after its lease, when the new leader sends it again."""
    db = await open_database(url)
    try:
        async with asyncio.timeout(within):
            while True:
                final = await broadcasts.counts(db, bid)
                if final.sent == RECIPIENTS and await store.count_deliveries(db, "sent") == REMINDERS:
                    return
                await asyncio.sleep(0.2)
    finally:
        await db.close()


def sent(api: FakeBotAPI, first: int, count: int) -> Counter[int]:
    chats = (call.chat_id for call in api.calls_to("sendMessage", ok=True))
    return Counter(chat for chat in chats if isinstance(chat, int) and first <= chat < first + count)


async def test_three_processes_lose_nothing_when_a_follower_and_then_the_leader_are_killed(
    pg_url: str, content: Content, tmp_path: Path
) -> None:
    target = moment_outside_quiet_hours()
    bid = await prepare(pg_url, content, target)
    offset = (target - datetime.now(UTC)).total_seconds()
    api = FakeBotAPI()

    def broadcast_sent() -> Counter[int]:
        return sent(api, BROADCAST_FIRST, RECIPIENTS)

    def reminders_sent() -> Counter[int]:
        return sent(api, RESIDENT_FIRST, REMINDERS)

    async with FakeBotAPIServer(api) as server:
        bots = [await start(pg_url, server.base_url, tmp_path, n, offset) for n in range(3)]
        try:
            await poll(lambda: sum(bot.leads() for bot in bots) == 1, within=60)
            leader = next(bot for bot in bots if bot.leads())
            follower = next(bot for bot in bots if bot is not leader)
            await api.wait_for(lambda: len(broadcast_sent()) >= RECIPIENTS // 10, within=120)
            follower.process.send_signal(signal.SIGKILL)
            assert await follower.process.wait() == -signal.SIGKILL
            await api.wait_for(lambda: len(reminders_sent()) >= REMINDERS // 4, within=120)
            leader.process.send_signal(signal.SIGKILL)
            assert await leader.process.wait() == -signal.SIGKILL
            at_kill = (len(broadcast_sent()), len(reminders_sent()))
            assert at_kill[0] < RECIPIENTS and at_kill[1] < REMINDERS, "the kill came too late"
            # The last one takes the lead (its retry is 1 s) and the tick goes on within a minute.
            last = next(bot for bot in bots if bot not in (leader, follower))
            await poll(last.leads, within=60)
            await api.wait_for(lambda: len(reminders_sent()) == REMINDERS, within=60)
            await api.wait_for(lambda: len(broadcast_sent()) == RECIPIENTS, within=180)
            await settled(pg_url, bid, within=60)
        finally:
            for bot in bots:
                if bot.process.returncode is None:
                    bot.process.send_signal(signal.SIGTERM)
            for bot in bots:
                try:
                    await asyncio.wait_for(bot.process.wait(), 30)
                except TimeoutError:
                    bot.process.kill()
    logs = "\n".join(bot.log.read_text(errors="replace")[-3000:] for bot in bots)
    duplicates = sum(broadcast_sent().values()) - RECIPIENTS + sum(reminders_sent().values()) - REMINDERS
    # In flight at the leader's death: the worker's concurrency, and the one reminder being sent.
    assert duplicates <= CONCURRENCY + 1, logs
    db = await open_database(pg_url)
    try:
        final = await broadcasts.counts(db, bid)
        assert (final.sent, final.pending) == (RECIPIENTS, 0)
        assert await store.count_deliveries(db, "sent") == REMINDERS
    finally:
        await db.close()
