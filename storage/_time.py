"""Moments as stored: UTC ISO-8601 text with a fixed layout."""

from __future__ import annotations

from datetime import UTC, datetime


def to_text(moment: datetime) -> str:
    """Aware datetime -> UTC ISO-8601 text; naive datetimes raise ValueError."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"storage needs an aware datetime, got naive {moment.isoformat()}")
    # Fixed microsecond precision keeps the text sortable, so SQL can order and compare it.
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def from_text(text: str) -> datetime:
    """Stored text -> aware UTC datetime."""
    moment = datetime.fromisoformat(text)
    # Rows written by hand may lack an offset; everything this package writes is UTC.
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)
