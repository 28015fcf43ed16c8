"""/forget deletes or anonymises every row about a person, in every table, and cancels pending flows.

The test fills every table with rows about one distinctive id (as a user, a resident, a staff member,
an asker, a broadcast author and recipient, an audit actor), presses /forget, and then scans every
column of every table (and the WAL file) for that id.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from bot.channels.telegram import lifespan
from bot.clock import FixedClock
from bot.conversation import privacy
from bot.conversation.dialogue import Dialogue, Incoming
from bot.flows import AskQuestion, Conversations
from storage import audit, broadcasts, tickets, users
from storage import reminders as store
from storage import staff as staff_store
from storage.database import Database
from storage.forget import forget_person
from storage.residents import add_invite, bind_resident, get_resident, use_invite
from tests.fakebotapi import TgUser
from tests.test_staff import NOW, STAFF_CHAT, make_harness, texts_of

PERSON = 987_654_321  # distinctive: appears nowhere else


async def test_forget_deletes_the_user_and_the_resident_record(dialogue: Dialogue, clock: FixedClock) -> None:
    db, now = dialogue.db, clock.now()
    await dialogue.handle("telegram", "501", Incoming(button="c:wodzislaw"))
    await add_invite(db, "hash-1", "wodzislaw", "chronione", "staff-1", now, now + timedelta(days=7))
    assert await use_invite(db, "hash-1", "501", now) is None
    await bind_resident(db, "telegram", "501", "wodzislaw", "chronione", "pl", now)
    assert await get_resident(db, "telegram", "501") is not None

    await dialogue.reset("telegram", "501")
    await forget_person(db, "telegram", "501")

    assert await users.get_user(db, "telegram", "501") is None
    assert await get_resident(db, "telegram", "501") is None
    assert await db.fetch_value("SELECT count(*) FROM invites WHERE used_by = '501'") == 0


async def fill_every_table(db: Database, person: int) -> None:
    """Rows about `person` in every table the bot has."""
    pid = str(person)
    await users.get_or_create_user(db, "telegram", pid, NOW)
    await add_invite(db, "hash-used", "gliwice", "zawiszy", pid, NOW, NOW + timedelta(days=7))
    await use_invite(db, "hash-used", pid, NOW)
    resident = await bind_resident(db, "telegram", pid, "gliwice", "zawiszy", "pl", NOW)
    duty = await store.add_duty(db, "gliwice", "zawiszy", "Kuchnia", "weekly", 0, "18:00", NOW)
    await store.set_next(db, resident.id, f"duty:{duty}", NOW, "2026-11-23", "2026-11")
    await store.record_due(db, resident.id, "payment", "2026-11-23", "2026-11", NOW, NOW, "due")
    await store.mark_paid(db, resident.id, "2026-11", NOW)
    await staff_store.add_invite(db, "st_" + "b" * 32, "gliwice", person, NOW, NOW + timedelta(days=7))
    await staff_store.redeem_invite(db, "st_" + "b" * 32, person, NOW)
    await audit.record(db, NOW, person, "staff", "broadcast", f"gliwice:{pid}")
    bid = await broadcasts.create_draft(db, "gliwice", "all", person, "pl", NOW)
    await broadcasts.set_text(db, bid, "Hello")
    await broadcasts.confirm(db, bid, NOW)
    await broadcasts.set_progress_message(db, bid, person, 5)
    await broadcasts.create_draft(db, "gliwice", "all", person, "pl", NOW)
    ticket = await tickets.open_ticket(db, "telegram", person, "gliwice", NOW)
    await tickets.link(db, "telegram", person, 77, ticket.id)
    await tickets.link(db, "telegram", STAFF_CHAT, 78, ticket.id)
    await privacy.offer(db, "telegram", pid, "gliwice", "pl", "Jak się nazywa ta ulica?", NOW)
    await privacy.answer(db, "telegram", pid, privacy.CONSENT_YES, "pl", NOW)
    await privacy.offer(db, "telegram", pid, "gliwice", "pl", "A druga?", NOW)


async def rows_naming(db: Database, needle: str) -> list[str]:
    """`table.column` for every value in the database that contains `needle`."""
    found = []
    listing = (
        "SELECT name FROM sqlite_master WHERE type = 'table'"
        if db.dialect == "sqlite"
        else "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"
    )
    for table in [str(r[0]) for r in await db.fetch_all(listing)]:
        for row in await db.fetch_all(f'SELECT * FROM "{table}"'):
            values: Any = row  # sqlite3.Row and asyncpg's Record both name their columns
            columns = values.keys()  # (iterating a sqlite3.Row gives its values, not its names)
            found += [f"{table}.{n}" for n in columns if needle in str(values[n])]
    return found


async def test_forget_leaves_no_row_naming_the_person_in_any_table(
    tmp_path: Path, database_target: str
) -> None:
    app, bot = await make_harness(tmp_path, target=database_target)
    person = TgUser(PERSON, "Zofia", "pl")
    async with lifespan(app):
        db = bot.door.db
        await fill_every_table(db, PERSON)
        filled = await rows_naming(db, str(PERSON))
        tables = {where.split(".")[0] for where in filled}
        assert {
            "users",
            "residents",
            "invites",
            "staff",
            "staff_invites",
            "audit",
            "broadcasts",
            "outbox",
            "tickets",
            "ticket_messages",
        } <= tables
        assert await db.fetch_value("SELECT COUNT(*) FROM unanswered") == 1
        stored = await users.get_user(db, "telegram", str(PERSON))
        assert stored is not None
        await Conversations(db, FixedClock(NOW)).begin(stored.id, AskQuestion())  # a pending /ask
        await bot.say(person, "/forget")
        await bot.press(person, "x:yes")
        assert await rows_naming(db, str(PERSON)) == []
        for table in ("unanswered", "unanswered_pending", "schedule", "deliveries", "payments_paid"):
            assert await db.fetch_value(f"SELECT COUNT(*) FROM {table}") == 0, table
        assert await db.fetch_value("SELECT COUNT(*) FROM conversations") == 0  # no pending flow left
        # SQLite: not in free pages of the file, not in old frames of the WAL (secure_delete).
        # PostgreSQL keeps no file of ours: the rows above are the check there.
        files = [tmp_path / "bot.sqlite3", tmp_path / "bot.sqlite3-wal"]
        for file in files:
            data = file.read_bytes() if file.exists() else b""
            assert str(PERSON).encode() not in data and "Jak się nazywa".encode() not in data, file
        # The pending /ask is gone: the next message is an ordinary question, not a ticket.
        calls = await bot.say(person, "Czy mogę mieć kota?")
        assert not [c for c in calls if c.chat_id == STAFF_CHAT]
        assert texts_of(calls)
