"""Is the centre's office open now, and if not, when does it open next.

Pure functions: the moment is always passed in (no clock), all answers are in the centre's own
time zone, and public holidays come from the `holidays` package.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays
from holidays import HolidayBase

from bot.domain.content import Centre, TimeRange

# How far ahead `next_opening` looks; a month covers any run of holidays and weekends.
SEARCH_DAYS = 30

# Our language codes -> the `holidays` package's codes (it has "en_US", not "en").
_HOLIDAY_LANGUAGES: dict[str, str] = {"pl": "pl", "uk": "uk", "en": "en_US"}
_FALLBACK_LANGUAGE = "pl"


@dataclass(frozen=True)
class Opening:
    """One opening interval as aware datetimes in the centre's time zone, [opens, closes)."""

    opens: datetime
    closes: datetime


@dataclass(frozen=True)
class HoursStatus:
    """Whether the office is open at a moment, and what to tell the user about it."""

    is_open: bool
    now: datetime  # the moment converted to the centre's zone
    closes_at: datetime | None  # when open: end of the current range (local)
    next_opening: Opening | None  # when closed: the next opening; None when the hours are unknown
    holiday: str | None  # today's public holiday in the requested language
    known: bool  # False when the sources do not give office hours


@lru_cache(maxsize=32)
def _language(country: str, lang: str) -> str | None:
    """The `holidays` language code for `lang`, Polish (or the country's default) when unsupported."""
    supported = holidays.country_holidays(country).supported_languages
    for wanted in (_HOLIDAY_LANGUAGES.get(lang), _HOLIDAY_LANGUAGES[_FALLBACK_LANGUAGE]):
        if wanted in supported:
            return wanted
    return None  # the package's default language for the country


@lru_cache(maxsize=64)
def _calendar(country: str, year: int, language: str | None) -> HolidayBase:
    """One year's public holidays; cached because it is asked on every question about hours."""
    # expand=False keeps the cached object from silently growing if asked about another year.
    return holidays.country_holidays(country, years=year, expand=False, language=language)


def holiday_name(country: str, day: date, lang: str) -> str | None:
    """Name of the public holiday on `day` in `country` ("PL"), in `lang`; None on ordinary days."""
    name: str | None = _calendar(country, day.year, _language(country, lang)).get(day)
    return name


def _zone(centre: Centre) -> ZoneInfo:
    return ZoneInfo(centre.timezone)


def _local_now(centre: Centre, moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("moment must be an aware datetime (with a time zone)")
    return moment.astimezone(_zone(centre))


def _at(day: date, when: time, zone: ZoneInfo) -> datetime:
    """A wall-clock time on `day` in `zone`, normalised so a time in a DST gap becomes a real one."""
    return datetime.combine(day, when, tzinfo=zone).astimezone(UTC).astimezone(zone)


def _before(first: datetime, second: datetime) -> bool:
    # Compare instants in UTC: datetimes sharing a tzinfo compare by wall clock, wrong in the DST fold.
    return first.astimezone(UTC) < second.astimezone(UTC)


def day_ranges(centre: Centre, day: date) -> tuple[TimeRange, ...]:
    """The opening ranges on `day`, earliest first; () on public holidays, closed days or unknown hours."""
    if centre.hours is None or holiday_name(centre.holidays_country, day, _FALLBACK_LANGUAGE):
        return ()
    return tuple(sorted(centre.hours.day(day.weekday()), key=lambda r: r.opens))


def _openings(centre: Centre, day: date) -> tuple[Opening, ...]:
    zone = _zone(centre)
    return tuple(Opening(_at(day, r.opens, zone), _at(day, r.closes, zone)) for r in day_ranges(centre, day))


def next_opening(centre: Centre, moment: datetime, lang: str = "pl") -> Opening | None:
    """The first opening that starts strictly after `moment`, within about a month; None if none."""
    del lang  # accepted for symmetry with `status`; opening times do not depend on language
    now = _local_now(centre, moment)
    if centre.hours is None:
        return None
    for offset in range(SEARCH_DAYS + 1):
        for opening in _openings(centre, now.date() + timedelta(days=offset)):
            if _before(now, opening.opens):
                return opening
    return None


def status(centre: Centre, moment: datetime, lang: str = "pl") -> HoursStatus:
    """Whether the centre's office is open at `moment` (aware, any zone), and the next opening if not."""
    now = _local_now(centre, moment)
    holiday = holiday_name(centre.holidays_country, now.date(), lang)
    if centre.hours is None:
        return HoursStatus(False, now, None, None, holiday, known=False)
    for opening in _openings(centre, now.date()):
        if not _before(now, opening.opens) and _before(now, opening.closes):
            return HoursStatus(True, now, opening.closes, None, holiday, known=True)
    return HoursStatus(False, now, None, next_opening(centre, now, lang), holiday, known=True)
