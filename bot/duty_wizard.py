"""The steps of the guided `/duty add` (text, weekly or monthly, day, time), with no door in them.

`advance` reads one answer and returns the replies and the next step (bot.flows.DutyWizard), or
the finished rule; the door checks the actor's role and centre before every step, stores the step
and saves the rule. Every bad answer gets a clear message and the same step again.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Final

from bot import callbacks
from bot.domain import reminders as rules
from bot.flows import DutyKind, DutyStep, DutyWizard
from bot.i18n import tr
from bot.replies import Button, Reply

WEEKLY_WORDS: Final = ("weekly", "tydzień", "co tydzień", "tygodniowo")
MONTHLY_WORDS: Final = ("monthly", "miesiąc", "co miesiąc", "miesięcznie")
MAX_DUTY_TEXT: Final = 200


@dataclass(frozen=True)
class Step:
    """What one answer led to: replies, and the next step, or the finished rule to save."""

    replies: tuple[Reply, ...]
    next: DutyWizard
    rule: rules.DutyRule | None = None


def first_question(lang: str) -> Reply:
    return Reply(tr(lang)._("Write the duty in Polish, e.g. “Sprzątanie kuchni”."))


def advance(lang: str, flow: DutyWizard, answer: str) -> Step:
    """The wizard after one typed answer (or a Weekly/Monthly button, given as its word)."""
    t = tr(lang)
    if flow.step == DutyStep.TEXT:
        text = answer.strip()[:MAX_DUTY_TEXT]
        if not text:
            return Step((first_question(lang),), flow)
        kinds = (
            (
                Button(t._("Weekly"), callbacks.encode(callbacks.ChooseDutyKind("weekly"))),
                Button(t._("Monthly"), callbacks.encode(callbacks.ChooseDutyKind("monthly"))),
            ),
        )
        return Step((Reply(t._("How often?"), kinds),), replace(flow, step=DutyStep.KIND, text=text))
    if flow.step == DutyStep.KIND:
        kind = duty_kind(answer)
        if kind is None:
            return Step((Reply(t._("Please choose Weekly or Monthly.")),), flow)
        ask = (
            t._("On which weekday? (e.g. poniedziałek, wt, 3)")
            if kind == "weekly"
            else t._("On which day of the month? (1-31; 31 means the last day)")
        )
        return Step((Reply(ask),), replace(flow, step=DutyStep.DAY, kind=kind))
    if flow.step == DutyStep.DAY:
        weekly = flow.kind == "weekly"
        day = rules.parse_weekday(answer) if weekly else rules.parse_month_day(answer)
        if day is None:
            problem = (
                t._("That is not a weekday. Write e.g. poniedziałek, wtorek or a number 1-7.")
                if weekly
                else t._("That is not a day of the month. Write a number from 1 to 31.")
            )
            return Step((Reply(problem),), flow)
        ask = t._("At what time? (HH:MM, between 8:00 and 21:00)")
        return Step((Reply(ask),), replace(flow, step=DutyStep.TIME, day=day))
    at = rules.parse_time(answer)
    if at is None or rules.in_quiet_hours(at) or flow.day is None or flow.text is None:
        return Step((Reply(t._("Please write a time between 8:00 and 21:00, e.g. 18:00.")),), flow)
    every: DutyKind = "weekly" if flow.kind == "weekly" else "monthly"
    return Step((), flow, rules.DutyRule(every, flow.day, at))


def duty_kind(answer: str) -> DutyKind | None:
    word = answer.strip().casefold()
    return "weekly" if word in WEEKLY_WORDS else "monthly" if word in MONTHLY_WORDS else None
