"""Claims with a lease, on both engines: two claimers never get one row, a dead claimer's rows come back
once its lease has run out, only the claimer marks a row; the scheduler election and the per-user order
across processes (PostgreSQL: advisory locks; SQLite: one process, so nothing to elect)."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator, Callable
from datetime import datetime, time, timedelta
from pathlib import Path

import asyncpg
import pytest

from bot.broadcasts.worker import SendResult, Worker
from bot.clock import WARSAW, FixedClock, SystemClock
from bot.domain.content import Content
from bot.domain.reminders import DutyRule
from bot.replies import Reply
from bot.residents.service import Residents
from storage import broadcasts, users
from storage import reminders as store
from storage.database import Database
from storage.leader import AdvisoryLeader, SoleLeader, open_leader
from storage.open import open_database
from storage.postgres import PostgresDatabase
from storage.residents import Resident
from storage.user_locks import AdvisoryUserLocks, LocalOnly, open_user_locks

START = datetime(2027, 2, 8, 9, 0, tzinfo=WARSAW)  # a Monday
LEASE = timedelta(seconds=60)


@pytest.fixture
async def other(database_target: str) -> AsyncIterator[Database]:
    """A second connection (pool) to the same database: another process's view."""
    db = await open_database(database_target)
    try:
        yield db
    finally:
        await db.close()


async def a_broadcast(db: Database, recipients: int, now: datetime = START) -> int:
    await users.add_users(db, "telegram", [str(1000 + i) for i in range(recipients)], "gliwice", "pl", now)
    bid = await broadcasts.create_draft(db, "gliwice", "all", 1, "pl", now)
    await broadcasts.set_text(db, bid, "Jutro brak wody")
    assert await broadcasts.confirm(db, bid, now) == recipients
    return bid


# --- the outbox ----------------------------------------------------------------------------------


async def test_two_claimers_at_once_never_get_the_same_outbox_row(
    database: Database, other: Database
) -> None:
    bid = await a_broadcast(database, 300)
    got: dict[str, list[int]] = {"a": [], "b": []}

    async def drain(db: Database, name: str) -> None:
        while batch := await broadcasts.claim(db, bid, START, 7, name, START + LEASE):
            got[name] += [row.user_id for row in batch]
            await asyncio.sleep(0)

    await asyncio.gather(drain(database, "a"), drain(other, "b"))
    assert not set(got["a"]) & set(got["b"])
    assert sorted(got["a"] + got["b"]) == list(range(1000, 1300))


async def test_a_dead_claimers_rows_come_back_after_its_lease_and_only_the_claimer_marks(
    database: Database,
) -> None:
    bid = await a_broadcast(database, 10)
    dead = await broadcasts.claim(database, bid, START, 4, "dead", START + LEASE)
    assert len(dead) == 4
    early = await broadcasts.claim(database, bid, START + LEASE / 2, 10, "alive", START + LEASE * 2)
    assert {r.user_id for r in early}.isdisjoint({r.user_id for r in dead}) and len(early) == 6
    assert await broadcasts.mark(
        database, bid, [(r.user_id, "sent", None, False) for r in early], START, "alive"
    )
    assert not await broadcasts.finish(database, bid, START)  # four are still in flight
    assert await broadcasts.next_due(database, bid) == START + LEASE  # when they become claimable
    later = await broadcasts.claim(database, bid, START + LEASE, 10, "alive", START + LEASE * 3)
    assert sorted(r.user_id for r in later) == sorted(r.user_id for r in dead)
    assert all(r.attempts == 2 for r in later)
    marks = [(r.user_id, "sent", None, False) for r in dead]
    assert await broadcasts.mark(database, bid, marks, START, "dead") == 0  # not its rows any more
    assert await broadcasts.mark(database, bid, marks, START, "alive") == 4
    assert await broadcasts.finish(database, bid, START + LEASE)
    final = await broadcasts.counts(database, bid)
    assert (final.sent, final.pending) == (10, 0)


async def test_two_workers_on_one_broadcast_send_every_message_once(
    database: Database, other: Database
) -> None:
    """On the real clock (a fake one would let the idle worker leap past the busy one's lease)."""
    bid = await a_broadcast(database, 200, SystemClock().now())
    sent: Counter[int] = Counter()

    async def send(chat_id: int, text: str) -> SendResult:
        sent[chat_id] += 1
        await asyncio.sleep(0)
        return SendResult.sent()

    workers = [
        Worker(db, send, SystemClock(), rate=100_000, concurrency=8, claimer=name, poll=0.02)
        for db, name in ((database, "a"), (other, "b"))
    ]
    await asyncio.gather(*(worker.run(bid, "x") for worker in workers))
    assert sent == Counter(range(1000, 1200))
    item = await broadcasts.get(database, bid)
    assert item is not None and item.status == "done"


# --- reminder deliveries -------------------------------------------------------------------------


async def residents_with_a_duty(service: Residents, count: int) -> None:
    for chat in range(count):
        code = await service.create_invite("wodzislaw", "chronione", "staff")
        assert isinstance(await service.join("telegram", str(chat), code, "pl"), Resident)
    await service.add_duty("wodzislaw", "chronione", "Sprzątanie kuchni", DutyRule("weekly", 0, time(18)))


class Sent:
    def __init__(self) -> None:
        self.to: Counter[str] = Counter()

    async def __call__(self, resident: Resident, reply: Reply) -> bool:
        self.to[resident.external_id] += 1
        await asyncio.sleep(0)
        return True


async def test_two_processes_deliver_every_due_reminder_once(
    database: Database, other: Database, content: Content
) -> None:
    clock = FixedClock(START)
    first, second = Residents(database, content, clock), Residents(other, content, clock)
    await residents_with_a_duty(first, 60)
    clock.set(START.replace(hour=18))
    assert await first.collect(clock.now()) == 60
    sent = Sent()
    await asyncio.gather(first.deliver(clock.now(), sent), second.deliver(clock.now(), sent))
    assert sent.to == Counter({str(chat): 1 for chat in range(60)})
    assert await store.count_deliveries(database, "sent") == 60


async def test_a_dead_processes_reminders_are_sent_after_its_lease(
    database: Database, content: Content
) -> None:
    clock = FixedClock(START)
    service = Residents(database, content, clock)
    await residents_with_a_duty(service, 3)
    clock.set(START.replace(hour=18))
    await service.collect(clock.now())
    dead = await store.claim(database, clock.now(), 2, "dead", clock.now() + service.lease)
    sent = Sent()
    await service.deliver(clock.now(), sent)
    assert sum(sent.to.values()) == 1  # the dead process's two wait for its lease
    clock.set(clock.now() + service.lease)
    await service.deliver(clock.now(), sent)
    assert sent.to == Counter({"0": 1, "1": 1, "2": 1})
    assert not await store.finish(database, dead[0], "sent", clock.now(), "dead")  # not its row now
    assert await store.count_deliveries(database, "sent") == 3


# --- one scheduler -------------------------------------------------------------------------------


async def test_sqlite_has_one_process_so_it_always_leads(tmp_path: Path) -> None:
    db = await open_database(tmp_path / "bot.sqlite3")
    try:
        leader = open_leader(db)
        await leader.start()
        assert isinstance(leader, SoleLeader) and leader.leading
        assert isinstance(open_user_locks(db), LocalOnly)
    finally:
        await db.close()


async def eventually(predicate: Callable[[], bool], within: float = 20.0) -> None:
    """Poll for an outcome (never a fixed wall-clock wait as the assertion)."""
    deadline = asyncio.get_running_loop().time() + within
    while not predicate():
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.02)


async def test_exactly_one_postgres_process_leads_and_another_takes_over_when_it_dies(pg_url: str) -> None:
    dbs = [await PostgresDatabase.open(pg_url, max_size=2) for _ in range(3)]
    leaders = [AdvisoryLeader(db, retry=0.05) for db in dbs]
    try:
        for leader in leaders:
            await leader.start()
        assert [leader.leading for leader in leaders] == [True, False, False]
        # The leader's session ends as a crashed process's would: the server cuts it off.
        admin = await asyncpg.connect(pg_url)
        try:
            pid = await leaders[0]._connection.fetchval("SELECT pg_backend_pid()")
            await admin.execute("SELECT pg_terminate_backend($1)", pid)
        finally:
            await admin.close()
        await eventually(lambda: not leaders[0].leading)
        await eventually(lambda: sum(leader.leading for leader in leaders) == 1)
    finally:
        for leader in leaders:
            await leader.close()
        for db in dbs:
            await db.close()


async def test_one_users_updates_never_run_in_two_postgres_processes_at_once(pg_url: str) -> None:
    a_db = await PostgresDatabase.open(pg_url, max_size=2)
    b_db = await PostgresDatabase.open(pg_url, max_size=2)
    a, b = AdvisoryUserLocks(a_db), AdvisoryUserLocks(b_db)
    order: list[str] = []
    inside = asyncio.Event()
    leave = asyncio.Event()

    async def first() -> None:
        async with a.hold(5_000_000_042):
            order.append("a in")
            inside.set()
            await leave.wait()
            order.append("a out")

    async def second() -> None:
        await inside.wait()
        async with b.hold(5_000_000_042):
            order.append("b in")

    try:
        task_a, task_b = asyncio.create_task(first()), asyncio.create_task(second())
        await inside.wait()
        async with b.hold(7):  # another user is not held up
            order.append("other")
        leave.set()
        await asyncio.gather(task_a, task_b)
        assert order == ["a in", "other", "a out", "b in"]
    finally:
        for locks in (a, b):
            await locks.close()
        for db in (a_db, b_db):
            await db.close()
