"""SIGKILL in the middle of a 2,000-recipient broadcast, then a restart: nobody is lost, and only the
messages in flight at the moment of the kill (at most the worker's concurrency) are sent twice, once
the killed worker's lease on them has run out."""

from __future__ import annotations

import asyncio
import signal
import sys
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from storage import broadcasts, connect, users
from tests.data import PROJECT
from tests.fakebotapi import FakeBotAPI, FakeBotAPIServer

RECIPIENTS = 2000
CONCURRENCY = 8
LEASE = 2.0  # seconds: the rows the killed worker held are claimable again this soon
FIRST_ID = 5_000_000
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


async def prepare(path: Path) -> int:
    db = await connect(path)
    try:
        ids = [str(FIRST_ID + i) for i in range(RECIPIENTS)]
        await users.add_users(db, "telegram", ids, "gliwice", "pl", NOW)
        bid = await broadcasts.create_draft(db, "gliwice", "all", 1, "pl", NOW)
        await broadcasts.set_text(db, bid, "Jutro brak wody w budynku przy Lompy")
        assert await broadcasts.confirm(db, bid, NOW) == RECIPIENTS
        return bid
    finally:
        await db.close()


async def start_worker(db: Path, base_url: str, bid: int, log: Path) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.broadcast_worker_main",
        "--db", str(db), "--base-url", base_url, "--broadcast", str(bid),
        "--rate", "2000", "--concurrency", str(CONCURRENCY), "--lease", str(LEASE),
        cwd=PROJECT, stdout=asyncio.subprocess.DEVNULL, stderr=log.open("ab"),
    )  # fmt: skip


async def test_sigkill_in_the_middle_of_a_broadcast_loses_nobody(tmp_path: Path) -> None:
    db_path, log = tmp_path / "bot.sqlite3", tmp_path / "worker.log"
    bid = await prepare(db_path)
    api = FakeBotAPI()
    async with FakeBotAPIServer(api) as server:
        first = await start_worker(db_path, server.base_url, bid, log)
        await api.wait_for(lambda: len(api.calls_to("sendMessage")) >= 500, within=30)
        first.send_signal(signal.SIGKILL)
        assert await first.wait() == -signal.SIGKILL
        at_kill = len(api.calls_to("sendMessage"))
        assert at_kill < RECIPIENTS, "the kill came too late to prove anything"
        second = await start_worker(db_path, server.base_url, bid, log)
        assert await asyncio.wait_for(second.wait(), 60) == 0, log.read_text()
    sends = Counter(call.chat_id for call in api.calls_to("sendMessage", ok=True))
    assert set(sends) == set(range(FIRST_ID, FIRST_ID + RECIPIENTS))  # every recipient got it
    duplicates = sum(sends.values()) - RECIPIENTS
    assert duplicates <= CONCURRENCY
    db = await connect(db_path)
    try:
        final = await broadcasts.counts(db, bid)
        item = await broadcasts.get(db, bid)
    finally:
        await db.close()
    assert (final.sent, final.pending) == (RECIPIENTS, 0)
    assert item is not None and item.status == "done"
