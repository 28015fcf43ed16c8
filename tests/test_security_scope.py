"""Staff are scoped to their centre (issue 16, item 2): a matrix of staff actions x actors x centres.

Every object below belongs to Wodzisław. A Gliwice staff member is refused every action on it (and
nothing changes), the Wodzisław staff member and an administrator (whose own centre is Gliwice) may
act, and the administrator's action elsewhere is audited with the object's centre. Multi-step flows
check again at each step: a member removed in the middle of /duty add cannot save the duty.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.channels.telegram import lifespan
from bot.clock import FixedClock
from bot.flows import BroadcastTime, decode
from bot.staff import Access, in_centre
from storage import audit, broadcasts, users
from storage import reminders as store
from storage import residents as people
from storage import staff as staff_store
from tests.fakebotapi import TgUser
from tests.test_staff import NOW, Harness, make_harness, texts_of

ADMIN = TgUser(42, "Admin", "pl")  # STAFF_ADMIN_IDS in make_harness; chose Gliwice as a user
GLIWICE = TgUser(61, "G", "en")
WODZISLAW = TgUser(62, "W", "en")
RESIDENT = TgUser(63, "R", "pl")
ACTORS = {"gliwice staff": GLIWICE, "wodzislaw staff": WODZISLAW, "admin": ADMIN}


@dataclass
class World:
    bot: Harness
    broadcast: int
    resident: int
    duty: int


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    app, harness = await make_harness(tmp_path)
    async with lifespan(app):
        db = harness.door.db
        for user, centre in ((ADMIN, "gliwice"), (GLIWICE, "gliwice"), (WODZISLAW, "wodzislaw")):
            stored = await users.get_or_create_user(db, "telegram", str(user.id), NOW)
            await users.set_centre(db, stored.id, centre, NOW)
            if user is not ADMIN:
                code = "st_" + str(user.id) * 16
                await staff_store.add_invite(db, code, centre, ADMIN.id, NOW, NOW.replace(year=2027))
                await staff_store.redeem_invite(db, code, user.id, NOW)
        resident = await people.bind_resident(
            db, "telegram", str(RESIDENT.id), "wodzislaw", "chronione", "pl", NOW
        )
        duty = await store.add_duty(db, "wodzislaw", "chronione", "Kuchnia", "weekly", 0, "18:00", NOW)
        bid = await broadcasts.create_draft(db, "wodzislaw", "all", WODZISLAW.id, "pl", NOW)
        await broadcasts.set_text(db, bid, "Jutro zebranie.")
        yield World(harness, bid, resident.id, duty)


async def broadcast_status(w: World) -> str:
    found = await broadcasts.get(w.bot.door.db, w.broadcast)
    assert found is not None
    return found.status


async def resident_status(w: World) -> str:
    found = await people.get_resident_by_id(w.bot.door.db, w.resident)
    assert found is not None
    return found.status


async def duty_exists(w: World) -> bool:
    return await store.get_duty(w.bot.door.db, w.duty) is not None


# (name, what the actor does, whether it took effect)
Act = Callable[[World, TgUser], Awaitable[list[str]]]
Effect = Callable[[World, list[str]], Awaitable[bool]]


async def _took_ok(w: World, shown: list[str]) -> bool:
    return await broadcast_status(w) == "sending"


async def _took_cancel(w: World, shown: list[str]) -> bool:
    return await broadcast_status(w) == "cancelled"


async def _took_remove(w: World, shown: list[str]) -> bool:
    return await resident_status(w) == "removed"


async def _took_duty_remove(w: World, shown: list[str]) -> bool:
    return not await duty_exists(w)


def _shown_something_but_refusal(w: World, shown: list[str]) -> bool:
    refusals = ("This command is for the centre's staff.", "Sorry, you have no access to this command.")
    return bool(shown) and not any(r in s for s in shown for r in refusals)


async def _took_listing(w: World, shown: list[str]) -> bool:
    return _shown_something_but_refusal(w, shown)


async def _took_at(w: World, shown: list[str]) -> bool:
    """Someone's stored flow now waits for this broadcast's "send later" time."""
    rows = await w.bot.door.db.fetch_all("SELECT flow, data FROM conversations")
    return any(decode(str(r[0]), str(r[1])) == BroadcastTime(w.broadcast) for r in rows)


async def _took_invite(w: World, shown: list[str]) -> bool:
    return any("https://t.me/" in s for s in shown)


async def _took_duty_add(w: World, shown: list[str]) -> bool:
    return any("Sprzątanie" in s or "Polish" in s or "polsku" in s for s in shown)


def press(data: Callable[[World], str]) -> Act:
    async def act(w: World, user: TgUser) -> list[str]:
        return texts_of(await w.bot.press(user, data(w)))

    return act


def say(text: Callable[[World], str]) -> Act:
    async def act(w: World, user: TgUser) -> list[str]:
        return texts_of(await w.bot.say(user, text(w)))

    return act


ACTIONS: dict[str, tuple[Act, Effect]] = {
    "broadcast send": (press(lambda w: f"b:ok:{w.broadcast}"), _took_ok),
    "broadcast cancel": (press(lambda w: f"b:x:{w.broadcast}"), _took_cancel),
    "broadcast later": (press(lambda w: f"b:at:{w.broadcast}"), _took_at),
    "/remove": (say(lambda w: f"/remove {w.resident}"), _took_remove),
    "remove button": (press(lambda w: f"s:rm:{w.resident}"), _took_remove),
    "/duty remove": (say(lambda w: f"/duty remove {w.duty}"), _took_duty_remove),
    "/duty list": (say(lambda w: "/duty list wodzislaw/chronione"), _took_listing),
    "/duty add": (say(lambda w: "/duty add wodzislaw/chronione"), _took_duty_add),
    "/residents": (say(lambda w: "/residents wodzislaw/chronione"), _took_listing),
    "/invite": (say(lambda w: "/invite wodzislaw/chronione"), _took_invite),
}


@pytest.mark.parametrize("action", sorted(ACTIONS))
@pytest.mark.parametrize("actor", sorted(ACTORS))
async def test_staff_act_only_in_their_centre_admins_everywhere(
    world: World, action: str, actor: str
) -> None:
    act, took = ACTIONS[action]
    user = ACTORS[actor]
    shown = await act(world, user)
    allowed = actor != "gliwice staff"
    assert await took(world, shown) is allowed, shown
    if not allowed:
        entries = await audit.entries(world.bot.door.db, actor=user.id)
        assert entries and entries[-1].outcome == "denied"
        assert entries[-1].target is not None and entries[-1].target.startswith("wodzislaw:")
    if actor == "admin" and action not in ("/duty list", "/residents", "/invite", "/duty add"):
        targets = [e.target or "" for e in await audit.entries(world.bot.door.db, actor=ADMIN.id)]
        assert any(t.startswith("wodzislaw:") for t in targets), "an admin acting elsewhere is audited"


@pytest.mark.parametrize("actor", sorted(ACTORS))
async def test_stats_show_only_the_actors_centre(world: World, actor: str) -> None:
    shown = "\n".join(texts_of(await world.bot.say(ACTORS[actor], "/stats")))
    assert ("wodzislaw" in shown) is (actor != "gliwice staff")
    assert ("gliwice" in shown) is (actor != "wodzislaw staff")


async def test_a_member_removed_during_duty_add_cannot_save_it(world: World) -> None:
    bot = world.bot
    await bot.say(WODZISLAW, "/duty add wodzislaw/chronione")
    await bot.say(WODZISLAW, "Wynieść śmieci")
    await bot.press(WODZISLAW, "s:dk:weekly")
    await bot.say(WODZISLAW, "poniedziałek")
    await staff_store.remove_staff(bot.door.db, WODZISLAW.id)
    shown = texts_of(await bot.say(WODZISLAW, "18:00"))
    assert shown == ["This command is for the centre's staff."]
    assert [d.text for d in await store.flat_duties(bot.door.db, "wodzislaw", "chronione")] == ["Kuchnia"]
    entry = (await audit.entries(bot.door.db, actor=WODZISLAW.id))[-1]
    assert (entry.action, entry.outcome) == ("duty_add", "denied")


async def test_a_member_removed_while_drafting_cannot_send(world: World) -> None:
    bot = world.bot
    await staff_store.remove_staff(bot.door.db, WODZISLAW.id)
    shown = texts_of(await bot.press(WODZISLAW, f"b:ok:{world.broadcast}"))
    assert await broadcast_status(world) == "draft"
    assert shown == [] or all("https" not in s for s in shown)


@pytest.mark.parametrize(
    "data", ["b:a:flat:nowhere", "b:a:everyone", "b:zz:1", "b:ok:²", "b:ok:99999999999999999999"]
)
async def test_forged_broadcast_buttons_are_refused_not_raised(world: World, data: str) -> None:
    await world.bot.press(WODZISLAW, data)
    row = await world.bot.door.db.fetch_one("SELECT COUNT(*) FROM broadcasts")
    assert row is not None and row[0] == 1  # no draft for a forged audience
    assert await broadcast_status(world) == "draft"


async def test_refused_attempts_are_audited_once_per_minute(world: World) -> None:
    for _ in range(50):
        await world.bot.press(GLIWICE, f"b:ok:{world.broadcast}")
    denied = [e for e in await audit.entries(world.bot.door.db, actor=GLIWICE.id) if e.outcome == "denied"]
    assert len(denied) == 1


async def test_in_centre_rules(world: World) -> None:
    db, clock = world.bot.door.db, FixedClock(NOW)
    staff = Access(GLIWICE.id, "staff", "gliwice")
    assert await in_centre(db, clock, staff, "x", "gliwice", "1")
    assert await in_centre(db, clock, staff, "x", None, "1")  # an object of no centre
    assert not await in_centre(db, clock, staff, "x", "wodzislaw", "1")
    assert not await in_centre(db, clock, Access(1, "none", None), "x", "gliwice", "1")
    assert await in_centre(db, clock, Access(ADMIN.id, "admin", "gliwice"), "x", "wodzislaw", "1")
