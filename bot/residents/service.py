"""Residents and their flats: invites, membership, the flat's duties, "Paid", "remind me tomorrow".

Each change of several rows is one unit of work. Every reminder a resident has is one `schedule` row
(its next due moment, UTC); the tick that sends them is `bot.residents.tick`, which this service
extends. Telegram types never appear here.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from bot.domain import reminders as rules
from bot.residents.flats import flat_exists
from bot.residents.schedule import INVITE_TTL, duty_rule, payment_schedule
from bot.residents.tick import ReminderTick
from storage import reminders as store
from storage import residents as people
from storage.codes import hash_code, new_code
from storage.residents import Resident

log = logging.getLogger("bot.reminders")

JoinError = Literal["unknown", "used", "expired", "flat_gone"]


@dataclass
class Residents(ReminderTick):
    """The residents' service over one database: `Residents(db, content, clock, grace, invite_ttl)`."""

    invite_ttl: timedelta = INVITE_TTL

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
