"""The broadcast outbox worker: pure asyncio, no Telegram (the door injects `send`); the clock is injected.

The worker keeps up to `concurrency` rows in flight: it claims due rows (status 'sending', committed
BEFORE any send) for the free places, sends them concurrently, each after taking a BULK token from
the bot token's outgoing budget (bot.outgoing: shared with replies and reminders, which go first;
alone, `rate` messages per second), and once half the places are free marks the ended sends in
one statement and claims again, while the other sends go on (so bulk sends are always waiting for
the capacity replies leave). Each row is marked after its send: 'sent'; 'blocked' (the user
blocked the bot: the user becomes inactive); 'pending' again with a backoff for a transient error
(5xx, network), until
`max_attempts`, then 'failed'; 'failed' at once for a permanent error (400). 429s are retried by the
budget (`bot.outgoing.deliver`, which pauses the whole token); a RetryAfter that still reaches the
worker puts the row back, due after the wait, without counting the attempt.

Each claim names this worker (`claimer`) and holds for `lease` seconds. A crash between the claim
and the mark leaves at most `concurrency` rows in 'sending'; when their lease runs out any worker,
in this process or another, claims them again, so they may be sent twice, and nothing else is. A
worker marks only rows it still holds, and the broadcast is done when no row waits or is in flight.

When `stopping` is set (SIGTERM) the worker claims nothing more, lets the sends in flight finish,
marks them and returns; the broadcast stays 'sending' and the next start resumes it.

`confirm` is the one way a door sends or schedules a draft: the outbox, the broadcast's status and
the audit row are one unit of work.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from bot.clock import Clock
from bot.outgoing import Budget, Limits, LocalBudget, Priority, Rate, Stopped
from bot.staff.access import Access, record
from storage import broadcasts as store
from storage.broadcasts import Counts, RowStatus
from storage.database import Database
from storage.leader import holder_name

log = logging.getLogger("bot.broadcast")

Kind = Literal["sent", "blocked", "retry_after", "transient", "permanent", "stopped"]


async def confirm(
    db: Database,
    clock: Clock,
    access: Access,
    broadcast_id: int,
    send_at: datetime | None = None,
    channel: str = store.CHANNEL,
) -> int | None:
    """Send (or schedule for `send_at`) a draft with its text: every recipient (of `channel`, whose bot
    serves the centre) written to the outbox, the broadcast marked and the action audited, all or
    nothing. The number of recipients, or None when it is no longer a draft (pressed twice, cancelled)."""
    async with db.transaction():
        total = await store.confirm(db, broadcast_id, clock.now(), send_at, channel)
        if total is None:
            return None
        if send_at is None:
            await record(db, clock, access, "broadcast_send", f"{broadcast_id}:{total}")
        else:
            target = f"{broadcast_id}:{total}:{send_at.isoformat()}"
            await record(db, clock, access, "broadcast_schedule", target)
    return total


@dataclass(frozen=True)
class SendResult:
    kind: Kind
    retry_after: float = 0.0

    @classmethod
    def sent(cls) -> SendResult:
        return cls("sent")


Send = Callable[[int, str], Awaitable[SendResult]]
Sleep = Callable[[float], Awaitable[None]]
Progress = Callable[[Counts], Awaitable[None]]

DEFAULT_RATE = 25.0
DEFAULT_CONCURRENCY = 8
MAX_ATTEMPTS = 4
BACKOFF_BASE = 2.0  # seconds: 2, 4, 8, ... capped at BACKOFF_MAX
BACKOFF_MAX = 60.0
PROGRESS_EVERY = 5.0  # seconds between progress edits
# How long a claim holds: far longer than one round (a few messages at the rate, a RetryAfter pause),
# short enough that rows a dead process held go out again soon after.
DEFAULT_LEASE = 120.0
DEFAULT_POLL = 5.0  # seconds between looks while every row left is another worker's


class Worker:
    """Sends one broadcast's outbox to the end; `run` is safe to call again after a crash or restart."""

    def __init__(
        self,
        db: Database,
        send: Send,
        clock: Clock,
        *,
        sleep: Sleep = asyncio.sleep,
        rate: float = DEFAULT_RATE,
        concurrency: int = DEFAULT_CONCURRENCY,
        max_attempts: int = MAX_ATTEMPTS,
        backoff_base: float = BACKOFF_BASE,
        backoff_max: float = BACKOFF_MAX,
        progress: Progress | None = None,
        progress_every: float = PROGRESS_EVERY,
        stopping: asyncio.Event | None = None,
        budget: Budget | None = None,
        claimer: str | None = None,
        lease: float = DEFAULT_LEASE,
        poll: float = DEFAULT_POLL,
        channel: str = store.CHANNEL,
    ) -> None:
        if concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        self.db, self.send, self.clock, self.sleep = db, send, clock, sleep
        origin = clock.now()
        # The bot token's shared budget (its bulk cap is BROADCAST_RATE); alone, a budget of `rate`.
        self.budget = budget or LocalBudget(
            Limits(total=Rate(rate), private_chat=None, group_chat=None),
            now=lambda: (clock.now() - origin).total_seconds(),  # small numbers: exact in floats
            sleep=sleep,
        )
        self.concurrency = concurrency
        # Claim again once this many places are free: one claim and one mark per `refill` sends,
        # while the other sends still wait in the budget.
        self.refill = max(1, concurrency // 2)
        self._last_progress = origin
        self.max_attempts = max_attempts
        self.backoff_base, self.backoff_max = backoff_base, backoff_max
        self.progress, self.progress_every = progress, progress_every
        self.stopping = stopping or asyncio.Event()
        self.stopped = False  # True when run() returned early because of `stopping`
        self.claimer = claimer or holder_name()
        self.lease = timedelta(seconds=lease)
        self.poll = poll
        self.channel = channel  # whose users a "blocked" answer marks inactive (the sending bot's)

    async def _sleep(self, seconds: float) -> None:
        """The injected sleep, cut short by `stopping` (then Stopped is raised)."""
        if self.stopping.is_set():
            raise Stopped
        waiter = asyncio.ensure_future(self.stopping.wait())
        sleeper = asyncio.ensure_future(self.sleep(seconds))
        try:
            await asyncio.wait({sleeper, waiter}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            waiter.cancel()
            sleeper.cancel()
        if self.stopping.is_set():
            raise Stopped

    def backoff(self, attempts: int) -> float:
        return float(min(self.backoff_max, self.backoff_base * 2 ** max(0, attempts - 1)))

    async def run(self, broadcast_id: int, text: str) -> Counts:
        """Send every pending row of the broadcast, then mark it done; returns the final counts."""
        self._last_progress = self.clock.now()
        flight: dict[asyncio.Future[SendResult], store.Claimed] = {}
        try:
            while True:
                if not self.stopping.is_set() and self.concurrency - len(flight) >= self.refill:
                    await self._claim(broadcast_id, text, flight)
                if not flight:
                    if self.stopping.is_set():
                        self.stopped = True
                        log.info(
                            "broadcast %s: stopping; the rest is sent after the next start", broadcast_id
                        )
                        return await store.counts(self.db, broadcast_id)
                    due = await store.next_due(self.db, broadcast_id)
                    if due is None:
                        break
                    # At most `poll` at a time: another worker may mark its rows long before their lease ends.
                    wait = max(0.0, (due - self.clock.now()).total_seconds())
                    with contextlib.suppress(Stopped):
                        await self._sleep(min(wait, self.poll))
                    continue
                await self._settle(broadcast_id, flight)
        finally:
            for task in flight:  # only on an error (a database failure): nothing is left running
                task.cancel()
        await store.finish(self.db, broadcast_id, self.clock.now())
        final = await store.counts(self.db, broadcast_id)
        log.info(
            "broadcast %s done: %s sent, %s blocked, %s failed",
            broadcast_id,
            final.sent,
            final.blocked,
            final.failed,
        )
        return final

    async def _claim(
        self, broadcast_id: int, text: str, flight: dict[asyncio.Future[SendResult], store.Claimed]
    ) -> None:
        """Claim rows for the free places in flight and start their sends."""
        now = self.clock.now()
        free = self.concurrency - len(flight)
        batch = await store.claim(self.db, broadcast_id, now, free, self.claimer, now + self.lease)
        for row in batch:
            flight[asyncio.ensure_future(self._one(row.user_id, text))] = row

    async def _settle(
        self, broadcast_id: int, flight: dict[asyncio.Future[SendResult], store.Claimed]
    ) -> None:
        """Wait until `refill` places are free (or every send ended), then mark the ended sends at once.

        The sends still in flight keep waiting in the budget meanwhile: the marking and the next claim
        overlap the sending, so bulk sends are always queued for the tokens the replies leave (a round
        that waited for its slowest send left the budget idle for a round trip and two queries)."""
        ended: set[asyncio.Future[SendResult]] = set()
        while flight.keys() - ended and (
            self.concurrency - len(flight) + len(ended) < self.refill or not ended
        ):
            done, _ = await asyncio.wait(flight.keys() - ended, return_when=asyncio.FIRST_COMPLETED)
            ended |= done
        now = self.clock.now()
        marks = [self._mark(flight.pop(task), task.result(), now) for task in ended]
        held = await store.mark(self.db, broadcast_id, marks, now, self.claimer, self.channel)
        if held < len(marks):  # our lease ran out and another worker took those rows over
            log.warning(
                "broadcast %s: %d rows were claimed again by another worker", broadcast_id, len(marks) - held
            )
        if self.progress is not None and (now - self._last_progress).total_seconds() >= self.progress_every:
            self._last_progress = now
            await self._report(broadcast_id)

    async def _report(self, broadcast_id: int) -> None:
        assert self.progress is not None
        try:
            await self.progress(await store.counts(self.db, broadcast_id))
        except Exception:  # a progress edit must never stop the sending
            log.warning("broadcast %s: progress update failed", broadcast_id, exc_info=True)

    async def _one(self, user_id: int, text: str) -> SendResult:
        try:
            await self.budget.acquire(user_id, Priority.BULK, self.stopping)
        except Stopped:  # not sent: back to pending, no attempt counted
            return SendResult("stopped")
        try:
            return await self.send(user_id, text)
        except Exception as exc:  # the adapter should classify; anything else counts as transient
            log.warning("broadcast send to %s failed: %s", user_id, type(exc).__name__)
            return SendResult("transient")

    def _mark(
        self, row: store.Claimed, result: SendResult, now: datetime
    ) -> tuple[int, RowStatus, datetime | None, bool]:
        if result.kind == "sent":
            return row.user_id, "sent", None, False
        if result.kind == "blocked":
            return row.user_id, "blocked", None, False
        if result.kind == "retry_after":
            return row.user_id, "pending", now + timedelta(seconds=result.retry_after), True
        if result.kind == "stopped":
            return row.user_id, "pending", now, True
        if result.kind == "transient" and row.attempts < self.max_attempts:
            return row.user_id, "pending", now + timedelta(seconds=self.backoff(row.attempts)), False
        return row.user_id, "failed", None, False
