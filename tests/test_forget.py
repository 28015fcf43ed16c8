"""/forget deletes everything about a person: conversation state and resident record."""

from __future__ import annotations

from datetime import timedelta

from bot.clock import FixedClock
from bot.dialogue import Dialogue, Incoming
from storage import users
from storage.residents import add_invite, bind_resident, get_resident, use_invite


async def test_forget_deletes_the_user_and_the_resident_record(dialogue: Dialogue, clock: FixedClock) -> None:
    db, now = dialogue.db, clock.now()
    await dialogue.handle("telegram", "501", Incoming(button="c:wodzislaw"))
    await add_invite(db, "hash-1", "wodzislaw", "chronione", "staff-1", now, now + timedelta(days=7))
    assert await use_invite(db, "hash-1", "501", now) is None
    await bind_resident(db, "telegram", "501", "wodzislaw", "chronione", "pl", now)
    await db.commit()
    assert await get_resident(db, "telegram", "501") is not None

    await dialogue.reset("telegram", "501")

    assert await users.get_user(db, "telegram", "501") is None
    assert await get_resident(db, "telegram", "501") is None
    async with db.execute("SELECT count(*) FROM invites WHERE used_by = '501'") as cursor:
        assert (await cursor.fetchone())[0] == 0
