"""The engine's own steps as stored flows (bot.flows), one mapping each way: the fee waiting for an
income, and the chooser waiting for a town (with the question written before it)."""

from __future__ import annotations

from bot.conversation.centre_choice import STEP_CENTRE
from bot.conversation.fee_flow import STEP_FEE
from bot.conversation.outcome import State
from bot.flows import ChooseCentre, FeeIncome

EngineFlow = FeeIncome | ChooseCentre


def flow_of(state: State) -> EngineFlow | None:
    """The stored flow of the state's step, None for no step of the engine's."""
    if state.step == STEP_FEE:
        return FeeIncome()
    if state.step == STEP_CENTRE:
        return ChooseCentre(state.pending)
    return None


def state_of(centre: str | None, lang: str | None, waiting: object) -> State:
    """The engine's state of a user, with the step of their stored flow when it is the engine's."""
    if isinstance(waiting, FeeIncome):
        return State(centre, lang, STEP_FEE)
    if isinstance(waiting, ChooseCentre):
        return State(centre, lang, STEP_CENTRE, waiting.question)
    return State(centre, lang)
