"""The reminder tick over SQLite: exactly once, restarts, catch-up, Paid, mute, blocked users, overlap."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

import pytest

from bot.clock import WARSAW, FixedClock
from bot.domain.content import Content
from bot.domain.reminders import DutyRule
from bot.replies import Reply
from bot.residents.flats import resolve_flat
from bot.residents.service import Residents
from storage import reminders as store
from storage import residents as people
from storage.codes import hash_code
from storage.open import open_database
from storage.residents import Resident

CHANNEL = "telegram"
START = datetime(2027, 4, 1, 12, 0, tzinfo=WARSAW)


def warsaw(*args: int) -> datetime:
    return datetime(*args, tzinfo=WARSAW)


class Crash(BaseException):
    """The process dies (not an ordinary error the tick would handle)."""


@dataclass
class Outbox:
    """A fake sender: records what was sent; can block chats, fail, or crash the process."""

    sent: list[tuple[str, str]] = field(default_factory=list)
    blocked: set[str] = field(default_factory=set)
    crash_before: int | None = None  # crash instead of sending the n-th message (1-based)
    crash_after: int | None = None  # crash after sending the n-th message, before it is marked
    errors: int = 0  # the next n sends raise an ordinary error
    calls: int = 0

    async def __call__(self, resident: Resident, reply: Reply) -> bool:
        self.calls += 1
        await asyncio.sleep(0)  # let an overlapping tick run
        if self.crash_before == self.calls:
            raise Crash
        if self.errors:
            self.errors -= 1
            raise ConnectionError("telegram is down")
        if resident.external_id in self.blocked:
            return False
        self.sent.append((resident.external_id, reply.text))
        if self.crash_after == self.calls:
            raise Crash
        return True

    def to(self, chat: str) -> list[str]:
        return [text for who, text in self.sent if who == chat]


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(START)


@pytest.fixture
async def service(database_target: str, content: Content, clock: FixedClock) -> AsyncIterator[Residents]:
    db = await open_database(database_target)
    try:
        yield Residents(db, content, clock)
    finally:
        await db.close()


async def join(service: Residents, chat: str, flat: str = "chronione", centre: str = "wodzislaw") -> Resident:
    code = await service.create_invite(centre, flat, "staff")
    resident = await service.join(CHANNEL, chat, code, "pl")
    assert isinstance(resident, Resident)
    return resident


async def tick_at(service: Residents, clock: FixedClock, moment: datetime, outbox: Outbox) -> None:
    clock.set(moment)
    await service.tick(outbox)


# --- invites ---------------------------------------------------------------------------------


async def test_invite_codes_are_random_single_use_hashed_and_expire(
    service: Residents, clock: FixedClock
) -> None:
    code = await service.create_invite("wodzislaw", "chronione", "staff")
    assert len(code) >= 22  # >= 128 bits in URL-safe base64
    stored = [row[0] for row in await service.db.fetch_all("SELECT code_hash FROM invites")]
    assert stored == [hash_code(code)] and code not in stored[0]
    assert await service.join(CHANNEL, "1", "nonsense", None) == "unknown"
    resident = await service.join(CHANNEL, "1", code, "pl")
    assert isinstance(resident, Resident) and (resident.centre, resident.flat) == ("wodzislaw", "chronione")
    assert await service.join(CHANNEL, "2", code, None) == "used"
    old = await service.create_invite("wodzislaw", "chronione", "staff")
    clock.set(START + timedelta(days=7, seconds=1))
    assert await service.join(CHANNEL, "3", old, None) == "expired"


async def test_a_code_for_a_removed_flat_is_refused(service: Residents, clock: FixedClock) -> None:
    code = "x" * 30
    await people.add_invite(
        service.db, hash_code(code), "wodzislaw", "gone", "staff", START, START + timedelta(1)
    )
    assert await service.join(CHANNEL, "1", code, None) == "flat_gone"


def test_flats_are_named_with_or_without_the_centre(content: Content) -> None:
    assert resolve_flat(content, "chronione") == ("wodzislaw", "chronione")
    assert resolve_flat(content, "gliwice/wilgi") == ("gliwice", "wilgi")
    assert resolve_flat(content, "gliwice/chronione") is None and resolve_flat(content, "nowhere") is None


async def test_leave_and_remove_stop_reminders_and_keep_the_record(
    service: Residents, clock: FixedClock
) -> None:
    anna, olha = await join(service, "1"), await join(service, "2")
    assert await service.leave(CHANNEL, "1") and not await service.leave(CHANNEL, "1")
    assert await service.remove(olha.id) is not None and await service.remove(olha.id) is None
    outbox = Outbox()
    await tick_at(service, clock, warsaw(2027, 4, 27, 10), outbox)
    assert outbox.sent == []
    assert (await people.get_resident_by_id(service.db, anna.id)) is not None
    # A new invite makes a former resident active again.
    await join(service, "1")
    await tick_at(service, clock, warsaw(2027, 4, 30, 10), outbox)
    assert len(outbox.to("1")) == 1


# --- payment reminders ----------------------------------------------------------------------


async def test_payment_reminders_arrive_once_at_10_warsaw(service: Residents, clock: FixedClock) -> None:
    await join(service, "1")
    outbox = Outbox()
    await tick_at(service, clock, warsaw(2027, 4, 27, 9, 59), outbox)
    assert outbox.sent == []
    await tick_at(service, clock, warsaw(2027, 4, 27, 10, 0), outbox)
    await tick_at(service, clock, warsaw(2027, 4, 27, 10, 1), outbox)
    await service.tick(outbox)
    [(_, text)] = outbox.sent
    assert "30 kwietnia 2027" in text and "30-tego" in text
    await tick_at(service, clock, warsaw(2027, 4, 30, 10, 0), outbox)
    assert len(outbox.sent) == 2 and "Dziś" in outbox.sent[1][1]


@pytest.mark.parametrize(("year", "early"), [(2027, 25), (2028, 26)])
async def test_february_gets_one_early_reminder_that_names_no_deadline(
    service: Residents, clock: FixedClock, year: int, early: int
) -> None:
    """ "do 30-tego każdego miesiąca": February has no 30th and the regulation names no other day,
    so the reminder comes 3 days before the month ends, asks to check with MOPS and claims no date."""
    clock.set(warsaw(year, 2, 1, 12))
    await join(service, "1")
    outbox = Outbox()
    await tick_at(service, clock, warsaw(year, 2, early, 10), outbox)
    [(_, text)] = outbox.sent
    assert text.startswith("Przypomnienie: zapłać za pobyt za ten miesiąc.")
    assert "Luty ma mniej dni: zapytaj w MOPS o termin." in text
    assert "lutego" not in text and "Dziś" not in text  # no deadline date of ours
    for day in range(early + 1, 29 if year == 2027 else 30):
        await tick_at(service, clock, warsaw(year, 2, day, 10), outbox)
    await tick_at(service, clock, warsaw(year, 3, 27, 10), outbox)
    assert len(outbox.sent) == 2 and "30 marca" in outbox.sent[1][1]


async def test_paid_stops_that_month_only_and_twice_is_harmless(
    service: Residents, clock: FixedClock
) -> None:
    anna = await join(service, "1")
    outbox = Outbox()
    await tick_at(service, clock, warsaw(2027, 4, 27, 10), outbox)
    assert await service.mark_paid(anna, "2027-04") is True
    assert await service.mark_paid(anna, "2027-04") is False  # the same button pressed twice
    await tick_at(service, clock, warsaw(2027, 4, 30, 10), outbox)
    assert len(outbox.sent) == 1
    await tick_at(service, clock, warsaw(2027, 5, 27, 10), outbox)
    await tick_at(service, clock, warsaw(2027, 5, 30, 10), outbox)
    assert len(outbox.sent) == 3


async def test_remind_me_tomorrow_once_and_not_after_paid(service: Residents, clock: FixedClock) -> None:
    anna = await join(service, "1")
    outbox = Outbox()
    await tick_at(service, clock, warsaw(2027, 4, 27, 10), outbox)
    first = await service.remind_tomorrow(anna, "2027-04")
    second = await service.remind_tomorrow(anna, "2027-04")
    assert first == second == warsaw(2027, 4, 28, 10)
    await tick_at(service, clock, warsaw(2027, 4, 28, 10), outbox)
    assert len(outbox.sent) == 2
    await service.remind_tomorrow(anna, "2027-04")
    await service.mark_paid(anna, "2027-04")
    assert await service.remind_tomorrow(anna, "2027-04") is None
    await tick_at(service, clock, warsaw(2027, 4, 29, 10), outbox)
    await tick_at(service, clock, warsaw(2027, 4, 30, 10), outbox)
    assert len(outbox.sent) == 2


async def test_mute_and_unmute(service: Residents, clock: FixedClock) -> None:
    anna = await join(service, "1")
    outbox = Outbox()
    await service.set_muted(anna, True)
    await tick_at(service, clock, warsaw(2027, 4, 27, 10), outbox)
    assert outbox.sent == []
    found = await people.get_resident_by_id(service.db, anna.id)
    assert found is not None and found.payment_muted
    await service.set_muted(found, False)
    await tick_at(service, clock, warsaw(2027, 4, 30, 10), outbox)
    assert len(outbox.sent) == 1


async def test_quiet_hours_send_nothing(service: Residents, clock: FixedClock) -> None:
    await join(service, "1")
    outbox = Outbox()
    clock.set(warsaw(2027, 4, 27, 22, 0))
    report = await service.tick(outbox)
    assert report.quiet and outbox.sent == []


# --- duties ----------------------------------------------------------------------------------


async def test_duty_reminders_reach_every_resident_of_the_flat(service: Residents, clock: FixedClock) -> None:
    await join(service, "1")
    await join(service, "2")
    duty = await service.add_duty(
        "wodzislaw", "chronione", "Sprzątanie kuchni", DutyRule("weekly", 0, time(18))
    )
    await join(service, "3")  # joins after the duty was defined
    outbox = Outbox()
    await tick_at(service, clock, warsaw(2027, 4, 5, 18), outbox)  # a Monday
    assert sorted(who for who, _ in outbox.sent) == ["1", "2", "3"]
    assert all("Sprzątanie kuchni" in text for _, text in outbox.sent)
    assert await service.remove_duty(duty) and not await service.remove_duty(duty)
    await tick_at(service, clock, warsaw(2027, 4, 12, 18), outbox)
    assert len(outbox.sent) == 3


# --- exactly once ----------------------------------------------------------------------------


async def restart(service: Residents, database_target: str) -> Residents:
    await service.db.close()
    fresh = Residents(await open_database(database_target), service.content, service.clock)
    await fresh.recover()
    return fresh


async def test_a_crash_in_the_middle_of_a_tick_loses_and_doubles_nothing(
    service: Residents, clock: FixedClock, database_target: str
) -> None:
    for chat in "12345":
        await join(service, chat)
    outbox = Outbox(crash_before=3)
    clock.set(warsaw(2027, 4, 27, 10))
    with pytest.raises(Crash):
        await service.tick(outbox)
    assert len(outbox.sent) == 2
    service = await restart(service, database_target)
    try:
        outbox.crash_before = None
        clock.set(warsaw(2027, 4, 27, 10, 1))
        await service.tick(outbox)  # the dead process's claim still holds: nothing is sent twice yet
        assert len(outbox.sent) == 2
        clock.set(warsaw(2027, 4, 27, 10, 3))  # its lease (2 minutes) has run out
        await service.tick(outbox)
        await service.tick(outbox)
        assert sorted(who for who, _ in outbox.sent) == list("12345")
        assert await store.count_deliveries(service.db, "sent") == 5
    finally:
        await service.db.close()


async def test_a_crash_between_send_and_mark_repeats_only_the_message_in_flight(
    service: Residents, clock: FixedClock, database_target: str
) -> None:
    for chat in "123":
        await join(service, chat)
    outbox = Outbox(crash_after=2)
    clock.set(warsaw(2027, 4, 27, 10))
    with pytest.raises(Crash):
        await service.tick(outbox)
    service = await restart(service, database_target)
    try:
        outbox.crash_after = None
        clock.set(warsaw(2027, 4, 27, 10, 3))  # after the dead process's lease
        await service.tick(outbox)
        counts = sorted(len(outbox.to(chat)) for chat in "123")
        assert counts == [1, 1, 2]  # the documented at-most-in-flight repeat
    finally:
        await service.db.close()


async def test_a_restart_before_anything_was_sent_sends_everything_once(
    service: Residents, clock: FixedClock, database_target: str
) -> None:
    for chat in "12":
        await join(service, chat)
    await service.collect(warsaw(2027, 4, 27, 10))  # recorded as due, then the process stops
    service = await restart(service, database_target)
    try:
        outbox = Outbox()
        await tick_at(service, clock, warsaw(2027, 4, 27, 10, 3), outbox)
        await service.tick(outbox)
        assert sorted(who for who, _ in outbox.sent) == ["1", "2"]
    finally:
        await service.db.close()


async def test_overlapping_ticks_send_each_reminder_once(service: Residents, clock: FixedClock) -> None:
    for chat in "1234":
        await join(service, chat)
    outbox = Outbox()
    clock.set(warsaw(2027, 4, 27, 10))
    await asyncio.gather(service.tick(outbox), service.tick(outbox), service.tick(outbox))
    assert sorted(who for who, _ in outbox.sent) == list("1234")


async def test_two_services_on_one_database_do_not_double_send(
    service: Residents, clock: FixedClock, database_target: str, content: Content
) -> None:
    for chat in "123":
        await join(service, chat)
    other = Residents(await open_database(database_target), content, clock)
    try:
        outbox = Outbox()
        clock.set(warsaw(2027, 4, 27, 10))
        await asyncio.gather(service.tick(outbox), other.tick(outbox))
        assert sorted(who for who, _ in outbox.sent) == list("123")
    finally:
        await other.db.close()


async def test_catch_up_inside_the_grace_window(service: Residents, clock: FixedClock) -> None:
    await join(service, "1")
    outbox = Outbox()
    await tick_at(service, clock, warsaw(2027, 4, 27, 15, 59), outbox)  # the bot was down since 9:00
    assert len(outbox.sent) == 1


async def test_older_occurrences_are_skipped_and_logged(
    service: Residents, clock: FixedClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, "bot.reminders")
    anna = await join(service, "1")
    outbox = Outbox()
    await tick_at(service, clock, warsaw(2027, 4, 27, 16, 1), outbox)  # 6 h 1 min late
    assert outbox.sent == []
    assert await store.delivery_status(service.db, anna.id, "payment", "2027-04-27") == "skipped"
    assert any("skipped" in record.getMessage() for record in caplog.records)
    await tick_at(service, clock, warsaw(2027, 4, 30, 10), outbox)  # the next one still comes
    assert len(outbox.sent) == 1


async def test_a_long_outage_skips_everything_old_and_resumes(service: Residents, clock: FixedClock) -> None:
    anna = await join(service, "1")
    outbox = Outbox()
    await tick_at(service, clock, warsaw(2027, 7, 1, 9), outbox)
    assert outbox.sent == [] and await store.count_deliveries(service.db, "skipped") == 6
    [row] = await store.resident_schedule(service.db, anna.id)
    assert row.day == "2027-07-27"


async def test_a_resident_who_blocked_the_bot_becomes_inactive(service: Residents, clock: FixedClock) -> None:
    anna = await join(service, "1")
    await join(service, "2")
    outbox = Outbox(blocked={"1"})
    await tick_at(service, clock, warsaw(2027, 4, 27, 10), outbox)
    found = await people.get_resident_by_id(service.db, anna.id)
    assert found is not None and found.status == "blocked"
    assert await store.resident_schedule(service.db, anna.id) == []
    await tick_at(service, clock, warsaw(2027, 4, 30, 10), outbox)
    assert outbox.calls == 3 and len(outbox.to("2")) == 2


async def test_a_failed_send_is_retried_with_backoff_until_the_grace_window_ends(
    service: Residents, clock: FixedClock
) -> None:
    await join(service, "1")
    outbox = Outbox(errors=1)
    await tick_at(service, clock, warsaw(2027, 4, 27, 10), outbox)
    assert outbox.sent == []
    await service.tick(outbox)  # the same minute: sending pauses after an outage
    assert outbox.calls == 1
    await tick_at(service, clock, warsaw(2027, 4, 27, 10, 1), outbox)
    assert len(outbox.sent) == 1
    outbox.errors = 10_000  # Telegram down for the whole 6-hour window
    start = warsaw(2027, 4, 30, 10)
    for minute in range(0, 7 * 60, 1):
        await tick_at(service, clock, start + timedelta(minutes=minute), outbox)
    # 1, 2, 4, 8, 8, 8... minutes apart: about 45 attempts in 6 hours, not one a minute.
    assert 30 <= outbox.calls - 2 <= 60
    assert await store.count_deliveries(service.db, "failed") == 1
    assert await store.count_deliveries(service.db, "due") == 0


async def test_a_resident_who_blocked_the_bot_and_writes_again_gets_reminders_back(
    service: Residents, clock: FixedClock
) -> None:
    anna = await join(service, "1")
    outbox = Outbox(blocked={"1"})
    await tick_at(service, clock, warsaw(2027, 4, 27, 10), outbox)
    assert "1" in service.blocked and await store.resident_schedule(service.db, anna.id) == []
    outbox.blocked.clear()  # she unblocks the bot and writes to it
    assert await service.welcome_back(CHANNEL, "1")
    found = await people.get_resident_by_id(service.db, anna.id)
    assert found is not None and found.status == "active"
    await tick_at(service, clock, warsaw(2027, 4, 30, 10), outbox)
    assert len(outbox.to("1")) == 1
    assert not await service.welcome_back(CHANNEL, "1")  # once is enough: no query for others


async def test_the_blocked_set_survives_a_restart(service: Residents, clock: FixedClock) -> None:
    await join(service, "1")
    await tick_at(service, clock, warsaw(2027, 4, 27, 10), Outbox(blocked={"1"}))
    service.blocked.clear()
    await service.recover()
    assert service.blocked == {"1"}
