"""Storage: migrations, opening the database, users and unanswered questions."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import aiosqlite
import pytest

import storage
from storage import (
    StorageError,
    connect,
    count_users,
    delete_user,
    get_or_create_user,
    get_user,
    load_migrations,
    migrate,
    record_unanswered,
    schema_version,
    set_centre,
    set_lang,
    set_step,
    top_unanswered,
)
from storage import db as storage_db
from storage.database import Database

NOW = datetime(2024, 5, 6, 10, 30, tzinfo=UTC)
MIGRATIONS_DIR = Path(storage.__file__).parent / "migrations"


@pytest.fixture
def db(database: Database) -> Database:
    """A fresh migrated database, once per engine (the file tests below open SQLite themselves)."""
    return database


async def table_names(db: Database) -> set[str]:
    return {str(row[0]) for row in await db.fetch_all("SELECT name FROM sqlite_master WHERE type = 'table'")}


# --- migrations -------------------------------------------------------------------------------------


def test_packaged_migrations_are_numbered_from_one() -> None:
    migrations = load_migrations()
    assert [number for number, _ in migrations] == list(range(1, len(migrations) + 1))
    assert len(migrations) == len(list(MIGRATIONS_DIR.glob("*.sql")))


async def test_fresh_file_gets_every_migration(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    db = await connect(path)
    try:
        assert await schema_version(db) == len(list(MIGRATIONS_DIR.glob("*.sql")))
        assert {"users", "unanswered"} <= await table_names(db)
    finally:
        await db.close()
    assert path.is_file()


async def test_connect_sets_pragmas(tmp_path: Path) -> None:
    db = await connect(tmp_path / "bot.sqlite3")
    try:
        for pragma, expected in (("journal_mode", "wal"), ("foreign_keys", 1), ("busy_timeout", 5000)):
            row = await db.fetch_one(f"PRAGMA {pragma}")
            assert row is not None
            assert row[0] == expected, pragma
        assert db.connection.row_factory is aiosqlite.Row
        assert db.connection.isolation_level is None  # autocommit: only units of work open transactions
    finally:
        await db.close()


async def test_memory_database_is_migrated() -> None:
    db = await connect(":memory:")
    try:
        assert await schema_version(db) == len(load_migrations())
        user = await get_or_create_user(db, "telegram", "1", NOW)
        assert user.id > 0
    finally:
        await db.close()


async def test_reopening_does_not_reapply(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    db = await connect(path)
    user = await get_or_create_user(db, "telegram", "42", NOW)
    await db.close()

    # The migrations use plain CREATE TABLE, so running one twice would fail loudly.
    db = await connect(path)
    try:
        assert await migrate(db) == len(load_migrations())
        assert await get_user(db, "telegram", "42") == user
    finally:
        await db.close()


async def test_newer_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    db = await connect(path)
    known = len(load_migrations())
    future = [*load_migrations(), (known + 1, "CREATE TABLE from_the_future (x INTEGER);")]
    assert await migrate(db, future) == known + 1
    await db.close()

    expected = rf"newer version of the bot \(schema {known + 1}, this code knows {known}\)"
    with pytest.raises(StorageError, match=expected):
        await connect(path)


async def test_failing_migration_rolls_back(tmp_path: Path) -> None:
    db = await connect(tmp_path / "bot.sqlite3")
    try:
        user = await get_or_create_user(db, "telegram", "7", NOW)
        before = await schema_version(db)
        broken = (
            before + 1,
            "CREATE TABLE half_done (x INTEGER);\n"
            "INSERT INTO half_done VALUES (1);\n"
            "UPDATE users SET step = 'damaged';\n"
            "INSERT INTO no_such_table VALUES (1);\n",
        )
        with pytest.raises(StorageError, match=rf"migration {before + 1:03d} failed: no such table"):
            await migrate(db, [*load_migrations(), broken])

        assert await schema_version(db) == before
        assert "half_done" not in await table_names(db)
        assert await get_user(db, "telegram", "7") == user
        assert not db.in_transaction
    finally:
        await db.close()


async def test_broken_migration_file_is_refused_on_connect(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "bot.sqlite3"
    db = await connect(path)
    await get_or_create_user(db, "telegram", "7", NOW)
    before = await schema_version(db)
    await db.close()

    folder = tmp_path / "migrations"
    folder.mkdir()
    for source in MIGRATIONS_DIR.glob("*.sql"):
        (folder / source.name).write_text(source.read_text(encoding="utf-8"), encoding="utf-8")
    (folder / f"{before + 1:03d}_broken.sql").write_text(
        "CREATE TABLE half_done (x INTEGER);\nTHIS IS NOT SQL;\n", encoding="utf-8"
    )
    packaged = storage_db.load_migrations
    monkeypatch.setattr(storage_db, "load_migrations", lambda: packaged(folder))

    expected = rf"cannot open the database at .*migration {before + 1:03d} failed"
    with pytest.raises(StorageError, match=expected):
        await connect(path)

    monkeypatch.undo()
    db = await connect(path)
    try:
        assert await schema_version(db) == before
        assert "half_done" not in await table_names(db)
        assert await get_user(db, "telegram", "7") is not None
    finally:
        await db.close()


async def test_later_migrations_apply_on_top(tmp_path: Path) -> None:
    db = await connect(tmp_path / "bot.sqlite3")
    try:
        known = len(load_migrations())
        script = (
            "-- a comment; with a semicolon\n"
            "CREATE TABLE notes (body TEXT NOT NULL, seen INTEGER NOT NULL DEFAULT 0);\n"
            "CREATE TRIGGER mark AFTER INSERT ON notes BEGIN\n"
            "    UPDATE notes SET seen = 1 WHERE rowid = NEW.rowid;\n"
            "END;\n"
            "INSERT INTO notes (body) VALUES ('one; two');\n"
            "-- trailing comment\n"
        )
        assert await migrate(db, [*load_migrations(), (known + 1, script)]) == known + 1
        rows = [tuple(row) for row in await db.fetch_all("SELECT body, seen FROM notes")]
        assert rows == [("one; two", 1)]
    finally:
        await db.close()


@pytest.mark.parametrize(
    "names",
    [
        ["001_a.sql", "003_c.sql"],
        ["001_a.sql", "001_b.sql"],
        ["1_a.sql"],
    ],
)
def test_badly_numbered_migration_files_are_refused(tmp_path: Path, names: list[str]) -> None:
    for name in names:
        (tmp_path / name).write_text("SELECT 1;", encoding="utf-8")
    with pytest.raises(StorageError):
        load_migrations(tmp_path)


# --- opening the file -------------------------------------------------------------------------------


async def test_missing_parent_folder_is_created(tmp_path: Path) -> None:
    path = tmp_path / "data" / "nested" / "bot.sqlite3"
    db = await connect(path)
    await db.close()
    assert path.is_file()


async def test_path_under_a_file_gives_storage_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file.txt"
    blocker.write_text("not a folder", encoding="utf-8")
    with pytest.raises(StorageError, match=r"cannot open the database at .*file\.txt") as caught:
        await connect(blocker / "db.sqlite3")
    assert not isinstance(caught.value, OSError)
    assert "\n" not in str(caught.value)

    with pytest.raises(StorageError, match="cannot create the folder"):
        await connect(blocker / "deeper" / "db.sqlite3")


async def test_folder_as_database_gives_storage_error(tmp_path: Path) -> None:
    with pytest.raises(StorageError, match="folder, not a file"):
        await connect(tmp_path)


async def test_non_database_file_gives_storage_error(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    path.write_bytes(b"this is plainly not an sqlite database, just some text" * 20)
    with pytest.raises(StorageError, match="not an SQLite database"):
        await connect(path)


async def test_empty_path_is_refused() -> None:
    with pytest.raises(StorageError, match="empty"):
        await connect("")


# --- users ------------------------------------------------------------------------------------------


async def test_get_or_create_returns_the_same_user(db: Database) -> None:
    first = await get_or_create_user(db, "telegram", "100", NOW)
    second = await get_or_create_user(db, "telegram", "100", NOW + timedelta(hours=1))
    assert first == second
    assert first.created_at == NOW
    assert (first.centre, first.lang, first.step) == (None, None, None)

    other_channel = await get_or_create_user(db, "web", "100", NOW)
    assert other_channel.id != first.id


async def test_concurrent_get_or_create_makes_one_user(db: Database) -> None:
    users = await asyncio.gather(*(get_or_create_user(db, "telegram", "5", NOW) for _ in range(10)))
    assert len({user.id for user in users}) == 1
    assert await count_users(db) == [(None, None, 1)]


async def test_get_user_unknown_is_none(db: Database) -> None:
    assert await get_user(db, "telegram", "nobody") is None


async def test_settings_persist_across_reopen(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    db = await connect(path)
    user = await get_or_create_user(db, "telegram", "9", NOW)
    await set_centre(db, user.id, "krakow", NOW)
    await set_lang(db, user.id, "uk", NOW)
    await set_step(db, user.id, "ask_hours", NOW)
    await db.close()

    db = await connect(path)
    try:
        again = await get_user(db, "telegram", "9")
        assert again is not None
        assert (again.id, again.centre, again.lang, again.step) == (user.id, "krakow", "uk", "ask_hours")
        assert again.created_at == NOW

        await set_step(db, user.id, None, NOW)
        await set_centre(db, user.id, None, NOW)
        cleared = await get_user(db, "telegram", "9")
        assert cleared is not None
        assert (cleared.centre, cleared.lang, cleared.step) == (None, "uk", None)
    finally:
        await db.close()


async def test_delete_user(db: Database) -> None:
    gone = await get_or_create_user(db, "telegram", "1", NOW)
    kept = await get_or_create_user(db, "telegram", "2", NOW)
    await delete_user(db, gone.id)
    await delete_user(db, 999_999)  # unknown ids are not an error
    assert await get_user(db, "telegram", "1") is None
    assert await get_user(db, "telegram", "2") == kept

    # A deleted user who comes back starts afresh.
    back = await get_or_create_user(db, "telegram", "1", NOW)
    assert back.id != gone.id


async def test_count_users_per_centre_and_lang(db: Database) -> None:
    for external_id, centre, lang in [
        ("1", "krakow", "pl"),
        ("2", "krakow", "pl"),
        ("3", "krakow", "uk"),
        ("4", "gdansk", "pl"),
        ("5", None, None),
    ]:
        user = await get_or_create_user(db, "telegram", external_id, NOW)
        if centre is not None:
            await set_centre(db, user.id, centre, NOW)
        if lang is not None:
            await set_lang(db, user.id, lang, NOW)
    assert sorted(await count_users(db), key=repr) == sorted(
        [("krakow", "pl", 2), ("krakow", "uk", 1), ("gdansk", "pl", 1), (None, None, 1)], key=repr
    )


async def test_created_at_is_stored_as_utc(db: Database) -> None:
    warsaw_summer = timezone(timedelta(hours=2))
    local = datetime(2024, 7, 1, 12, 0, tzinfo=warsaw_summer)
    user = await get_or_create_user(db, "telegram", "tz", local)
    assert user.created_at == local
    assert user.created_at.utcoffset() == timedelta(0)
    row = await db.fetch_one("SELECT created_at FROM users WHERE id = ?", (user.id,))
    assert row is not None
    assert row[0] == "2024-07-01T10:00:00.000000+00:00"


# --- unanswered questions ---------------------------------------------------------------------------


async def test_unanswered_counting_and_ordering(db: Database) -> None:
    await record_unanswered(db, "krakow", "pl", "czy mogę mieć kota", NOW)
    for minutes in range(3):
        await record_unanswered(db, "krakow", "pl", "gdzie jest pralnia", NOW + timedelta(minutes=minutes))
    await record_unanswered(db, "krakow", "uk", "де пральня", NOW + timedelta(minutes=5))
    await record_unanswered(db, "krakow", "pl", "czy mogę mieć kota", NOW + timedelta(minutes=1))
    await record_unanswered(db, "gdansk", "pl", "gdzie jest pralnia", NOW)

    assert await top_unanswered(db, "krakow") == [
        ("gdzie jest pralnia", "pl", 3),
        ("czy mogę mieć kota", "pl", 2),
        ("де пральня", "uk", 1),
    ]
    assert await top_unanswered(db, "krakow", limit=1) == [("gdzie jest pralnia", "pl", 3)]
    assert await top_unanswered(db, "gdansk") == [("gdzie jest pralnia", "pl", 1)]
    assert await top_unanswered(db, "nowhere") == []


async def test_unanswered_ties_go_to_the_most_recent(db: Database) -> None:
    await record_unanswered(db, "krakow", "pl", "first", NOW)
    await record_unanswered(db, "krakow", "pl", "second", NOW + timedelta(seconds=1))
    await record_unanswered(db, "krakow", "pl", "first", NOW + timedelta(seconds=1, microseconds=500))
    # Recorded late with an earlier timestamp: last_seen must not move backwards.
    await record_unanswered(db, "krakow", "pl", "second", NOW - timedelta(days=1))
    assert await top_unanswered(db, "krakow") == [("first", "pl", 2), ("second", "pl", 2)]


async def test_top_unanswered_rejects_bad_limit(db: Database) -> None:
    with pytest.raises(ValueError, match="limit"):
        await top_unanswered(db, "krakow", limit=0)


# --- aware datetimes only ---------------------------------------------------------------------------


async def test_naive_datetimes_are_rejected(db: Database) -> None:
    naive = datetime(2024, 5, 6, 10, 30)  # noqa: DTZ001 - the point of the test
    with pytest.raises(ValueError, match="aware"):
        await get_or_create_user(db, "telegram", "1", naive)
    assert await get_user(db, "telegram", "1") is None

    user = await get_or_create_user(db, "telegram", "1", NOW)
    for setter in (set_centre, set_lang, set_step):
        with pytest.raises(ValueError, match="aware"):
            await setter(db, user.id, "x", naive)
    with pytest.raises(ValueError, match="aware"):
        await record_unanswered(db, "krakow", "pl", "pytanie", naive)

    unchanged = await get_user(db, "telegram", "1")
    assert unchanged == user
    assert await top_unanswered(db, "krakow") == []
    assert not db.in_transaction
