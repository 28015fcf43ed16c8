"""Reading a free-text question: structured cues first (crisis, money, time, street), then ranking.

Ranking is a small BM25 over each answerable item's title, keywords and text in all three
languages at once, so a Ukrainian question with Polish words still finds its topic. Words that
match nothing get one chance through typo matching (rapidfuzz) against the known vocabulary.
The result says how sure it is, so the dialogue can fall back honestly instead of guessing.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import time
from functools import cache, lru_cache

from babel.dates import get_day_names
from rapidfuzz import fuzz, process

from bot.domain.content import LANGS, CentreContent, Content, Keywords, Text
from bot.domain.money import Amount, find_amounts, find_household_size
from bot.domain.text import fold, folded_words, phrase_in_words, term, warm_up, words

BABEL_LOCALES = {"pl": "pl_PL", "uk": "uk_UA", "en": "en_GB"}
MIN_SCORE = 1.2  # and an absolute floor, so one weak common word is never enough
UNKNOWN_WEIGHT = 0.7
TYPO_CUTOFF = 82  # rapidfuzz ratio for a misspelt word to count as a known one
SHORT_TYPO_CUTOFF = 88  # short words need a closer match: one letter changes a lot

WEIGHT_KEYWORDS = 3.0
WEIGHT_TITLE = 2.5
WEIGHT_TEXT = 1.0


@dataclass(frozen=True)
class Doc:
    """One answerable item: `key` names it ("entry:rules:pets", "group:violence", "topic:hours")."""

    key: str
    weights: dict[str, float]  # term -> weighted frequency
    length: float


@dataclass(frozen=True)
class Match:
    key: str
    score: float
    coverage: float


@dataclass(frozen=True)
class Reading:
    """What a message says, as far as the engine can tell."""

    crisis: bool
    amounts: tuple[Amount, ...]
    income_cue: bool
    currency_cue: bool  # a currency word ("zł", "złotych"), with or without digits
    household: int | None
    when: str | None  # "now", "today", "tomorrow" or None
    weekday: int | None  # a named weekday (Monday is 0)
    at: time | None  # a named time of day
    flats: tuple[str, ...]  # flat ids named by their street
    matches: tuple[Match, ...]  # best first
    confident: bool

    @property
    def best(self) -> Match | None:
        return self.matches[0] if self.matches else None


@dataclass
class _Vocab:
    terms: set[str] = field(default_factory=set)
    words: dict[str, str] = field(default_factory=dict)  # folded word -> term


def _phrase_terms(phrases: Iterable[str]) -> list[str]:
    return [term(w) for phrase in phrases for w in words(phrase)]


def _text_terms(text: Text) -> list[str]:
    return [term(w) for lang in LANGS for w in words(text.get(lang))]


def _keyword_terms(keywords: Keywords) -> list[str]:
    return [t for lang in LANGS for t in _phrase_terms(keywords.get(lang))]


class Index:
    """BM25 over the answerable items of one centre (plus the shared built-in topics)."""

    def __init__(self, docs: list[Doc], stop: frozenset[str], stop_terms: frozenset[str]) -> None:
        self.docs = docs
        self.stop = stop
        self.stop_terms = stop_terms
        self.avg_length = sum(d.length for d in docs) / max(len(docs), 1)
        df: Counter[str] = Counter()
        for doc in docs:
            df.update(doc.weights.keys())
        n = len(docs)
        self.idf = {t: math.log(1 + (n - f + 0.5) / (f + 0.5)) for t, f in df.items()}
        self.max_idf = math.log(1 + (n + 0.5) / 0.5)
        self.vocab = _Vocab(terms=set(df))

    def add_words(self, texts: Iterable[str]) -> None:
        for text in texts:
            for word in words(text):
                folded = fold(word)
                if len(folded) >= 4 and folded not in self.stop:
                    self.vocab.words.setdefault(folded, term(word))

    def query_terms(self, text: str) -> list[str]:
        """Terms of a question; unknown words are mapped to a known one when close enough."""
        result = []
        for word in words(text):
            folded = fold(word)
            if folded in self.stop:
                continue
            t = term(word)
            if t in self.stop_terms:
                continue
            if t not in self.vocab.terms and len(folded) >= 5 and not folded.isdigit():
                # People rarely get the first letter wrong; requiring it keeps "wiersz" from
                # becoming "uwierz" and makes the search smaller.
                same_start = [w for w in self.vocab.words if w[0] == folded[0]]
                cutoff = TYPO_CUTOFF if len(folded) >= 7 else SHORT_TYPO_CUTOFF
                found = process.extractOne(folded, same_start, scorer=fuzz.ratio, score_cutoff=cutoff)
                if found is not None:
                    t = self.vocab.words[found[0]]
            result.append(t)
        return result

    def search(self, query: list[str], k1: float = 1.2, b: float = 0.5) -> list[Match]:
        unique = set(query)
        if not unique:
            return []
        # A word the content never uses counts less than a rare known word: chatty words
        # ("please", "sir") should not sink a clear question, yet off-topic ones stay unexplained.
        total = sum(self.idf.get(t, UNKNOWN_WEIGHT * self.max_idf) for t in unique)
        matches = []
        for doc in self.docs:
            score = 0.0
            explained = 0.0
            for t in unique:
                tf = doc.weights.get(t)
                if not tf:
                    continue
                idf = self.idf[t]
                norm = k1 * (1 - b + b * doc.length / self.avg_length)
                score += idf * tf * (k1 + 1) / (tf + norm)
                explained += idf
            if score > 0:
                matches.append(Match(doc.key, score, explained / total))
        matches.sort(key=lambda m: (m.score * (0.5 + m.coverage), m.coverage), reverse=True)
        return matches


def needed_coverage(terms: int) -> float:
    """Share of the question's weight the best topic must explain. A short question must be
    mostly understood; a long message explains itself only in part (greetings, life story)."""
    if terms <= 3:
        return 0.55
    if terms <= 6:
        return 0.5
    return 0.3


def _doc(key: str, fields: list[tuple[list[str], float]], stop_terms: frozenset[str]) -> Doc:
    weights: dict[str, float] = {}
    for items, weight in fields:
        for t in items:
            if t not in stop_terms:
                weights[t] = weights.get(t, 0.0) + weight
    length = float(sum(weights.values()))
    return Doc(key, dict(weights), length)


def _stop(content: Content) -> tuple[frozenset[str], frozenset[str]]:
    """Stop words, plus one-word time cues ("teraz", "today"): those are read as cues, and must
    not make a question look less understood than it is."""
    language = content.understanding
    cue_lists = (language.now_words, language.today_words, language.tomorrow_words)
    cues = [w for keywords in cue_lists for lang in LANGS for w in keywords.get(lang) if " " not in w]
    plain = [w for lang in LANGS for w in language.stopwords.get(lang)] + cues
    return frozenset(fold(w) for w in plain), frozenset(term(w) for w in plain)


def build_index(content: Content, centre: CentreContent) -> Index:
    """All answerable items of a centre: entries, target groups, flats and built-in topics."""
    warm_up()
    stop, stop_terms = _stop(content)
    docs: list[Doc] = []
    texts: list[str] = []
    sections = (
        ("recruitment", centre.recruitment),
        ("rules", centre.rules),
        ("legal", centre.legal),
        ("faq", centre.faq),
    )
    for section, entries in sections:
        for entry in entries:
            fields = [
                (_keyword_terms(entry.keywords), WEIGHT_KEYWORDS),
                (_text_terms(entry.title), WEIGHT_TITLE),
                (_text_terms(entry.text), WEIGHT_TEXT),
            ]
            docs.append(_doc(f"entry:{section}:{entry.id}", fields, stop_terms))
            texts += [entry.title.get(lang) for lang in LANGS] + [entry.text.get(lang) for lang in LANGS]
            texts += [k for lang in LANGS for k in entry.keywords.get(lang)]
    for group in centre.groups:
        fields = [
            (_keyword_terms(group.keywords), WEIGHT_KEYWORDS),
            (_text_terms(group.name), WEIGHT_TITLE),
        ]
        docs.append(_doc(f"group:{group.id}", fields, stop_terms))
        texts += [group.name.get(lang) for lang in LANGS]
        texts += [k for lang in LANGS for k in group.keywords.get(lang)]
    for topic in content.understanding.topics:
        docs.append(
            _doc(f"topic:{topic.id}", [(_keyword_terms(topic.keywords), WEIGHT_KEYWORDS)], stop_terms)
        )
        texts += [k for lang in LANGS for k in topic.keywords.get(lang)]
    index = Index(docs, stop, stop_terms)
    index.add_words(texts)
    return index


_index_cache: dict[tuple[int, str], tuple[Content, Index]] = {}


def index_for(content: Content, centre: CentreContent) -> Index:
    """The index of a centre, built once per loaded content (a reload builds a new one).

    The cache keeps the content object itself: an id alone can be reused by a new object after a
    reload, which would answer from the old content.
    """
    key = (id(content), centre.centre.id)
    cached = _index_cache.get(key)
    if cached is not None and cached[0] is content:
        return cached[1]
    if len(_index_cache) > 32:
        _index_cache.clear()
    index = build_index(content, centre)
    _index_cache[key] = (content, index)
    return index


def _phrase_pattern(keywords: Keywords) -> re.Pattern[str]:
    """One regex for a keyword list: any phrase at a word start (folded, like the text)."""
    phrases = sorted({fold(k) for lang in LANGS for k in keywords.get(lang)}, key=len, reverse=True)
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


_cues_cache: dict[int, tuple[Content, Cues]] = {}


def cues_for(content: Content) -> Cues:
    """The compiled cues of a content object (checked by identity, like the index cache)."""
    cached = _cues_cache.get(id(content))
    if cached is not None and cached[0] is content:
        return cached[1]
    language = content.understanding
    triggers = content.crisis.triggers
    cues = Cues(
        crisis=tuple(tuple(folded_words(k)) for lang in LANGS for k in triggers.get(lang)),
        now=_phrase_pattern(language.now_words),
        today=_phrase_pattern(language.today_words),
        tomorrow=_phrase_pattern(language.tomorrow_words),
        income=_phrase_pattern(language.income_words),
        currency=frozenset(fold(k) for lang in LANGS for k in language.currency_words.get(lang)),
    )
    if len(_cues_cache) > 32:
        _cues_cache.clear()
    _cues_cache[id(content)] = (content, cues)
    return cues


def signals_danger(content: Content, text: str) -> bool:
    """Crisis triggers match word starts in order, with small gaps, so wording may vary."""
    folded = folded_words(text)
    return any(phrase_in_words(list(phrase), folded) for phrase in cues_for(content).crisis)


@lru_cache(maxsize=8)
def _weekday_stems() -> dict[str, int]:
    """Folded stems of weekday names in pl, uk, en (from Babel), so "w środę" finds Wednesday."""
    stems: dict[str, int] = {}
    for locale in BABEL_LOCALES.values():
        for width in ("wide", "abbreviated"):
            for context in ("format", "stand-alone"):
                for index, name in get_day_names(width, context=context, locale=locale).items():
                    folded = fold(str(name)).rstrip(".")
                    if len(folded) >= 3:
                        # Inflection changes the last letters ("środa" -> "w środę", "неділя" ->
                        # "в неділю"), so a full name is matched by its start.
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
    folded = folded_words(text)
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


def read(content: Content, centre: CentreContent, text: str) -> Reading:
    """Everything the engine needs to decide how to answer `text` for `centre`."""
    words_folded = folded_words(text)
    folded = " ".join(words_folded)
    cues = cues_for(content)
    crisis = any(phrase_in_words(list(phrase), words_folded) for phrase in cues.crisis)
    when = None
    for name, pattern in (("now", cues.now), ("today", cues.today), ("tomorrow", cues.tomorrow)):
        if pattern.search(folded):
            when = name
            break
    index = index_for(content, centre)
    query = index.query_terms(text)
    matches = index.search(query)
    best = matches[0] if matches else None
    confident = (
        best is not None and best.score >= MIN_SCORE and best.coverage >= needed_coverage(len(set(query)))
    )
    return Reading(
        crisis=crisis,
        amounts=tuple(find_amounts(text)),
        income_cue=cues.income.search(folded) is not None,
        currency_cue=not cues.currency.isdisjoint(words_folded),
        household=find_household_size(text),
        when=when,
        weekday=find_weekday(text),
        at=find_time(text),
        flats=find_flats(text, centre),
        matches=tuple(matches[:5]),
        confident=confident,
    )
