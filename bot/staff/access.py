"""Staff roles and the one authorization check every staff command goes through (and is audited by).

Administrators are the Telegram ids in STAFF_ADMIN_IDS; staff are added by an administrator through a
one-time invite and belong to one centre. Everyone else has no role. Telegram-free.

Two checks, both audited: `authorize` (is the actor's role enough for the command?) and `in_centre`
(may this actor touch an object of that centre?). Staff act only in their own centre; administrators
act everywhere, and an administrator acting outside their chosen centre is recorded as such.
Multi-step flows call both again at every step, so a member removed half-way can finish nothing.
Refused attempts are recorded at most once per actor and action per REFUSAL_WINDOW, so guessing
cannot flood the audit table.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Final, Literal

from bot.clock import Clock
from bot.settings import Settings
from storage import audit, users
from storage import staff as staff_store
from storage.database import Database
from storage.staff import RedeemError

Role = Literal["admin", "staff", "none"]
RANK: Final[dict[str, int]] = {"none": 0, "staff": 1, "admin": 2}

# Every staff command and the least role it needs (the authorization matrix test walks this table).
COMMANDS: Final[dict[str, Role]] = {
    "staff": "admin",
    "broadcast": "staff",
    "unanswered": "staff",
    "stats": "staff",
    "reload": "staff",
    "panel": "staff",
}
REFUSAL_WINDOW: Final = timedelta(minutes=1)


@dataclass(frozen=True)
class Access:
    """Who is acting: their Telegram id, role and centre (None for an administrator without one)."""

    user_id: int
    role: Role
    centre: str | None


async def role_of(settings: Settings, db: Database, user_id: int) -> Role:
    if user_id in settings.staff_admin_ids:
        return "admin"
    return "staff" if await staff_store.get_staff(db, user_id) is not None else "none"


async def centre_of(settings: Settings, db: Database, user_id: int, role: Role) -> str | None:
    """A staff member's centre; an administrator works in the centre they chose as a user (or the default)."""
    if role == "staff":
        member = await staff_store.get_staff(db, user_id)
        return member.centre if member else None
    if role == "admin":
        user = await users.get_user(db, settings.telegram_channel, str(user_id))  # this bot's user
        return (user.centre if user else None) or settings.default_centre
    return None


async def authorize(
    settings: Settings,
    db: Database,
    clock: Clock,
    user_id: int | None,
    action: str,
    need: Role = "staff",
    target: str | None = None,
) -> Access | None:
    """The actor's Access when their role is at least `need`; None otherwise. Both outcomes are audited.

    No actor (`user_id` None: a Telegram message sent on behalf of a chat, an anonymous group admin
    or a channel) is no one to check or to audit: None."""
    if user_id is None:
        return None
    role = await role_of(settings, db, user_id)
    if RANK[role] < RANK[need]:
        await audit.record_refusal(db, clock.now(), user_id, role, action, target, REFUSAL_WINDOW)
        return None
    await audit.record(db, clock.now(), user_id, role, action, target, "ok")
    return Access(user_id, role, await centre_of(settings, db, user_id, role))


async def record(
    db: Database, clock: Clock, access: Access, action: str, target: str | None
) -> None:
    """Audit one more step of an authorized action (e.g. the confirmed broadcast, the removed member)."""
    await audit.record(db, clock.now(), access.user_id, access.role, action, target, "ok")


async def in_centre(
    db: Database, clock: Clock, access: Access, action: str, centre: str | None, target: str
) -> bool:
    """May `access` act on an object of `centre`? Staff: only their own; administrators: everywhere.

    An object without a centre (a ticket from a user who chose none) belongs to every centre.
    Refusals are audited (rate-limited); an administrator's action elsewhere is audited with the centre.
    """
    if access.role == "admin":
        if centre is not None and centre != access.centre:
            await audit.record(db, clock.now(), access.user_id, access.role, action, f"{centre}:{target}")
        return True
    if access.role == "staff" and (centre is None or centre == access.centre):
        return True
    await audit.record_refusal(
        db, clock.now(), access.user_id, access.role, action, f"{centre}:{target}", REFUSAL_WINDOW
    )
    return False


async def join(
    db: Database, clock: Clock, code: str, user_id: int, channel: str = "telegram"
) -> staff_store.StaffMember | RedeemError:
    """/start st_<code>: the invite used, the member added, audited and their centre remembered as
    a user's of `channel` (the bot they joined in), in one unit of work; a refused code is audited
    (at most once per REFUSAL_WINDOW)."""
    now = clock.now()
    async with db.transaction():
        result = await staff_store.redeem_invite(db, code, user_id, now)
        if isinstance(result, staff_store.StaffMember):
            await audit.record(db, now, user_id, "staff", "staff_join", result.centre)
            stored = await users.get_or_create_user(db, channel, str(user_id), now)
            if stored.centre != result.centre:
                await users.set_centre(db, stored.id, result.centre, now)
            return result
    await audit.record_refusal(db, now, user_id, "none", "staff_join", None, REFUSAL_WINDOW)
    return result
