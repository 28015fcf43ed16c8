"""`/forget`: every row about one person, in every table, deleted or anonymised in one transaction.

Deleted: the user, their resident record (with its schedule, deliveries and payments, by cascade),
their tickets on that channel (with the message mapping), their outbox rows, their staff
membership and panel sessions, their unfinished broadcast drafts. Anonymised (the rows are other
people's history or counts): invites they used or created, staff invites, audit rows (actor 0,
target cleared), broadcasts they sent and their progress messages. Unanswered questions are
deleted by the caller through bot.privacy (they are keyed by a hash of the person, not their id).
"""

from __future__ import annotations

from storage.database import Database

FORGOTTEN = "forgotten"  # written where a NOT NULL text column named the person


async def forget_person(db: Database, channel: str, external_id: str) -> None:
    """Remove or anonymise everything that names `external_id` on `channel`, all or nothing.

    Joins the caller's unit of work when there is one (bot.dialogue's /forget); call
    `scrub_old_pages` after that unit has committed."""
    numeric = int(external_id) if external_id.isascii() and external_id.lstrip("-").isdigit() else None
    async with db.transaction():
        await _texts(db, channel, external_id)
        if numeric is not None:
            await _numbers(db, channel, numeric, external_id)
    if not db.in_transaction:
        await scrub_old_pages(db)


async def scrub_old_pages(db: Database) -> None:
    """After a /forget has committed: the WAL still holds the old pages until a checkpoint; copy
    them home and empty it now. (Best effort: a reader on another connection can delay it; the next
    checkpoint finishes it. PostgreSQL has no such file of ours to empty.)"""
    if db.dialect == "sqlite":
        await db.fetch_all("PRAGMA wal_checkpoint(TRUNCATE)")


async def _texts(db: Database, channel: str, external_id: str) -> None:
    """Tables that hold the person as channel + external id (text)."""
    await db.execute("DELETE FROM users WHERE channel = ? AND external_id = ?", (channel, external_id))
    await db.execute("DELETE FROM residents WHERE channel = ? AND external_id = ?", (channel, external_id))
    await db.execute("UPDATE invites SET used_by = NULL WHERE used_by = ?", (external_id,))
    await db.execute("UPDATE invites SET created_by = ? WHERE created_by = ?", (FORGOTTEN, external_id))


async def _numbers(db: Database, channel: str, user_id: int, text_id: str) -> None:
    """Tables that hold the person as a Telegram user or chat id (integer)."""
    # Their tickets on this channel go (the same id on another bot is another user, migration 019);
    # ticket_messages and ticket_lines follow by cascade.
    await db.execute("DELETE FROM ticket_messages WHERE channel = ? AND chat_id = ?", (channel, user_id))
    await db.execute("DELETE FROM tickets WHERE channel = ? AND user_chat = ?", (channel, user_id))
    await db.execute("DELETE FROM outbox WHERE user_id = ?", (user_id,))
    await db.execute("DELETE FROM broadcasts WHERE created_by = ? AND status = 'draft'", (user_id,))
    await db.execute("UPDATE broadcasts SET created_by = 0 WHERE created_by = ?", (user_id,))
    await db.execute(
        "UPDATE broadcasts SET progress_chat = NULL, progress_message = NULL WHERE progress_chat = ?",
        (user_id,),
    )
    await db.execute("DELETE FROM staff WHERE user_id = ?", (user_id,))
    await db.execute("UPDATE staff SET added_by = 0 WHERE added_by = ?", (user_id,))
    await db.execute("UPDATE staff_invites SET created_by = 0 WHERE created_by = ?", (user_id,))
    await db.execute("UPDATE staff_invites SET used_by = NULL WHERE used_by = ?", (user_id,))
    await db.execute("UPDATE audit SET actor = 0 WHERE actor = ?", (user_id,))
    # Targets are short texts like "1234", "wodzislaw:1234" or "1234:56": clear any that hold the id.
    await db.execute("UPDATE audit SET target = NULL WHERE target LIKE '%' || ? || '%'", (text_id,))
    for table in ("panel_links", "panel_sessions"):  # the web door's staff logins (migration 007)
        if await _exists(db, table):
            await db.execute(f"DELETE FROM {table} WHERE user_id = ?", (user_id,))  # fixed names, not input


async def _exists(db: Database, table: str) -> bool:
    if db.dialect != "sqlite":
        return True  # every migration has run on an engine that is not the SQLite file of old
    sql = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?"
    return await db.fetch_one(sql, (table,)) is not None
