"""The outgoing budget shared by processes through the database (bot/outgoing_shared.py,
storage/send_budget.py): leases on both engines; two budgets as two processes on PostgreSQL, each
with its own pool, on one fake clock (no test waits on wall-clock time)."""

from __future__ import annotations

import asyncio
import math
from collections import Counter
from collections.abc import AsyncIterator

import pytest

from bot.channels.telegram.outgoing import outgoing_limiter
from bot.outgoing import Budget, Limits, LocalBudget, Priority, Rate, deliver
from bot.outgoing_shared import SharedBudget, token_budget
from bot.settings import Settings
from storage import send_budget as store
from storage.database import Database
from storage.open import open_database
from storage.postgres import PostgresDatabase
from tests.fakebotapi import TOKEN
from tests.test_outgoing import ONLY_TOTAL, FakeTime

EPOCH = 1_000.0  # wall-clock seconds at fake time 0: small numbers stay exact in floats
KEY = store.token_key(TOKEN)


async def test_leases_from_two_connections_never_pass_the_window_limit(database_target: str) -> None:
    one, two = await open_database(database_target), await open_database(database_target)
    try:

        async def lease_all(db: Database) -> int:
            got = 0
            while granted := await store.lease(db, KEY, 7, 3, 20):  # 20 allowed
                got += granted
            return got

        got = await asyncio.gather(*(lease_all(db) for db in (one, two, one, two)))
        assert sum(got) == 20  # the last lease of the window got what was left (20 = 6 x 3 + 2)
        assert await store.used(one, KEY, 7) == 20
        assert await store.lease(two, KEY, 8, 3, 20) == 3  # the next window starts empty
        assert await store.prune(one, KEY, 8) == 1 and await store.used(two, KEY, 7) == 0
    finally:
        await one.close()
        await two.close()


def test_the_key_names_the_token_without_revealing_it() -> None:
    assert TOKEN not in KEY and TOKEN.split(":")[1] not in KEY
    assert KEY == store.token_key(TOKEN) != store.token_key(TOKEN + "x")


@pytest.fixture
async def processes(pg_url: str) -> AsyncIterator[tuple[Database, Database]]:
    """Two pools on one database: two bot processes' views."""
    one = await PostgresDatabase.open(pg_url, max_size=2)
    two = await PostgresDatabase.open(pg_url, max_size=2)
    try:
        yield one, two
    finally:
        await one.close()
        await two.close()


def shared(time: FakeTime, db: Database, rate: float, batch: int = 4) -> SharedBudget:
    return SharedBudget(
        db,
        KEY,
        Limits(total=Rate(rate), **ONLY_TOTAL),
        batch=batch,
        now=time.seconds,
        wall=lambda: EPOCH + time.seconds(),
        sleep=time.sleep,
    )


async def test_two_processes_on_one_token_never_send_more_than_the_limit_in_a_second(
    processes: tuple[Database, Database],
) -> None:
    time = FakeTime()
    time.SETTLE = 2000  # a lease is a real round trip to PostgreSQL: let it end before time moves
    budgets = [shared(time, db, 10) for db in processes]
    sent: list[tuple[int, float]] = []

    async def send(who: int, chat: int, priority: Priority) -> None:
        await budgets[who].acquire(chat, priority)
        sent.append((who, EPOCH + time.seconds()))

    work = [send(who, 1000 + 100 * who + i, Priority.BULK) for who in (0, 1) for i in range(30)]
    work += [send(who, 5 + who, Priority.REPLY) for who in (0, 1)]
    await time.run(*work)
    per_window = Counter(math.floor(at) for _, at in sent)
    assert max(per_window.values()) <= 10  # both processes together
    assert Counter(who for who, _ in sent) == {0: 31, 1: 31}
    assert len(per_window) <= 8  # 62 sends at 10 a second: a few unused leases, not whole windows
    for window in per_window:
        assert await store.used(processes[0], KEY, int(window)) <= 10
    assert all(b.leased - b.unused >= 31 for b in budgets)


async def test_a_process_that_dies_loses_only_its_unused_lease_for_that_second(
    processes: tuple[Database, Database],
) -> None:
    time = FakeTime()
    time.SETTLE = 2000
    dying, living = (shared(time, db, 10, batch=4) for db in processes)
    stamps: list[float] = []

    async def scenario() -> None:
        await time.sleep(0.5)  # half the second is due: a lease of the whole batch can be granted
        # Four sends wait: the process leases 4, sends 1 and is gone before its next local token.
        waiting = [asyncio.create_task(dying.acquire(1 + i, Priority.REPLY)) for i in range(4)]
        done, pending = await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
        assert len(done) == 1 and dying.leased == 4
        for task in pending:
            task.cancel()
        await dying.close()

        async def send(chat: int) -> None:
            await living.acquire(chat, Priority.BULK)
            stamps.append(time.seconds())

        await asyncio.gather(*(send(1000 + i) for i in range(16)))

    await time.run(scenario())
    per_window = Counter(math.floor(at) for at in stamps)
    assert await store.used(processes[1], KEY, int(EPOCH)) <= 10
    assert 1 + per_window[0] <= 10 - 3  # the dead lease's 3 unused sends are lost for that second
    assert per_window[1] == 10  # and only for that one


async def test_a_shared_budget_is_a_budget_replies_go_first_and_a_429_pauses_it(
    processes: tuple[Database, Database],
) -> None:
    time = FakeTime()
    time.SETTLE = 2000
    budget: Budget = shared(time, processes[0], 10, batch=2)
    order: list[tuple[float, Priority]] = []
    calls: list[float] = []

    async def call() -> str:  # the first attempt is refused with a 429, the second goes through
        calls.append(time.seconds())
        if len(calls) == 1:
            raise RuntimeError("429")
        return "ok"

    async def send(chat: int, priority: Priority) -> None:
        await budget.acquire(chat, priority)
        order.append((time.seconds(), priority))

    async def scenario() -> None:
        bulk = [asyncio.create_task(send(1000 + i, Priority.BULK)) for i in range(6)]
        await asyncio.sleep(0)
        replies = [asyncio.create_task(send(1 + i, Priority.REPLY)) for i in range(2)]
        await asyncio.gather(*bulk, *replies)
        wait = {"429": 2.0}
        assert await deliver(budget, call, 9, Priority.REPLY, lambda exc: wait.get(str(exc))) == "ok"

    await time.run(scenario())
    classes = [priority for _, priority in order]
    assert classes.index(Priority.REPLY) <= 2 and classes[-1] == Priority.BULK  # replies overtook bulk
    assert calls[1] >= calls[0] + 2.0  # the retried reply went after the 429's pause


def test_the_budget_is_shared_only_on_postgresql() -> None:
    limits = Limits()
    assert isinstance(token_budget(TOKEN, limits, None), LocalBudget)
    assert not isinstance(token_budget(TOKEN, limits, "sqlite:data/bot.sqlite3"), SharedBudget)
    assert isinstance(token_budget(TOKEN, limits, "postgresql://bot@/bot?host=/run/x"), SharedBudget)
    local = outgoing_limiter(Settings(telegram_token=TOKEN))
    assert type(local.budget) is LocalBudget
    remote = outgoing_limiter(Settings(telegram_token=TOKEN, database_url="postgresql://bot@/bot"))
    assert isinstance(remote.budget, SharedBudget)


async def test_a_429_in_one_process_holds_the_other_back_too(processes: tuple[Database, Database]) -> None:
    time = FakeTime()
    time.SETTLE = 2000
    refused, other = (shared(time, db, 10) for db in processes)
    stamps: list[float] = []

    async def scenario() -> None:
        await time.sleep(0.5)
        refused.pause(1.2)  # Telegram: retry after 1.2 s (windows 0 and 1 are marked full)
        assert refused._blocking is not None
        await refused._blocking
        await other.acquire(7, Priority.REPLY)
        stamps.append(time.seconds())

    await time.run(scenario())
    assert stamps[0] >= 1.7  # the other process's reply waited until the pause ended
