"""The outbox worker with a fake send, a fake clock and a fake sleep: no Telegram, no wall-clock waiting."""

from __future__ import annotations

import asyncio
import itertools
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from bot.broadcasts.worker import SendResult, Worker
from storage import broadcasts, users
from storage.database import Database

START = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


class FakeTime:
    """A clock whose sleep moves time on at once."""

    def __init__(self) -> None:
        self.moment = START

    def now(self) -> datetime:
        return self.moment

    async def sleep(self, seconds: float) -> None:
        self.moment += timedelta(seconds=max(0.0, seconds))
        await asyncio.sleep(0)

    def seconds(self) -> float:
        return (self.moment - START).total_seconds()


@pytest.fixture
def db(database: Database) -> Database:
    """A fresh migrated database, once per engine."""
    return database


async def a_broadcast(db: Database, recipients: int, text: str = "Jutro brak wody") -> int:
    """`recipients` users of Gliwice (Telegram ids 1000...), a confirmed broadcast to all of them."""
    await users.add_users(db, "telegram", [str(1000 + i) for i in range(recipients)], "gliwice", "pl", START)
    bid = await broadcasts.create_draft(db, "gliwice", "all", 1, "pl", START)
    await broadcasts.set_text(db, bid, text)
    assert await broadcasts.confirm(db, bid, START) == recipients
    return bid


class Recorder:
    def __init__(self, time: FakeTime) -> None:
        self.time = time
        self.sent: list[tuple[float, int]] = []
        self.script: dict[int, list[SendResult]] = {}

    async def send(self, chat_id: int, text: str) -> SendResult:
        scripted = self.script.get(chat_id)
        if scripted:
            result = scripted.pop(0)
            if result.kind != "sent":
                return result
        self.sent.append((self.time.seconds(), chat_id))
        return SendResult.sent()


async def test_every_recipient_once_at_the_configured_rate(db: Database) -> None:
    bid = await a_broadcast(db, 500)
    time = FakeTime()
    recorder = Recorder(time)
    worker = Worker(db, recorder.send, time, sleep=time.sleep, rate=25, concurrency=8)
    final = await worker.run(bid, "x")
    assert final.sent == 500 and final.pending == 0
    assert sorted(chat for _, chat in recorder.sent) == list(range(1000, 1500))
    stamps = [at for at, _ in recorder.sent]
    assert 19.0 <= time.seconds() <= 21.0  # 500 / 25 per second
    for i, at in enumerate(stamps):  # never more than rate + burst within any second
        assert sum(1 for other in stamps[i:] if other < at + 1.0) <= 26
    done = await broadcasts.get(db, bid)
    assert done is not None and done.status == "done"


async def test_blocked_users_become_inactive_and_are_skipped_next_time(db: Database) -> None:
    bid = await a_broadcast(db, 10)
    time = FakeTime()
    recorder = Recorder(time)
    recorder.script[1003] = [SendResult("blocked")]
    final = await Worker(db, recorder.send, time, sleep=time.sleep).run(bid, "x")
    assert (final.sent, final.blocked, final.failed) == (9, 1, 0)
    assert await broadcasts.count_audience(db, "gliwice", "all") == 9
    await broadcasts.reactivate(db, 1003)
    assert await broadcasts.count_audience(db, "gliwice", "all") == 10


async def test_a_retry_after_left_over_by_the_budget_costs_no_attempt(db: Database) -> None:
    """The budget (bot.outgoing.deliver) retries 429s and pauses the token (tests/test_outgoing.py);
    one that still reaches the worker puts the row back, due after the wait, without an attempt."""
    bid = await a_broadcast(db, 40)
    time = FakeTime()
    recorder = Recorder(time)
    recorder.script[1005] = [SendResult("retry_after", 3.0)]
    final = await Worker(db, recorder.send, time, sleep=time.sleep, rate=100, concurrency=4).run(bid, "x")
    assert final.sent == 40
    assert Counter(chat for _, chat in recorder.sent) == Counter(range(1000, 1040))
    [late] = [at for at, chat in recorder.sent if chat == 1005]
    assert late >= 3.0  # not before the time Telegram asked for
    row = await db.fetch_one("SELECT attempts FROM outbox WHERE user_id = 1005")
    assert row is not None and row[0] == 1


async def test_transient_errors_are_retried_with_backoff_a_bounded_number_of_times(
    db: Database,
) -> None:
    bid = await a_broadcast(db, 5)
    time = FakeTime()
    recorder = Recorder(time)
    recorder.script[1001] = [SendResult("transient")]  # once: then it goes through
    recorder.script[1002] = [SendResult("transient")] * 10  # never: failed after 4 attempts
    recorder.script[1004] = [SendResult("permanent")]  # 400: failed at once
    worker = Worker(db, recorder.send, time, sleep=time.sleep, max_attempts=4, backoff_base=2)
    final = await worker.run(bid, "x")
    assert (final.sent, final.blocked, final.failed) == (3, 0, 2)
    assert len(recorder.script[1002]) == 10 - 4
    assert time.seconds() >= 2 + 4 + 8  # the backoff waited 2, 4, 8 s between the attempts
    assert Counter(chat for _, chat in recorder.sent)[1001] == 1


async def test_a_second_worker_resumes_after_a_crash_and_loses_nobody(db: Database) -> None:
    bid = await a_broadcast(db, 300)
    time = FakeTime()
    recorder = Recorder(time)
    crashed = asyncio.Event()

    async def crashing(chat_id: int, text: str) -> SendResult:
        if len(recorder.sent) >= 120:
            crashed.set()
            await asyncio.Event().wait()  # hangs in flight until the task dies
        return await recorder.send(chat_id, text)

    first = asyncio.create_task(Worker(db, crashing, time, sleep=time.sleep, concurrency=8).run(bid, "x"))
    await crashed.wait()
    first.cancel()
    with pytest.raises(asyncio.CancelledError):
        await first
    left = await broadcasts.counts(db, bid)
    assert left.pending > 0
    row = await db.fetch_one("SELECT COUNT(*) FROM outbox WHERE status = 'sending'")
    assert row is not None and 0 < row[0] <= 8
    final = await Worker(db, recorder.send, time, sleep=time.sleep, concurrency=8).run(bid, "x")
    assert final.sent == 300
    got = Counter(chat for _, chat in recorder.sent)
    assert set(got) == set(range(1000, 1300))
    assert sum(got.values()) - 300 <= 8


async def test_progress_is_reported_every_few_seconds(db: Database) -> None:
    bid = await a_broadcast(db, 200)
    time = FakeTime()
    recorder = Recorder(time)
    seen: list[tuple[float, int]] = []

    async def progress(counts: broadcasts.Counts) -> None:
        seen.append((time.seconds(), counts.done))

    worker = Worker(db, recorder.send, time, sleep=time.sleep, rate=20, progress=progress, progress_every=3)
    await worker.run(bid, "x")
    assert 2 <= len(seen) <= 4  # 10 s of sending, an update every 3 s
    assert all(b[0] - a[0] >= 3 for a, b in itertools.pairwise(seen))
    assert [done for _, done in seen] == sorted(done for _, done in seen)
