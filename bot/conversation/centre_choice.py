"""Choosing a centre among many (issue 15): the chooser asks for the town or the centre's name, and
what the person writes is found among the centres' cards (bot.domain.centre_names), offered as
buttons, at most a few, one as well (a centre is never chosen silently).

With few centres (menus.CENTRE_BUTTONS_UP_TO) the chooser is a button per centre, as before. The
step "waiting for a town" is the user's stored flow (bot.flows.ChooseCentre), like the fee step:
a typed message while it waits, or while no centre is chosen, is a town, after any crisis reply.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from bot.conversation import answers, menus
from bot.conversation.outcome import FALLBACK, Outcome, State
from bot.conversation.privacy import scrub
from bot.domain.centres import names_of
from bot.domain.content import Content
from bot.domain.understanding import signals_danger
from bot.flows import MAX_QUESTION
from bot.i18n import Tr
from bot.replies import Reply

STEP_CENTRE = "centre"  # waiting for the name of a town or centre
OFFERED = 6  # centres offered as buttons for one typed name, at most


def chooser(t: Tr, content: Content, state: State, intro: str | None = None) -> Outcome:
    """Ask which centre: its button among few, or its town among many (then the step waits)."""
    back = state.centre is not None
    reply = menus.choose_centre(t, content, intro, back=back)
    step = None if menus.centre_buttons(content) else STEP_CENTRE
    return Outcome([reply], replace(state, step=step, pending=None))


def is_finding(content: Content, state: State) -> bool:
    """Whether a typed message is the name of a town or centre to find."""
    return state.step == STEP_CENTRE or (state.centre is None and not menus.centre_buttons(content))


def find(t: Tr, content: Content, state: State, text: str) -> Outcome:
    """The crisis reply first when the message signals danger; then the centres it names as
    buttons, or (asked already) that none was found, or (not asked yet) the question."""
    replies: list[Reply] = []
    danger = signals_danger(content, text)
    if danger:  # with the chosen centre's phone, after Change centre
        chosen = content.centres[state.centre] if state.centre else None
        replies.append(Reply(answers.crisis(t, content, text, chosen)))
    back = state.centre is not None
    found = names_of(content.centres).find(text, OFFERED)
    if found.centres:
        replies.append(menus.found_centres(t, content, found, back))
    elif state.step == STEP_CENTRE:
        replies.append(menus.centre_not_found(t, back))
    else:
        replies.append(menus.choose_centre(t, content, back=back))
    # The first thing written is kept with the step, to be answered once a centre is chosen (a
    # question naming its town, or a question before the town): scrubbed of anything personal like
    # a kept unanswered question (names, places, numbers: no income is stored); never what
    # signals danger.
    pending = None if danger else (state.pending or scrub(text)[:MAX_QUESTION])
    return Outcome(replies, replace(state, step=STEP_CENTRE, pending=pending))


def answer_chosen(
    t: Tr, content: Content, state: State, question: str | None, answer: Callable[[State, str], Outcome]
) -> Outcome | None:
    """The question written before the centre was chosen, answered for it now (`answer`: the
    engine's reading of a question), when it was one this centre's content answers; None (the
    menu, as before) for a town alone or nothing understood."""
    if question is None or state.lang is None or state.centre is None:
        return None
    outcome = answer(state, question)
    if outcome.asked in (None, FALLBACK) or not outcome.replies:
        return None
    name = content.centres[state.centre].centre.name.get(t.lang)
    first = outcome.replies[0]  # the centre just chosen, then the answer, as the menu would say
    outcome.replies[0] = replace(first, text=f"{name}\n{first.text}")
    return outcome
