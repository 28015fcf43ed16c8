"""Issue 11 through the Engine: the machine says it is one, crisis replies, the More button."""

from __future__ import annotations

import pytest

from bot import callbacks
from bot.conversation.dialogue import Engine, Incoming, Outcome, State
from bot.domain.content import Content
from bot.i18n import tr

MORE_LABEL = {"pl": "Więcej", "uk": "Детальніше", "en": "More"}
MACHINE = {
    "pl": "Jestem automatycznym asystentem, nie człowiekiem. Niczego nie decyduję.",
    "uk": "Я автоматичний помічник, не людина. Я нічого не вирішую.",
    "en": "I am an automatic assistant, not a person. I do not decide anything.",
}


def _text(outcome: Outcome) -> str:
    return "\n\n".join(r.text for r in outcome.replies)


def _more(outcome: Outcome) -> str | None:
    return next((b.data for r in outcome.replies for b in r.all_buttons() if b.data.startswith("w:")), None)


@pytest.mark.parametrize("lang", ["pl", "uk", "en"])
def test_the_first_message_says_it_is_an_automatic_assistant_that_decides_nothing(
    engine: Engine, lang: str
) -> None:
    for state in (State(lang=lang), State(centre="gliwice", lang=lang)):
        first = engine.start(state).replies[0].text
        assert MACHINE[lang] in first.splitlines()[:3]


@pytest.mark.parametrize("centre", ["gliwice", "wodzislaw"])
def test_nowhere_to_sleep_tonight_gets_numbers_first_then_no_bed_and_the_centre_phone(
    engine: Engine, content: Content, centre: str
) -> None:
    outcome = engine.respond(State(centre=centre, lang="pl"), Incoming(text="nie mam gdzie spać dziś"))
    crisis = outcome.replies[0].text
    assert crisis.splitlines()[0].startswith("• 112")
    assert "Nasze mieszkania nie są noclegiem na dziś." in crisis
    phone = content.centres[centre].centre.phone
    assert phone is not None and phone in crisis
    # No shelter is named: no source gives one.
    assert not [w for w in ("noclegowni", "schronisk", "ogrzewalni") if w in crisis.casefold()]


def test_other_crisis_messages_do_not_get_the_no_bed_line(engine: Engine) -> None:
    crisis = engine.respond(State(centre="gliwice", lang="pl"), Incoming(text="nie chcę żyć")).replies[0].text
    assert crisis.splitlines()[0].startswith("• 112") and "noclegiem" not in crisis


@pytest.mark.parametrize("lang", ["pl", "uk", "en"])
def test_details_sit_behind_a_more_button_in_every_language(engine: Engine, lang: str) -> None:
    state = State(centre="gliwice", lang=lang)
    outcome = engine.respond(state, Incoming(button="m:apply"))
    labels = [b.label for r in outcome.replies for b in r.all_buttons()]
    assert MORE_LABEL[lang] in labels
    data = _more(outcome)
    assert data is not None
    details = _text(engine.respond(state, Incoming(button=data)))
    assert details and details not in _text(outcome)


def test_the_fee_details_are_rebuilt_from_the_button_alone(engine: Engine) -> None:
    state = State(centre="gliwice", lang="pl")
    outcome = engine.respond(state, Incoming(text="jest nas 2 osoby, razem 1500 zł"))
    data = _more(outcome)
    assert data == callbacks.make(callbacks.MORE, "fee", "2", "150000")
    details = _text(engine.respond(state, Incoming(button=data))).replace("\u00a0", " ")
    assert "1500,00 zł ÷ 2 = 750,00 zł" in details
    assert "rozporządzenie Rady Ministrów z 12 lipca 2024 r." in details


@pytest.mark.parametrize("data", ["w:fee:x:1", "w:entry:rules:nope", "w:fee:0:100", "w:"])
def test_a_stale_or_broken_more_button_leads_back_to_the_menu(engine: Engine, data: str) -> None:
    outcome = engine.respond(State(centre="gliwice", lang="pl"), Incoming(button=data))
    assert tr("pl")._("That button is no longer active. Here is the menu.") in _text(outcome)
    assert "m:fees" in [b.data for r in outcome.replies for b in r.all_buttons()]  # the main menu
