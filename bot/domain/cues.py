"""Structured cues in a message: crisis phrases, time words, weekdays, times, dates and streets.

They are read before any ranking, so no topic can override them (a crisis cue wins over all).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, time
from functools import cache, lru_cache

from babel.dates import get_day_names, get_month_names
from rapidfuzz import fuzz

from bot.domain import items
from bot.domain.content import CentreContent, Content, Keywords
from bot.domain.lexical import READ_LANGS
from bot.domain.script import to_polish_letters
from bot.domain.text import fold, folded_words, is_cyrillic, phrase_in_words, words

BABEL_LOCALES = {"pl": "pl_PL", "uk": "uk_UA", "en": "en_GB"}


def _phrase_pattern(keywords: Keywords) -> re.Pattern[str]:
    """One regex for a keyword list: any phrase at a word start (folded, like the text)."""
    phrases = sorted({fold(k) for lang in READ_LANGS for k in keywords.get(lang)}, key=len, reverse=True)
    if not phrases:
        return re.compile(r"(?!x)x")  # matches nothing
    return re.compile(r"(?<![^\W_])(?:" + "|".join(re.escape(p) for p in phrases) + ")")


@dataclass(frozen=True)
class Cues:
    """Keyword lists of the content, folded and compiled once: a message is read many times faster."""

    crisis: tuple[tuple[str, ...], ...]
    now: re.Pattern[str]
    today: re.Pattern[str]
    tomorrow: re.Pattern[str]
    income: re.Pattern[str]
    currency: frozenset[str]
    named_days: tuple[tuple[re.Pattern[str], int, int], ...]  # "wigilia" -> (pattern, 12, 24)
    small_talk: dict[str, str]  # a whole message ("dzięki", "pomocy", "hej") -> its topic key


def build_cues(content: Content) -> Cues:
    """The compiled cues of a content object; built with its knowledge (bot.domain.knowledge)."""
    language = content.understanding
    triggers = content.crisis.triggers
    return Cues(
        crisis=tuple(tuple(folded_words(k)) for lang in READ_LANGS for k in triggers.get(lang)),
        now=_phrase_pattern(language.now_words),
        today=_phrase_pattern(language.today_words),
        tomorrow=_phrase_pattern(language.tomorrow_words),
        income=_phrase_pattern(language.income_words),
        currency=frozenset(fold(k) for lang in READ_LANGS for k in language.currency_words.get(lang)),
        named_days=tuple((_phrase_pattern(day.keywords), day.month, day.day) for day in language.named_days),
        small_talk={
            " ".join(folded_words(k)): items.encode(items.Topic(topic.id))
            for topic in language.topics
            if topic.id in SMALL_TALK
            for lang in READ_LANGS
            for k in topic.keywords.get(lang)
        },
    )


SMALL_TALK = ("greeting", "menu", "thanks")
_POLITE = frozenset(
    [
        "prosze",
        "please",
        "bitte",
        "будь",
        "ласка",
        "пожалуйста",
        "ok",
        "okej",
        "very",
        "much",
        "bardzo",
        "wielkie",
    ]
)


def small_talk(cues: Cues, folded: list[str]) -> str | None:
    """The topic of a message that is only a greeting, thanks or a call for the menu, said
    in a few words ("dzięki wielkie!", "pomocy", "hej"); never a question that merely starts so."""
    words = [w for w in folded if w not in _POLITE]
    for size in (len(words), len(words) - 1):
        if size >= 1 and " ".join(words[:size]) in cues.small_talk and len(words) - size <= 1:
            return cues.small_talk[" ".join(words[:size])]
    return None


def crisis_phrase(cues: Cues, folded: list[str]) -> bool:
    """Crisis triggers match word starts in order, with small gaps, so wording may vary."""
    return any(phrase_in_words(list(phrase), folded) for phrase in cues.crisis)


def _babel_names(names: Callable[..., Mapping[int, str]]) -> Iterator[tuple[str, int, str]]:
    """(folded name, number, width) of every day or month name Babel has for pl, uk and en."""
    for locale in BABEL_LOCALES.values():
        for width in ("wide", "abbreviated"):
            for context in ("format", "stand-alone"):
                for number, name in names(width, context=context, locale=locale).items():
                    folded = fold(str(name)).rstrip(".")
                    if len(folded) >= 3:
                        yield folded, number, width


@lru_cache(maxsize=8)
def _weekday_stems() -> dict[str, int]:
    """Folded stems of weekday names in pl, uk, en (from Babel), so "w środę" finds Wednesday."""
    stems: dict[str, int] = {}
    for folded, index, width in _babel_names(get_day_names):
        # Inflection changes the last letters ("środa" -> "w środę", "неділя" -> "в неділю"),
        # so a full name is matched by its start.
        stems[folded[: max(4, len(folded) - 3)] if width == "wide" else folded] = index
    return stems


def find_weekday(text: str) -> int | None:
    stems = _weekday_stems()
    for word in folded_words(text):
        for stem, index in stems.items():
            if len(stem) >= 4 and word.startswith(stem):
                return index
            if word == stem and len(word) >= 3:
                return index
    return None


_TIME = re.compile(r"\b(?:o|at|об|о)?\s*([01]?\d|2[0-3])[:.]([0-5]\d)\b")


def find_time(text: str) -> time | None:
    match = _TIME.search(text)
    return time(int(match.group(1)), int(match.group(2))) if match else None


@cache
def _street_key(address: str, city: str) -> str | None:
    """The most telling word of a street name ("Zimnej Wody 4A/1" -> "zimnej"); never the city."""
    skip = {"ul", "al", "ulica", "aleja", "os", "pl", *folded_words(city)}
    candidates = [
        fold(w)
        for w in words(address.split(",")[0])
        if not any(ch.isdigit() for ch in w) and fold(w) not in skip
    ]
    return max(candidates, key=len) if candidates else None


def find_flats(text: str, centre: CentreContent) -> tuple[str, ...]:
    """Flats whose street the message names (typos and inflection tolerated)."""
    found = []
    # Streets are Polish names; written in Cyrillic ("на вулиці Ломпи") they are spelled back.
    folded = [to_polish_letters(w) if is_cyrillic(w) else w for w in folded_words(text)]
    for flat in centre.flats:
        key = _street_key(flat.address, centre.centre.city)
        if key is None or len(key) < 4:
            continue
        stem = key[: max(4, len(key) - 3)]
        for word in folded:
            if word.startswith(stem) or (len(word) >= 5 and fuzz.ratio(word, key) >= 85):
                found.append(flat.id)
                break
    return tuple(found)


@lru_cache(maxsize=4)
def _month_stems() -> dict[str, int]:
    """Folded month names in pl, uk, en, in every form Babel knows ("stycznia", "січня", "Jan")."""
    return {folded: number for folded, number, _ in _babel_names(get_month_names)}


# "6.01", "24.12", "06.01.2027": a dot and a two-digit month, so "12/4" (a flat) and "1.5 tys."
# (an amount) are not dates.
_NUMERIC_DATE = re.compile(r"(?<![\d.,])([0-3]?\d)\.([01]\d)(?:\.((?:20)?\d\d))?(?![\d,]|\.\d)")
_DAY_NUMBER = re.compile(r"^([0-3]?\d)(?:-?(?:go|ego|th|st|nd|rd|e|ого|го))?$")


def _valid(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _next(today: date, month: int, day: int, year: int | None = None) -> date | None:
    """The date named without a year is the next one on or after today."""
    if year is not None:
        return _valid(year, month, day)
    found = _valid(today.year, month, day)
    if found is not None and found >= today:
        return found
    return _valid(today.year + 1, month, day)


def find_date(cues: Cues, text: str, today: date) -> date | None:
    """A calendar date the message names: "6 stycznia", "24 грудня", "January 6", "6.01",
    "06.01.2027", or a named day such as Christmas Eve ("wigilia")."""
    folded = " ".join(folded_words(text))
    for pattern, month, day in cues.named_days:
        if pattern.search(folded):
            return _next(today, month, day)
    tokens = folded_words(text)
    months = _month_stems()
    for i, token in enumerate(tokens):
        named = months.get(token)
        if named is None:
            continue
        for j in (i - 1, i + 1):
            found = _DAY_NUMBER.match(tokens[j]) if 0 <= j < len(tokens) else None
            if found and 1 <= int(found.group(1)) <= 31:
                return _next(today, named, int(found.group(1)))
    numeric = _NUMERIC_DATE.search(text)
    if numeric:
        year = numeric.group(3)
        full_year = None if year is None else int(year) + (2000 if len(year) == 2 else 0)
        return _next(today, int(numeric.group(2)), int(numeric.group(1)), full_year)
    return None


# Words that open a question, per language: a conjunction followed by one of them starts a
# second question ("... i czy mogę mieć kota?"), while "z żoną i dzieckiem" stays one phrase.
_QUESTION_START = frozenset(
    fold(w)
    for w in [
        "czy",
        "kto",
        "gdzie",
        "ile",
        "jak",
        "co",
        "kiedy",
        "komu",
        "kogo",
        "jaki",
        "jaka",
        "jakie",
        "jakiego",
        "mozna",
        "moge",
        "wolno",
        "musze",
        "do",
        "od",
        "o",
        "what",
        "who",
        "when",
        "where",
        "how",
        "can",
        "is",
        "are",
        "do",
        "does",
        "will",
        "which",
        "whom",
        "until",
        "whats",
        "чи",
        "хто",
        "де",
        "скільки",
        "коли",
        "як",
        "що",
        "кому",
        "який",
        "яка",
        "які",
        "можна",
        "шо",
        "до",
        "від",
        "о",
        "можно",
        "сколько",
        "где",
        "кто",
        "когда",
        "как",
        "что",
        "кому",
        "какой",
        "какая",
    ]
)
_JOINERS = frozenset(
    ["i", "a", "oraz", "and", "also", "btw", "plus", "і", "й", "та", "и", "а", "ще", "также"]
)
_SENTENCE_END = re.compile(r"(?<=[?!;])\s*|(?<=\.)\s+(?=[^\W\d_])")
MAX_QUESTIONS = 4


def split_questions(text: str) -> list[str]:
    """The separate questions of one message: sentences, and clauses joined by "i/and/і/и" when
    the next clause opens like a question. One part means one question."""
    parts: list[str] = []
    for sentence in _SENTENCE_END.split(text):
        tokens = sentence.split()
        start = 0
        for i in range(1, len(tokens) - 1):
            if fold(tokens[i].strip(",")) in _JOINERS and fold(tokens[i + 1].strip(",")) in _QUESTION_START:
                parts.append(" ".join(tokens[start:i]))
                start = i + 1
        parts.append(" ".join(tokens[start:]))
    kept = [p.strip(" ,.-–—") for p in parts if len(folded_words(p)) >= 2]
    if len(kept) > MAX_QUESTIONS:
        # A long message tells its story first and asks last: its questions are kept before
        # its other sentences (the latest of those, nearest the question), in the order written.
        asking = [i for i, p in enumerate(kept) if _asks(p)]
        telling = [i for i in reversed(range(len(kept))) if i not in asking]
        chosen = sorted((asking + telling)[:MAX_QUESTIONS])
        kept = [kept[i] for i in chosen]
    return kept


def _asks(part: str) -> bool:
    """Whether a part reads as a question: it ends in "?" or opens with a question word."""
    words_ = folded_words(part)
    return part.endswith("?") or bool(words_ and words_[0] in _QUESTION_START)
