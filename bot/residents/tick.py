"""Residents and their reminders: invites, the flat's duties, "Paid", and the tick that sends reminders.

SQLite is the truth. Each (resident, reminder) has one `schedule` row holding its next due moment
(UTC, indexed). A tick (`Residents.tick`, every minute from the JobQueue) works in two phases:

1. **collect**: every schedule row with `next_at <= now` is recorded in `deliveries` under the
   unique key (resident, reminder, local date) with status `due` (or `skipped`: older than the
   grace window, paid, muted), and the row moves on to its next occurrence, in one transaction;
2. **deliver**: `due` deliveries are claimed a batch at a time (`due -> sending`, one attempt
   counted, the claimer's name and a lease, one conditional statement, committed), sent one by
   one, and each marked `sent` by its claimer. A resident whose chat refuses our messages
   (Forbidden) becomes `blocked`: their schedule is cleared and the record kept.

A restart loses nothing: `due` rows are sent by the next tick, and a row left in `sending` (the
process died between the claim and the mark) is claimable again once its lease has run out, by
this process or another; so a crash exactly between the send and the mark may repeat at most the
one message that was in flight, never others. Ticks never overlap: one asyncio.Lock per service,
one scheduler among processes (storage/leader.py), and the claim is conditional, so even two
processes cannot both send one delivery. Nothing is sent in the quiet hours (21:00–08:00).
Telegram types never appear here: the door passes a `Sender`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import KW_ONLY, dataclass, field
from datetime import date, datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from bot.clock import Clock
from bot.domain import reminders as rules
from bot.domain.content import Content
from bot.replies import Reply
from bot.residents.schedule import GRACE, duty_rule, payment_schedule
from bot.residents.texts import duty_reply, payment_reply
from storage import reminders as store
from storage import residents as people
from storage.database import Database
from storage.leader import holder_name
from storage.residents import Resident

log = logging.getLogger("bot.reminders")

RETRY_FIRST = timedelta(minutes=1)  # the pause after a tick hit a Telegram outage, doubled each time
RETRY_MAX = timedelta(minutes=8)
BATCH = 5_000
CLAIM_BATCH = 25  # deliveries claimed at once; the rest stay claimable by anyone
LEASE = timedelta(minutes=2)  # how long a claim holds: far beyond one batch's sends

# Sends one reply to a resident: True when sent, False when the chat refuses us (blocked);
# any exception is a temporary failure (retried at later ticks until the grace window ends).
Sender = Callable[[Resident, Reply], Awaitable[bool]]


@dataclass
class TickReport:
    collected: int = 0
    sent: int = 0
    skipped: int = 0
    failed: int = 0
    blocked: int = 0
    quiet: bool = False


@dataclass
class ReminderTick:
    """The sending half of the residents' service (`bot.residents.service.Residents` adds the rest)."""

    db: Database
    content: Content
    clock: Clock
    grace: timedelta = GRACE
    _: KW_ONLY  # the state below is the service's own, never passed by a caller
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    blocked: set[str] = field(default_factory=set)  # external ids of blocked residents (welcome_back)
    stopping: asyncio.Event = field(default_factory=asyncio.Event)  # set at SIGTERM: send nothing more
    claimer: str = field(default_factory=holder_name)  # this service's name in `claimed_by`
    lease: timedelta = LEASE
    channel: str | None = None  # only this channel's residents (one named bot's); None: every one
    _failures: int = 0  # ticks in a row that met a Telegram outage
    _retry_at: datetime | None = None

    def zone(self, centre: str) -> ZoneInfo:
        card = self.content.card(centre)  # the card has the zone: no centre's content is read for it
        return ZoneInfo(card.timezone) if card is not None else rules.WARSAW

    async def _deactivate(self, resident: Resident, status: people.Status) -> None:
        if status == "blocked":
            self.blocked.add(resident.external_id)
        async with self.db.transaction():
            await people.set_status(self.db, resident.id, status, self.clock.now())
            await store.clear_schedule(self.db, resident.id)

    # --- the tick -----------------------------------------------------------------------------

    async def recover(self) -> None:
        """At start: who blocked the bot. (Deliveries a crash left in 'sending' need nothing: their
        lease runs out and any tick claims them again; the grace window decides.)"""
        self.blocked = await people.blocked_ids(self.db)

    async def tick(self, send: Sender) -> TickReport:
        """One pass: record what is due at the clock's `now`, then send it. Never runs twice at once."""
        async with self._lock:
            now = self.clock.now()
            report = TickReport()
            if rules.in_quiet_hours(now.astimezone(rules.WARSAW).time()):
                report.quiet = True  # rows wait until 08:00; the grace window then decides
                return report
            await self.collect(now, report)
            await self.deliver(now, send, report)
            return report

    async def collect(self, now: datetime, report: TickReport | None = None) -> int:
        """Phase 1: record every due occurrence (unique key) and move each schedule row on.

        One unit of work per batch: a crash keeps a batch whole or not at all, never half-moved."""
        report = report if report is not None else TickReport()
        cache: dict[int, Resident | None] = {}
        duties: dict[int, store.Duty | None] = {}
        while await self._collect_batch(now, report, cache, duties):
            pass
        return report.collected

    async def _collect_batch(
        self,
        now: datetime,
        report: TickReport,
        cache: dict[int, Resident | None],
        duties: dict[int, store.Duty | None],
    ) -> bool:
        """One batch of due schedule rows in one unit of work; False when nothing was due."""
        async with self.db.transaction():
            rows = await store.due_now(self.db, now, BATCH, self.channel)
            if not rows:
                return False
            ids = sorted({row.resident_id for row in rows} - cache.keys())
            fetched = await people.residents_by_ids(self.db, ids)
            cache.update({resident_id: fetched.get(resident_id) for resident_id in ids})
            paid = await store.paid_months(self.db, sorted({row.resident_id for row in rows}))
            for row in rows:
                try:
                    await self._collect_one(row, now, report, cache, duties, paid)
                except Exception:  # one broken row must not stop the tick (or loop forever): drop it
                    log.exception(
                        "reminder %s of resident %s: broken schedule row dropped",
                        row.reminder,
                        row.resident_id,
                    )
                    await store.clear_schedule(self.db, row.resident_id, row.reminder)
        return True

    async def _collect_one(
        self,
        row: store.Due,
        now: datetime,
        report: TickReport,
        cache: dict[int, Resident | None],
        duties: dict[int, store.Duty | None],
        paid: set[tuple[int, str]],
    ) -> None:
        resident = cache.get(row.resident_id)
        if resident is None or resident.status != "active":
            await store.clear_schedule(self.db, row.resident_id)
            return
        zone = self.zone(resident.centre)
        late = row.next_at < now - self.grace
        key = rules.PAYMENT if row.reminder == rules.LATER else row.reminder
        skip = late
        if key == rules.PAYMENT:
            skip = skip or resident.payment_muted or (resident.id, row.month) in paid
        status = "skipped" if skip else "due"
        if await store.record_due(self.db, resident.id, key, row.day, row.month, row.next_at, now, status):
            if late:
                log.info(
                    "reminder %s of resident %s for %s skipped: %s late",
                    key,
                    resident.id,
                    row.day,
                    now - row.next_at,
                )
            if skip:
                report.skipped += 1
            else:
                report.collected += 1
        # Move the row on to its next occurrence (strictly after this one, so the loop always ends).
        if row.reminder == rules.LATER:
            await store.clear_schedule(self.db, resident.id, rules.LATER)
        elif row.reminder == rules.PAYMENT:
            payment = payment_schedule(self.content.centres.get(resident.centre))
            if payment is None:
                await store.clear_schedule(self.db, resident.id, rules.PAYMENT)
            else:
                nxt = rules.next_payment(payment, row.next_at, zone)
                await store.set_next(self.db, resident.id, rules.PAYMENT, nxt.at, str(nxt.day), nxt.month)
        else:
            duty_id = int(row.reminder.removeprefix(rules.DUTY_PREFIX))
            if duty_id not in duties:
                duties[duty_id] = await store.get_duty(self.db, duty_id)
            duty = duties[duty_id]
            if duty is None:
                await store.clear_schedule(self.db, resident.id, row.reminder)
            else:
                nxt = rules.next_duty(duty_rule(duty), row.next_at, zone)
                await store.set_next(self.db, resident.id, row.reminder, nxt.at, str(nxt.day), nxt.month)

    async def deliver(self, now: datetime, send: Sender, report: TickReport | None = None) -> TickReport:
        """Phase 2: claim, send and mark every 'due' delivery; one bad row never stops the others.

        A transient failure (5xx, timeout, network) leaves the delivery 'due' until its grace window
        ends, and pauses sending with backoff (1, 2, 4 ... RETRY_MAX minutes) so an outage costs a
        few requests, not one per reminder per minute. After the outage every one inside the window goes.
        """
        report = report if report is not None else TickReport()
        if self._retry_at is not None and now < self._retry_at:
            return report
        while not self.stopping.is_set():  # on a stop the rest stays claimable for the next start
            moment = self.clock.now()  # the lease runs on the clock, however long the tick takes
            until = moment + self.lease
            batch = await store.claim(self.db, moment, CLAIM_BATCH, self.claimer, until, self.channel)
            if not batch or not await self._deliver_batch(batch, now, send, report):
                break
        return report

    async def _deliver_batch(
        self, batch: list[store.Delivery], now: datetime, send: Sender, report: TickReport
    ) -> bool:
        """Send claimed deliveries one by one; False when sending pauses (an outage, a stop), and then
        the untried rest is given back at once instead of waiting for its lease."""
        for index, delivery in enumerate(batch):
            if self.stopping.is_set():
                await store.release(self.db, batch[index:], now, self.claimer)
                return False
            try:
                outcome = await self._deliver_one(delivery, now, send, report)
            except Exception:  # a broken row (bad month, vanished duty...): marked, logged, skipped
                log.exception(
                    "reminder %s of resident %s: cannot be sent", delivery.reminder, delivery.resident_id
                )
                await self._finish(delivery, "failed", now)
                report.failed += 1
                continue
            if outcome == "transient":
                self._failures += 1
                pause = min(RETRY_MAX, RETRY_FIRST * 2 ** min(self._failures - 1, 10))
                self._retry_at = now + pause
                log.warning("Telegram unavailable: reminders wait %s and go on after that", pause)
                await store.release(self.db, batch[index + 1 :], now, self.claimer)
                return False
            self._failures, self._retry_at = 0, None
        return True

    async def _deliver_one(
        self, delivery: store.Delivery, now: datetime, send: Sender, report: TickReport
    ) -> Literal["sent", "skipped", "blocked", "transient", "failed"]:
        if delivery.due_at < now - self.grace:
            # Past its window: never sent late. After failed attempts that is giving up, and says so.
            tried = delivery.attempts - 1  # the claim counted one that is not made
            gave_up = tried > 0
            await self._finish(delivery, "failed" if gave_up else "skipped", now)
            log.log(
                logging.WARNING if gave_up else logging.INFO,
                "reminder %s of resident %s for %s %s",
                delivery.reminder,
                delivery.resident_id,
                delivery.day,
                f"given up after {tried} attempts" if gave_up else "skipped: too late",
            )
            if gave_up:
                report.failed += 1
            else:
                report.skipped += 1
            return "failed" if gave_up else "skipped"
        reply = await self._render(delivery)
        resident = await people.get_resident_by_id(self.db, delivery.resident_id)
        if reply is None or resident is None or resident.status != "active":
            await self._finish(delivery, "skipped", now)
            report.skipped += 1
            return "skipped"
        try:
            delivered = await send(resident, reply)
        except Exception as exc:  # network, 5xx, timeouts: again at a later tick, inside the window
            await self._finish(delivery, "due", now)
            log.warning("reminder for resident %s not sent (%s); will retry", resident.id, type(exc).__name__)
            report.failed += 1
            return "transient"
        if delivered:
            await self._finish(delivery, "sent", now)
            report.sent += 1
            return "sent"
        await self._finish(delivery, "failed", now)
        await self._deactivate(resident, "blocked")
        log.info("resident %s blocked the bot: marked inactive, reminders stopped", resident.id)
        report.blocked += 1
        return "blocked"

    async def _finish(self, delivery: store.Delivery, status: str, now: datetime) -> None:
        if not await store.finish(self.db, delivery, status, now, self.claimer):
            # Our lease ran out and another process claimed it: its mark counts, ours is dropped.
            log.warning(
                "reminder %s of resident %s: claimed again elsewhere before it was marked %s",
                delivery.reminder,
                delivery.resident_id,
                status,
            )

    # --- texts --------------------------------------------------------------------------------

    async def _render(self, delivery: store.Delivery) -> Reply | None:
        resident = await people.get_resident_by_id(self.db, delivery.resident_id)
        if resident is None:
            return None
        if delivery.reminder == rules.PAYMENT:
            if await store.is_paid(self.db, resident.id, delivery.month):
                return None
            centre = self.content.centres.get(resident.centre)
            return payment_reply(centre, resident, delivery.month, date.fromisoformat(delivery.day))
        duty = await store.get_duty(self.db, int(delivery.reminder.removeprefix(rules.DUTY_PREFIX)))
        return None if duty is None else duty_reply(resident, duty)
