"""One bot token's outgoing budget shared by every process on one PostgreSQL database (issue 15).

`SharedBudget` is a `LocalBudget` (replies first, per-chat buckets, the bulk cap, pauses: all
within this process) whose global tokens also need a lease from the database: the processes lease
a few sends at a time of the token's one-second window (storage/send_budget.py, one round trip), so
together they never send more than the limit in a window, and never more than its share due so far
(the limit paced over the second: two processes leasing at a window's start would otherwise send
it all in its first half, twice the rate). When what is due is taken a process waits for the next
step, or the next window. A lease is only good in its window: a process that dies, or has nothing more to
send, loses at most its unused lease for the rest of that second. The local bucket at the same
rate stays in front so one process does not spend a whole window at once.

`token_budget` is the factory per bot token: `LocalBudget` unless the database is PostgreSQL (on
SQLite one process owns the file, so the process's budget is the token's). Time is injected:
`now` (monotonic) for the scheduling, `wall` (epoch seconds, the same in every process by NTP)
for the window numbers.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Awaitable, Callable
from typing import Final

from bot.outgoing import Budget, Limits, LocalBudget, Now, Sleep
from storage import send_budget as store
from storage.database import Database
from storage.open import is_postgres, open_database

log = logging.getLogger("bot.outgoing")

LEASE_BATCH: Final = 4  # sends leased at once: one round trip per few sends, little left unused
PRUNE_EVERY: Final = 60  # windows between deletions of this token's past windows
MIN_WAIT: Final = 0.001  # seconds: the shortest wait for the next step (clocks round)
Opener = Callable[[], Awaitable[Database]]


class SharedBudget(LocalBudget):
    """A `LocalBudget` whose global tokens are leased, a few at a time, from the database."""

    def __init__(
        self,
        db: Database | Opener,
        key: str,
        limits: Limits | None = None,
        *,
        batch: int = LEASE_BATCH,
        now: Now = time.monotonic,
        wall: Now = time.time,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        super().__init__(limits, now=now, sleep=sleep)
        self._db: Database | None = None if callable(db) else db
        self._opener: Opener | None = db if callable(db) else None
        self._key, self._wall, self._batch = key, wall, max(1, batch)
        self.window_limit = max(1, math.floor(self.limits.total.per_second))  # per window, all processes
        self._window, self._left = -1, 0  # the window the lease is for, and what is left of it
        self._full_until = -math.inf  # (monotonic) the window is full until then
        self._fetching: asyncio.Task[None] | None = None
        self._blocking: asyncio.Future[None] | None = None
        self._pruned = -PRUNE_EVERY
        self.leased = self.unused = 0  # for benches and logs

    async def open(self) -> None:
        if self._db is None and self._opener is not None:
            self._db = await self._opener()

    async def close(self) -> None:
        for task in (self._fetching, self._blocking):
            if task is not None:
                task.cancel()
        if self._opener is not None and self._db is not None:
            await self._db.close()
            self._db = None

    def pause(self, seconds: float) -> None:
        """This process waits, and the windows until then are marked full for the others too
        (Telegram's retry_after is the token's, not a process's)."""
        super().pause(seconds)
        if seconds > 0:
            wall, until = self._wall(), self._wall() + seconds
            last = math.floor(until)
            levels = [(window, self.window_limit) for window in range(math.floor(wall), last)]
            levels.append((last, self._due(until)[0]))  # sending resumes when the wait ends
            self._blocking = asyncio.ensure_future(self._block(levels))

    async def _block(self, levels: list[tuple[int, int]]) -> None:
        try:
            await self.open()
            assert self._db is not None
            await store.block(self._db, self._key, levels)
        except Exception as exc:  # the others then learn of it from their own 429
            log.warning("outgoing budget: could not share a pause (%s)", type(exc).__name__)

    # --- the global token: the local bucket and the lease -----------------------------------

    def _global_ready_at(self, now: float) -> float:
        bucket = self._total.ready_at(now)
        if self._window != math.floor(self._wall()):
            self.unused += self._left
            self._left = 0  # a lease is only good in its window
        if self._left >= 1:
            return bucket
        if now < self._full_until:
            return max(bucket, self._full_until)
        if self._fetching is None:
            self._fetching = asyncio.ensure_future(self._fetch())
        return math.inf  # until the lease comes back (it wakes everyone)

    def _global_take(self) -> None:
        super()._global_take()
        self._left -= 1

    def _due(self, wall: float) -> tuple[int, float]:
        """How many of the window's sends are due by `wall` (the limit paced over the second, so the
        processes together send evenly, not a whole window at its start), and how long until one more."""
        window, limit = math.floor(wall), self.window_limit
        elapsed = wall - window
        allowed = min(limit, math.floor(limit * elapsed + 0.5))
        step = 1.0 - elapsed if allowed >= limit else (allowed + 0.5) / limit - elapsed
        return allowed, max(MIN_WAIT, step)

    async def _fetch(self) -> None:
        started, wall = self._now(), self._wall()
        window = math.floor(wall)
        allowed, step = self._due(wall)
        waiting = sum(1 for w in self._waiting if w.chat is not None)
        want = min(self._batch, max(1, waiting))
        try:
            await self.open()
            assert self._db is not None, "a SharedBudget needs a database or an opener"
            granted = await store.lease(self._db, self._key, window, want, allowed) if allowed else 0
            if window - self._pruned >= PRUNE_EVERY:
                self._pruned = window
                await store.prune(self._db, self._key, window - 2)
        except Exception as exc:  # the database is away: this process sends on its local bucket alone
            log.warning(
                "outgoing budget: no lease from the database (%s); sending on the local budget",
                type(exc).__name__,
            )
            granted = want
        finally:
            self._fetching = None
        if granted:
            self.unused += self._left if window != self._window else 0
            self._left = granted + (self._left if window == self._window else 0)
            self._window = window
            self.leased += granted
        else:  # what is due so far is taken: nobody on this token sends before the next step
            self._full_until = started + step
        self._notify()


def token_budget(token: str, limits: Limits, database_url: str | None, *, batch: int = LEASE_BATCH) -> Budget:
    """The outgoing budget of one bot token: shared through the database when it is PostgreSQL
    (every process on it draws from one budget), else kept in this process."""
    if not is_postgres(database_url):
        return LocalBudget(limits)
    url = str(database_url)

    async def opener() -> Database:  # a small pool of its own: leases never queue behind the door's queries
        return await open_database(url, pool_size=2)

    return SharedBudget(opener, store.token_key(token), limits, batch=batch)
