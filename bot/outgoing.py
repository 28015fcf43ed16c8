"""One outgoing budget per bot token: replies first, then reminders, then bulk (broadcasts).

Telegram limits a bot token, not a feature: about 30 messages a second in all, about one a second
in one private chat (short bursts pass) and 20 a minute in a group. Replies, reminders and
broadcasts therefore draw from one `Budget`:

- a token bucket at the token's global rate, with a per-chat bucket beside it, and an optional cap
  for bulk sends (BROADCAST_RATE) inside the same budget, so nothing is limited twice;
- priority classes REPLY > REMINDER > BULK: the next global token goes to the waiting send of the
  best class whose chat may receive now, in arrival order within a class. A bulk send takes a token
  only when no reply or reminder is waiting for one, so a broadcast fills exactly the capacity the
  replies leave;
- `pause` (a 429's retry_after) stops every send on the token until then.

`deliver` is the one place a 429 is handled: pause the whole token for retry_after, take a new
token, retry, a bounded number of times; the last RetryAfter goes to the caller (the broadcast worker
then puts the row back for later).

`Budget` is the interface; `LocalBudget` keeps its state in this process. A budget shared by several
processes (one token, several workers) implements the same two methods over shared storage.
Nothing here knows Telegram: the door's rate limiter (bot/channels/telegram/outgoing.py) routes
every Bot API call through `deliver`. Time is injected (`now`, `sleep`) so tests never wait.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import math
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any, Final, Protocol, TypeVar

log = logging.getLogger("bot.outgoing")

T = TypeVar("T")
Now = Callable[[], float]  # seconds on a monotonic scale
Sleep = Callable[[float], Awaitable[None]]

MAX_RETRIES: Final = 3  # 429s retried per call before the caller is told
RETRY_MARGIN: Final = 0.1  # seconds added to Telegram's retry_after
PRUNE_AT: Final = 1024  # chat buckets kept before idle (full) ones are dropped
EPSILON: Final = 1e-6  # seconds: what is due this soon is due now (clocks round, datetime to 1 µs)


class Stopped(Exception):
    """The process is stopping: a wait ends early and nothing more is sent."""


class Priority(IntEnum):
    """Who goes first when the budget is short: the lower the value, the sooner."""

    REPLY = 0  # an answer to someone who is waiting for it
    REMINDER = 1  # a resident's reminder: due now, but nobody is looking at the chat
    BULK = 2  # a broadcast: whatever capacity is left


@dataclass(frozen=True)
class Rate:
    """`per_second` on average, at most `burst` at once."""

    per_second: float
    burst: float = 1.0

    def __post_init__(self) -> None:
        if self.per_second <= 0 or self.burst < 1:
            raise ValueError("a rate needs per_second > 0 and burst >= 1")


@dataclass(frozen=True)
class Limits:
    """One bot token's limits. Telegram's: ~30/s in all, ~1/s per private chat, 20/min per group."""

    total: Rate = field(default_factory=lambda: Rate(29.0))
    private_chat: Rate | None = field(default_factory=lambda: Rate(1.0, burst=10.0))
    group_chat: Rate | None = field(default_factory=lambda: Rate(20 / 60, burst=20.0))
    bulk: Rate | None = None  # a further cap on bulk sends (BROADCAST_RATE), within `total`

    def chat_rate(self, chat: int) -> Rate | None:
        return self.group_chat if chat < 0 else self.private_chat


class Budget(Protocol):
    """What every sender of one bot token shares."""

    async def acquire(self, chat: int | None, priority: Priority, stop: asyncio.Event | None = None) -> None:
        """Wait for the right to send one message to `chat` (None: a call to no chat, which only
        waits out a pause). Raises Stopped as soon as `stop` is set; cancelling gives the place up."""
        ...

    def pause(self, seconds: float) -> None:
        """Nothing is sent on this token for `seconds` from now (Telegram's retry_after)."""
        ...


class _Bucket:
    """A token bucket on an injected time scale; it remembers when it last reached one token
    (`since`) and when it last filled up (`full_since`), so a late taker can be told how late."""

    __slots__ = ("full_since", "rate", "since", "stamp", "tokens")

    def __init__(self, rate: Rate, now: float) -> None:
        self.rate, self.tokens, self.stamp = rate, rate.burst, now
        self.since = self.full_since = now

    def refill(self, now: float) -> None:
        elapsed = max(0.0, now - self.stamp)
        grown = self.tokens + elapsed * self.rate.per_second
        if self.tokens < 1.0 <= grown:
            self.since = self.stamp + (1.0 - self.tokens) / self.rate.per_second
        if self.tokens < self.rate.burst <= grown:
            self.full_since = self.stamp + (self.rate.burst - self.tokens) / self.rate.per_second
        self.tokens = min(self.rate.burst, grown)
        self.stamp = now

    def ready_at(self, now: float) -> float:
        """When one token is there (now, if it is)."""
        return now + max(0.0, 1.0 - self.tokens) / self.rate.per_second

    def full(self) -> bool:
        return self.tokens >= self.rate.burst


@dataclass(eq=False)
class _Waiter:
    priority: Priority
    seq: int
    chat: int | None
    stop: asyncio.Event | None
    arrived: float

    def order(self) -> tuple[int, int]:
        return (self.priority, self.seq)


class LocalBudget:
    """The budget of one process: one global bucket, per-chat buckets, one bulk cap, one pause.

    Waiters do their own scheduling: the one that may take a token takes it; of the others exactly
    one (the "sleeper") sleeps until the earliest moment anything can change, the rest wait to be
    woken. One sleeper at a time keeps a fake `sleep` that moves a fake clock exact.
    """

    def __init__(
        self, limits: Limits | None = None, *, now: Now = time.monotonic, sleep: Sleep = asyncio.sleep
    ) -> None:
        self.limits = limits or Limits()
        self._now, self._sleep = now, sleep
        start = now()
        self._total = _Bucket(self.limits.total, start)
        self._bulk = _Bucket(self.limits.bulk, start) if self.limits.bulk else None
        self._chats: dict[int, _Bucket] = {}
        self._paused_until = start
        # Global takes of the last second: never more in any second than the bucket alone allows
        # (rate + burst - 1), whatever a late taker is credited.
        self._recent: deque[float] = deque()
        self.window_limit = max(
            1, math.floor(self.limits.total.per_second + self.limits.total.burst - 1 + EPSILON)
        )
        self._waiting: list[_Waiter] = []
        self._seq = itertools.count()
        self._changed = asyncio.Event()
        self._sleeper: _Waiter | None = None
        self._wake_at = float("inf")
        self._watched: set[int] = set()  # ids of the stop events the sleeper watches
        self.taken: dict[Priority, int] = dict.fromkeys(Priority, 0)  # for benches and logs

    # --- the interface -----------------------------------------------------------------------

    def pause(self, seconds: float) -> None:
        until = self._now() + max(0.0, seconds)
        if until > self._paused_until:
            self._paused_until = until
            self._notify()

    async def acquire(self, chat: int | None, priority: Priority, stop: asyncio.Event | None = None) -> None:
        me = _Waiter(priority, next(self._seq), chat, stop, self._now())
        self._waiting.append(me)
        try:
            while True:
                if stop is not None and stop.is_set():
                    raise Stopped
                now = self._now()
                self._refill(now)
                if self._winner(now) is me:
                    self._take(me)
                    return
                changed = self._changed
                if self._sleeper is None:
                    await self._sleep_as(me, changed, now)
                else:
                    unwatched = stop is not None and id(stop) not in self._watched
                    if unwatched or self._ready_at(me, now) < self._wake_at - EPSILON:
                        self._notify()  # the sleeper sleeps too long for me, or misses my stop: look again
                        changed = self._changed
                    await changed.wait()
        finally:
            self._waiting.remove(me)
            if self._sleeper is me:
                self._sleeper = None
            self._notify()

    # --- scheduling --------------------------------------------------------------------------

    def _chat_bucket(self, chat: int | None, now: float) -> _Bucket | None:
        if chat is None:
            return None
        bucket = self._chats.get(chat)
        if bucket is None:
            rate = self.limits.chat_rate(chat)
            if rate is None:
                return None
            if len(self._chats) >= PRUNE_AT:
                self._prune(now)
            bucket = self._chats[chat] = _Bucket(rate, now)
        return bucket

    def _prune(self, now: float) -> None:
        waiting = {w.chat for w in self._waiting}
        for chat, bucket in list(self._chats.items()):
            bucket.refill(now)
            if bucket.full() and chat not in waiting:
                del self._chats[chat]

    def _refill(self, now: float) -> None:
        self._total.refill(now)
        if self._bulk is not None:
            self._bulk.refill(now)

    def _ready_at(self, waiter: _Waiter, now: float) -> float:
        """The earliest moment this waiter could take a token, others aside."""
        moment = max(now, self._paused_until)
        if waiter.chat is None:
            return moment
        moment = max(moment, self._global_ready_at(now))
        bucket = self._chat_bucket(waiter.chat, now)
        if bucket is not None:
            bucket.refill(now)
            moment = max(moment, bucket.ready_at(now))
        if waiter.priority == Priority.BULK and self._bulk is not None:
            moment = max(moment, self._bulk.ready_at(now))
        return moment

    def _winner(self, now: float) -> _Waiter | None:
        """Who takes a token now: calls to no chat at once, else the best class that may send now."""
        if now + EPSILON < self._paused_until:
            return None
        ready = [w for w in self._waiting if self._ready_at(w, now) <= now + EPSILON]
        return min(ready, key=_Waiter.order) if ready else None

    def _global_ready_at(self, now: float) -> float:
        """When the token's next global token is there (a shared budget also asks its lease)."""
        while self._recent and self._recent[0] <= now - 1.0 + EPSILON:
            self._recent.popleft()
        moment = self._total.ready_at(now)
        if len(self._recent) >= self.window_limit:
            moment = max(moment, self._recent[-self.window_limit] + 1.0)
        return moment

    def _global_take(self) -> None:
        self._total.tokens -= 1.0

    def _take(self, waiter: _Waiter) -> None:
        if waiter.chat is None:
            return
        now = self._now()
        late = self._lateness(waiter, now)
        self._global_take()
        self._recent.append(now)
        # What the full bucket could not hold while this taker was due but not yet running (a busy
        # event loop wakes it late) is kept, up to one token: the token's rate is what is lost otherwise.
        total = self._total
        total.tokens = min(total.rate.burst, total.tokens + late * total.rate.per_second)
        bucket = self._chats.get(waiter.chat)
        if bucket is not None:
            bucket.tokens -= 1.0
        if waiter.priority == Priority.BULK and self._bulk is not None:
            self._bulk.tokens -= 1.0
        self.taken[waiter.priority] += 1

    def _lateness(self, waiter: _Waiter, now: float) -> float:
        """How long the full global bucket overflowed while `waiter` could have sent (at most one
        token's time; nothing when it was idle: before the waiter arrived or was due)."""
        total = self._total
        if total.tokens < total.rate.burst:
            return 0.0
        due = max(waiter.arrived, self._paused_until, total.full_since)
        bucket = self._chats.get(waiter.chat) if waiter.chat is not None else None
        if bucket is not None:
            due = max(due, bucket.since)
        if waiter.priority == Priority.BULK and self._bulk is not None:
            due = max(due, self._bulk.since)
        return min(1.0 / total.rate.per_second, max(0.0, now - due))

    async def _sleep_as(self, me: _Waiter, changed: asyncio.Event, now: float) -> None:
        """Sleep until the earliest moment any waiter could go, or until something changes."""
        self._sleeper = me
        self._wake_at = min(self._ready_at(w, now) for w in self._waiting)
        # The sleeper also watches every waiter's stop event and wakes them all when one is set.
        stops = {id(w.stop): w.stop for w in self._waiting if w.stop is not None}
        self._watched = set(stops)
        tasks: list[asyncio.Future[Any]] = [
            asyncio.ensure_future(event.wait()) for event in (changed, *stops.values())
        ]
        if self._wake_at != float("inf"):  # inf: only a change (a lease arriving) can let anyone go
            tasks.append(asyncio.ensure_future(self._sleep(max(0.0, self._wake_at - now))))
        try:
            await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in tasks:
                task.cancel()
            self._sleeper, self._wake_at, self._watched = None, float("inf"), set()
        self._notify()  # time has passed: whoever may go now looks again

    def _notify(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()


async def deliver(
    budget: Budget,
    call: Callable[[], Awaitable[T]],
    chat: int | None,
    priority: Priority,
    retry_after: Callable[[BaseException], float | None],
    *,
    prepaid: bool = False,
    retries: int = MAX_RETRIES,
) -> T:
    """`call()` within the budget; the one place a 429 is handled.

    `retry_after(exc)` says how long Telegram asked to wait (None: not a 429; raised as it is).
    `prepaid`: the caller already took this send's first token (the broadcast worker's bucket).
    """
    for attempt in itertools.count():
        if attempt or not prepaid:
            await budget.acquire(chat, priority)
        try:
            return await call()
        except Exception as exc:
            wait = retry_after(exc)
            if wait is None or attempt >= retries:
                raise
            log.info("Telegram asked to wait %.1f s (429): every send on the token pauses", wait)
            budget.pause(wait + RETRY_MARGIN)
    raise AssertionError("unreachable")  # pragma: no cover
