"""Finding a centre by what someone types: its town or its name, with typos, without Polish letters,
in Cyrillic or in Ukrainian typed in Latin letters (issue 15: many centres).

The index is built from the centres' cards only (name in every language, city), so finding a
centre reads no centre's content. It is built once per `Centres` (at load; a reload makes new
`Centres`, so a new index comes with the new content) and then only read, from any thread.

A centre's score is the sum, over the words of the message, of how well each matches a word of
the centre (rapidfuzz ratio of folded words, also of their starts: "gliwicach" meets "gliwice").
Words that many centres share ("ośrodek", "pomocy") only break ties between centres found by a
word of their own, so "ośrodek pomocy" alone finds nothing; a town many centres share is still
found (its centres, the first few offered, and the person is asked to write more).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rapidfuzz import fuzz, process

from bot.domain.script import to_cyrillic, to_polish_letters
from bot.domain.text import MAX_INPUT, fold, is_cyrillic, words

if TYPE_CHECKING:
    from bot.domain.content import Centre

WORD_CUTOFF = 80  # rapidfuzz ratio for a typed word to count as a word of a centre
MIN_WORD = 3  # shorter words ("w", "ul", "na") say nothing about a centre
MIN_START = 5  # a word's start is compared when both words have at least this many letters
START_CUTOFF = 85  # ... and counts from this ratio
START_WEIGHT = 0.95  # ... a little less than the whole word: "miasto12" is not "miasto1"
ENDING = 3  # letters a typed word may have beyond a centre's word (inflection: "gliwicach")
SHARED_WEIGHT = 0.1  # a word most centres share counts this much, beside a word of the centre's own
CLOSE_SHARE = 0.8  # centres this close to the best one are offered with it
MAX_WORDS = 24  # words of a message looked up, at most: a town is named in a few (time stays ms)


@dataclass(frozen=True)
class Found:
    """The centres found, best first (at most the limit asked for), and how many matched in all."""

    centres: tuple[str, ...]
    matched: int


class CentreNames:
    """The folded words of every centre's names and city, and which centres each word belongs to."""

    def __init__(self, cards: Mapping[str, Centre]) -> None:
        owners: dict[str, set[str]] = {}
        towns: set[str] = set()
        for cid, card in cards.items():
            texts = (card.city, card.name.pl, card.name.uk, card.name.en)
            for word in {w for text in texts for w in _words(text)}:
                owners.setdefault(word, set()).add(cid)
            towns.update(_words(card.city))
        shared_from = max(5, len(cards) // 10)  # a word of more centres than this is shared
        self._words = tuple(sorted(owners))
        self._owners = tuple(frozenset(owners[w]) for w in self._words)
        self._shared = tuple(len(o) > shared_from for o in self._owners)
        self._town = tuple(w in towns for w in self._words)
        by_length: dict[int, list[int]] = {}
        for i, word in enumerate(self._words):
            by_length.setdefault(len(word), []).append(i)
        self._by_length = {n: (ids, [self._words[i] for i in ids]) for n, ids in sorted(by_length.items())}

    def __len__(self) -> int:
        return len(self._words)

    def find(self, text: str, limit: int = 6) -> Found:
        """The centres `text` names best, close ones together (at most `limit`), best first."""
        own: dict[str, float] = {}
        shared: list[dict[int, float]] = []  # per typed word, the shared words it matched
        for typed in list(dict.fromkeys(_words(text[:MAX_INPUT])))[:MAX_WORDS]:
            best: dict[str, float] = {}
            common: dict[int, float] = {}
            for variant in _variants(typed):
                for index, score in self._matches(variant).items():
                    if self._shared[index]:
                        common[index] = max(common.get(index, 0.0), score)
                        continue
                    for cid in self._owners[index]:
                        best[cid] = max(best.get(cid, 0.0), score)
            for cid, score in best.items():
                own[cid] = own.get(cid, 0.0) + score
            shared.append(common)
        if not own:  # a town of many centres ("Warszawa") still finds them, not "ośrodek" alone
            return self._by_towns(shared, limit)
        total = {cid: score + self._bonus(cid, shared) for cid, score in own.items()}
        return _close(total, limit)

    def _by_towns(self, shared: list[dict[int, float]], limit: int) -> Found:
        """The centres of a town many centres share, when nothing of a centre's own was typed."""
        total: dict[str, float] = {}
        for common in shared:
            best: dict[str, float] = {}
            for index, score in common.items():
                if self._town[index]:
                    for cid in self._owners[index]:
                        best[cid] = max(best.get(cid, 0.0), score)
            for cid, score in best.items():
                total[cid] = total.get(cid, 0.0) + score
        return _close(total, limit)

    def _bonus(self, cid: str, shared: list[dict[int, float]]) -> float:
        """What the shared words typed add to a centre found by its own words (a tie-break)."""
        return SHARED_WEIGHT * sum(
            max((score for i, score in common.items() if cid in self._owners[i]), default=0.0)
            for common in shared
        )

    def _matches(self, typed: str) -> dict[int, float]:
        """Each word of the index close to `typed`, whole, or by their starts: a word typed with its
        ending ("gliwicach" for "gliwice") or only its start ("często")."""
        found: dict[int, float] = {}
        for _, score, index in process.extract(
            typed, self._words, scorer=fuzz.ratio, score_cutoff=WORD_CUTOFF, limit=None
        ):
            found[index] = score
        if len(typed) < MIN_START:
            return found
        for length, (indexes, group) in self._by_length.items():
            if length < MIN_START or len(typed) - length > ENDING or length == len(typed):
                continue  # too short, too much longer, or compared whole above
            cut = min(length, len(typed))
            starts = group if length < len(typed) else [word[:cut] for word in group]
            for _, score, at in process.extract(
                typed[:cut], starts, scorer=fuzz.ratio, score_cutoff=START_CUTOFF, limit=None
            ):
                index = indexes[at]
                found[index] = max(found.get(index, 0.0), START_WEIGHT * score)
        return found


def _close(total: dict[str, float], limit: int) -> Found:
    """The best scores and those close to them, best first (then by id, for the same order always)."""
    if not total:
        return Found((), 0)
    top = max(total.values())
    close = [cid for cid, score in total.items() if score >= CLOSE_SHARE * top]
    close.sort(key=lambda cid: (-total[cid], cid))
    return Found(tuple(close[:limit]), len(close))


def _words(text: str) -> list[str]:
    return [w for w in (fold(word) for word in words(text)) if len(w) >= MIN_WORD]


def _variants(word: str) -> tuple[str, ...]:
    """The word as typed and in the other script: "Гливиці" also as "glywyci", "hlyvytsi" also as
    "гливиці" (names of Polish towns are written either way)."""
    other = to_polish_letters(word) if is_cyrillic(word) else to_cyrillic(word)
    return (word, other) if other != word else (word,)
