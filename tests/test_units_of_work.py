"""Units of work on one shared database: one task's work is never committed or rolled back by another's.

Issue 12 ("transactions bleed between users"): with one shared connection and commits and rollbacks
in storage functions and services, a stranger's bad `/start AAAA…` rolled back the reminder tick's
uncommitted writes. Here task A holds a unit of work open (paused at an Event, as a tick is between
two statements) while task B runs: B's refused invite, its own failing unit or its autocommit write
waits for A and touches nothing of A's; A's rollback leaves nothing of A, its commit keeps all of it.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from bot.clock import WARSAW, FixedClock
from bot.domain.content import Content
from bot.residents.service import Residents
from storage import connect, users
from storage import reminders as store
from storage.database import SqliteDatabase
from storage.open import open_database
from storage.residents import Resident

CHANNEL = "telegram"
# Before February's one payment reminder (the 25th: February has no 30th), so a new resident's
# schedule row is in February and task A's move of it to March shows.
NOW = datetime(2027, 2, 20, 10, 0, tzinfo=WARSAW)
BAD_CODE = "A" * 24  # the shape of a real invite code, but no such invite


class Boom(Exception):
    """The failure that ends a unit of work."""


@pytest.fixture
async def service(database_target: str, content: Content) -> AsyncIterator[Residents]:
    db = await open_database(database_target)
    try:
        yield Residents(db, content, FixedClock(NOW))
    finally:
        await db.close()


async def residents(service: Residents, count: int) -> list[Resident]:
    found = []
    for n in range(count):
        code = await service.create_invite("wodzislaw", "chronione", "staff")
        joined = await service.join(CHANNEL, str(7000 + n), code, "pl")
        assert isinstance(joined, Resident)
        found.append(joined)
    return found


async def turns(n: int = 20) -> None:
    """Let every other ready task run as far as it can (no wall-clock sleeping)."""
    for _ in range(n):
        await asyncio.sleep(0)


async def deliveries(service: Residents) -> int:
    return await store.count_deliveries(service.db)


async def hold_a_unit(
    service: Residents, resident: Resident, opened: asyncio.Event, release: asyncio.Event, fail: bool
) -> None:
    """Task A: writes two deliveries and moves a schedule row in one unit, pausing in the middle."""
    db = service.db
    async with db.transaction():
        await store.record_due(db, resident.id, "payment", "2027-02-25", "2027-02", NOW, NOW)
        await store.set_next(db, resident.id, "payment", NOW + timedelta(days=30), "2027-03-27", "2027-03")
        opened.set()
        await release.wait()  # A is between two statements, as a tick is; B runs now
        await store.record_due(db, resident.id, "duty:1", "2027-02-25", "2027-02", NOW, NOW)
        if fail:
            raise Boom


async def test_a_strangers_bad_invite_during_a_unit_neither_rolls_it_back_nor_is_lost(
    service: Residents,
) -> None:
    [anna] = await residents(service, 1)
    opened, release = asyncio.Event(), asyncio.Event()
    a = asyncio.create_task(hold_a_unit(service, anna, opened, release, fail=False))
    await opened.wait()
    b = asyncio.create_task(service.join(CHANNEL, "666", BAD_CODE, None))  # the stranger's /start
    await turns()
    assert not b.done()  # B waits for A's unit instead of running (and rolling back) inside it
    release.set()
    await a
    assert await b == "unknown"
    assert await deliveries(service) == 2  # A's commit kept all of A
    [row] = await store.resident_schedule(service.db, anna.id)
    assert row.month == "2027-03"


async def test_a_units_rollback_leaves_nothing_of_it_and_keeps_the_others_write(
    service: Residents,
) -> None:
    [anna] = await residents(service, 1)
    user = await users.get_or_create_user(service.db, CHANNEL, "501", NOW)
    opened, release = asyncio.Event(), asyncio.Event()
    a = asyncio.create_task(hold_a_unit(service, anna, opened, release, fail=True))
    await opened.wait()
    b = asyncio.create_task(users.set_lang(service.db, user.id, "uk", NOW))  # B: an autocommit write
    await turns()
    assert not b.done()
    release.set()
    with pytest.raises(Boom):
        await a
    await b
    assert await deliveries(service) == 0  # A rolled back: nothing of A
    [row] = await store.resident_schedule(service.db, anna.id)
    assert row.month != "2027-03"
    stored = await users.get_user(service.db, CHANNEL, "501")
    assert stored is not None and stored.lang == "uk"  # B's write was never part of A's unit


async def test_anothers_failing_unit_does_not_roll_back_a_committed_one(service: Residents) -> None:
    [anna] = await residents(service, 1)
    opened, release = asyncio.Event(), asyncio.Event()
    a = asyncio.create_task(hold_a_unit(service, anna, opened, release, fail=False))
    await opened.wait()

    async def failing_unit() -> None:
        async with service.db.transaction():
            await store.record_due(service.db, anna.id, "duty:2", "2027-02-25", "2027-02", NOW, NOW)
            raise Boom

    b = asyncio.create_task(failing_unit())
    await turns()
    release.set()
    await a
    with pytest.raises(Boom):
        await b
    assert await deliveries(service) == 2  # A's two, none of B's
    assert await store.delivery_status(service.db, anna.id, "duty:2", "2027-02-25") is None


async def test_a_reminder_tick_loses_nothing_to_bad_invites_arriving_meanwhile(service: Residents) -> None:
    people = await residents(service, 60)
    for resident in people:  # every payment reminder is due a minute ago
        await store.set_next(
            service.db, resident.id, "payment", NOW - timedelta(minutes=1), "2027-02-25", "2027-02"
        )
    tick = asyncio.create_task(service.collect(NOW))
    strangers = [service.join(CHANNEL, str(900 + n), BAD_CODE, None) for n in range(30)]
    refused = await asyncio.gather(*strangers)
    assert await tick == len(people)
    assert refused == ["unknown"] * 30
    assert await deliveries(service) == len(people)


async def test_a_task_started_inside_a_unit_does_not_write_into_a_later_one(service: Residents) -> None:
    db = service.db
    user = await users.get_or_create_user(db, CHANNEL, "502", NOW)
    late_release = asyncio.Event()

    async def late_write() -> None:  # started inside A's unit, it writes only after A has ended
        await late_release.wait()
        await users.set_lang(db, user.id, "en", NOW)

    async with db.transaction():
        late = asyncio.create_task(late_write())
    opened, release = asyncio.Event(), asyncio.Event()

    async def unit_c() -> None:
        async with db.transaction():
            await users.set_centre(db, user.id, "gliwice", NOW)
            opened.set()
            await release.wait()
            raise Boom

    c = asyncio.create_task(unit_c())
    await opened.wait()
    late_release.set()
    await turns()
    assert not late.done()  # it waits for C like any other task, instead of joining C's unit
    release.set()
    with pytest.raises(Boom):
        await c
    await late
    stored = await users.get_user(db, CHANNEL, "502")
    assert stored is not None and (stored.centre, stored.lang) == (None, "en")


@pytest.mark.sqlite_only  # a COMMIT refused by SQLite's deferred foreign keys, on its own connection
async def test_a_failed_commit_leaves_no_transaction_open_for_the_next_task(
    service: Residents, db_path: Path
) -> None:
    db = service.db
    assert isinstance(db, SqliteDatabase)
    await db.execute("CREATE TABLE parent (id INTEGER PRIMARY KEY)")
    await db.execute(
        "CREATE TABLE child (parent INTEGER REFERENCES parent (id) DEFERRABLE INITIALLY DEFERRED)"
    )
    with pytest.raises(sqlite3.IntegrityError, match="FOREIGN KEY"):
        async with db.transaction():
            await db.execute("INSERT INTO child (parent) VALUES (99)")  # refused only at COMMIT
    assert not db.connection.in_transaction
    await users.get_or_create_user(db, CHANNEL, "503", NOW)  # the next task's autocommit write
    other = await connect(db_path)  # another connection sees only what was committed
    try:
        assert await users.get_user(other, CHANNEL, "503") is not None
        assert await other.fetch_value("SELECT COUNT(*) FROM child") == 0
    finally:
        await other.close()
