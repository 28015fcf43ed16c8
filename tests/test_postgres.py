"""PostgreSQL beside SQLite: the same schema from the same numbered migrations, the placeholder
respelling, choosing the engine from DATABASE_URL, and failures in one line for the operator."""

from __future__ import annotations

import os
from importlib.resources import files
from pathlib import Path
from typing import Any

import pytest

from bot.settings import Settings
from storage.database import Database, SqliteDatabase
from storage.db import MEMORY, StorageError, load_migrations
from storage.open import is_postgres, open_database, open_sqlite, sqlite_path
from storage.placeholders import numbered
from storage.postgres import PostgresDatabase
from storage.postgres_errors import describe_url
from storage.postgres_migrate import migrate, postgres_migrations, schema_version
from tests.pg import Cluster

# --- the schema: one per dialect, the same tables, columns, keys and indexes ---------------------


def test_every_sqlite_migration_has_a_postgres_one_of_the_same_number() -> None:
    sqlite_names = sorted(p.name for p in files("storage").joinpath("migrations").iterdir() if p.is_file())
    postgres = files("storage").joinpath("migrations", "postgres")
    assert sorted(p.name for p in postgres.iterdir() if p.is_file()) == sqlite_names
    assert [n for n, _ in postgres_migrations()] == [n for n, _ in load_migrations()]


def _affinity(declared: str) -> str:
    return "integer" if "INT" in declared.upper() else declared.lower()


async def _sqlite_schema(db: Database) -> dict[str, Any]:
    tables = [r[0] for r in await db.fetch_all(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
    )]  # fmt: skip
    schema: dict[str, Any] = {}
    for table in tables:
        columns = await db.fetch_all(
            'SELECT name, type, "notnull", dflt_value, pk FROM pragma_table_info(?)', (table,)
        )
        keys = await db.fetch_all(
            'SELECT "from", "table", "to", on_delete FROM pragma_foreign_key_list(?)', (table,)
        )
        uniques = []
        for index in await db.fetch_all("SELECT name FROM pragma_index_list(?) WHERE origin = 'u'", (table,)):
            info = await db.fetch_all("SELECT name FROM pragma_index_info(?) ORDER BY seqno", (index[0],))
            uniques.append(tuple(r[0] for r in info))
        schema[table] = {
            # A primary key is never NULL in PostgreSQL; SQLite allows it for non-integer keys.
            "columns": [(c[0], _affinity(c[1]), bool(c[2] or c[4]), c[3]) for c in columns],
            "primary key": [c[0] for c in sorted(columns, key=lambda c: c[4]) if c[4]],
            "foreign keys": sorted((k[0], k[1], k[2], k[3]) for k in keys),
            "unique": sorted(uniques),
        }
    index_rows = await db.fetch_all("SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL")
    indexes = {}
    for (name,) in (tuple(r) for r in index_rows):
        info = await db.fetch_all("SELECT name FROM pragma_index_info(?) ORDER BY seqno", (name,))
        indexes[name] = [r[0] for r in info]
    return {"tables": schema, "indexes": indexes}


_PG_COLUMNS = (
    "SELECT column_name, data_type, is_nullable = 'NO', column_default FROM information_schema.columns"
    " WHERE table_schema = current_schema() AND table_name = ? ORDER BY ordinal_position"
)
_PG_CONSTRAINT_COLUMNS = (
    "SELECT c.conname, a.attname FROM pg_constraint c"
    " CROSS JOIN LATERAL unnest(c.conkey) WITH ORDINALITY AS k(attnum, ord)"
    " JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum"
    " WHERE c.conrelid = CAST(? AS regclass) AND CAST(c.contype AS TEXT) = ? ORDER BY c.conname, k.ord"
)
_PG_FOREIGN_KEYS = (
    "SELECT a.attname, r.relname, ra.attname, CAST(c.confdeltype AS TEXT) FROM pg_constraint c"
    " JOIN pg_class r ON r.oid = c.confrelid"
    " JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]"
    " JOIN pg_attribute ra ON ra.attrelid = c.confrelid AND ra.attnum = c.confkey[1]"
    " WHERE c.conrelid = CAST(? AS regclass) AND c.contype = 'f'"
)
_PG_INDEXES = (
    "SELECT ic.relname, a.attname FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid"
    " JOIN pg_namespace n ON n.oid = ic.relnamespace"
    " CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord)"
    " JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum"
    " WHERE n.nspname = current_schema()"
    " AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)"
    " ORDER BY ic.relname, k.ord"
)
_DELETE_RULES = {"c": "CASCADE", "a": "NO ACTION", "r": "RESTRICT", "n": "SET NULL", "d": "SET DEFAULT"}


def _pg_default(text: str | None) -> str | None:
    return None if text is None else text.split("::")[0]


def _grouped(rows: list[Any]) -> dict[str, list[str]]:
    groups: dict[str, list[str]] = {}
    for name, column in rows:
        groups.setdefault(name, []).append(column)
    return groups


async def _postgres_schema(db: Database) -> dict[str, Any]:
    tables = [r[0] for r in await db.fetch_all(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"
        " AND table_name <> 'schema_version' ORDER BY table_name"
    )]  # fmt: skip
    schema: dict[str, Any] = {}
    for table in tables:
        columns = await db.fetch_all(_PG_COLUMNS, (table,))
        primary = _grouped(list(await db.fetch_all(_PG_CONSTRAINT_COLUMNS, (table, "p"))))
        uniques = _grouped(list(await db.fetch_all(_PG_CONSTRAINT_COLUMNS, (table, "u"))))
        keys = await db.fetch_all(_PG_FOREIGN_KEYS, (table,))
        schema[table] = {
            "columns": [(c[0], _affinity(c[1]), c[2], _pg_default(c[3])) for c in columns],
            "primary key": next(iter(primary.values()), []),
            "foreign keys": sorted((k[0], k[1], k[2], _DELETE_RULES[k[3]]) for k in keys),
            "unique": sorted(tuple(columns) for columns in uniques.values()),
        }
    return {"tables": schema, "indexes": _grouped(list(await db.fetch_all(_PG_INDEXES)))}


async def test_both_dialects_migrate_from_empty_to_the_same_schema(pg_empty_url: str, tmp_path: Path) -> None:
    lite = await open_sqlite(tmp_path / "schema.sqlite3")
    pg = await PostgresDatabase.open(pg_empty_url, max_size=2)
    try:
        sqlite_schema, postgres_schema = await _sqlite_schema(lite), await _postgres_schema(pg)
    finally:
        await lite.close()
        await pg.close()
    assert set(postgres_schema["tables"]) == set(sqlite_schema["tables"])
    for table, expected in sqlite_schema["tables"].items():
        assert postgres_schema["tables"][table] == expected, table
    assert postgres_schema["indexes"] == sqlite_schema["indexes"]
    assert {"users_by_centre", "outbox_by_status", "outbox_by_user"} <= set(postgres_schema["indexes"])


async def test_running_the_migrations_again_changes_nothing(pg_url: str) -> None:
    db = await PostgresDatabase.open(pg_url, max_size=2)
    try:
        latest = postgres_migrations()[-1][0]
        assert await schema_version(db) == latest
        assert await migrate(db) == latest
        assert await db.fetch_value("SELECT COUNT(*) FROM schema_version") == latest
    finally:
        await db.close()


async def test_a_failing_migration_leaves_the_database_as_it_was(pg_empty_url: str) -> None:
    db = await PostgresDatabase.open(pg_empty_url, migrate=False)
    try:
        broken = [(1, "CREATE TABLE a (x INTEGER);"), (2, "CREATE TABLE b (x INTEGER); SELECT nonsense;")]
        with pytest.raises(StorageError, match="migration 002 failed"):
            await migrate(db, broken)
        assert await schema_version(db) == 1
        assert await db.fetch_value("SELECT to_regclass('b')") is None
    finally:
        await db.close()


# --- placeholders --------------------------------------------------------------------------------


def test_question_marks_become_numbers_outside_literals_and_comments() -> None:
    query = numbered("SELECT ?, 'a?b', \"odd?name\", ? -- c?\n/* d? */ FROM t WHERE x = ? AND y = 'it''s?'")
    assert (
        query.sql == "SELECT $1, 'a?b', \"odd?name\", $2 -- c?\n/* d? */ FROM t WHERE x = $3 AND y = 'it''s?'"
    )
    assert (query.names, query.count) == (None, 3)
    assert list(query.arguments((1, 2, 3))) == [1, 2, 3]


def test_named_parameters_get_one_number_each_and_casts_are_left_alone() -> None:
    query = numbered("UPDATE t SET a = :now, b = x::text WHERE c = :bid AND d <= :now AND e = ':no'")
    assert query.sql == "UPDATE t SET a = $1, b = x::text WHERE c = $2 AND d <= $1 AND e = ':no'"
    assert list(query.arguments({"bid": 7, "now": "t", "unused": 0})) == ["t", 7]
    assert numbered("SELECT 1") is numbered("SELECT 1")  # respelled once, then cached


def test_wrong_parameters_are_refused_plainly() -> None:
    with pytest.raises(ValueError, match="not both"):
        numbered("SELECT ? WHERE :a")
    with pytest.raises(TypeError, match=":b"):
        numbered("SELECT :a, :b").arguments({"a": 1})
    with pytest.raises(TypeError, match="2 parameters, 1 supplied"):
        numbered("SELECT ?, ?").arguments((1,))
    with pytest.raises(TypeError, match="mapping"):
        numbered("SELECT :a").arguments((1,))


# --- choosing the engine -------------------------------------------------------------------------


def test_the_target_names_the_engine(tmp_path: Path) -> None:
    assert is_postgres("postgresql://postgres@/bot?host=/tmp/x&port=5433")
    assert is_postgres(" postgres://db/bot")
    assert not is_postgres("data/bot.sqlite3") and not is_postgres(tmp_path)
    assert sqlite_path("sqlite:///srv/bot.sqlite3") == Path("/srv/bot.sqlite3")
    assert sqlite_path("sqlite:data/bot.sqlite3") == Path("data/bot.sqlite3")
    assert sqlite_path("sqlite::memory:") == MEMORY == sqlite_path(":memory:")
    assert sqlite_path("", tmp_path / "default.sqlite3") == tmp_path / "default.sqlite3"
    assert sqlite_path(None, tmp_path / "x.sqlite3") == tmp_path / "x.sqlite3"
    with pytest.raises(StorageError, match="DATABASE_URL or DATABASE_PATH"):
        sqlite_path("")


def test_database_url_is_a_setting() -> None:
    url = "postgresql://bot@db.internal:5432/bot"
    assert Settings.from_env({"DATABASE_URL": url}).database_url == url
    assert Settings.from_env({}).database_url is None


async def test_an_sqlite_target_opens_sqlite(tmp_path: Path) -> None:
    db = await open_database(None, tmp_path / "default.sqlite3")
    try:
        assert isinstance(db, SqliteDatabase) and db.dialect == "sqlite"
        assert (tmp_path / "default.sqlite3").exists()
    finally:
        await db.close()


async def test_a_unix_socket_url_opens_postgresql(pg_cluster: Cluster, pg_url: str) -> None:
    assert f"host={pg_cluster.socket_dir}" in pg_url
    db = await open_database(pg_url)
    try:
        assert isinstance(db, PostgresDatabase) and db.dialect == "postgres"
        assert await db.fetch_value("SELECT COUNT(*) FROM users") == 0
    finally:
        await db.close()


# --- failures, in one line without the password --------------------------------------------------


def test_the_password_is_never_shown() -> None:
    shown = describe_url("postgresql://bot:s3cret@db.internal:5432/bot?sslmode=require&password=other")
    assert shown == "postgresql://bot@db.internal:5432/bot?sslmode=require"


async def test_no_server_is_one_line_for_the_operator(tmp_path: Path) -> None:
    url = f"postgresql://bot:s3cret@/bot?host={tmp_path}&port=5999"
    with pytest.raises(StorageError) as caught:
        await open_database(url)
    message = str(caught.value)
    assert "\n" not in message and "s3cret" not in message
    assert message.startswith(
        f"cannot open the database at postgresql://bot@/bot?host={tmp_path}&port=5999: "
    )
    assert "is it running" in message


async def test_a_missing_database_is_named(pg_cluster: Cluster) -> None:
    with pytest.raises(StorageError, match="the database does not exist"):
        await open_database(pg_cluster.url("no_such_database"))


async def test_a_lost_server_is_a_storage_error(pg_url: str) -> None:
    db = await PostgresDatabase.open(pg_url, max_size=1)
    try:
        pid = await db.fetch_value("SELECT pg_backend_pid()")
        with pytest.raises(StorageError, match="the connection to the server was lost"):
            async with db.transaction():
                assert await db.fetch_value("SELECT pg_backend_pid()") == pid
                # Another session ends ours, as a server restart or a failover would.
                other = await PostgresDatabase.open(pg_url, max_size=1, migrate=False)
                await other.fetch_value("SELECT pg_terminate_backend(?)", (pid,))
                await other.close()
                await db.fetch_value("SELECT 1")
        assert not db.in_transaction
        # The pool replaces the lost connection.
        assert await db.fetch_value("SELECT 1") == 1
    finally:
        await db.close()


def test_the_cluster_does_not_run_as_root(pg_cluster: Cluster) -> None:
    owner = (pg_cluster.data / "PG_VERSION").stat().st_uid
    assert owner != 0 or os.geteuid() != 0
