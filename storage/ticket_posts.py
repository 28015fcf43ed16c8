"""Messages for Telegram that the web door leaves in the database (migration 017): a web ticket
for the staff chat, a panel answer for a Telegram user, notices. The web door and the bot may be
separate processes, so nothing passes through memory; a Telegram process claims due rows with a
lease (as the outbox: one statement, committed before the send, so two processes never get the same
row), sends them and deletes them. A ticket's rows are claimed one at a time, in order.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal, cast

from storage._time import to_text
from storage.database import Database, Row
from storage.web_tickets import WEB_CHANNEL

PostKind = Literal["ticket", "answer", "notice"]

_COLUMNS = "id, ticket_id, kind, chat_id, lang, header, body, attempts"


@dataclass(frozen=True)
class Post:
    id: int
    ticket_id: int
    kind: PostKind
    chat_id: int | None  # None: the staff chat
    lang: str
    header: str
    body: str
    attempts: int  # counting the claim that returned it


async def add(
    db: Database,
    ticket_id: int,
    kind: PostKind,
    chat_id: int | None,
    lang: str,
    header: str,
    body: str,
    now: datetime,
) -> int:
    stamp = to_text(now)
    new_id = await db.fetch_value(
        "INSERT INTO ticket_posts (ticket_id, kind, chat_id, lang, header, body, next_attempt_at, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        (ticket_id, kind, chat_id, lang, header, body, stamp, stamp),
    )
    return int(new_id)


# Due, not held by a live claim, and the oldest of its ticket: a follow-up never overtakes the ticket.
_CLAIMABLE = (
    "p.next_attempt_at <= ? AND (p.lease_until IS NULL OR p.lease_until <= ?)"
    " AND NOT EXISTS (SELECT 1 FROM ticket_posts e WHERE e.ticket_id = p.ticket_id AND e.id < p.id)"
)
_CLAIM_SET = "attempts = attempts + 1, claimed_by = ?, lease_until = ?"


@dataclass(frozen=True)
class Share:
    """The posts one named bot sends (several bots, issue 15): those of tickets opened on its own
    channel (a ticket without a centre too), and of web tickets of its centres."""

    channel: str
    centres: frozenset[str]


async def claim(
    db: Database,
    now: datetime,
    limit: int,
    claimer: str,
    lease_until: datetime,
    share: Share | None = None,
) -> list[Post]:
    """Claim up to `limit` due rows for `claimer` until `lease_until`, in ONE statement; with
    `share`, only that bot's posts (None: every post, the one bot's)."""
    stamp, until = to_text(now), to_text(lease_until)
    where, only = _CLAIMABLE, tuple[str, ...]()
    if share is not None:
        centres = tuple(sorted(share.centres))
        marks = ", ".join("?" for _ in centres) or "NULL"
        where += (
            " AND p.ticket_id IN (SELECT id FROM tickets WHERE channel = ?"
            f" OR (channel = ? AND centre IN ({marks})))"
        )
        only = (share.channel, WEB_CHANNEL, *centres)
    if db.dialect == "postgres":
        # SKIP LOCKED: rows another process is claiming at this moment are passed over, not waited for.
        rows = await db.fetch_all(
            f"WITH picked AS (SELECT p.id FROM ticket_posts p WHERE {where}"
            " ORDER BY p.id LIMIT ? FOR UPDATE OF p SKIP LOCKED)"
            f" UPDATE ticket_posts t SET {_CLAIM_SET} FROM picked WHERE t.id = picked.id"
            f" RETURNING {', '.join('t.' + c for c in _COLUMNS.split(', '))}",
            (stamp, stamp, *only, limit, claimer, until),
        )
    else:
        # SQLite has one writer at a time: the subquery and the update are one step.
        rows = await db.fetch_all(
            f"UPDATE ticket_posts SET {_CLAIM_SET} WHERE id IN"
            f" (SELECT p.id FROM ticket_posts p WHERE {where} ORDER BY p.id LIMIT ?)"
            f" RETURNING {_COLUMNS}",
            (claimer, until, stamp, stamp, *only, limit),
        )
    return sorted((_post(r) for r in rows), key=lambda post: post.id)


async def finish(db: Database, post_id: int, claimer: str) -> bool:
    """Sent (or given up): the row goes, its text with it; False if `claimer` no longer holds it."""
    done = await db.execute("DELETE FROM ticket_posts WHERE id = ? AND claimed_by = ?", (post_id, claimer))
    return done.rowcount == 1


async def retry_at(db: Database, post_id: int, claimer: str, moment: datetime) -> bool:
    """Not sent this time: claimable again from `moment`."""
    done = await db.execute(
        "UPDATE ticket_posts SET claimed_by = NULL, lease_until = NULL, next_attempt_at = ?"
        " WHERE id = ? AND claimed_by = ?",
        (to_text(moment), post_id, claimer),
    )
    return done.rowcount == 1


async def waiting(db: Database) -> list[Post]:
    """Every row not sent yet, oldest first."""
    rows = await db.fetch_all(f"SELECT {_COLUMNS} FROM ticket_posts ORDER BY id")
    return [_post(r) for r in rows]


def _post(row: Row) -> Post:
    chat = row[3]
    return Post(
        int(str(row[0])),
        int(str(row[1])),
        cast(PostKind, str(row[2])),
        None if chat is None else int(str(chat)),
        str(row[4]),
        str(row[5]),
        str(row[6]),
        int(str(row[7])),
    )
