"""What the engine takes and gives: a user's state, a message or button, and the outcome."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.domain.text import clean
from bot.replies import Reply
from storage.question_counts import FALLBACK

__all__ = ["FALLBACK", "Incoming", "Outcome", "State", "mask"]


@dataclass(frozen=True)
class State:
    """What the engine remembers about a user between messages."""

    centre: str | None = None
    lang: str | None = None
    step: str | None = None
    pending: str | None = None  # a question written before a centre was chosen among many


@dataclass(frozen=True)
class Incoming:
    """A typed message or a pressed button (callback data)."""

    text: str | None = None
    button: str | None = None


@dataclass
class Outcome:
    replies: list[Reply]
    state: State
    unanswered: str | None = None  # the question, masked, when the engine could not answer it
    rated: tuple[str, bool] | None = None  # a 👍/👎 on an answer key, counted (never any text)
    # A typed question's answer key ("entry:faq:hours", "topic:fees") or FALLBACK when the engine
    # could not answer it: one more count for its topic and week (never the text, never who asked).
    asked: str | None = None


def mask(text: str) -> str:
    """A question as staff may see it: digit runs hidden (incomes, phone numbers), length capped."""
    return re.sub(r"\d+", "#", clean(text))[:200]
