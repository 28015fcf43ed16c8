"""Reminder due-date rules: due day clamping, lead times, DST, quiet hours, staff input."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from itertools import takewhile

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.content import Content
from bot.domain.reminders import (
    WARSAW,
    DutyRule,
    PaymentSchedule,
    allowed_time,
    due_date,
    in_quiet_hours,
    local_moment,
    next_duty,
    next_payment,
    next_send_time,
    parse_month_day,
    parse_time,
    parse_weekday,
    payment_days,
    payment_due,
    payment_occurrences,
    plan,
)

RULE = PaymentSchedule(due_day=30, remind_days_before=(3, 0), send_at=time(10, 0))


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def month_reminders(year: int, month: int) -> list[datetime]:
    found = []
    for occurrence in payment_occurrences(RULE, date(year, month, 1)):
        if occurrence.month != f"{year:04d}-{month:02d}":
            break
        found.append(occurrence.at)
    return found


@pytest.mark.parametrize(
    ("year", "month", "day"),
    [(2026, 4, 30), (2026, 12, 30), (2027, 1, 30), (2028, 1, 30), (2028, 3, 30)],
)
def test_the_payment_deadline_is_the_30th_as_the_regulation_says(year: int, month: int, day: int) -> None:
    assert payment_due(year, month, 30) == date(year, month, day)


@pytest.mark.parametrize(("year", "month"), [(2026, 2), (2027, 2), (2028, 2), (2100, 2)])
def test_february_has_no_deadline_the_regulation_names_none(year: int, month: int) -> None:
    """ "do 30-tego każdego miesiąca": February has no 30th and the source names no other day."""
    assert payment_due(year, month, 30) is None


@pytest.mark.parametrize("year", [2026, 2027, 2028])
@pytest.mark.parametrize("month", range(1, 13))
def test_each_month_of_2026_to_2028_follows_the_content_rule(content: Content, year: int, month: int) -> None:
    """The shipped rule (Wodzisław): 3 days before and on the 30th; a February (common or leap) gets
    one early reminder, 3 days before its last day, and no reminder on the 28th or the 29th."""
    payment = content.centres["wodzislaw"].payment
    assert payment is not None and payment.due_day == 30
    rule = PaymentSchedule(payment.due_day, tuple(payment.remind_days_before), payment.send_at)
    days = [day for day, _ in payment_days(rule, year, month)]
    if month == 2:
        last = 29 if year == 2028 else 28
        assert days == [date(year, 2, last - 3)]
        assert all(day.day < 28 for day in days)  # never "the deadline" on the 28th or the 29th
    else:
        assert days == [date(year, month, 27), date(year, month, 30)]
    occurrences = payment_occurrences(rule, date(year, month, 1))
    this_month = takewhile(lambda o: o.month == f"{year}-{month:02d}", occurrences)
    assert [o.day for o in this_month] == days


def test_february_2027_reminds_once_on_the_25th_at_10_warsaw() -> None:
    assert month_reminders(2027, 2) == [utc(2027, 2, 25, 9)]


def test_leap_february_2028_reminds_once_on_the_26th() -> None:
    assert month_reminders(2028, 2) == [utc(2028, 2, 26, 9)]


def test_months_with_30_and_31_days_use_the_30th() -> None:
    assert month_reminders(2027, 4) == [utc(2027, 4, 27, 8), utc(2027, 4, 30, 8)]  # summer: UTC+2
    assert month_reminders(2027, 1) == [utc(2027, 1, 27, 9), utc(2027, 1, 30, 9)]  # winter: UTC+1


def test_both_dst_changes_keep_10_oclock_local() -> None:
    # Spring forward on Sunday 2027-03-28: the 27th is winter time, the 30th summer time.
    assert month_reminders(2027, 3) == [utc(2027, 3, 27, 9), utc(2027, 3, 30, 8)]
    sunday = DutyRule("weekly", 6, time(10, 0))
    assert next_duty(sunday, utc(2027, 3, 22)).at == utc(2027, 3, 28, 8)  # the change day itself
    assert next_duty(sunday, utc(2027, 3, 15)).at == utc(2027, 3, 21, 9)
    # Fall back on Sunday 2026-10-25.
    assert next_duty(sunday, utc(2026, 10, 19)).at == utc(2026, 10, 25, 9)
    assert next_duty(sunday, utc(2026, 10, 12)).at == utc(2026, 10, 18, 8)
    assert month_reminders(2026, 10) == [utc(2026, 10, 27, 9), utc(2026, 10, 30, 9)]


def test_the_dst_change_day_converts_exactly() -> None:
    # Quiet hours keep rule times away from the 02:00-03:00 gap; the conversion is still exact.
    assert local_moment(date(2027, 3, 28), time(10, 0)) == utc(2027, 3, 28, 8)


def test_quiet_hours_are_never_used() -> None:
    assert in_quiet_hours(time(21, 0)) and in_quiet_hours(time(7, 59)) and in_quiet_hours(time(0, 0))
    assert not in_quiet_hours(time(8, 0)) and not in_quiet_hours(time(20, 59))
    assert allowed_time(time(6, 0)) == time(8, 0) and allowed_time(time(23, 0)) == time(20, 0)
    late = PaymentSchedule(30, (0,), time(22, 30))
    assert next_payment(late, utc(2027, 1, 1)).at.astimezone(WARSAW).time() == time(20, 0)
    with pytest.raises(ValueError, match="quiet"):
        DutyRule("weekly", 0, time(21, 30))
    with pytest.raises(ValueError):
        DutyRule("weekly", 7, time(10, 0))
    with pytest.raises(ValueError):
        DutyRule("monthly", 0, time(10, 0))


def test_a_paid_month_can_be_skipped() -> None:
    after = utc(2027, 2, 24, 12)
    assert next_payment(RULE, after).day == date(2027, 2, 25)
    assert next_payment(RULE, after, skip_month="2027-02").day == date(2027, 3, 27)


def test_monthly_duty_on_the_31st_uses_the_last_day() -> None:
    rule = DutyRule("monthly", 31, time(18, 0))
    assert next_duty(rule, utc(2027, 2, 1)).day == date(2027, 2, 28)
    assert next_duty(rule, utc(2027, 4, 1)).day == date(2027, 4, 30)
    assert next_duty(rule, utc(2027, 4, 30, 17)).day == date(2027, 5, 31)


def test_remind_me_tomorrow_is_tomorrow_at_the_send_time() -> None:
    assert next_send_time(utc(2027, 2, 25, 9, 30), time(10, 0)) == utc(2027, 2, 26, 9)
    # 23:30 UTC on the 25th is already the 26th in Warsaw.
    assert next_send_time(utc(2027, 2, 25, 23, 30), time(10, 0)) == utc(2027, 2, 27, 9)


def test_staff_input_is_read_or_refused() -> None:
    assert parse_weekday("poniedziałek") == 0 and parse_weekday("Pt.") == 4 and parse_weekday("7") == 6
    assert parse_weekday("środa") == 2 and parse_weekday("sunday") == 6
    assert parse_weekday("ósmy") is None and parse_weekday("8") is None and parse_weekday("") is None
    assert (
        parse_time("10:00") == time(10) and parse_time("9.30") == time(9, 30) and parse_time("18") == time(18)
    )
    assert parse_time("25:00") is None and parse_time("10:61") is None and parse_time("rano") is None
    assert parse_month_day("31") == 31 and parse_month_day("32") is None and parse_month_day("x") is None


def test_plan_lists_payment_and_duties_in_order() -> None:
    duties = {"duty:1": DutyRule("weekly", 0, time(18, 0))}
    start = datetime(2027, 2, 1, tzinfo=WARSAW)
    found = plan(RULE, duties, start, start + timedelta(days=28))
    assert [p.reminder for p in found].count("payment") == 1  # February: one early reminder
    assert [p.reminder for p in found].count("duty:1") == 4
    assert [p.at for p in found] == sorted(p.at for p in found)


moments = st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2035, 12, 31)).map(  # noqa: DTZ001
    lambda moment: moment.replace(tzinfo=UTC)
)


@given(moments, st.integers(1, 31), st.sets(st.integers(0, 27), min_size=1, max_size=3))
def test_next_payment_is_after_now_on_a_lead_day_outside_quiet_hours(
    after: datetime, due_day: int, befores: set[int]
) -> None:
    rule = PaymentSchedule(due_day, tuple(befores), time(10, 0))
    found = next_payment(rule, after)
    assert found.at > after
    year, month = (int(part) for part in found.month.split("-"))
    due = payment_due(year, month, due_day)
    if due is None:  # a short month: one reminder, the longest lead before its last day
        assert (due_date(year, month, 31) - found.day).days == max(befores)
    else:
        assert (due - found.day).days in befores
    assert not in_quiet_hours(found.at.astimezone(WARSAW).time())
    assert found.at.astimezone(WARSAW).date() == found.day


@given(moments, st.sampled_from(["weekly", "monthly"]), st.integers(0, 31), st.integers(8, 20))
def test_next_duty_is_the_first_after_now(after: datetime, kind: str, day: int, hour: int) -> None:
    if (kind == "weekly" and day > 6) or (kind == "monthly" and day < 1):
        return
    rule = DutyRule("weekly" if kind == "weekly" else "monthly", day, time(hour, 15))
    found = next_duty(rule, after)
    assert after < found.at <= after + timedelta(days=32)
    assert found.at.astimezone(WARSAW).time() == time(hour, 15)
    if kind == "weekly":
        assert found.day.weekday() == day
