"""Pytest plugin (loaded with `-p tests.engines`, see pyproject.toml): every storage engine, as fixtures.

`database_target` is a parametrized fixture: a test (or fixture) that takes it runs once per engine,
with what `storage.open.open_database` accepts: a fresh SQLite file path, or the URL of a fresh,
migrated PostgreSQL database in the session's throwaway cluster (tests/pg.py). `database` is that
target opened as a `Database`. STORAGE_ENGINES=sqlite (or postgres) narrows the run to one engine.

A test about SQLite's file itself (file modes, the flock, quick_check, WAL, sqlite3's own errors)
that still takes these fixtures is marked `@pytest.mark.sqlite_only`: its PostgreSQL half is
deselected, not skipped, so the summary counts only what could have run.

Where no PostgreSQL can be started, its half of the tests is skipped and the run's summary says why
in one line; with PG_REQUIRED=1 (set by .ci/run when the binaries are installed) it fails instead.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import pytest

from storage.database import Database
from storage.open import open_database
from storage.postgres import PostgresDatabase
from tests.pg import Cluster, Unavailable, start_cluster

ENGINES = tuple(
    name for name in os.environ.get("STORAGE_ENGINES", "sqlite,postgres").split(",") if name.strip()
)
_TEMPLATE = "migrated_template"
_unavailable: list[str] = []


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[Cluster]:
    """One throwaway PostgreSQL cluster for the whole session, started on first use."""
    try:
        cluster = start_cluster()
    except Unavailable as exc:
        if os.environ.get("PG_REQUIRED") == "1":
            pytest.fail(f"{exc} (PG_REQUIRED=1: .ci/run found the binaries, so this is a failure)")
        _unavailable.append(str(exc))
        pytest.skip(str(exc))
    try:
        yield cluster
    finally:
        cluster.stop()


async def _admin(cluster: Cluster, sql: str) -> None:
    connection = await asyncpg.connect(cluster.url("postgres"))
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


async def _migrated_template(cluster: Cluster) -> str:
    """A database at the latest schema, made once per session, that fresh ones are copied from."""
    if not cluster.template_ready:
        await _admin(cluster, f"CREATE DATABASE {_TEMPLATE}")
        db = await PostgresDatabase.open(cluster.url(_TEMPLATE), max_size=1)
        await db.close()
        cluster.template_ready = True
    return _TEMPLATE


@contextlib.asynccontextmanager
async def fresh_pg_database(cluster: Cluster, *, migrated: bool = True) -> AsyncIterator[str]:
    """The URL of a new database, dropped afterwards: at the latest schema, or empty."""
    template = await _migrated_template(cluster) if migrated else "template0"
    name = cluster.next_name()
    await _admin(cluster, f"CREATE DATABASE {name} TEMPLATE {template}")
    try:
        yield cluster.url(name)
    finally:
        await _admin(cluster, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
async def pg_url(pg_cluster: Cluster) -> AsyncIterator[str]:
    """The URL of a fresh database already at the latest schema (a copy of the session's template)."""
    async with fresh_pg_database(pg_cluster) as url:
        yield url


@pytest.fixture
async def pg_empty_url(pg_cluster: Cluster) -> AsyncIterator[str]:
    """The URL of a fresh database with nothing in it (for migration tests)."""
    async with fresh_pg_database(pg_cluster, migrated=False) as url:
        yield url


@pytest.fixture(params=ENGINES)
async def database_target(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """A fresh database for each engine: a path (SQLite) or a URL (PostgreSQL, at the latest schema).

    (Async fixtures cannot ask for other async fixtures through getfixturevalue, so the PostgreSQL
    half asks only for the cluster, which is synchronous.)
    """
    if request.param == "sqlite":
        yield str(tmp_path / "bot.sqlite3")
        return
    async with fresh_pg_database(request.getfixturevalue("pg_cluster")) as url:
        yield url


@pytest.fixture
async def database(database_target: str) -> AsyncIterator[Database]:
    """`database_target` opened (and migrated) through the one door the bot uses."""
    db = await open_database(database_target)
    try:
        yield db
    finally:
        await db.close()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "sqlite_only: about the SQLite file itself; runs on SQLite only")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    kept: list[pytest.Item] = []
    dropped: list[pytest.Item] = []
    for item in items:
        callspec = getattr(item, "callspec", None)
        engine = callspec.params.get("database_target") if callspec is not None else None
        on_postgres = engine is not None and engine != "sqlite"
        (dropped if on_postgres and item.get_closest_marker("sqlite_only") else kept).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    for reason in dict.fromkeys(_unavailable):
        terminalreporter.write_line(reason)
