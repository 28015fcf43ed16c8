"""A publish reaches every running door, also a separate Telegram-only process on the same database.

Two real processes: the Telegram bot (`tests.bot_process_main`, as `python -m bot run` without the
web port) against the fake Bot API, and this test's process publishing with the editor. The bot
answers the new text without /reload and without a restart. The follower itself (own publish not
reloaded twice, another's reloaded once, a broken folder keeping the running content) is tested in
process with a signal that moves only when the test says so."""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import time
from pathlib import Path

from bot.clock import FixedClock
from bot.domain.content import Content
from bot.editor import documents as docs
from bot.editor.service import Editor
from bot.editor.sync import ContentSync, NotifySignal, PollingSignal, version_signal
from bot.staff.access import Access
from storage import connect, content_version
from storage.open import open_database
from tests.conftest import CONTENT_DIR, PINNED
from tests.fakebotapi import FakeBotAPI, FakeBotAPIServer, TgUser
from tests.test_faults import bot_env, start_bot, stop

NEW_EN = "Published in another process: the office is open on Mondays only."
ADMIN = Access(1, "admin", "gliwice")


async def publish_hours(root: Path, database: Path, text: str) -> None:
    db = await connect(database)
    try:
        editor = Editor(root, db, FixedClock(PINNED))
        doc, entry = editor.open("gliwice/faq.yaml", "hours")
        assert entry is not None
        values = docs.form_values(entry, centre_file=False) | {"text.en": text}
        draft = await editor.publish(ADMIN, doc.path, "hours", values, doc.version)
        assert not draft.problems
    finally:
        await db.close()


async def logged(log: Path, line: str, within: float = 60.0) -> None:
    """Readiness, not a fixed wait: the other process reads the version every 2 s and logs its reload."""
    deadline = time.monotonic() + within
    while line not in await asyncio.to_thread(log.read_text, encoding="utf-8"):
        assert time.monotonic() < deadline, f"the bot never logged {line!r}"
        await asyncio.sleep(0.05)


async def ask(api: FakeBotAPI, user: TgUser, text: str) -> str:
    before = len(api.outgoing(user.id))
    api.says(user, text)
    sent = await api.wait_outgoing(user.id, before + 1, within=60)
    return sent[-1].visible


async def test_a_publish_in_one_process_reaches_the_telegram_only_process(tmp_path: Path) -> None:
    root = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, root)
    env = bot_env(tmp_path, CONTENT_DIR=str(root))
    anna = TgUser(7101, "Anna", "en")
    async with FakeBotAPIServer() as server:
        api = server.api
        process = await start_bot(server.base_url, env, tmp_path / "bot.log")
        try:
            await ask(api, anna, "/start gliwice")
            assert NEW_EN not in await ask(api, anna, "opening hours")
            await publish_hours(root, tmp_path / "bot.sqlite3", NEW_EN)
            log = tmp_path / "bot.log"
            await logged(log, "published elsewhere: reloaded")
            assert NEW_EN in await ask(api, anna, "opening hours")
        finally:
            await stop(process)


class Signal:
    """A version that moves only when the test announces one; `changed` returns at once or waits."""

    def __init__(self) -> None:
        self.version = 0
        self.moved = asyncio.Event()

    async def current(self) -> int:
        return self.version

    async def announce(self) -> int:
        self.version += 1
        self.moved.set()
        return self.version

    async def changed(self, seen: int) -> int:
        while self.version == seen:
            self.moved.clear()
            await self.moved.wait()
        return self.version

    async def close(self) -> None:
        return None


async def test_the_follower_reloads_another_publish_once_and_never_its_own(tmp_path: Path) -> None:
    root = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, root)
    signal = Signal()
    got: list[Content] = []
    sync = ContentSync(root, signal, [got.append])
    await sync.start()
    try:
        async with sync.lock:
            await sync.announce()  # this process's own publish: it already runs that content
        await asyncio.sleep(0)
        assert got == []
        signal.version += 1  # another process published
        signal.moved.set()
        for _ in range(200):
            if got:
                break
            await asyncio.sleep(0.01)
        assert len(got) == 1 and "gliwice" in got[0].centres
        assert sync.seen == signal.version
    finally:
        await sync.stop()


async def test_a_broken_folder_keeps_the_running_content_and_following_goes_on(tmp_path: Path) -> None:
    root = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, root)
    signal = Signal()
    got: list[Content] = []
    sync = ContentSync(root, signal, [got.append])
    await sync.start()
    try:
        good = (root / "gliwice/faq.yaml").read_bytes()
        (root / "gliwice/faq.yaml").write_text("entries: [", encoding="utf-8")
        signal.version += 1
        signal.moved.set()
        for _ in range(200):
            if sync.seen == signal.version:
                break
            await asyncio.sleep(0.01)
        assert sync.seen == 1 and got == []  # nothing swapped in
        (root / "gliwice/faq.yaml").write_bytes(good)
        signal.version += 1
        signal.moved.set()
        for _ in range(200):
            if got:
                break
            await asyncio.sleep(0.01)
        assert len(got) == 1
    finally:
        await sync.stop()


async def test_the_polling_signal_reads_the_version_a_publish_commits(tmp_path: Path) -> None:
    db = await connect(tmp_path / "bot.sqlite3")
    other = await connect(tmp_path / "bot.sqlite3")
    try:
        ticks: list[float] = []
        ticked = asyncio.Event()

        async def tick(seconds: float) -> None:  # no wall clock: a period passes when the loop turns
            ticks.append(seconds)
            ticked.set()
            await asyncio.sleep(0)

        watcher = PollingSignal(other, interval=2.0, sleep=tick)
        assert await watcher.current() == 0
        waiting = asyncio.create_task(watcher.changed(0))
        await asyncio.wait_for(ticked.wait(), 5)
        assert not waiting.done()  # polling, not yet changed
        async with db.transaction():
            assert await content_version.bump(db) == 1
        assert await asyncio.wait_for(waiting, 5) == 1
        assert set(ticks) == {2.0}
    finally:
        await db.close()
        await other.close()


async def test_on_postgresql_a_publish_wakes_the_other_process_at_once(pg_url: str) -> None:
    publisher, follower = await open_database(pg_url), await open_database(pg_url)
    try:
        # No polling to fall back on within the test: only the notification can wake the follower.
        watcher = NotifySignal(follower, fallback=3600.0)
        assert isinstance(version_signal(publisher), NotifySignal)
        await watcher.listen()  # a connection of its own, LISTENing
        waiting = asyncio.create_task(watcher.changed(0))
        async with publisher.transaction():  # a publish: the bump and its NOTIFY in one unit
            assert await NotifySignal(publisher).announce() == 1
        assert await asyncio.wait_for(waiting, 10) == 1
        with contextlib.suppress(RuntimeError):
            async with publisher.transaction():  # a publish that fails announces nothing
                await NotifySignal(publisher).announce()
                raise RuntimeError("the file could not be written")
        assert await watcher.current() == 1
        again = asyncio.create_task(watcher.changed(1))
        async with publisher.transaction():
            assert await NotifySignal(publisher).announce() == 2
        assert await asyncio.wait_for(again, 10) == 2
        await watcher.close()
    finally:
        await publisher.close()
        await follower.close()


async def test_on_sqlite_the_signal_polls(tmp_path: Path) -> None:
    db = await connect(tmp_path / "bot.sqlite3")
    try:
        assert isinstance(version_signal(db), PollingSignal)
    finally:
        await db.close()
