"""Reminder due dates: pure rules, computed in the centre's local time (Europe/Warsaw), returned in UTC.

Two kinds of reminder:

- **payment**: from the centre's `PaymentRule`: the due day of each month, reminded
  `remind_days_before` days before (0 = on the day) at `send_at` local time. A month without the due
  day (February for "do 30-tego każdego miesiąca") has no deadline in the source, so we name none:
  one reminder, the longest lead before the month's last day, that asks the resident to check the
  deadline with the centre (the content's payment text says so) — never a "today is the deadline";
- **duty**: per flat, weekly on a weekday or monthly on a day of the month (the last day in a
  shorter month), at a local time.

Nothing is ever sent in the quiet hours (21:00–08:00 local): a rule time inside them is moved to the
nearest allowed time of the same day (before 08:00 → 08:00, from 21:00 → 20:00).
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

WARSAW = ZoneInfo("Europe/Warsaw")
QUIET_FROM = time(21, 0)  # nothing is sent from here ...
QUIET_UNTIL = time(8, 0)  # ... until here (local time)
LATEST_ALLOWED = time(20, 0)  # a rule time in the evening quiet hours is moved here

PAYMENT = "payment"
LATER = "later"  # the one-off "remind me tomorrow" of a payment
DUTY_PREFIX = "duty:"

DutyKind = Literal["weekly", "monthly"]


@dataclass(frozen=True)
class Occurrence:
    """One reminder moment: `at` in UTC; `day` is the local date that names it (the unique key)."""

    at: datetime
    day: date
    month: str  # "YYYY-MM": the payment month it belongs to (for duties: the month of `day`)
    days_before: int = 0  # payment only: how many days before the due day


@dataclass(frozen=True)
class PaymentSchedule:
    """The parts of a centre's PaymentRule the schedule needs (domain keeps no content import cycle)."""

    due_day: int
    remind_days_before: tuple[int, ...] = (3, 0)
    send_at: time = time(10, 0)


@dataclass(frozen=True)
class DutyRule:
    """A duty reminder: weekly on `day` (0 = Monday ... 6 = Sunday) or monthly on `day` (1-31), at `at`."""

    kind: DutyKind
    day: int
    at: time

    def __post_init__(self) -> None:
        if self.kind == "weekly" and not 0 <= self.day <= 6:
            raise ValueError(f"a weekday is 0-6, not {self.day}")
        if self.kind == "monthly" and not 1 <= self.day <= 31:
            raise ValueError(f"a day of the month is 1-31, not {self.day}")
        if in_quiet_hours(self.at):
            raise ValueError(f"{self.at:%H:%M} is in the quiet hours (21:00-08:00)")


def last_day(year: int, month: int) -> int:
    return calendar.monthrange(year, month)[1]


def due_date(year: int, month: int, due_day: int) -> date:
    """A monthly duty's day: `due_day`, or the month's last day when it has fewer days."""
    return date(year, month, min(due_day, last_day(year, month)))


def payment_due(year: int, month: int, due_day: int) -> date | None:
    """The payment deadline of a month, or None in a month without `due_day`.

    The Wodzisław regulation says "do 30-tego każdego miesiąca" and gives no day for February:
    moving it to the 28th (or the 29th) would be our invention.
    """
    return date(year, month, due_day) if due_day <= last_day(year, month) else None


def payment_days(rule: PaymentSchedule, year: int, month: int) -> list[tuple[date, int]]:
    """The reminder days of a month with their lead in days, earliest first.

    With a deadline: each `remind_days_before` before it. Without one (a short month): one early
    reminder, the longest lead before the month's last day, so there is time to ask the centre.
    """
    due = payment_due(year, month, rule.due_day)
    befores = sorted(set(rule.remind_days_before), reverse=True)
    if due is None:
        lead = max(befores)
        return [(date(year, month, last_day(year, month)) - timedelta(days=lead), lead)]
    return [(due - timedelta(days=before), before) for before in befores]


def in_quiet_hours(at: time) -> bool:
    return at >= QUIET_FROM or at < QUIET_UNTIL


def allowed_time(at: time) -> time:
    """`at` moved out of the quiet hours, staying on the same day."""
    if at < QUIET_UNTIL:
        return QUIET_UNTIL
    if at >= QUIET_FROM:
        return LATEST_ALLOWED
    return at


def local_moment(day: date, at: time, zone: ZoneInfo = WARSAW) -> datetime:
    """`day` at `at` wall time in `zone`, as UTC; a wall time skipped by DST moves forward an hour."""
    naive = datetime.combine(day, allowed_time(at))
    moment = naive.replace(tzinfo=zone)
    # A non-existent wall time (spring forward) does not survive the UTC round trip: move it forward.
    back = moment.astimezone(UTC).astimezone(zone).replace(tzinfo=None)
    if back != naive:
        moment = (naive + timedelta(hours=1)).replace(tzinfo=zone)
    return moment.astimezone(UTC)


def _months_from(year: int, month: int) -> Iterator[tuple[int, int]]:
    while True:
        yield year, month
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def payment_occurrences(rule: PaymentSchedule, start: date, zone: ZoneInfo = WARSAW) -> Iterator[Occurrence]:
    """Every payment reminder from the month of `start` on, in time order (endless)."""
    for year, month in _months_from(start.year, start.month):
        for day, before in payment_days(rule, year, month):
            yield Occurrence(local_moment(day, rule.send_at, zone), day, f"{year:04d}-{month:02d}", before)


def next_payment(
    rule: PaymentSchedule, after: datetime, zone: ZoneInfo = WARSAW, skip_month: str | None = None
) -> Occurrence:
    """The first payment reminder strictly after `after` (optionally not in `skip_month`, e.g. paid)."""
    # A reminder 27 days before the due day of next month can fall in this month: start a month early.
    local = after.astimezone(zone).date()
    start = (local.replace(day=1) - timedelta(days=1)).replace(day=1)
    for occurrence in payment_occurrences(rule, start, zone):
        if occurrence.at > after and occurrence.month != skip_month:
            return occurrence
    raise AssertionError("unreachable: the sequence is endless")  # pragma: no cover


def duty_occurrences(rule: DutyRule, start: date, zone: ZoneInfo = WARSAW) -> Iterator[Occurrence]:
    """Every occurrence of a duty from `start` (a local date) on, in time order (endless)."""
    if rule.kind == "weekly":
        day = start + timedelta(days=(rule.day - start.weekday()) % 7)
        while True:
            yield Occurrence(local_moment(day, rule.at, zone), day, f"{day:%Y-%m}")
            day += timedelta(days=7)
    for year, month in _months_from(start.year, start.month):
        day = due_date(year, month, rule.day)
        if day >= start:
            yield Occurrence(local_moment(day, rule.at, zone), day, f"{day:%Y-%m}")


def next_duty(rule: DutyRule, after: datetime, zone: ZoneInfo = WARSAW) -> Occurrence:
    """The first occurrence of the duty strictly after `after`."""
    for occurrence in duty_occurrences(rule, after.astimezone(zone).date(), zone):
        if occurrence.at > after:
            return occurrence
    raise AssertionError("unreachable: the sequence is endless")  # pragma: no cover


def next_send_time(after: datetime, at: time, zone: ZoneInfo = WARSAW) -> datetime:
    """`at` local time on the day after the local date of `after` ("remind me tomorrow"), in UTC."""
    return local_moment(after.astimezone(zone).date() + timedelta(days=1), at, zone)


# --- reading staff input ------------------------------------------------------------------------

_WEEKDAYS: dict[str, int] = {}
for _index, _names in enumerate(
    (
        ("pon", "poniedziałek", "poniedzialek", "pn", "mon", "monday", "пн", "понеділок"),
        ("wt", "wtorek", "tue", "tuesday", "вт", "вівторок"),
        ("śr", "sr", "środa", "sroda", "wed", "wednesday", "ср", "середа"),
        ("czw", "czwartek", "cz", "thu", "thursday", "чт", "четвер"),
        ("pt", "piątek", "piatek", "pią", "pia", "fri", "friday", "пт", "пʼятниця", "п'ятниця"),
        ("sob", "sobota", "so", "sat", "saturday", "сб", "субота"),
        ("nd", "niedziela", "nie", "ndz", "sun", "sunday", "нд", "неділя"),
    )
):
    for _name in _names:
        _WEEKDAYS[_name] = _index

_TIME = re.compile(r"^\s*(\d{1,2})(?:[:.](\d{2}))?\s*$", re.ASCII)  # "²" is no hour


def parse_weekday(text: str) -> int | None:
    """0 (Monday) ... 6 (Sunday) from a name or abbreviation (pl, uk, en) or a number 1-7; else None."""
    word = text.strip().casefold().rstrip(".")
    if word.isascii() and word.isdigit():  # "²".isdigit() is True and int("²") raises
        number = int(word)
        return number - 1 if 1 <= number <= 7 else None
    return _WEEKDAYS.get(word)


def parse_month_day(text: str) -> int | None:
    """1-31, else None."""
    word = text.strip().rstrip(".")
    if not (word.isascii() and word.isdigit()) or len(word) > 2:
        return None
    number = int(word)
    return number if 1 <= number <= 31 else None


def parse_time(text: str) -> time | None:
    """ "10:00", "9.30" or "10" as a time, else None (out-of-range values included)."""
    match = _TIME.match(text)
    if match is None:
        return None
    hour, minute = int(match.group(1)), int(match.group(2) or 0)
    if hour > 23 or minute > 59:
        return None
    return time(hour, minute)


# --- a flat's schedule (for the terminal door) ---------------------------------------------------


@dataclass(frozen=True)
class Planned:
    at: datetime  # UTC
    reminder: str  # "payment" or "duty:<id>"
    occurrence: Occurrence


def plan(
    payment: PaymentSchedule | None,
    duties: dict[str, DutyRule],
    start: datetime,
    end: datetime,
    zone: ZoneInfo = WARSAW,
) -> list[Planned]:
    """Every reminder moment in [start, end), in time order."""
    found: list[Planned] = []
    first = start.astimezone(zone).date()
    sources: list[tuple[str, Iterator[Occurrence]]] = []
    if payment is not None:
        month_before = (first.replace(day=1) - timedelta(days=1)).replace(day=1)
        sources.append((PAYMENT, payment_occurrences(payment, month_before, zone)))
    for key, rule in duties.items():
        sources.append((key, duty_occurrences(rule, first, zone)))
    for key, occurrences in sources:
        for occurrence in occurrences:
            if occurrence.at >= end:
                break
            if occurrence.at >= start:
                found.append(Planned(occurrence.at, key, occurrence))
    found.sort(key=lambda planned: (planned.at, planned.reminder))
    return found
