"""Office hours: open/closed at a moment, next opening, public holidays and DST changes."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.content import Centre, OfficeHours, Text
from bot.domain.hours import Opening, day_ranges, holiday_name, next_opening, status

WARSAW = ZoneInfo("Europe/Warsaw")


def make_centre(hours: OfficeHours | None) -> Centre:
    return Centre(
        id="gliwice",
        name=Text(pl="MOPS Gliwice", uk="МЦСД Гливіце", en="MOPS Gliwice"),
        city="Gliwice",
        address="ul. Przykładowa 1, Gliwice",
        timezone="Europe/Warsaw",
        holidays_country="PL",
        hours=hours,
        source="test",
    )


GLIWICE = make_centre(
    OfficeHours.model_validate(
        {
            "mon": ["09:00-16:30"],
            "tue": ["08:00-13:00"],
            "wed": ["08:00-13:00"],
            "thu": ["08:00-13:00"],
            "fri": ["08:00-12:00"],
        }
    )
)
UNKNOWN = make_centre(None)


def local(
    year: int, month: int, day: int, hour: int, minute: int, second: int = 0, micro: int = 0
) -> datetime:
    """A Warsaw wall-clock moment (never in a DST gap or fold in these tests)."""
    return datetime(year, month, day, hour, minute, second, micro, tzinfo=WARSAW)


# --- every weekday, in an ordinary week (15-21 June 2026 has no public holidays) ---------------

WEEK = [
    # (moment inside hours or None, moment outside hours)
    (local(2026, 6, 15, 12, 0), local(2026, 6, 15, 8, 30)),  # Monday 09:00-16:30
    (local(2026, 6, 16, 10, 0), local(2026, 6, 16, 14, 0)),  # Tuesday 08:00-13:00
    (local(2026, 6, 17, 8, 30), local(2026, 6, 17, 7, 0)),  # Wednesday
    (local(2026, 6, 18, 12, 30), local(2026, 6, 18, 18, 0)),  # Thursday
    (local(2026, 6, 19, 11, 0), local(2026, 6, 19, 12, 30)),  # Friday 08:00-12:00
]


@pytest.mark.parametrize(("inside", "outside"), WEEK)
def test_weekday_open_inside_and_closed_outside(inside: datetime, outside: datetime) -> None:
    assert inside.weekday() == outside.weekday()
    opened = status(GLIWICE, inside)
    assert opened.is_open and opened.known
    assert opened.closes_at is not None and opened.closes_at.date() == inside.date()
    assert opened.next_opening is None
    assert opened.holiday is None
    closed = status(GLIWICE, outside)
    assert not closed.is_open and closed.known
    assert closed.closes_at is None
    assert closed.next_opening is not None


@pytest.mark.parametrize("moment", [local(2026, 6, 20, 10, 0), local(2026, 6, 21, 10, 0)])
def test_weekend_closed_next_opening_monday_9(moment: datetime) -> None:
    result = status(GLIWICE, moment)
    assert not result.is_open
    assert result.next_opening == Opening(local(2026, 6, 22, 9, 0), local(2026, 6, 22, 16, 30))


def test_monday_closes_at_half_past_four() -> None:
    assert status(GLIWICE, local(2026, 6, 15, 16, 29)).closes_at == local(2026, 6, 15, 16, 30)
    assert not status(GLIWICE, local(2026, 6, 15, 16, 30)).is_open


# --- boundaries: [opens, closes) ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("moment", "is_open"),
    [
        (local(2026, 6, 16, 8, 0), True),
        (local(2026, 6, 16, 7, 59), False),
        (local(2026, 6, 16, 7, 59, 59, 999999), False),
        (local(2026, 6, 16, 12, 59, 59), True),
        (local(2026, 6, 16, 13, 0), False),
    ],
)
def test_range_boundaries(moment: datetime, is_open: bool) -> None:
    assert status(GLIWICE, moment).is_open is is_open


def test_before_opening_same_day_next_opening_is_today() -> None:
    result = status(GLIWICE, local(2026, 6, 16, 7, 59))
    assert result.next_opening == Opening(local(2026, 6, 16, 8, 0), local(2026, 6, 16, 13, 0))


def test_friday_noon_next_opening_monday() -> None:
    result = status(GLIWICE, local(2026, 6, 19, 12, 0))
    assert not result.is_open
    assert result.next_opening is not None
    assert result.next_opening.opens == local(2026, 6, 22, 9, 0)


def test_next_opening_starts_strictly_after_moment() -> None:
    # At 08:00 sharp the office is open; the next opening after that is the next day's.
    assert next_opening(GLIWICE, local(2026, 6, 16, 8, 0)) == Opening(
        local(2026, 6, 17, 8, 0), local(2026, 6, 17, 13, 0)
    )


def test_several_ranges_a_day_in_any_order() -> None:
    centre = make_centre(OfficeHours.model_validate({"mon": ["13:00-16:00", "08:00-12:00"]}))
    assert status(centre, local(2026, 6, 15, 9, 0)).closes_at == local(2026, 6, 15, 12, 0)
    lunch = status(centre, local(2026, 6, 15, 12, 30))
    assert not lunch.is_open
    assert lunch.next_opening == Opening(local(2026, 6, 15, 13, 0), local(2026, 6, 15, 16, 0))
    assert [r.opens for r in day_ranges(centre, date(2026, 6, 15))] == [time(8, 0), time(13, 0)]


# --- public holidays ----------------------------------------------------------------------------


def test_independence_day_closed_with_name() -> None:
    result = status(GLIWICE, local(2026, 11, 11, 10, 0))  # a Wednesday
    assert not result.is_open and result.known
    assert result.holiday is not None and "Niepodległości" in result.holiday
    assert result.next_opening is not None
    assert result.next_opening.opens == local(2026, 11, 12, 8, 0)
    english = status(GLIWICE, local(2026, 11, 11, 10, 0), "en").holiday
    assert english is not None and "Independence" in english


def test_holiday_name_languages() -> None:
    day = date(2026, 11, 11)
    assert holiday_name("PL", day, "pl") == "Narodowe Święto Niepodległości"
    assert holiday_name("PL", day, "en") == "National Independence Day"
    ukrainian = holiday_name("PL", day, "uk")
    assert ukrainian is not None and ukrainian != holiday_name("PL", day, "pl")
    assert holiday_name("PL", day, "fr") == "Narodowe Święto Niepodległości"  # unknown: Polish
    assert holiday_name("PL", date(2026, 11, 10), "pl") is None


def test_christmas_eve_is_a_holiday_from_2025() -> None:
    assert holiday_name("PL", date(2025, 12, 24), "pl") is not None
    assert holiday_name("PL", date(2024, 12, 24), "pl") is None
    assert day_ranges(GLIWICE, date(2024, 12, 24)) != ()  # a Tuesday, still a working day
    result = status(GLIWICE, local(2026, 12, 24, 9, 0))  # a Thursday
    assert not result.is_open
    assert result.holiday is not None
    assert status(GLIWICE, local(2026, 12, 24, 9, 0), "en").holiday == "Christmas Eve"


@pytest.mark.parametrize("day", [date(2026, 12, 25), date(2026, 12, 26)])
def test_christmas_closed(day: date) -> None:
    result = status(GLIWICE, datetime.combine(day, time(10, 0), tzinfo=WARSAW))
    assert not result.is_open
    assert result.holiday is not None
    assert day_ranges(GLIWICE, day) == ()


def test_next_opening_skips_christmas() -> None:
    # Wed 23 Dec after hours -> 24 (Thu), 25 (Fri) holidays, weekend -> Monday 28 Dec at 09:00.
    result = status(GLIWICE, local(2026, 12, 23, 13, 30))
    assert result.next_opening == Opening(local(2026, 12, 28, 9, 0), local(2026, 12, 28, 16, 30))


def test_next_opening_skips_independence_day() -> None:
    result = status(GLIWICE, local(2026, 11, 10, 13, 0))  # Tuesday closing time
    assert not result.is_open
    assert result.next_opening is not None
    assert result.next_opening.opens == local(2026, 11, 12, 8, 0)


def test_easter_monday_closed() -> None:
    result = status(GLIWICE, local(2027, 3, 29, 10, 0))
    assert not result.is_open
    assert result.holiday == "Poniedziałek Wielkanocny"
    assert result.next_opening == Opening(local(2027, 3, 30, 8, 0), local(2027, 3, 30, 13, 0))


def test_day_ranges() -> None:
    assert day_ranges(GLIWICE, date(2026, 6, 15))[0].opens == time(9, 0)
    assert day_ranges(GLIWICE, date(2026, 6, 20)) == ()  # Saturday
    assert day_ranges(GLIWICE, date(2026, 11, 11)) == ()  # holiday on a working day
    assert day_ranges(UNKNOWN, date(2026, 6, 15)) == ()


# --- time zones and DST ---------------------------------------------------------------------------


def test_moment_in_utc_is_converted() -> None:
    # 15 June (CEST, UTC+2): 06:30 UTC is 08:30 in Warsaw, before Monday's 09:00.
    result = status(GLIWICE, datetime(2026, 6, 15, 6, 30, tzinfo=UTC))
    assert result.now == local(2026, 6, 15, 8, 30)
    assert result.now.tzinfo == WARSAW
    assert not result.is_open
    assert status(GLIWICE, datetime(2026, 6, 15, 7, 0, tzinfo=UTC)).is_open


def test_naive_moment_is_rejected() -> None:
    naive = datetime(2026, 6, 15, 10, 0, tzinfo=UTC).replace(tzinfo=None)
    with pytest.raises(ValueError, match="aware"):
        status(GLIWICE, naive)
    with pytest.raises(ValueError, match="aware"):
        next_opening(GLIWICE, naive)


def test_autumn_dst_sunday_and_monday() -> None:
    # 25 Oct 2026: 03:00 CEST -> 02:00 CET. 00:30 UTC and 01:30 UTC are both 02:30 local.
    first = status(GLIWICE, datetime(2026, 10, 25, 0, 30, tzinfo=UTC)).now
    second = status(GLIWICE, datetime(2026, 10, 25, 1, 30, tzinfo=UTC)).now
    assert (first.hour, first.fold, first.utcoffset()) == (2, 0, timedelta(hours=2))
    assert (second.hour, second.fold, second.utcoffset()) == (2, 1, timedelta(hours=1))
    sunday = status(GLIWICE, datetime(2026, 10, 25, 12, 0, tzinfo=UTC))
    assert not sunday.is_open
    assert sunday.next_opening is not None
    assert sunday.next_opening.opens == local(2026, 10, 26, 9, 0)
    # Monday is in CET (UTC+1): 09:00 local is 08:00 UTC.
    assert sunday.next_opening.opens.astimezone(UTC) == datetime(2026, 10, 26, 8, 0, tzinfo=UTC)
    assert not status(GLIWICE, datetime(2026, 10, 26, 7, 59, tzinfo=UTC)).is_open
    monday = status(GLIWICE, datetime(2026, 10, 26, 8, 0, tzinfo=UTC))
    assert monday.is_open
    assert monday.now.hour == 9
    assert monday.closes_at is not None
    assert monday.closes_at.astimezone(UTC) == datetime(2026, 10, 26, 15, 30, tzinfo=UTC)


def test_autumn_dst_friday_to_monday_crosses_the_change() -> None:
    # Friday 23 Oct is CEST, Monday 26 Oct is CET: the next opening must carry the new offset.
    result = status(GLIWICE, datetime(2026, 10, 23, 13, 0, tzinfo=UTC))  # 15:00 CEST
    assert result.next_opening is not None
    assert result.next_opening.opens.utcoffset() == timedelta(hours=1)
    assert result.next_opening.opens.astimezone(UTC) == datetime(2026, 10, 26, 8, 0, tzinfo=UTC)


def test_spring_dst_2026() -> None:
    # 29 Mar 2026: 02:00 CET -> 03:00 CEST; Monday 30 Mar 09:00 CEST is 07:00 UTC.
    sunday = status(GLIWICE, datetime(2026, 3, 29, 1, 30, tzinfo=UTC))
    assert sunday.now.hour == 3 and sunday.now.utcoffset() == timedelta(hours=2)
    assert sunday.next_opening is not None
    assert sunday.next_opening.opens.astimezone(UTC) == datetime(2026, 3, 30, 7, 0, tzinfo=UTC)
    assert not status(GLIWICE, datetime(2026, 3, 30, 6, 59, tzinfo=UTC)).is_open
    assert status(GLIWICE, datetime(2026, 3, 30, 7, 0, tzinfo=UTC)).is_open


def test_spring_dst_2027_then_easter_monday() -> None:
    # 28 Mar 2027 is the change and also Easter Sunday; Monday 29 is Easter Monday.
    sunday = status(GLIWICE, datetime(2027, 3, 28, 0, 59, tzinfo=UTC))
    assert (sunday.now.hour, sunday.now.minute) == (1, 59)
    assert status(GLIWICE, datetime(2027, 3, 28, 1, 0, tzinfo=UTC)).now.hour == 3
    assert sunday.holiday is not None
    assert sunday.next_opening is not None
    assert sunday.next_opening.opens == local(2027, 3, 30, 8, 0)
    assert sunday.next_opening.opens.astimezone(UTC) == datetime(2027, 3, 30, 6, 0, tzinfo=UTC)


def test_time_in_dst_gap_is_normalised() -> None:
    # A range starting inside the spring gap (02:30 does not exist) opens at the real 03:30.
    centre = make_centre(OfficeHours.model_validate({"sun": ["02:30-05:00"]}))
    opening = next_opening(centre, datetime(2026, 3, 28, 12, 0, tzinfo=UTC))
    assert opening is not None
    assert (opening.opens.hour, opening.opens.minute) == (3, 30)
    assert opening.opens.astimezone(UTC) == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)


def test_range_inside_the_autumn_fold() -> None:
    # 02:00-02:45 on 25 Oct 2026 means the first pass (CEST); the repeated 02:30 CET is closed.
    centre = make_centre(OfficeHours.model_validate({"sun": ["02:00-02:45"]}))
    assert status(centre, datetime(2026, 10, 25, 0, 30, tzinfo=UTC)).is_open
    assert not status(centre, datetime(2026, 10, 25, 1, 30, tzinfo=UTC)).is_open


# --- unknown hours and nothing ahead ---------------------------------------------------------------


def test_unknown_hours() -> None:
    result = status(UNKNOWN, local(2026, 6, 15, 10, 0))
    assert result.known is False
    assert result.is_open is False
    assert result.next_opening is None
    assert result.closes_at is None
    assert next_opening(UNKNOWN, local(2026, 6, 15, 10, 0)) is None
    assert status(UNKNOWN, local(2026, 11, 11, 10, 0)).holiday is not None


def test_no_ranges_at_all_gives_no_next_opening() -> None:
    result = status(make_centre(OfficeHours()), local(2026, 6, 15, 10, 0))
    assert result.known and not result.is_open
    assert result.next_opening is None


# --- property -------------------------------------------------------------------------------------

START = int(datetime(2025, 1, 1, tzinfo=UTC).timestamp())
END = int(datetime(2031, 1, 1, tzinfo=UTC).timestamp())
ZONES = st.sampled_from([UTC, WARSAW, ZoneInfo("America/New_York"), ZoneInfo("Asia/Tokyo")])


@settings(max_examples=300, deadline=None)
@given(seconds=st.integers(START, END - 1), micros=st.integers(0, 999_999), zone=ZONES)
def test_status_is_consistent(seconds: int, micros: int, zone: ZoneInfo) -> None:
    moment = datetime.fromtimestamp(seconds, tz=UTC).replace(microsecond=micros).astimezone(zone)
    result = status(GLIWICE, moment)
    assert result.now.astimezone(UTC) == moment.astimezone(
        UTC
    )  # same instant (== across zones is False in a DST fold)
    assert result.now.tzinfo == WARSAW
    ranges = day_ranges(GLIWICE, result.now.date())
    if result.is_open:
        assert result.closes_at is not None and result.closes_at > result.now
        assert result.holiday is None
        assert any(r.opens <= result.now.time() < r.closes for r in ranges)
    else:
        assert result.closes_at is None
        assert not any(r.opens <= result.now.time() < r.closes for r in ranges)
        assert result.next_opening is not None  # Gliwice never closes for a month
        assert result.next_opening.opens > result.now
        opening_day = result.next_opening.opens.date()
        assert result.next_opening.opens.time() in {r.opens for r in day_ranges(GLIWICE, opening_day)}
