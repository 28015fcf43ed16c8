"""Every answer the engine can give, rendered for every centre and language (issue 11 checks).

Answers are reached the way people reach them: menu buttons, topic and flat buttons, the
"More" button under each of them, free-text questions for the fee estimate and a crisis.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from bot import callbacks
from bot.clock import FixedClock
from bot.dialogue import Engine, Incoming, State
from bot.domain.content import LANGS, Content
from bot.replies import Reply

WARSAW = ZoneInfo("Europe/Warsaw")

# Free-text questions whose answers are built from numbers, not from one content entry.
TYPED = (
    # fee estimates: a person alone in every bracket, and households of 2 to 5 people
    "zarabiam 900 zł",
    "zarabiam 1200 zł",
    "zarabiam 1400 zł",
    "zarabiam 1600 zł",
    "zarabiam 1800 zł",
    "zarabiam 2500 zł",
    "mieszkam z żoną i dzieckiem, razem 3000 zł",
    "2 osoby, dochód 1500 zł",
    "jesteśmy we dwoje, razem 2400 zł",
    "4 osoby, razem 3000 zł",
    "5 osób, dochód 6000 zł",
    # crisis
    "nie chcę żyć",
    "nie mam gdzie spać dziś",
    # the criterion and hours questions
    "kryterium dochodowe",
    "czy jest otwarte w sobotę",
    "czy jest otwarte w niedzielę",
    "godziny otwarcia jutro",
    "godziny w poniedziałek",
    "czy jest otwarte w piątek o 14",
    "czy jest teraz otwarte",
)

# Questions typed in the language the user chose (a question in another language is answered in
# that language, which the checks of the chosen one would misjudge).
TYPED_IN = {
    "uk": ("я заробляю 1500 злотих", "нас троє, разом 2700 злотих", "коли відкрито"),
    "en": ("I earn 1300 zł a month", "we are 2 people with 1500 zł", "opening hours"),
}

# Moments the hours answers are rendered at besides the pinned Tuesday morning: an evening, a
# Saturday, a public holiday (Christmas Day) and the day before a long weekend.
HOURS_MOMENTS = (
    datetime(2026, 11, 24, 18, 30, tzinfo=WARSAW),
    datetime(2026, 11, 28, 11, 0, tzinfo=WARSAW),
    datetime(2026, 12, 25, 10, 0, tzinfo=WARSAW),
    datetime(2027, 4, 30, 12, 30, tzinfo=WARSAW),
)
HOURS_QUESTIONS = ("czy jest otwarte", "godziny otwarcia jutro", "czy jutro jest czynne")


@dataclass(frozen=True)
class Rendered:
    """One answer: where it came from, its first message, and the text behind its More button."""

    centre: str
    lang: str
    origin: str
    first: str
    more: str | None
    buttons: tuple[str, ...]


def _press(engine: Engine, state: State, data: str) -> list[Reply]:
    return engine.respond(state, Incoming(button=data)).replies


def _more_text(engine: Engine, state: State, reply: Reply) -> str | None:
    for button in reply.all_buttons():
        if button.data.startswith(f"{callbacks.MORE}:"):
            return "\n\n".join(r.text for r in _press(engine, state, button.data))
    return None


def _rendered(engine: Engine, state: State, origin: str, replies: list[Reply]) -> Iterator[Rendered]:
    assert state.centre is not None and state.lang is not None
    for index, reply in enumerate(replies):
        yield Rendered(
            centre=state.centre,
            lang=state.lang,
            origin=f"{origin}#{index}" if index else origin,
            first=reply.text,
            more=_more_text(engine, state, reply),
            buttons=tuple(b.label for b in reply.all_buttons()),
        )


def button_data(content: Content, centre_id: str) -> list[str]:
    """Every button a user of this centre can press to get an answer."""
    centre = content.centres[centre_id]
    data = [callbacks.make(callbacks.MENU, item) for item in callbacks.MENU_ITEMS]
    data += [callbacks.make(callbacks.MENU, callbacks.MENU_MAIN)]
    for section in ("recruitment", "rules", "legal", "faq"):
        data += [callbacks.make(callbacks.TOPIC, "entry", section, e.id) for e in getattr(centre, section)]
    for topic in ("hours", "contact", "criterion", "fees", "apply", "rules", "law", "flats"):
        data.append(callbacks.make(callbacks.TOPIC, "topic", topic))
    data += [callbacks.make(callbacks.FLAT, f.id) for f in centre.flats]
    data += [callbacks.make(callbacks.GROUP, g.id) for g in centre.groups]
    return data


def all_answers(content: Content, engine: Engine) -> list[Rendered]:
    """Every answer of every centre in every language, with what its More button shows."""
    found: list[Rendered] = []
    for centre_id in sorted(content.centres):
        for lang in LANGS:
            state = State(centre=centre_id, lang=lang)
            found += _rendered(engine, state, "start", engine.start(state).replies)
            for data in button_data(content, centre_id):
                found += _rendered(engine, state, data, _press(engine, state, data))
            for text in TYPED + TYPED_IN.get(lang, ()):
                replies = engine.respond(state, Incoming(text=text)).replies
                found += _rendered(engine, state, f"text:{text}", replies)
    return found


def hours_answers(content: Content) -> list[Rendered]:
    """The hours answers at other moments (closed, weekend, holiday), every centre and language."""
    found: list[Rendered] = []
    for moment in HOURS_MOMENTS:
        engine = Engine(content, FixedClock(moment))
        for centre_id in sorted(content.centres):
            for lang in LANGS:
                state = State(centre=centre_id, lang=lang)
                for data in (
                    callbacks.make(callbacks.MENU, callbacks.MENU_HOURS),
                    callbacks.make(callbacks.TOPIC, "topic", "hours"),
                ):
                    found += _rendered(
                        engine, state, f"{moment:%Y-%m-%d %H:%M} {data}", _press(engine, state, data)
                    )
                for text in HOURS_QUESTIONS:
                    replies = engine.respond(state, Incoming(text=text)).replies
                    found += _rendered(engine, state, f"{moment:%Y-%m-%d %H:%M} text:{text}", replies)
    return found
