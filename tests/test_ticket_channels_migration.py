"""Migration 019 (tickets carry their channel) on a database that has tickets already, on SQLite
and on PostgreSQL: a Telegram ticket becomes the one bot's (`telegram`), a web ticket the web's,
and their messages stay linked; afterwards the same chat and message id of another bot is its own."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from storage import tickets
from storage._time import to_text
from storage.database import Database
from storage.db import load_migrations
from storage.open import open_sqlite
from storage.postgres import PostgresDatabase
from storage.postgres_migrate import migrate, postgres_migrations

NOW = datetime(2027, 4, 27, 8, 0, tzinfo=UTC)
STAFF_CHAT, PERSON, WEB_ROW = -100_777, 1001, 5
BEFORE = 18  # the schema before tickets had a channel

_AT = to_text(NOW)
_ROWS = [
    "INSERT INTO tickets (id, user_chat, centre, status, opened_at) VALUES"
    f" (1, {PERSON}, 'gliwice', 'open', '{_AT}'), (2, {-WEB_ROW}, 'gliwice', 'open', '{_AT}')",
    "INSERT INTO web_tickets (ticket_id, external_id, lang) VALUES (2, 'hash-of-a-visitor', 'pl')",
    "INSERT INTO ticket_messages (chat_id, message_id, ticket_id) VALUES"
    f" ({STAFF_CHAT}, 10, 1), ({PERSON}, 11, 1), ({STAFF_CHAT}, 12, 2)",
]


async def check_migrated(db: Database) -> None:
    rows = await db.fetch_all("SELECT id, channel FROM tickets ORDER BY id")
    assert [(int(r[0]), str(r[1])) for r in rows] == [(1, "telegram"), (2, "web")]
    telegram = await tickets.open_for(db, "telegram", PERSON)
    assert telegram is not None and telegram.id == 1
    web = await tickets.open_for(db, "web", -WEB_ROW)
    assert web is not None and web.id == 2
    assert await tickets.open_for(db, "telegram:slask", PERSON) is None
    for chat, message, ticket in ((STAFF_CHAT, 10, 1), (PERSON, 11, 1), (STAFF_CHAT, 12, 2)):
        found = await tickets.by_message(db, "telegram", chat, message)
        assert found is not None and found.id == ticket
    # Another bot's message 11 in its chat with the same person is another ticket's, beside it.
    other = await tickets.open_ticket(db, "telegram:slask", PERSON, "wodzislaw", NOW)
    assert other.id not in (1, 2)
    await tickets.link(db, "telegram:slask", PERSON, 11, other.id)
    mine = await tickets.by_message(db, "telegram", PERSON, 11)
    theirs = await tickets.by_message(db, "telegram:slask", PERSON, 11)
    assert mine is not None and theirs is not None and (mine.id, theirs.id) == (1, other.id)


async def test_sqlite_tickets_of_before_get_their_channel(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    with sqlite3.connect(path) as raw:  # the database as the bot before migration 019 left it
        for _, sql in load_migrations()[:BEFORE]:
            raw.executescript(sql)
        raw.execute(f"PRAGMA user_version = {BEFORE}")
        for sql in _ROWS:
            raw.execute(sql)
    raw.close()
    db = await open_sqlite(path)  # applies 019
    try:
        assert await db.fetch_value("PRAGMA user_version") == len(load_migrations())
        await check_migrated(db)
    finally:
        await db.close()


async def test_postgres_tickets_of_before_get_their_channel(pg_empty_url: str) -> None:
    db = await PostgresDatabase.open(pg_empty_url, max_size=2, migrate=False)
    try:
        assert await migrate(db, postgres_migrations()[:BEFORE]) == BEFORE
        for sql in _ROWS:
            await db.execute(sql)
        await db.execute("SELECT setval(pg_get_serial_sequence('tickets', 'id'), 2)")
        assert await migrate(db) == len(postgres_migrations())
        await check_migrated(db)
    finally:
        await db.close()
