"""Typed, frozen models of the content in `content/` (one folder per centre plus shared files).

Every user-facing text is a `Text` with Polish (authoritative), Ukrainian and English; every fact
carries a `source` (a seed file name or a `facts.md` section) so a reader can check it.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping
from datetime import time
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pydantic
from pydantic import Field, StringConstraints, field_validator, model_validator

from bot.domain.centres import Centres, card_of
from bot.domain.content_base import LANGS, WEEKDAYS, Identifier, Keywords, Lang, Model, NonEmpty, Text
from bot.domain.content_money import Criteria, Criterion, FeeBracket, Fees, FeeTable, PaymentRule

__all__ = [  # the models of content, wherever they are defined
    "LANGS", "WEEKDAYS", "Centre", "CentreContent", "Content", "Crisis", "CrisisLine", "Criteria",
    "Criterion", "Entry", "FeeBracket", "FeeTable", "Fees", "Flat", "Glossary", "Group",
    "Identifier", "Keywords", "Lang", "Model", "NamedDay", "NonEmpty", "OfficeHours", "PaymentRule",
    "SourceName", "Term", "Text", "TimeRange", "Topic", "Understanding",
]

_RANGE = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


class TimeRange(Model):
    """An opening interval within one day, written in YAML as the string "08:00-13:00"."""

    opens: time
    closes: time

    @model_validator(mode="before")
    @classmethod
    def _parse(cls, value: object) -> object:
        if isinstance(value, int):
            raise ValueError('write hours in quotes, like "08:00-13:00" (YAML reads 8:00 as a number)')
        if isinstance(value, str):
            match = _RANGE.match(value)
            if not match:
                raise ValueError(f'hours must look like "08:00-13:00", not {value!r}')
            h1, m1, h2, m2 = (int(g) for g in match.groups())
            if h1 > 23 or h2 > 24 or m1 > 59 or m2 > 59 or (h2 == 24 and m2):
                raise ValueError(f"not a time of day: {value!r}")
            closes = time(23, 59, 59) if h2 == 24 else time(h2, m2)
            return {"opens": time(h1, m1), "closes": closes}
        return value

    @model_validator(mode="after")
    def _order(self) -> TimeRange:
        if self.closes <= self.opens:
            raise ValueError(f"the range ends ({self.closes:%H:%M}) before it starts ({self.opens:%H:%M})")
        return self


class OfficeHours(Model):
    """Weekly opening hours; a missing weekday means closed that day."""

    mon: tuple[TimeRange, ...] = ()
    tue: tuple[TimeRange, ...] = ()
    wed: tuple[TimeRange, ...] = ()
    thu: tuple[TimeRange, ...] = ()
    fri: tuple[TimeRange, ...] = ()
    sat: tuple[TimeRange, ...] = ()
    sun: tuple[TimeRange, ...] = ()

    def day(self, weekday: int) -> tuple[TimeRange, ...]:
        """Ranges for a weekday number as in `date.weekday()` (Monday is 0)."""
        ranges: tuple[TimeRange, ...] = getattr(self, WEEKDAYS[weekday])
        return ranges

    @model_validator(mode="after")
    def _no_overlap(self) -> OfficeHours:
        for name in WEEKDAYS:
            ranges = sorted(getattr(self, name), key=lambda r: r.opens)
            for first, second in itertools.pairwise(ranges):
                if second.opens < first.closes:
                    raise ValueError(f"{name}: opening ranges overlap")
        return self


class Centre(Model):
    """The centre itself: who runs the flats and how to reach them."""

    id: Identifier
    name: Text
    city: NonEmpty
    unit: Text | None = None  # the department that handles the flats
    address: NonEmpty  # stays Polish in every language
    phone: NonEmpty | None = None
    contact_note: Text | None = None  # e.g. "as published by the centre, may be outdated"
    phone_note: Text | None = None  # said right after the phone number wherever it is shown
    timezone: NonEmpty = "Europe/Warsaw"
    holidays_country: Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")] = "PL"
    hours: OfficeHours | None = None  # None: the sources do not give office hours
    hours_note: Text | None = None
    flats_counted: bool = True  # False: the sources do not say how many flats there are
    source: NonEmpty

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value


FlatKind = Literal["training", "supported", "protected"]


class Group(Model):
    """A target group that flats are meant for (care leavers, homeless men, ...)."""

    id: Identifier
    name: Text
    keywords: Keywords = Keywords()
    source: NonEmpty


class Flat(Model):
    """One flat: its kind, who it is for and where it is."""

    id: Identifier
    kind: FlatKind
    groups: tuple[Identifier, ...] = Field(min_length=1)
    address: NonEmpty  # street and number as the centre writes it, in Polish
    note: Text | None = None
    source: NonEmpty


class Entry(Model):
    """One answerable topic: a title, a short plain answer, words people use for it."""

    id: Identifier
    title: Text
    text: Text
    more: Text | None = None  # details behind the "More" button (legal basis, full lists, fine print)
    keywords: Keywords = Keywords()
    source: NonEmpty


class CentreContent(Model):
    """Everything the assistant knows about one centre."""

    centre: Centre
    groups: tuple[Group, ...]
    flats: tuple[Flat, ...]
    recruitment: tuple[Entry, ...]
    rules: tuple[Entry, ...]
    payment: PaymentRule | None
    legal: tuple[Entry, ...]
    fees: Fees
    faq: tuple[Entry, ...]

    def group(self, group_id: str) -> Group:
        return next(g for g in self.groups if g.id == group_id)


class CrisisLine(Model):
    number: NonEmpty
    name: Text
    source: NonEmpty


class Crisis(Model):
    """National help numbers and the words that signal danger, shown before anything else."""

    intro: Text
    lines: tuple[CrisisLine, ...] = Field(min_length=1)
    triggers: Keywords
    no_bed: Keywords = Keywords()  # "nowhere to sleep tonight": the flats are not a bed for tonight
    no_bed_note: Text | None = None
    # Whole sentences for reading danger by meaning (the embedding model), next to `triggers`:
    # `examples` signal danger, `lookalikes` are harmless sentences that share its words.
    examples: Keywords = Keywords()
    lookalikes: Keywords = Keywords()
    source: NonEmpty


class Term(Model):
    """One concept, one word: `word` is used everywhere; `avoid` lists words that must not appear."""

    id: Identifier
    word: Text
    avoid: Keywords = Keywords()
    explain: Text | None = None  # a hard word that must stay is explained once, in plain words


class SourceName(Model):
    """A `source` (seed file or facts.md section) as users may read it: "strona OPS Gliwice"."""

    match: NonEmpty  # the start of a `source` string
    name: Text


class Glossary(Model):
    """content/glossary.yaml: the terms and the source names; checked by tests/test_readability.py."""

    terms: tuple[Term, ...] = ()
    sources: tuple[SourceName, ...] = ()

    def source_names(self, source: str, lang: str) -> list[str]:
        """Each part of a `source` ("a; b") named in words; parts without a name are left out."""
        names: list[str] = []
        for part in source.split(";"):
            found = next((s.name.get(lang) for s in self.sources if part.strip().startswith(s.match)), None)
            if found and found not in names:
                names.append(found)
        return names


class Content(Model):
    """All content: shared files and one bundle per centre, keyed by centre id.

    `centres` reads like a dict; with many centres each one's content is read on first use
    (bot.domain.centres). `card` gives a centre's name, city and hours without reading the rest.
    """

    criteria: Criteria
    crisis: Crisis
    understanding: Understanding
    centres: Annotated[
        Mapping[str, CentreContent], pydantic.PlainValidator(Centres.check), pydantic.PlainSerializer(dict)
    ]
    glossary: Glossary = Glossary()

    def centre(self, centre_id: str) -> CentreContent | None:
        return self.centres.get(centre_id)

    def card(self, centre_id: str | None) -> Centre | None:
        return None if centre_id is None else card_of(self.centres, centre_id)


class Topic(Model):
    """A built-in topic the engine answers from structured content (hours, contact, ...)."""

    id: Literal[
        "hours",
        "contact",
        "flats",
        "fees",
        "criterion",
        "apply",
        "rules",
        "law",
        "greeting",
        "menu",
        "thanks",
    ]
    keywords: Keywords


class NamedDay(Model):
    """A day people name instead of a date ("wigilia" is 24 December)."""

    month: int = Field(ge=1, le=12)
    day: int = Field(ge=1, le=31)
    keywords: Keywords


class Understanding(Model):
    """Language data for reading free text: words, not facts (so no sources are needed)."""

    topics: tuple[Topic, ...]
    stopwords: Keywords
    now_words: Keywords
    today_words: Keywords
    tomorrow_words: Keywords
    income_words: Keywords
    currency_words: Keywords = Keywords()
    household_words: Keywords = Keywords()
    named_days: tuple[NamedDay, ...] = ()
    # Small talk that needs a short reply, not an answer from content
    thanks_words: Keywords = Keywords()
    # Words that say how something is asked, for a language with no parts of speech here
    # (English): like an unknown Polish verb, one the content never uses counts little.
    light_words: Keywords = Keywords()


Content.model_rebuild()
