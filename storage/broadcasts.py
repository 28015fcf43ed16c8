"""Broadcasts and their outbox: one row per recipient, claimed before the send and marked after.

Audiences (all for one centre, on the channel of the bot serving it, "telegram" for the one bot of
TELEGRAM_BOT_TOKEN; users who blocked the bot are skipped):
- `all`: every user who chose the centre, and its active residents;
- `flats`: active residents of every flat; `flat:<id>`: active residents of one flat;
- `applicants`: users of the centre who are not active residents.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from storage._time import from_text, to_text
from storage.database import Database, Row

CHANNEL = "telegram"  # the one bot's channel; a named bot's is "telegram:<name>" (bot.settings)
Status = Literal["draft", "scheduled", "sending", "done", "cancelled"]
RowStatus = Literal["pending", "sending", "sent", "blocked", "failed"]
AUDIENCES = ("all", "flats", "applicants")  # and flat:<id>

_ACTIVE_USER = (
    "COALESCE((SELECT u.active FROM users u"
    " WHERE u.channel = r.channel AND u.external_id = r.external_id), 1) = 1"
)
# Both take (channel, centre) as their parameters. BIGINT: Telegram ids pass PostgreSQL's 32-bit
# INTEGER (SQLite reads either name as its one integer type).
_USERS = (
    "SELECT CAST(external_id AS BIGINT) AS rid FROM users"
    " WHERE channel = ? AND centre = ? AND active = 1"
)
_RESIDENTS = (
    "SELECT CAST(r.external_id AS BIGINT) AS rid FROM residents r"
    " WHERE r.channel = ? AND r.centre = ?"
    " AND r.status = 'active' AND " + _ACTIVE_USER
)
_NOT_RESIDENT = (
    " AND NOT EXISTS (SELECT 1 FROM residents r WHERE r.channel = users.channel"
    " AND r.external_id = users.external_id AND r.status = 'active')"
)


@dataclass(frozen=True)
class Broadcast:
    id: int
    centre: str
    audience: str
    text: str | None
    created_by: int
    status: str
    send_at: datetime | None
    total: int
    progress_chat: int | None
    progress_message: int | None
    lang: str | None


@dataclass(frozen=True)
class Counts:
    total: int
    sent: int
    blocked: int
    failed: int
    pending: int  # pending or sending

    @property
    def done(self) -> int:
        return self.sent + self.blocked + self.failed


@dataclass(frozen=True)
class Claimed:
    user_id: int
    attempts: int  # including this one


def audience_sql(audience: str, centre: str, channel: str = CHANNEL) -> tuple[str, tuple[str, ...]]:
    """The SELECT of recipient Telegram ids (column `rid`) for an audience, with its parameters."""
    one = (channel, centre)
    if audience == "all":
        return f"{_USERS} UNION {_RESIDENTS}", one + one
    if audience == "flats":
        return _RESIDENTS, one
    if audience.startswith("flat:"):
        return _RESIDENTS + " AND r.flat = ?", (*one, audience.removeprefix("flat:"))
    if audience == "applicants":
        return _USERS + _NOT_RESIDENT, one
    raise ValueError(f"unknown audience {audience!r}")


async def count_audience(db: Database, centre: str, audience: str, channel: str = CHANNEL) -> int:
    sql, args = audience_sql(audience, centre, channel)
    # PostgreSQL wants every subquery in FROM named; SQLite accepts the name.
    return int(await db.fetch_value(f"SELECT COUNT(*) FROM ({sql}) AS audience", args) or 0)


async def flats_with_residents(db: Database, centre: str, channel: str = CHANNEL) -> list[tuple[str, int]]:
    rows = await db.fetch_all(
        "SELECT flat, COUNT(*) FROM residents WHERE channel = ? AND centre = ? AND status = 'active'"
        " GROUP BY flat ORDER BY flat",
        (channel, centre),
    )
    return [(str(r[0]), int(r[1])) for r in rows]


_BROADCAST = (
    "SELECT id, centre, audience, text, created_by, status, send_at, total, progress_chat, progress_message,"
    " lang FROM broadcasts"
)


def _broadcast(row: Row) -> Broadcast:
    return Broadcast(
        id=int(str(row[0])),
        centre=str(row[1]),
        audience=str(row[2]),
        text=None if row[3] is None else str(row[3]),
        created_by=int(str(row[4])),
        status=str(row[5]),
        send_at=None if row[6] is None else from_text(str(row[6])),
        total=int(str(row[7])),
        progress_chat=None if row[8] is None else int(str(row[8])),
        progress_message=None if row[9] is None else int(str(row[9])),
        lang=None if row[10] is None else str(row[10]),
    )


async def create_draft(
    db: Database, centre: str, audience: str, created_by: int, lang: str | None, now: datetime
) -> int:
    """A new draft waiting for its text; earlier drafts of the same person are cancelled."""
    async with db.transaction():
        await db.execute(
            "UPDATE broadcasts SET status = 'cancelled' WHERE created_by = ? AND status = 'draft'",
            (created_by,),
        )
        new_id = await db.fetch_value(
            "INSERT INTO broadcasts (centre, audience, created_by, created_at, status, lang)"
            " VALUES (?, ?, ?, ?, 'draft', ?) RETURNING id",
            (centre, audience, created_by, to_text(now), lang),
        )
    return int(new_id)


async def get(db: Database, broadcast_id: int) -> Broadcast | None:
    row = await db.fetch_one(_BROADCAST + " WHERE id = ?", (broadcast_id,))
    return None if row is None else _broadcast(row)


async def drafters(db: Database) -> set[int]:
    """Staff with a draft still waiting for its text (restored into memory at start)."""
    rows = await db.fetch_all(
        "SELECT DISTINCT created_by FROM broadcasts WHERE status = 'draft' AND text IS NULL"
    )
    return {int(row[0]) for row in rows}


async def open_draft(db: Database, created_by: int) -> Broadcast | None:
    """The person's draft still waiting for its text, if any."""
    row = await db.fetch_one(
        _BROADCAST + " WHERE created_by = ? AND status = 'draft' AND text IS NULL ORDER BY id DESC LIMIT 1",
        (created_by,),
    )
    return None if row is None else _broadcast(row)


async def set_text(db: Database, broadcast_id: int, text: str) -> None:
    await db.execute("UPDATE broadcasts SET text = ? WHERE id = ? AND status = 'draft'", (text, broadcast_id))


async def cancel(db: Database, broadcast_id: int) -> bool:
    """Cancel a draft or a scheduled broadcast (its outbox goes with it); False if it already went."""
    async with db.transaction():
        done = await db.execute(
            "UPDATE broadcasts SET status = 'cancelled' WHERE id = ? AND status IN ('draft', 'scheduled')",
            (broadcast_id,),
        )
        await db.execute("DELETE FROM outbox WHERE broadcast_id = ? AND status = 'pending'", (broadcast_id,))
    return done.rowcount == 1


async def confirm(
    db: Database, broadcast_id: int, now: datetime, send_at: datetime | None = None, channel: str = CHANNEL
) -> int | None:
    """Write every recipient to the outbox and mark the broadcast sending (or scheduled), in ONE transaction.
    The recipients are users and residents of `channel` (the bot serving the centre sends it).

    Returns the number of recipients, or None when the broadcast is not a draft with a text (pressed twice).
    """
    stamp = to_text(now)
    due = to_text(send_at) if send_at is not None else stamp
    async with db.transaction():
        # A write that changes nothing, to lock the row: on PostgreSQL a second confirm (pressed twice,
        # or in another process) waits here and then finds no draft, instead of both reading "draft".
        row = await db.fetch_one(
            "UPDATE broadcasts SET status = status"
            " WHERE id = ? AND status = 'draft' AND text IS NOT NULL RETURNING centre, audience",
            (broadcast_id,),
        )
        if row is None:
            return None
        sql, args = audience_sql(str(row[1]), str(row[0]), channel)
        distinct = sql.replace("SELECT ", "SELECT DISTINCT ", 1)
        await db.execute(
            "INSERT INTO outbox (broadcast_id, user_id, status, attempts, next_attempt_at, updated_at)"
            f" SELECT ?, rid, 'pending', 0, ?, ? FROM ({distinct}) AS audience"
            " WHERE true ON CONFLICT (broadcast_id, user_id) DO NOTHING",
            (broadcast_id, due, stamp, *args),
        )
        total = int(
            await db.fetch_value("SELECT COUNT(*) FROM outbox WHERE broadcast_id = ?", (broadcast_id,)) or 0
        )
        await db.execute(
            "UPDATE broadcasts SET status = ?, total = ?, send_at = ? WHERE id = ?",
            (
                "scheduled" if send_at is not None else "sending",
                total,
                None if send_at is None else due,
                broadcast_id,
            ),
        )
    return total


async def start_scheduled(db: Database, broadcast_id: int, now: datetime) -> bool:
    """Its time has come (the JobQueue says so): mark it sending and make every waiting row due now."""
    async with db.transaction():
        done = await db.execute(
            "UPDATE broadcasts SET status = 'sending' WHERE id = ? AND status = 'scheduled'", (broadcast_id,)
        )
        if done.rowcount == 1:
            await db.execute(
                "UPDATE outbox SET next_attempt_at = ? WHERE broadcast_id = ? AND status = 'pending'",
                (to_text(now), broadcast_id),
            )
    return done.rowcount == 1


async def set_progress_message(db: Database, broadcast_id: int, chat: int, message: int) -> None:
    await db.execute(
        "UPDATE broadcasts SET progress_chat = ?, progress_message = ? WHERE id = ?",
        (chat, message, broadcast_id),
    )


async def with_status(db: Database, status: Status, centres: frozenset[str] | None = None) -> list[Broadcast]:
    """Broadcasts in `status`; only of `centres` when given (a named bot sends its centres' only)."""
    where, args = "status = ?", [str(status)]
    if centres is not None:
        where += f" AND centre IN ({', '.join('?' * len(centres))})" if centres else " AND false"
        args += sorted(centres)
    rows = await db.fetch_all(_BROADCAST + f" WHERE {where} ORDER BY id", args)
    return [_broadcast(row) for row in rows]


async def recent(db: Database, centre: str | None, limit: int = 5) -> list[Broadcast]:
    where = "status IN ('scheduled', 'sending', 'done')" + (" AND centre = ?" if centre else "")
    args: tuple[object, ...] = (centre, limit) if centre else (limit,)
    rows = await db.fetch_all(_BROADCAST + f" WHERE {where} ORDER BY id DESC LIMIT ?", args)
    return [_broadcast(row) for row in rows]


async def finish(db: Database, broadcast_id: int, now: datetime) -> bool:
    """Mark it done once no row is waiting or in flight (another process may still be sending)."""
    done = await db.execute(
        "UPDATE broadcasts SET status = 'done', finished_at = ? WHERE id = ? AND status = 'sending'"
        " AND NOT EXISTS (SELECT 1 FROM outbox WHERE broadcast_id = ? AND status IN ('pending', 'sending'))",
        (to_text(now), broadcast_id, broadcast_id),
    )
    return done.rowcount == 1


# --- the outbox --------------------------------------------------------------------------------


# Claimable: due and waiting, or claimed by a process whose lease ran out (it died mid-send).
_CLAIMABLE = (
    "broadcast_id = ? AND ((status = 'pending' AND next_attempt_at <= ?)"
    " OR (status = 'sending' AND lease_until <= ?))"
)
_CLAIM_SET = "status = 'sending', attempts = attempts + 1, claimed_by = ?, lease_until = ?, updated_at = ?"


async def claim(
    db: Database, broadcast_id: int, now: datetime, limit: int, claimer: str, lease_until: datetime
) -> list[Claimed]:
    """Claim up to `limit` claimable rows for `claimer` until `lease_until` (one attempt counted), in ONE
    statement committed BEFORE they are sent: two processes never get the same row."""
    stamp, until = to_text(now), to_text(lease_until)
    if db.dialect == "postgres":
        # SKIP LOCKED: rows another process is claiming at this moment are passed over, not waited for.
        rows = await db.fetch_all(
            f"WITH picked AS (SELECT broadcast_id, user_id FROM outbox WHERE {_CLAIMABLE}"
            " ORDER BY next_attempt_at, user_id LIMIT ? FOR UPDATE SKIP LOCKED)"
            f" UPDATE outbox o SET {_CLAIM_SET}"
            " FROM picked WHERE o.broadcast_id = picked.broadcast_id AND o.user_id = picked.user_id"
            " RETURNING o.user_id, o.attempts",
            (broadcast_id, stamp, stamp, limit, claimer, until, stamp),
        )
    else:
        # SQLite has one writer at a time (the database lock): the subquery and the update are one step.
        rows = await db.fetch_all(
            f"UPDATE outbox SET {_CLAIM_SET} WHERE broadcast_id = ? AND user_id IN"
            f" (SELECT user_id FROM outbox WHERE {_CLAIMABLE} ORDER BY next_attempt_at, user_id LIMIT ?)"
            " RETURNING user_id, attempts",
            (claimer, until, stamp, broadcast_id, broadcast_id, stamp, stamp, limit),
        )
    return sorted((Claimed(int(r[0]), int(r[1])) for r in rows), key=lambda c: c.user_id)


async def mark(
    db: Database,
    broadcast_id: int,
    marks: list[tuple[int, RowStatus, datetime | None, bool]],
    now: datetime,
    claimer: str,
    channel: str = CHANNEL,
) -> int:
    """(user_id, status, next attempt for 'pending', refund the attempt) for each sent row; one unit.

    Only rows `claimer` still holds are marked (a row whose lease ran out and that another process
    claimed is theirs now); returns how many were."""
    stamp = to_text(now)
    blocked = [(channel, str(user_id)) for user_id, status, _, _ in marks if status == "blocked"]
    held = 0
    async with db.transaction():
        for user_id, status, due, refund in marks:
            next_at = None if due is None else to_text(due)
            done = await db.execute(
                "UPDATE outbox SET status = ?, next_attempt_at = COALESCE(?, next_attempt_at),"
                " attempts = attempts - ?, updated_at = ?, claimed_by = NULL, lease_until = NULL"
                " WHERE broadcast_id = ? AND user_id = ? AND status = 'sending' AND claimed_by = ?",
                (status, next_at, int(refund), stamp, broadcast_id, user_id, claimer),
            )
            held += max(0, done.rowcount)
        if blocked:
            await db.execute_many(
                "UPDATE users SET active = 0 WHERE channel = ? AND external_id = ?", blocked
            )
    return held


async def next_due(db: Database, broadcast_id: int) -> datetime | None:
    """The earliest moment a row may be claimable: a pending row's next attempt, or the end of a lease
    (another process sending, or one that died); None when nothing is left to send."""
    first = await db.fetch_value(
        "SELECT MIN(CASE WHEN status = 'pending' THEN next_attempt_at ELSE lease_until END) FROM outbox"
        " WHERE broadcast_id = ? AND status IN ('pending', 'sending')",
        (broadcast_id,),
    )
    return None if first is None else from_text(str(first))


async def counts(db: Database, broadcast_id: int) -> Counts:
    rows = await db.fetch_all(
        "SELECT status, COUNT(*) FROM outbox WHERE broadcast_id = ? GROUP BY status", (broadcast_id,)
    )
    by = {str(r[0]): int(r[1]) for r in rows}
    return Counts(
        total=sum(by.values()),
        sent=by.get("sent", 0),
        blocked=by.get("blocked", 0),
        failed=by.get("failed", 0),
        pending=by.get("pending", 0) + by.get("sending", 0),
    )


async def reactivate(db: Database, user_id: int, channel: str = CHANNEL) -> None:
    """The user wrote to us again, so they unblocked the bot: broadcasts reach them again.
    Writes only when the user was inactive, so the common case costs one indexed read."""
    await db.execute(
        "UPDATE users SET active = 1 WHERE channel = ? AND external_id = ? AND active = 0",
        (channel, str(user_id)),
    )
