"""Staff roles and the one authorization check every staff command goes through (and is audited by).

Administrators are the Telegram ids in STAFF_ADMIN_IDS; staff are added by an administrator through a
one-time invite and belong to one centre. Everyone else has no role. Telegram-free.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

import aiosqlite

from bot.clock import Clock
from bot.settings import Settings
from storage import audit, users
from storage import staff as staff_store

Role = Literal["admin", "staff", "none"]
RANK: Final[dict[str, int]] = {"none": 0, "staff": 1, "admin": 2}

# Every staff command and the least role it needs (the authorization matrix test walks this table).
COMMANDS: Final[dict[str, Role]] = {
    "staff": "admin",
    "broadcast": "staff",
    "unanswered": "staff",
    "stats": "staff",
    "reload": "staff",
}


@dataclass(frozen=True)
class Access:
    """Who is acting: their Telegram id, role and centre (None for an administrator without one)."""

    user_id: int
    role: Role
    centre: str | None


async def role_of(settings: Settings, db: aiosqlite.Connection, user_id: int) -> Role:
    if user_id in settings.staff_admin_ids:
        return "admin"
    return "staff" if await staff_store.get_staff(db, user_id) is not None else "none"


async def centre_of(settings: Settings, db: aiosqlite.Connection, user_id: int, role: Role) -> str | None:
    """A staff member's centre; an administrator works in the centre they chose as a user (or the default)."""
    if role == "staff":
        member = await staff_store.get_staff(db, user_id)
        return member.centre if member else None
    if role == "admin":
        user = await users.get_user(db, "telegram", str(user_id))
        return (user.centre if user else None) or settings.default_centre
    return None


async def authorize(
    settings: Settings,
    db: aiosqlite.Connection,
    clock: Clock,
    user_id: int,
    action: str,
    need: Role = "staff",
    target: str | None = None,
) -> Access | None:
    """The actor's Access when their role is at least `need`; None otherwise. Both outcomes are audited."""
    role = await role_of(settings, db, user_id)
    if RANK[role] < RANK[need]:
        await audit.record(db, clock.now(), user_id, role, action, target, "denied")
        return None
    await audit.record(db, clock.now(), user_id, role, action, target, "ok")
    return Access(user_id, role, await centre_of(settings, db, user_id, role))


async def record(
    db: aiosqlite.Connection, clock: Clock, access: Access, action: str, target: str | None
) -> None:
    """Audit one more step of an authorized action (e.g. the confirmed broadcast, the removed member)."""
    await audit.record(db, clock.now(), access.user_id, access.role, action, target, "ok")
