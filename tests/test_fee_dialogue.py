"""The fee estimate as people ask for it: household sizes, several amounts, bad values."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bot.conversation.dialogue import Engine, Incoming, State
from bot.i18n import tr

ASK_HOUSEHOLD = "Please give the number of people in the household (from 1 to {max})."


def answer(engine: Engine, text: str, lang: str = "pl") -> str:
    outcome = engine.respond(State(centre="wodzislaw", lang=lang), Incoming(text=text))
    return "\n".join(reply.text for reply in outcome.replies)


@pytest.mark.parametrize("text", ["jest nas 0 osób, dochód 900 zł", "rodzina 50 osób, dochód 3000 zł"])
def test_impossible_household_sizes_are_asked_again(engine: Engine, text: str) -> None:
    reply = answer(engine, text)
    assert tr("pl")._(ASK_HOUSEHOLD).format(max=20) in reply
    assert "%" not in reply  # no estimate was guessed


def test_household_income_is_compared_per_person_with_the_family_criterion(engine: Engine) -> None:
    reply = answer(engine, "mieszkamy we 3 osoby, dochód 2400 zł")
    money = tr("pl").money
    assert money(Decimal(800)) in reply  # 2400 / 3
    assert money(Decimal(823)) in reply  # criterion per person in a family (2025)
    assert "bezpłatny" in reply


@pytest.mark.parametrize(
    ("lang", "message"),
    [
        ("pl", "mam 1200 zł albo 1500 zł"),
        ("uk", "маю 1200 зл або 1500 зл"),
        ("en", "I have 1200 zł or 1500 zł"),
    ],
)
def test_several_amounts_ask_for_one(engine: Engine, lang: str, message: str) -> None:
    """Amounts joined by "or" are alternatives, not parts of one income: ask for one."""
    reply = answer(engine, message, lang)
    expected = tr(lang)._("I see more than one amount. Please write one number: your monthly net income.")
    assert expected in reply
