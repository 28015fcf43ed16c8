"""Issue 11: "Did this help?" 👍/👎 under answers to typed questions, counted per answer, in /stats.

Through `Application.process_update` with the fake Bot API (the staff harness of test_staff.py).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.channels.telegram import lifespan
from bot.clock import FixedClock
from bot.conversation.dialogue import Engine, Incoming, State
from storage import staff as staff_store
from storage import users
from storage.ratings import record_rating, worst_rated
from tests.conftest import PINNED
from tests.data import shipped_content
from tests.test_staff import ADMIN, NOW, OTHER, STAFF, Harness, make_harness, texts_of

UP, DOWN = "👍", "👎"


@pytest.fixture
async def bot(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> AsyncIterator[Harness]:
    caplog.set_level(logging.INFO)
    app, harness = await make_harness(tmp_path)
    async with lifespan(app):
        db = harness.door.db
        for user in (ADMIN, STAFF, OTHER):
            stored = await users.get_or_create_user(db, "telegram", str(user.id), NOW)
            await users.set_centre(db, stored.id, "gliwice", NOW)
            await users.set_lang(db, stored.id, "pl", NOW)
        await staff_store.add_invite(db, "st_" + "b" * 32, "gliwice", ADMIN.id, NOW, NOW.replace(year=2027))
        await staff_store.redeem_invite(db, "st_" + "b" * 32, STAFF.id, NOW)
        yield harness


def test_typed_questions_get_the_two_buttons_and_menu_presses_do_not() -> None:
    engine = Engine(shipped_content(), FixedClock(PINNED))
    state = State(centre="wodzislaw", lang="pl")
    typed = engine.respond(state, Incoming(text="czy mogę mieć psa w mieszkaniu?")).replies[0]
    labels = [b.label for b in typed.all_buttons()]
    assert UP in labels and DOWN in labels
    assert labels[-1] == "Menu"  # the way back stays last
    pressed = engine.respond(state, Incoming(button="m:fees")).replies[0]
    assert UP not in [b.label for b in pressed.all_buttons()]


async def test_votes_are_counted_per_answer_and_staff_see_the_worst_first(bot: Harness) -> None:
    calls = await bot.say(OTHER, "jakie dokumenty są potrzebne do wniosku?")
    buttons = dict(next(c for c in calls if c.method == "sendMessage").buttons())
    assert UP in buttons and DOWN in buttons
    key = buttons[DOWN].split(":", 2)[2]
    thanks = texts_of(await bot.press(OTHER, buttons[DOWN]))
    assert thanks and "Dziękuję" in thanks[-1]
    await record_rating(bot.door.db, "gliwice", "topic:fees", helpful=True)
    rows = await worst_rated(bot.door.db, "gliwice")
    assert (rows[0].key, rows[0].helpful, rows[0].unhelpful) == (key, 0, 1)
    [stats] = texts_of(await bot.say(STAFF, "/stats"))
    assert "👎 1 · 👍 0" in stats and "👎 0 · 👍 1" in stats
    assert stats.index("👎 1 · 👍 0") < stats.index("👎 0 · 👍 1")  # worst-rated first
    assert key not in stats  # staff see the answer's title, not its internal key


async def test_no_question_text_or_user_is_stored_with_a_vote(bot: Harness) -> None:
    calls = await bot.say(OTHER, "jakie dokumenty są potrzebne do wniosku?")
    buttons = dict(next(c for c in calls if c.method == "sendMessage").buttons())
    await bot.press(OTHER, buttons[UP])
    rows = [tuple(row) for row in await bot.door.db.fetch_all("SELECT * FROM ratings")]
    assert len(rows) == 1
    stored = " ".join(str(v) for v in rows[0])
    assert "dokumenty" not in stored and str(OTHER.id) not in stored
