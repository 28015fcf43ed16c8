"""The rules of the broadcast wizard that no door owns: reading a "send later" time."""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta

from bot.clock import WARSAW


def parse_send_at(text: str, now: datetime) -> datetime | None:
    """`08:00` (today, or tomorrow when past) or `2026-12-01 08:00`, Warsaw time; None if unreadable."""
    local_now = now.astimezone(WARSAW)
    text = text.strip()
    match = re.fullmatch(r"(\d{1,2})[:.](\d{2})", text, re.ASCII)
    try:
        if match:
            at = datetime.combine(local_now.date(), time(int(match[1]), int(match[2])), WARSAW)
            return at if at > local_now else at + timedelta(days=1)
        parsed = datetime.strptime(text, "%Y-%m-%d %H:%M")  # noqa: DTZ007 - Warsaw is attached below
    except ValueError:
        return None
    return parsed.replace(tzinfo=WARSAW)
