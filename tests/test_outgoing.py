"""The bot token's outgoing budget (bot/outgoing.py) and its Telegram glue, on a fake clock.

Scheduling is tested on `LocalBudget` directly; the one place a 429 is handled is tested through the
real path: the broadcast worker and replies sending with PTB's ExtBot through `BudgetRateLimiter`
to the fake Bot API (tests/fakebotapi.py, in process). No test waits on wall-clock time.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
from collections import Counter
from collections.abc import AsyncIterator, Awaitable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import pytest
from telegram.ext import ExtBot

from bot.broadcasts.worker import SendResult, Worker
from bot.channels.telegram.broadcast import telegram_send
from bot.channels.telegram.outgoing import BULK_BURST, BudgetRateLimiter, budget_of
from bot.outgoing import Limits, LocalBudget, Priority, Rate, Stopped
from storage import broadcasts, connect, users
from storage.database import Database
from tests.fakebotapi import TOKEN, FakeBotAPI, RecordingRequest

T = TypeVar("T")
START = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
ONLY_TOTAL = {"private_chat": None, "group_chat": None}


class FakeTime:
    """Virtual time: `sleep` waits for a timer; `run` moves time to the earliest live timer whenever
    every task has gone quiet. A cancelled sleep never moves time, so nothing happens late or early."""

    SETTLE = 100  # event-loop turns that count as "everyone is waiting"

    def __init__(self) -> None:
        self.t = 0.0
        self._timers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._seq = itertools.count()

    def seconds(self) -> float:
        return self.t

    def now(self) -> datetime:
        return START + timedelta(seconds=self.t)

    async def sleep(self, seconds: float) -> None:
        timer: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._timers, (self.t + max(0.0, seconds), next(self._seq), timer))
        await timer

    async def run(self, *work: Awaitable[T]) -> list[T]:
        """Run `work` to its end, moving time on whenever nothing else can happen."""
        everything = asyncio.gather(*work)
        while not everything.done():
            for _ in range(self.SETTLE):
                await asyncio.sleep(0)
            while self._timers and self._timers[0][2].done():  # cancelled sleeps
                heapq.heappop(self._timers)
            if self._timers and not everything.done():
                when, _, timer = heapq.heappop(self._timers)
                self.t = max(self.t, when)
                timer.set_result(None)
        return await everything


def budget(time: FakeTime, limits: Limits) -> LocalBudget:
    return LocalBudget(limits, now=time.seconds, sleep=time.sleep)


class Grants:
    """Who got a token, in order, and when."""

    def __init__(self, time: FakeTime, budget: LocalBudget) -> None:
        self.time, self.budget = time, budget
        self.order: list[tuple[float, Priority, int | None]] = []
        self._granted = asyncio.Event()

    async def take(self, chat: int | None, priority: Priority) -> None:
        await self.budget.acquire(chat, priority)
        self.order.append((self.time.seconds(), priority, chat))
        self._granted.set()

    def start(self, chat: int | None, priority: Priority) -> asyncio.Task[None]:
        return asyncio.create_task(self.take(chat, priority))

    async def until(self, count: int) -> None:
        while len(self.order) < count:
            self._granted.clear()
            await self._granted.wait()


def most_within(stamps: list[float], window: float) -> int:
    """The largest number of stamps inside any half-open window of this length."""
    ordered = sorted(stamps)
    return max((sum(1 for s in ordered[i:] if s < at + window) for i, at in enumerate(ordered)), default=0)


async def test_replies_overtake_queued_bulk_sends() -> None:
    time = FakeTime()
    grants = Grants(time, budget(time, Limits(total=Rate(10), **ONLY_TOTAL)))

    async def scenario() -> None:
        bulk = [grants.start(1000 + i, Priority.BULK) for i in range(20)]
        await grants.until(5)
        later = [grants.start(chat, Priority.REPLY) for chat in (1, 2, 3)]
        later.append(grants.start(4, Priority.REMINDER))
        await asyncio.gather(*bulk, *later)

    await time.run(scenario())
    classes = [priority for _, priority, _ in grants.order]
    assert classes[:5] == [Priority.BULK] * 5
    assert classes[5:9] == [Priority.REPLY] * 3 + [Priority.REMINDER]  # the next tokens, best class first
    assert classes[9:] == [Priority.BULK] * 15
    assert [chat for _, _, chat in grants.order if chat and chat >= 1000] == list(range(1000, 1020))
    stamps = [at for at, _, _ in grants.order]
    assert most_within(stamps, 1.0) <= 11  # the total rate held throughout
    assert max(stamps) == pytest.approx(2.3)  # and no token was left unused: 24 sends at 10/s


async def test_bulk_takes_what_a_reply_held_back_by_its_own_chat_cannot_use() -> None:
    time = FakeTime()
    limits = Limits(total=Rate(10), private_chat=Rate(1.0, burst=1.0), group_chat=None)
    grants = Grants(time, budget(time, limits))

    async def scenario() -> None:
        await grants.take(7, Priority.REPLY)  # chat 7 now waits a second for its next message
        reply = grants.start(7, Priority.REPLY)
        bulk = [grants.start(1000 + i, Priority.BULK) for i in range(5)]
        await asyncio.gather(reply, *bulk)

    await time.run(scenario())
    [second_reply_at] = [at for at, _, chat in grants.order[1:] if chat == 7]
    bulk_at = [at for at, priority, _ in grants.order if priority == Priority.BULK]
    assert second_reply_at == pytest.approx(1.0)  # the chat's limit held, and no longer
    assert bulk_at == pytest.approx([0.1, 0.2, 0.3, 0.4, 0.5])  # the global tokens went to the broadcast


async def test_per_chat_limits_hold_for_private_chats_and_groups() -> None:
    time = FakeTime()
    limits = Limits(total=Rate(30), private_chat=Rate(1.0, burst=3.0), group_chat=Rate(20 / 60, burst=20.0))
    grants = Grants(time, budget(time, limits))
    await time.run(
        *(grants.take(5, Priority.REPLY) for _ in range(8)),
        *(grants.take(-100_500, Priority.REPLY) for _ in range(26)),
        *(grants.take(2000 + i, Priority.BULK) for i in range(30)),
    )
    private = [at for at, _, chat in grants.order if chat == 5]
    group = [at for at, _, chat in grants.order if chat == -100_500]
    bulk = [at for at, priority, _ in grants.order if priority == Priority.BULK]
    assert len(private) == 8 and len(group) == 26 and len(bulk) == 30
    for window in (0.5, 1.0, 2.0, 5.0):  # never more than the burst plus the rate over any stretch
        assert most_within(private, window) <= 3 + 1.0 * window + 1e-9
    assert max(private) == pytest.approx(5.0)  # the burst, then one a second
    for window in (3.0, 10.0, 60.0):
        assert most_within(group, window) <= 20 + window / 3 + 1e-9
    late = sorted(group)[20:]  # past the burst: one every 3 s
    assert [b - a for a, b in itertools.pairwise(late)] == pytest.approx([3.0] * 5)
    assert max(bulk) < 2.0  # the others' chats did not hold the broadcast up
    assert most_within([at for at, _, _ in grants.order], 1.0) <= 31


async def test_a_pause_stops_every_class_and_a_stop_ends_the_wait() -> None:
    time = FakeTime()
    shared = budget(time, Limits(total=Rate(100), **ONLY_TOTAL))
    grants = Grants(time, shared)
    shared.pause(2.0)
    await time.run(grants.take(1, Priority.REPLY), grants.take(None, Priority.REPLY))
    assert [at for at, _, _ in grants.order] == [2.0, 2.0]  # calls to no chat wait out the pause too

    stop = asyncio.Event()
    shared.pause(30.0)

    async def stopped_at_once() -> None:
        sleeper = asyncio.create_task(shared.acquire(1, Priority.REPLY))  # waits out the pause, no stop
        await asyncio.sleep(0)
        waiting = asyncio.create_task(shared.acquire(1000, Priority.BULK, stop))
        await asyncio.sleep(0)
        stop.set()
        with pytest.raises(Stopped):
            await waiting
        assert time.seconds() == 2.0  # at once, not after the pause
        await sleeper

    await time.run(stopped_at_once())
    assert shared.taken[Priority.BULK] == 0


# --- the Telegram glue: one 429 handler for the whole token -----------------------------------


class TimedBotAPI(FakeBotAPI):
    """The fake Bot API, noting the fake moment of every call."""

    def __init__(self, time: FakeTime) -> None:
        super().__init__()
        self.time = time
        self.moments: list[tuple[float, str, Any, int]] = []

    def call(self, method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        status, body = super().call(method, params)
        self.moments.append((self.time.seconds(), method, params.get("chat_id"), status))
        return status, body


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    connection = await connect(tmp_path / "bot.sqlite3")
    try:
        yield connection
    finally:
        await connection.close()


async def test_a_429_pauses_the_whole_token_once_and_everything_arrives_exactly_once(
    db: Database,
) -> None:
    time = FakeTime()
    api = TimedBotAPI(time)
    limits = Limits(total=Rate(29), private_chat=Rate(1.0, burst=10.0), group_chat=None, bulk=Rate(25))
    bot: ExtBot[Any] = ExtBot(
        TOKEN, request=RecordingRequest(api), rate_limiter=BudgetRateLimiter(budget(time, limits))
    )
    recipients = list(range(1000, 1060))
    await users.add_users(db, "telegram", [str(chat) for chat in recipients], "gliwice", "pl", START)
    bid = await broadcasts.create_draft(db, "gliwice", "all", 1, "pl", START)
    await broadcasts.set_text(db, bid, "Jutro brak wody")
    assert await broadcasts.confirm(db, bid, START) == len(recipients)
    api.fail("sendMessage", 429, retry_after=2, chat_id=1010, times=1)
    async with bot:
        shared = budget_of(bot)
        assert shared is not None
        worker = Worker(db, telegram_send(bot), time, sleep=time.sleep, budget=shared, concurrency=8)

        async def replies() -> None:  # questions answered at once, and more while the token waits
            await asyncio.gather(*(bot.send_message(1 + n % 4, f"odpowiedź {n}") for n in range(8)))
            await api.wait_for(lambda: any(status == 429 for *_, status in api.moments), within=5)
            await asyncio.gather(*(bot.send_message(1 + n % 4, f"odpowiedź {n}") for n in range(8, 12)))

        final, _ = await time.run(worker.run(bid, "Jutro brak wody"), replies())
    sends = [m for m in api.moments if m[1] == "sendMessage"]
    [(refused_at, _, refused_chat, _)] = [m for m in sends if m[3] == 429]
    assert refused_chat == 1010
    assert not [m for m in sends if refused_at < m[0] < refused_at + 2.0]  # nothing on the token meanwhile
    late_replies = [at for at, _, chat, _ in sends if chat in (1, 2, 3, 4) and at > refused_at]
    assert len(late_replies) == 4 and min(late_replies) >= refused_at + 2.0
    delivered = Counter(chat for _, _, chat, status in sends if status == 200)
    assert delivered == Counter(recipients) + Counter({1: 3, 2: 3, 3: 3, 4: 3})  # all, exactly once
    assert (final.sent, final.failed) == (len(recipients), 0)
    row = await db.fetch_one("SELECT MAX(attempts) FROM outbox")
    assert row is not None and row[0] == 1  # retried inside the budget, not by the worker


async def test_a_late_waker_keeps_the_token_it_was_owed_and_the_second_still_holds() -> None:
    time = FakeTime()

    async def late(seconds: float) -> None:  # a busy event loop: every wake-up comes 10 ms late
        await time.sleep(seconds + 0.01)

    grants = Grants(time, LocalBudget(Limits(total=Rate(10), **ONLY_TOTAL), now=time.seconds, sleep=late))
    await time.run(*(grants.take(1000 + i, Priority.BULK) for i in range(50)))
    stamps = [at for at, _, _ in grants.order]
    # 50 at 10/s: the last at 4.9 s. Without the credit every token would come 10 ms late (5.4 s);
    # with it only the one a second that the rolling-second cap holds back (it counts real moments).
    assert max(stamps) <= 4.9 + 0.01 + 4 * 0.01 + 1e-9
    assert [round(b - a, 3) for a, b in itertools.pairwise(stamps[1:11])] == [0.1] * 9
    assert most_within(stamps, 1.0) <= 10  # never more in a second than the bucket alone allows


async def test_an_idle_budget_gives_no_credit_to_the_next_burst() -> None:
    time = FakeTime()
    grants = Grants(time, budget(time, Limits(total=Rate(10), **ONLY_TOTAL)))

    async def scenario() -> None:
        await grants.take(1, Priority.REPLY)
        await time.sleep(5.0)  # nothing to send for a while: the full bucket overflows, unowed
        await asyncio.gather(*(grants.take(10 + i, Priority.REPLY) for i in range(3)))

    await time.run(scenario())
    assert [at for at, _, _ in grants.order] == pytest.approx([0.0, 5.0, 5.1, 5.2])


async def test_a_bulk_send_takes_a_freed_token_at_once_while_slow_sends_are_in_flight(db: Database) -> None:
    time = FakeTime()
    time.SETTLE = 2000  # the worker's queries run on SQLite's thread: let them end before time moves
    recipients = list(range(1000, 1060))
    await users.add_users(db, "telegram", [str(chat) for chat in recipients], "gliwice", "pl", START)
    bid = await broadcasts.create_draft(db, "gliwice", "all", 1, "pl", START)
    await broadcasts.set_text(db, bid, "Jutro brak wody")
    assert await broadcasts.confirm(db, bid, START) == len(recipients)
    shared = budget(time, Limits(total=Rate(10), **ONLY_TOTAL))
    tokens: list[float] = []

    async def slow_send(chat_id: int, text: str) -> SendResult:  # the token is taken; 0.2 s round trip
        tokens.append(time.seconds())
        await time.sleep(0.2)
        return SendResult.sent()

    worker = Worker(db, slow_send, time, sleep=time.sleep, budget=shared, concurrency=12)
    [final] = await time.run(worker.run(bid, "Jutro brak wody"))
    assert final.sent == len(recipients)
    # The budget never waited for a round trip: 60 tokens at 10/s, one every 0.1 s from the start
    # (rounds that each waited for their slowest send took 1.3 s for 12: 6.4 s for all).
    assert max(tokens) == pytest.approx(5.9)
    assert most_within(tokens, 1.0) <= 10


async def test_a_broadcast_fills_what_replies_leave_and_the_token_limit_still_holds() -> None:
    time = FakeTime()
    # TELEGRAM_RATE 29, BROADCAST_RATE 25 as the door builds them (with a bulk burst of 1 this
    # scenario gives the broadcast 16.7 a second: bulk tokens overflow while a reply holds the token).
    limits = Limits(total=Rate(29), bulk=Rate(25, burst=BULK_BURST), **ONLY_TOTAL)

    async def late(seconds: float) -> None:  # a busy event loop: every wake-up comes 5 ms late
        await time.sleep(seconds + 0.005)

    grants = Grants(time, LocalBudget(limits, now=time.seconds, sleep=late))

    async def replies() -> None:  # ten questions a second, each answered once
        for n in range(100):
            grants.start(n, Priority.REPLY)
            await time.sleep(0.1)

    async def sender(slot: int) -> None:  # a broadcast with sends always waiting
        n = 0
        while time.seconds() < 10.0:
            await grants.take(10_000 + slot * 1000 + n, Priority.BULK)
            n += 1

    await time.run(replies(), *(sender(slot) for slot in range(8)))
    window = [(at, priority) for at, priority, _ in grants.order if 1.0 <= at < 10.0]
    bulk = [at for at, priority in window if priority == Priority.BULK]
    # Replies take 10 of the 29 a second; the broadcast keeps nearly all of the 19 left ...
    assert len(bulk) / 9.0 >= 0.97 * 19
    # ... and neither the token's limit nor BROADCAST_RATE is exceeded in any second.
    assert most_within([at for at, _, _ in grants.order], 1.0 - 1e-9) <= 29
    bulk_stamps = [at for at, priority, _ in grants.order if priority == Priority.BULK]
    assert most_within(bulk_stamps, 1.0 - 1e-9) <= 25 + BULK_BURST - 1
