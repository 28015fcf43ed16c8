"""Staff panel logins, channel-free: the one-time link any door hands to a staff member.

`/panel` in Telegram and `python -m bot staff-link ID` make the same link: 192 random bits, only
the hash stored (storage/panel_links.py), valid 10 minutes, spent by one login.
"""

from __future__ import annotations

from bot.clock import Clock
from storage import panel_links
from storage.database import Database


async def login_link(db: Database, clock: Clock, user_id: int, public_url: str) -> str:
    """A fresh one-time login link to the staff panel at `public_url` for `user_id`."""
    code = await panel_links.add_link(db, user_id, clock.now())
    return f"{public_url.rstrip('/')}/staff/login/{code}"
