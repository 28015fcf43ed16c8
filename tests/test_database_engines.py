"""The `Database` contract, the same tests on every engine (SQLite and PostgreSQL, tests/engines.py).

Storage SQL is written once; these tests hold both engines to one behaviour: what each query method
returns, placeholders, units of work (together, all or nothing, nested, one task's never another's),
and migrations (the same schema from empty, idempotent, safe when two processes start together).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from storage.database import Database, Done
from storage.db import StorageError
from storage.open import open_database
from tests.engines import ENGINES, fresh_pg_database

# BIGINT, not INTEGER: in PostgreSQL INTEGER is 32 bits (the migrations use BIGINT for ids too).
SCRATCH = "CREATE TABLE scratch (id BIGINT PRIMARY KEY, name TEXT NOT NULL, n BIGINT)"
ADD = "INSERT INTO scratch (id, name, n) VALUES (?, ?, ?)"
BIG_ID = 7_123_456_789  # Telegram ids pass 2^31


@pytest.fixture
async def db(database: Database) -> AsyncIterator[Database]:
    await database.execute(SCRATCH)
    yield database


async def names(db: Database) -> list[str]:
    return [str(row["name"]) for row in await db.fetch_all("SELECT name FROM scratch ORDER BY id")]


# --- the query methods ---------------------------------------------------------------------------


async def test_execute_returns_the_rows_it_changed(db: Database) -> None:
    assert await db.execute(ADD, (1, "a", 1)) == Done(1)
    await db.execute(ADD, (2, "b", 1))
    assert await db.execute("UPDATE scratch SET n = n + 1 WHERE n = ?", (1,)) == Done(2)
    assert await db.execute("DELETE FROM scratch WHERE name = ?", ("nobody",)) == Done(0)
    assert await db.execute("DELETE FROM scratch WHERE id = ?", (1,)) == Done(1)
    # Statements that change no rows report -1, as sqlite3 does.
    assert await db.execute("CREATE TABLE other (x INTEGER)") == Done(-1)


async def test_execute_many_writes_every_row_or_none(db: Database) -> None:
    await db.execute_many(ADD, [(1, "a", 1), (2, "b", 2), (3, "c", None)])
    await db.execute_many(ADD, [])
    assert await names(db) == ["a", "b", "c"]
    with pytest.raises(Exception):  # noqa: B017 - each engine raises its own kind; nothing is written
        await db.execute_many(ADD, [(4, "d", 4), (1, "again", 1)])
    assert await names(db) == ["a", "b", "c"]


async def test_fetch_methods_give_rows_by_position_and_name(db: Database) -> None:
    await db.execute_many(ADD, [(1, "a", 10), (2, "b", 20)])
    rows = await db.fetch_all("SELECT id, name, n FROM scratch ORDER BY id")
    assert [(row[0], row["name"], row["n"]) for row in rows] == [(1, "a", 10), (2, "b", 20)]
    assert len(rows[0]) == 3
    one = await db.fetch_one("SELECT name, n FROM scratch WHERE id = ?", (2,))
    assert one is not None and (one[0], one["n"]) == ("b", 20)
    assert await db.fetch_one("SELECT name FROM scratch WHERE id = ?", (99,)) is None
    assert await db.fetch_all("SELECT name FROM scratch WHERE id = ?", (99,)) == []
    assert await db.fetch_value("SELECT COUNT(*) FROM scratch") == 2
    assert await db.fetch_value("SELECT name FROM scratch WHERE id = ?", (99,)) is None


async def test_values_come_back_as_written(db: Database) -> None:
    text = "Zażółć gęślą jaźń — Привіт ' \" \\ ; -- /* */"
    await db.execute(ADD, (BIG_ID, text, -BIG_ID))
    row = await db.fetch_one("SELECT id, name, n FROM scratch")
    assert row is not None and (row[0], row[1], row[2]) == (BIG_ID, text, -BIG_ID)
    # A number bound where text is stored is kept as its digits, as SQLite's TEXT affinity does.
    await db.execute(ADD, (2, 12345, 0))
    assert await db.fetch_value("SELECT name FROM scratch WHERE id = 2") == "12345"


async def test_placeholders_are_not_read_inside_literals_or_comments(db: Database) -> None:
    await db.execute(
        "INSERT INTO scratch (id, name, n) VALUES (?, 'why? it''s :not -- a parameter' || ?, ?)"
        " -- nor ? here\n /* nor :this? */",
        (1, "!", 3),
    )
    assert await names(db) == ["why? it's :not -- a parameter!"]
    value = await db.fetch_value("SELECT n FROM scratch WHERE name LIKE '%?%' AND id = :id", {"id": 1})
    assert value == 3


async def test_named_placeholders_may_repeat(db: Database) -> None:
    await db.execute(ADD, (5, "e", 1))
    await db.execute("UPDATE scratch SET n = n + :id WHERE id = :id AND name = :name", {"id": 5, "name": "e"})
    assert await db.fetch_value("SELECT n FROM scratch WHERE id = :id", {"id": 5}) == 6


async def test_returning_gives_the_new_id(database: Database) -> None:
    # A table of the real schema, whose id the engine assigns (rowid or identity).
    stamp = "2026-01-01T00:00:00.000000+00:00"
    new_id = await database.fetch_value(
        "INSERT INTO users (channel, external_id, created_at, updated_at) VALUES (?, ?, ?, ?) RETURNING id",
        ("telegram", str(BIG_ID), stamp, stamp),
    )
    assert isinstance(new_id, int)
    row = await database.fetch_one("SELECT external_id, active FROM users WHERE id = ?", (new_id,))
    assert row is not None and (row["external_id"], row["active"]) == (str(BIG_ID), 1)


# --- units of work -------------------------------------------------------------------------------


async def test_a_unit_of_work_commits_together(db: Database) -> None:
    assert not db.in_transaction
    async with db.transaction():
        assert db.in_transaction
        await db.execute(ADD, (1, "a", 1))
        await db.execute_many(ADD, [(2, "b", 2), (3, "c", 3)])
        # Its own writes are visible to itself before the commit.
        assert await db.fetch_value("SELECT COUNT(*) FROM scratch") == 3
    assert not db.in_transaction
    assert await names(db) == ["a", "b", "c"]


async def test_a_raising_unit_of_work_leaves_nothing(db: Database) -> None:
    await db.execute(ADD, (1, "kept", 1))
    with pytest.raises(RuntimeError):
        async with db.transaction():
            await db.execute(ADD, (2, "gone", 2))
            await db.execute("UPDATE scratch SET name = 'changed' WHERE id = 1")
            raise RuntimeError("halfway")
    assert await names(db) == ["kept"]
    # The engine is usable afterwards, inside and outside a unit of work.
    async with db.transaction():
        await db.execute(ADD, (3, "after", 3))
    assert await names(db) == ["kept", "after"]


async def test_a_failing_statement_rolls_its_unit_of_work_back(db: Database) -> None:
    with pytest.raises(Exception):  # noqa: B017 - each engine raises its own kind
        async with db.transaction():
            await db.execute(ADD, (1, "gone", 1))
            await db.execute(ADD, (1, "duplicate id", 1))
    assert await names(db) == []


async def test_nested_blocks_join_the_outer_unit(db: Database) -> None:
    async with db.transaction():
        await db.execute(ADD, (1, "outer", 1))
        async with db.transaction():
            await db.execute(ADD, (2, "inner", 2))
        assert db.in_transaction
    assert await names(db) == ["outer", "inner"]
    with pytest.raises(RuntimeError):
        async with db.transaction():
            async with db.transaction():
                await db.execute(ADD, (3, "inner only", 3))
            raise RuntimeError("the outer unit decides")
    assert await names(db) == ["outer", "inner"]


async def test_tasks_started_inside_a_unit_of_work_join_it(db: Database) -> None:
    async with db.transaction():
        await asyncio.gather(*(db.execute(ADD, (i, f"n{i}", i)) for i in range(1, 6)))
    assert await names(db) == ["n1", "n2", "n3", "n4", "n5"]


async def _yield_a_few_times() -> None:
    for _ in range(5):
        await asyncio.sleep(0)  # hands the loop to the other task; no wall-clock wait


async def test_concurrent_tasks_never_share_a_unit_of_work(db: Database) -> None:
    """One user's failing work is not another's: neither rolls back nor commits the other's rows."""

    async def failing() -> None:
        async with db.transaction():
            await db.execute(ADD, (1, "failing", 1))
            await _yield_a_few_times()
            raise RuntimeError("this user's work fails")

    async def outside() -> None:
        await _yield_a_few_times()
        assert not db.in_transaction
        await db.execute(ADD, (2, "outside", 2))

    async def committing() -> None:
        async with db.transaction():
            await _yield_a_few_times()
            await db.execute(ADD, (3, "committing", 3))

    results = await asyncio.gather(failing(), outside(), committing(), return_exceptions=True)
    assert isinstance(results[0], RuntimeError) and results[1:] == [None, None]
    assert await names(db) == ["outside", "committing"]


# --- migrations ----------------------------------------------------------------------------------


@pytest.fixture(params=ENGINES)
async def empty_target(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """A database with nothing in it yet: a new SQLite path or an empty PostgreSQL database."""
    if request.param == "sqlite":
        yield str(tmp_path / "new.sqlite3")
        return
    async with fresh_pg_database(request.getfixturevalue("pg_cluster"), migrated=False) as url:
        yield url


async def test_two_processes_migrating_together_both_succeed(empty_target: str) -> None:
    first, second = await asyncio.gather(open_database(empty_target), open_database(empty_target))
    try:
        for db in (first, second):
            assert await db.fetch_value("SELECT COUNT(*) FROM users") == 0
    finally:
        await first.close()
        await second.close()
    again = await open_database(empty_target)  # a third start finds nothing to do
    await again.close()


async def test_a_database_from_a_newer_version_is_refused(database_target: str) -> None:
    db = await open_database(database_target)
    try:
        if db.dialect == "sqlite":
            await db.execute("PRAGMA user_version = 999")
        else:
            await db.execute("INSERT INTO schema_version (version) VALUES (999)")
    finally:
        await db.close()
    with pytest.raises(StorageError, match="newer version"):
        await open_database(database_target)
