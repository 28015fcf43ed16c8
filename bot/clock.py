"""One injectable clock: UTC inside, Europe/Warsaw (or the centre's zone) at the edges."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Protocol
from zoneinfo import ZoneInfo

WARSAW = ZoneInfo("Europe/Warsaw")
MIN_YEAR, MAX_YEAR = 1970, 2200


class Clock(Protocol):
    """Anything that tells the current moment as an aware datetime."""

    def now(self) -> datetime: ...


class SystemClock:
    """The real clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class FixedClock:
    """A clock pinned to one moment (tests, `ask --now`); `advance` moves it on."""

    def __init__(self, moment: datetime) -> None:
        if moment.tzinfo is None:
            raise ValueError("FixedClock needs an aware datetime")
        self._moment = moment.astimezone(UTC)

    def now(self) -> datetime:
        return self._moment

    def set(self, moment: datetime) -> None:
        if moment.tzinfo is None:
            raise ValueError("FixedClock needs an aware datetime")
        self._moment = moment.astimezone(UTC)


def parse_moment(text: str) -> datetime:
    """An ISO 8601 moment; without an offset it is Warsaw local time. Raises ValueError."""
    moment = datetime.fromisoformat(text.strip())
    # Far dates overflow in zone arithmetic and mean nothing for office hours or criteria.
    if not MIN_YEAR <= moment.year <= MAX_YEAR:
        raise ValueError(f"the moment must be between {MIN_YEAR} and {MAX_YEAR}")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=WARSAW)
    return moment.astimezone(UTC)
