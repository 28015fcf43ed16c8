"""Storage functions where the two engines could part ways, run on both (`database`): ids past
PostgreSQL's 32-bit INTEGER, prefix matching without LIKE's quirks, and the read-then-write steps
that READ COMMITTED would let two callers through at once."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from storage import broadcasts, content_history, tickets, users
from storage.database import Database

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
LEASE_END = NOW + timedelta(minutes=2)  # far beyond the test: no row is claimable twice
BIG = 7_123_456_789  # a real-looking Telegram id, past 2**31


async def a_draft(db: Database, recipients: list[int]) -> int:
    await users.add_users(db, "telegram", [str(r) for r in recipients], "gliwice", "pl", NOW)
    bid = await broadcasts.create_draft(db, "gliwice", "all", 1, "pl", NOW)
    await broadcasts.set_text(db, bid, "Jutro brak wody")
    return bid


async def test_telegram_ids_past_32_bits_reach_the_outbox(database: Database) -> None:
    bid = await a_draft(database, [BIG, 42])
    assert await broadcasts.confirm(database, bid, NOW) == 2
    claimed = await broadcasts.claim(database, bid, NOW, 10, "p1", LEASE_END)
    assert sorted(c.user_id for c in claimed) == [42, BIG]


async def test_a_broadcast_confirmed_twice_at_once_is_written_once(database: Database) -> None:
    bid = await a_draft(database, list(range(100, 150)))
    results = await asyncio.gather(*(broadcasts.confirm(database, bid, NOW) for _ in range(4)))
    assert sorted(results, key=str) == [50, None, None, None]
    assert (await broadcasts.counts(database, bid)).total == 50


async def test_claims_at_once_never_hand_out_a_row_twice(database: Database) -> None:
    bid = await a_draft(database, list(range(1000, 1300)))
    await broadcasts.confirm(database, bid, NOW)
    claimed: list[int] = []
    claims = (broadcasts.claim(database, bid, NOW, 25, f"p{n}", LEASE_END) for n in range(6))
    while batch := await asyncio.gather(*claims):
        rows = [c.user_id for claim in batch for c in claim]
        if not rows:
            break
        claimed += rows
        claims = (broadcasts.claim(database, bid, NOW, 25, f"p{n}", LEASE_END) for n in range(6))
    assert sorted(claimed) == list(range(1000, 1300))  # each exactly once


async def test_one_open_ticket_however_many_ask_at_once(database: Database) -> None:
    asking = (tickets.open_ticket(database, "telegram", BIG, "gliwice", NOW) for _ in range(8))
    opened = await asyncio.gather(*asking)
    assert len({ticket.id for ticket in opened}) == 1
    assert await database.fetch_value("SELECT COUNT(*) FROM tickets WHERE status = 'open'") == 1


async def test_a_folder_history_is_its_own_files_only(database: Database) -> None:
    for path in ("gli_ce/faq.yaml", "gliXce/faq.yaml", "GLI_CE/faq.yaml", "shared.yaml", "gli_ce/rules.yaml"):
        await content_history.add(database, NOW, 1, path, None, "edit", "-a\n+b", "a", "b")
    assert sorted(c.path for c in await content_history.of_folder(database, "gli_ce")) == [
        "gli_ce/faq.yaml",
        "gli_ce/rules.yaml",
    ]
    assert [c.path for c in await content_history.of_folder(database, "")] == ["shared.yaml"]
