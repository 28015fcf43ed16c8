"""A smaller share of bench/fuzz.py in make test, plus hypothesis: hostile text and buttons never
raise, and no reply breaks Telegram's rules (HTML, length, callback data)."""

from __future__ import annotations

import sys

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.conversation.dialogue import Engine, Incoming, State
from tests.data import PROJECT

sys.path.insert(0, str(PROJECT))
from bench.fuzz import fuzz_updates, hostile_button, reply_problems

# Text as Telegram delivers it: any Unicode scalar value (no lone surrogates: the wire is UTF-8).
TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=300)
STATES = st.builds(
    State,
    st.sampled_from(["gliwice", "wodzislaw", None, "nowhere"]),
    st.sampled_from(["pl", "uk", "en", None, "xx"]),
    st.sampled_from([None, "fee", "junk"]),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(state=STATES, text=TEXT)
def test_any_text_gets_replies_telegram_accepts(engine: Engine, state: State, text: str) -> None:
    outcome = engine.respond(state, Incoming(text=text))
    assert outcome.replies and reply_problems(outcome.replies) == []


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(state=STATES, data=st.one_of(st.text(max_size=70), st.randoms().map(hostile_button)))
def test_any_button_gets_replies_telegram_accepts(engine: Engine, state: State, data: str) -> None:
    outcome = engine.respond(state, Incoming(button=data))
    assert reply_problems(outcome.replies) == []


async def test_hostile_updates_through_the_door() -> None:
    result = await fuzz_updates(60, seed=3)
    assert (result.crashes, result.rejected) == (0, 0), result.examples
