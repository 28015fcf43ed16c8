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
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from bot.clock import Clock
from bot.domain import reminders as rules
from bot.domain.content import CentreContent, Content
from bot.reminder_texts import duty_reply, payment_reply
from bot.replies import Reply
from bot.settings import Settings
from storage import reminders as store
from storage import residents as people
from storage.codes import hash_code, new_code
from storage.database import Database
from storage.leader import holder_name
from storage.residents import Resident

log = logging.getLogger("bot.reminders")

GRACE: timedelta = timedelta(hours=6)
INVITE_TTL: timedelta = timedelta(days=7)
RETRY_FIRST = timedelta(minutes=1)  # the pause after a tick hit a Telegram outage, doubled each time
RETRY_MAX = timedelta(minutes=8)
BATCH = 5_000
CLAIM_BATCH = 25  # deliveries claimed at once; the rest stay claimable by anyone
LEASE = timedelta(minutes=2)  # how long a claim holds: far beyond one batch's sends

# Sends one reply to a resident: True when sent, False when the chat refuses us (blocked);
# any exception is a temporary failure (retried at later ticks until the grace window ends).
Sender = Callable[[Resident, Reply], Awaitable[bool]]
JoinError = Literal["unknown", "used", "expired", "flat_gone"]


def resolve_flat(content: Content, text: str) -> tuple[str, str] | None:
    """(centre, flat) from "centre/flat", "centre:flat" or a flat id unique across centres."""
    wanted = text.strip().casefold()
    for separator in ("/", ":"):
        if separator in wanted:
            centre, _, flat = wanted.partition(separator)
            found = content.centres.get(centre)
            if found is not None and any(f.id == flat for f in found.flats):
                return centre, flat
            return None
    matches = [(cid, f.id) for cid, c in content.centres.items() for f in c.flats if f.id == wanted]
    return matches[0] if len(matches) == 1 else None


def flat_exists(content: Content, centre: str, flat: str) -> bool:
    found = content.centres.get(centre)
    return found is not None and any(f.id == flat for f in found.flats)


def payment_schedule(centre: CentreContent | None) -> rules.PaymentSchedule | None:
    if centre is None or centre.payment is None:
        return None
    rule = centre.payment
    return rules.PaymentSchedule(rule.due_day, tuple(rule.remind_days_before), rule.send_at)


def duty_rule(duty: store.Duty) -> rules.DutyRule:
    hour, minute = duty.at.split(":")
    kind: rules.DutyKind = "weekly" if duty.kind == "weekly" else "monthly"
    return rules.DutyRule(kind, duty.day, time(int(hour), int(minute)))


@dataclass
class TickReport:
    collected: int = 0
    sent: int = 0
    skipped: int = 0
    failed: int = 0
    blocked: int = 0
    quiet: bool = False


@dataclass
class Residents:
    """The residents' service over one database; each change of several rows is one unit of work."""

    db: Database
    content: Content
    clock: Clock
    grace: timedelta = GRACE
    invite_ttl: timedelta = INVITE_TTL
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    blocked: set[str] = field(default_factory=set)  # external ids of blocked residents (welcome_back)
    stopping: asyncio.Event = field(default_factory=asyncio.Event)  # set at SIGTERM: send nothing more
    claimer: str = field(default_factory=holder_name)  # this service's name in `claimed_by`
    lease: timedelta = LEASE
    _failures: int = 0  # ticks in a row that met a Telegram outage
    _retry_at: datetime | None = None

    def zone(self, centre: str) -> ZoneInfo:
        found = self.content.centres.get(centre)
        return ZoneInfo(found.centre.timezone) if found is not None else rules.WARSAW

    # --- invites and membership ---------------------------------------------------------------

    async def create_invite(self, centre: str, flat: str, created_by: str) -> str:
        """A new single-use code for the flat; only its hash is stored."""
        now = self.clock.now()
        code = new_code()
        await people.add_invite(
            self.db, hash_code(code), centre, flat, created_by, now, now + self.invite_ttl
        )
        return code

    async def join(self, channel: str, external_id: str, code: str, lang: str | None) -> Resident | JoinError:
        """Bind the chat to the invite's flat; an error name when the code cannot be used."""
        now = self.clock.now()
        code_hash = hash_code(code)
        # One unit: the invite is used, the chat bound and its reminders scheduled, or nothing is.
        # A refused code changes nothing, so it has nothing to roll back (and never could roll
        # back another task's work: that waits outside the unit).
        async with self.db.transaction():
            invite = await people.get_invite(self.db, code_hash)
            if (
                invite is not None
                and invite.used_at is None
                and not flat_exists(self.content, invite.centre, invite.flat)
            ):
                return "flat_gone"
            problem = await people.use_invite(self.db, code_hash, external_id, now)
            if problem is not None:
                return problem
            assert invite is not None
            resident = await people.bind_resident(
                self.db, channel, external_id, invite.centre, invite.flat, lang, now
            )
            await store.clear_schedule(self.db, resident.id)
            await self._schedule_all(resident, now)
        return resident

    async def leave(self, channel: str, external_id: str) -> bool:
        resident = await people.get_resident(self.db, channel, external_id)
        if resident is None or resident.status != "active":
            return False
        await self._deactivate(resident, "left")
        return True

    async def remove(self, resident_id: int) -> Resident | None:
        """Staff: remove a resident from their flat (record kept, status 'removed')."""
        resident = await people.get_resident_by_id(self.db, resident_id)
        if resident is None or resident.status != "active":
            return None
        await self._deactivate(resident, "removed")
        return resident

    async def _deactivate(self, resident: Resident, status: people.Status) -> None:
        if status == "blocked":
            self.blocked.add(resident.external_id)
        async with self.db.transaction():
            await people.set_status(self.db, resident.id, status, self.clock.now())
            await store.clear_schedule(self.db, resident.id)

    async def resident(self, channel: str, external_id: str) -> Resident | None:
        found = await people.get_resident(self.db, channel, external_id)
        return found if found is not None and found.status == "active" else None

    # --- scheduling ---------------------------------------------------------------------------

    async def _schedule_all(self, resident: Resident, now: datetime) -> None:
        """Schedule rows for the payment (unless muted) and every duty of the flat (in the caller's unit)."""
        zone = self.zone(resident.centre)
        payment = payment_schedule(self.content.centres.get(resident.centre))
        if payment is not None and not resident.payment_muted:
            await self._schedule_payment(resident.id, payment, now, zone)
        for duty in await store.flat_duties(self.db, resident.centre, resident.flat):
            nxt = rules.next_duty(duty_rule(duty), now, zone)
            await store.set_next(
                self.db, resident.id, f"{rules.DUTY_PREFIX}{duty.id}", nxt.at, str(nxt.day), nxt.month
            )

    async def _schedule_payment(
        self, resident_id: int, payment: rules.PaymentSchedule, after: datetime, zone: ZoneInfo
    ) -> None:
        # Skip months already marked paid (normally at most the current one).
        skip: str | None = None
        for _ in range(3):
            nxt = rules.next_payment(payment, after, zone, skip_month=skip)
            if not await store.is_paid(self.db, resident_id, nxt.month):
                break
            skip = nxt.month
        await store.set_next(self.db, resident_id, rules.PAYMENT, nxt.at, str(nxt.day), nxt.month)

    async def add_duty(self, centre: str, flat: str, text: str, rule: rules.DutyRule) -> int:
        now = self.clock.now()
        nxt = rules.next_duty(rule, now, self.zone(centre))
        async with self.db.transaction():  # the duty and every resident's schedule row, together
            duty_id = await store.add_duty(
                self.db, centre, flat, text, rule.kind, rule.day, f"{rule.at:%H:%M}", now
            )
            for resident in await people.flat_residents(self.db, centre, flat):
                await store.set_next(
                    self.db, resident.id, f"{rules.DUTY_PREFIX}{duty_id}", nxt.at, str(nxt.day), nxt.month
                )
        return duty_id

    async def remove_duty(self, duty_id: int) -> bool:
        return await store.delete_duty(self.db, duty_id)

    async def mark_paid(self, resident: Resident, month: str) -> bool:
        """ "Paid" for `month`: no more payment reminders of that month; False if it was marked already."""
        now = self.clock.now()
        payment = payment_schedule(self.content.centres.get(resident.centre))
        async with self.db.transaction():
            new = await store.mark_paid(self.db, resident.id, month, now)
            await store.clear_schedule(self.db, resident.id, rules.LATER)
            if payment is not None and not resident.payment_muted:
                await self._schedule_payment(resident.id, payment, now, self.zone(resident.centre))
        return new

    async def remind_tomorrow(self, resident: Resident, month: str) -> datetime | None:
        """One more payment reminder tomorrow at the send time; None when the month is paid already."""
        if await store.is_paid(self.db, resident.id, month):
            return None
        payment = payment_schedule(self.content.centres.get(resident.centre))
        at = payment.send_at if payment is not None else time(10, 0)
        zone = self.zone(resident.centre)
        moment = rules.next_send_time(self.clock.now(), at, zone)
        day = moment.astimezone(zone).date()
        await store.set_next(self.db, resident.id, rules.LATER, moment, str(day), month)
        return moment

    async def set_muted(self, resident: Resident, muted: bool) -> None:
        """Mute (drop the payment schedule) or unmute (schedule the next payment reminder from now)."""
        now = self.clock.now()
        async with self.db.transaction():
            await people.set_payment_muted(self.db, resident.id, muted, now)
            if muted:
                await store.clear_schedule(self.db, resident.id, rules.PAYMENT)
                await store.clear_schedule(self.db, resident.id, rules.LATER)
            else:
                payment = payment_schedule(self.content.centres.get(resident.centre))
                if payment is not None:
                    await self._schedule_payment(resident.id, payment, now, self.zone(resident.centre))

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
            rows = await store.due_now(self.db, now, BATCH)
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
            batch = await store.claim(self.db, moment, CLAIM_BATCH, self.claimer, moment + self.lease)
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

    async def welcome_back(self, channel: str, external_id: str) -> bool:
        """A resident who blocked the bot writes again: active again, with every reminder rescheduled."""
        if external_id not in self.blocked:
            return False
        self.blocked.discard(external_id)
        resident = await people.get_resident(self.db, channel, external_id)
        if resident is None or resident.status != "blocked":
            return False
        now = self.clock.now()
        async with self.db.transaction():
            await people.set_status(self.db, resident.id, "active", now)
            await self._schedule_all(resident, now)
        log.info("resident %s writes again after blocking the bot: reminders back on", resident.id)
        return True

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


def settings_grace(settings: Settings) -> timedelta:
    return timedelta(hours=settings.reminder_grace_hours)


def settings_invite_ttl(settings: Settings) -> timedelta:
    return timedelta(days=settings.invite_ttl_days)
