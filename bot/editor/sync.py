"""Every running door answers from what was published, whichever process published it.

A publish bumps the content version in the database, in the same unit of work as its history
row. Each process runs one `ContentSync`: it remembers the version it runs, waits for another one
through a `VersionSignal`, and then reloads content/ the way /reload does (files read and the
knowledge built off the event loop, then one swap in every door of the process). A staff member's
/reload in any bot goes through it too (`reload_everywhere`): every bot and door of the process
swaps, and the version is announced like a publish's, so the other processes reload as well. A Telegram-only
process (`python -m bot run` without the web port) follows a publish made by `python -m bot web`.

`VersionSignal` is the seam for the engine (`version_signal` picks one): `PollingSignal` reads the
row every few seconds and works on every engine (SQLite has one process per file anyway); on
PostgreSQL `NotifySignal`'s announce also runs `NOTIFY content_version` in the same unit of work and
its `changed` wakes on the notification (LISTEN, on a pooled connection of its own), reading the
row on its own only every `FALLBACK_SECONDS`, in case a notification was lost with its connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from bot.domain import knowledge
from bot.domain.content import Content
from bot.domain.loader import ContentError, load_content
from storage import StorageError, content_version
from storage.database import Database

log = logging.getLogger("bot.editor")
Listener = Callable[[Content], None]
POLL_SECONDS = 2.0  # a publish reaches the other processes within this; one tiny read per period


class VersionSignal(Protocol):
    """Where processes learn that content was published."""

    async def current(self) -> int:
        """The version published last."""
        ...

    async def announce(self) -> int:
        """One more version, inside the publish's unit of work (its caller commits); the new number."""
        ...

    async def changed(self, seen: int) -> int:
        """Return once the published version is not `seen` (it may be one this process announced)."""
        ...

    async def close(self) -> None:
        """Let go of what following held (a listening connection)."""
        ...


@dataclass
class PollingSignal:
    """The version row read every `interval` seconds: works on every engine, costs one small read."""

    db: Database
    interval: float = POLL_SECONDS
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep

    async def current(self) -> int:
        return await content_version.current(self.db)

    async def announce(self) -> int:
        return await content_version.bump(self.db)

    async def changed(self, seen: int) -> int:
        while True:
            try:
                version = await self.current()
            except (StorageError, sqlite3.Error, OSError, ValueError) as exc:  # locked, lost, closing: again
                log.warning("cannot read the content version: %s", exc)
                version = seen
            if version != seen:
                return version
            await self.sleep(self.interval)

    async def close(self) -> None:
        return None


FALLBACK_SECONDS = 30.0  # NotifySignal reads the row itself this often, whatever it hears


@dataclass
class NotifySignal:
    """PostgreSQL: a publish NOTIFYs every process, which reloads at once instead of polling."""

    db: Database
    fallback: float = FALLBACK_SECONDS
    _woken: asyncio.Event = field(default_factory=asyncio.Event)
    _listening: content_version.Listening | None = None

    async def current(self) -> int:
        return await content_version.current(self.db)

    async def announce(self) -> int:
        version = await content_version.bump(self.db)
        await content_version.notify(self.db, version)  # sent when the publish's unit commits
        return version

    async def listen(self) -> None:
        """LISTEN from now on (again, after its connection was lost); `changed` starts with it."""
        if self._listening is None or not self._listening.alive:
            await self.close()
            self._listening = await content_version.listen(self.db, self._woken.set)

    async def changed(self, seen: int) -> int:
        while True:
            await self.listen()
            self._woken.clear()  # before reading: a notification from now on is not missed
            try:
                version = await self.current()
            except (StorageError, OSError, ValueError) as exc:  # lost, closing: again
                log.warning("cannot read the content version: %s", exc)
                version = seen
            if version != seen:
                return version
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._woken.wait(), self.fallback)

    async def close(self) -> None:
        if self._listening is not None:
            listening, self._listening = self._listening, None
            await listening.stop()


def version_signal(db: Database) -> VersionSignal:
    """How this process learns of publishes: NOTIFY on PostgreSQL, polling the row on SQLite."""
    return NotifySignal(db) if db.dialect == "postgres" else PollingSignal(db)


async def prepared(root: Path) -> Content:
    """content/ loaded and its knowledge built, both off the event loop (the running content answers
    meanwhile); ContentError, with its file:line problems, if it is invalid."""
    content = await asyncio.to_thread(load_content, root)
    await asyncio.to_thread(knowledge.prepare, content)
    return content


async def load_prepared(root: Path) -> Content | None:
    """`prepared`, or None (logged) if the content is invalid."""
    try:
        return await prepared(root)
    except ContentError:
        log.exception("the content on disk does not load; the doors keep the running content")
        return None


@dataclass
class ContentSync:
    """One per process: the content version it runs, the reload into its doors, and following others.

    `lock` is held by a publish from the check of the file's version to its reload, by a staff
    member's /reload from the load to the announce, and by a reload that follows another process,
    so none of them interleave in one process.
    """

    root: Path
    signal: VersionSignal
    listeners: list[Listener] = field(default_factory=list)
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    seen: int = 0
    _task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Follow publishes from now on (the content loaded at start is the current version)."""
        self.seen = await self.signal.current()
        self._task = asyncio.create_task(self._follow(), name="content-sync")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        await self.signal.close()

    async def announce(self) -> None:
        """A publish of this process (holding `lock`): the others reload, this one already runs it."""
        self.seen = await self.signal.announce()

    async def reload(self) -> Content | None:
        """The same path as /reload: load, build the knowledge off the loop, then swap in every door."""
        content = await load_prepared(self.root)
        if content is not None:
            self._swap(content)
        return content

    async def reload_everywhere(self) -> Content:
        """/reload: content/ loaded and prepared off the loop, swapped into every door of this process
        (every bot, the web door) and announced, so every other process reloads it too.

        Invalid content raises ContentError (its file:line problems) and changes nothing anywhere:
        no door swaps, no version is announced. The announce is one statement, its own unit of work.
        """
        async with self.lock:
            content = await prepared(self.root)
            self.seen = await self.signal.announce()  # our own: the follower here skips it
            self._swap(content)
        return content

    def _swap(self, content: Content) -> None:
        for listener in self.listeners:
            listener(content)

    async def _follow(self) -> None:
        while True:
            version = await self.signal.changed(self.seen)
            async with self.lock:
                if version == self.seen:
                    continue  # our own publish, announced while we were waiting
                self.seen = version
                try:
                    if await self.reload() is not None:
                        log.info("content version %d published elsewhere: reloaded", version)
                except Exception:  # one failed reload must not stop following the next publish
                    log.exception("reloading published content failed")
