"""Word-based ranking: a small BM25 over each answerable item's title, keywords and text.

All three languages (and Russian keywords) go into one index, so a Ukrainian question with
Polish words still finds its topic. Words that match nothing get one chance through typo
matching (rapidfuzz) against the known vocabulary.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process

from bot.domain import items
from bot.domain.content import CentreContent, Content, Keywords, Text
from bot.domain.text import fold, is_light, term, words

READ_LANGS = ("pl", "uk", "en", "ru")  # keyword lists may carry Russian: people write it
TEXT_LANGS = ("pl", "uk", "en")
MIN_SCORE = 1.2  # and an absolute floor, so one weak common word is never enough
UNKNOWN_WEIGHT = 0.7
LIGHT_UNKNOWN_WEIGHT = 0.35  # an unknown verb, adverb or pronoun: how it is asked, not what
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


@dataclass
class _Vocab:
    terms: set[str] = field(default_factory=set)
    words: dict[str, str] = field(default_factory=dict)  # folded word -> term


def _phrase_terms(phrases: Iterable[str]) -> list[str]:
    return [term(w) for phrase in phrases for w in words(phrase)]


def _text_terms(text: Text) -> list[str]:
    return [term(w) for lang in TEXT_LANGS for w in words(text.get(lang))]


def _keyword_terms(keywords: Keywords, stop: frozenset[str] = frozenset()) -> list[str]:
    phrases = [k for lang in READ_LANGS for k in keywords.get(lang)]
    return _phrase_terms(phrases) + [p for k in phrases if (p := _stop_phrase(k, stop))]


def _stop_phrase(phrase: str, stop: frozenset[str]) -> str | None:
    """A keyword made only of stop words ("do którego", "od której") as one term: each word
    alone says nothing, together they ask something ("by which day", "from what time")."""
    folded = [fold(w) for w in words(phrase)]
    if len(folded) < 2 or not all(w in stop for w in folded):
        return None
    return "_".join(folded)


class Index:
    """BM25 over the answerable items of one centre (plus the shared built-in topics)."""

    def __init__(
        self,
        docs: list[Doc],
        stop: frozenset[str],
        stop_terms: frozenset[str],
        light_words: frozenset[str] = frozenset(),
    ) -> None:
        self.docs = docs
        self.stop = stop
        self.stop_terms = stop_terms
        self.light_words = light_words  # terms that are light whatever the analysers say
        # Terms of some items' documents, asked for with the same few keys at every question.
        self._terms: dict[tuple[frozenset[str], bool], frozenset[str]] = {}
        self.avg_length = sum(d.length for d in docs) / max(len(docs), 1)
        df: Counter[str] = Counter()
        for doc in docs:
            df.update(doc.weights.keys())
        n = len(docs)
        self.idf = {t: math.log(1 + (n - f + 0.5) / (f + 0.5)) for t, f in df.items()}
        self.max_idf = math.log(1 + (n + 0.5) / 0.5)
        self.vocab = _Vocab(terms=set(df))
        self.phrases = {t for t in df if "_" in t}  # stop-word keywords (see _stop_phrase)

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
        if self.phrases:
            every = [fold(w) for w in words(text)]
            for size in (2, 3):
                grams = ("_".join(every[i : i + size]) for i in range(len(every) - size + 1))
                result += [g for g in grams if g in self.phrases]
        return result

    def terms_of(self, keys: frozenset[str]) -> frozenset[str]:
        """Every term of these items' documents."""
        return self._terms_cached(keys, only=False)

    def terms_only_of(self, keys: frozenset[str]) -> frozenset[str]:
        """The terms only these items' documents have (what greetings and thanks are made of,
        less words the content uses too: "dzień" of "dzień dobry" is also a day to pay by)."""
        return self._terms_cached(keys, only=True)

    def _terms_cached(self, keys: frozenset[str], only: bool) -> frozenset[str]:
        found = self._terms.get((keys, only))
        if found is None:  # the same few keys at every question: worked out once per index
            own = {t for doc in self.docs if doc.key in keys for t in doc.weights}
            if only:
                own -= {t for doc in self.docs if doc.key not in keys for t in doc.weights}
            found = self._terms[keys, only] = frozenset(own)
        return found

    def light_terms(self, text: str) -> frozenset[str]:
        """Terms of the question that only ever come from light words (text.is_light)."""
        light: set[str] = set()
        heavy: set[str] = set()
        for word in words(text):
            t = term(word)
            (light if is_light(word) or t in self.light_words else heavy).add(t)
        return frozenset(light - heavy)

    def search(
        self, query: list[str], light: frozenset[str] = frozenset(), k1: float = 1.2, b: float = 0.5
    ) -> list[Match]:
        unique = set(query)
        if not unique:
            return []
        # A word the content never uses counts less than a rare known word: chatty words
        # ("please", "sir") should not sink a clear question, yet off-topic ones stay unexplained.
        # An unknown verb or adverb ("zabrać", "codziennie") counts less again than an unknown noun.
        total = sum(self.idf.get(t, self._unknown(t in light)) for t in unique)
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

    def _unknown(self, light: bool) -> float:
        return (LIGHT_UNKNOWN_WEIGHT if light else UNKNOWN_WEIGHT) * self.max_idf


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
    for terms, weight in fields:
        for t in terms:
            if t not in stop_terms:
                weights[t] = weights.get(t, 0.0) + weight
    length = float(sum(weights.values()))
    return Doc(key, dict(weights), length)


def _stop(content: Content) -> tuple[frozenset[str], frozenset[str]]:
    """Stop words, plus one-word time cues ("teraz", "today"): those are read as cues, and must
    not make a question look less understood than it is."""
    language = content.understanding
    cue_lists = (language.now_words, language.today_words, language.tomorrow_words)
    cues = [w for keywords in cue_lists for lang in READ_LANGS for w in keywords.get(lang) if " " not in w]
    plain = [w for lang in READ_LANGS for w in language.stopwords.get(lang)] + cues
    return frozenset(fold(w) for w in plain), frozenset(term(w) for w in plain)


def build_index(content: Content, centre: CentreContent) -> Index:
    """All answerable items of a centre: entries, target groups, flats and built-in topics."""
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
                (_keyword_terms(entry.keywords, stop), WEIGHT_KEYWORDS),
                (_text_terms(entry.title), WEIGHT_TITLE),
                (_text_terms(entry.text), WEIGHT_TEXT),
            ]
            docs.append(_doc(items.encode(items.Entry(section, entry.id)), fields, stop_terms))
            texts += [entry.title.get(lang) for lang in TEXT_LANGS] + [
                entry.text.get(lang) for lang in TEXT_LANGS
            ]
            texts += [k for lang in READ_LANGS for k in entry.keywords.get(lang)]
    for group in centre.groups:
        fields = [
            (_keyword_terms(group.keywords, stop), WEIGHT_KEYWORDS),
            (_text_terms(group.name), WEIGHT_TITLE),
        ]
        docs.append(_doc(items.encode(items.Group(group.id)), fields, stop_terms))
        texts += [group.name.get(lang) for lang in TEXT_LANGS]
        texts += [k for lang in READ_LANGS for k in group.keywords.get(lang)]
    for topic in content.understanding.topics:
        docs.append(
            _doc(
                items.encode(items.Topic(topic.id)),
                [(_keyword_terms(topic.keywords, stop), WEIGHT_KEYWORDS)],
                stop_terms,
            )
        )
        texts += [k for lang in READ_LANGS for k in topic.keywords.get(lang)]
    light = content.understanding.light_words
    # As terms, so every form counts: "left" and "leaving" as "leave".
    index = Index(docs, stop, stop_terms, frozenset(term(w) for lang in READ_LANGS for w in light.get(lang)))
    index.add_words(texts)
    return index
