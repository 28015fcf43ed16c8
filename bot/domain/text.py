"""Text normalisation for matching: folding, tokens, lemmas and stems for pl, uk and en.

People type without Polish letters, with typos and in inflected forms, so the engine compares
*terms*: a word's lemma (simplemma, when it knows the word), folded (lower case, no diacritics,
ł→l) and cut to a stem, so that "mieszkania", "mieszkaniu" and "mieszkanie" meet.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import simplemma

MAX_INPUT = 2000  # longer messages are cut: nobody's question needs more, and matching stays fast
STEM = 6  # characters of a folded lemma that identify a word well enough in pl and uk

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028\u2029\ufeff]")
_SPACES = re.compile(r"[ \t\u00a0\u202f]+")
_WORD = re.compile(r"[^\W_]+(?:['’ʼ`][^\W_]+)*")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_VOWELS = "aeiouyаеиіїоуюяєйь"
_APOSTROPHES = str.maketrans({"’": "", "ʼ": "", "'": "", "`": ""})


def clean(text: str) -> str:
    """Drop control characters, fold runs of spaces, trim and cut to MAX_INPUT characters."""
    text = _CONTROL.sub(" ", text.replace("\r\n", "\n"))
    text = _SPACES.sub(" ", text).strip()
    return text[:MAX_INPUT]


@lru_cache(maxsize=65536)
def fold(text: str) -> str:
    """Lower case without diacritics; `ł` has no Unicode decomposition, so it is mapped by hand."""
    text = text.casefold().replace("ł", "l")
    text = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in text if not unicodedata.combining(ch)).translate(_APOSTROPHES)


def words(text: str) -> list[str]:
    """Words in lower case with their diacritics (for lemmatising)."""
    return [w.casefold() for w in _WORD.findall(text)]


def is_cyrillic(text: str) -> bool:
    return bool(_CYRILLIC.search(text))


def warm_up() -> None:
    """Load every lemma dictionary now: simplemma loads each lazily, which would make the first
    misspelt word of a process take 100 ms or more."""
    for word in ("qqzx", "ййцук"):
        lemma(word)


@lru_cache(maxsize=65536)
def lemma(word: str) -> str:
    """The dictionary form of a word, trying the language its script suggests first."""
    langs: tuple[str, ...] = ("uk",) if is_cyrillic(word) else ("pl", "en")
    try:
        result: str = simplemma.lemmatize(word, lang=langs)
    except (ValueError, KeyError):  # simplemma refuses some odd tokens; the word itself will do
        return word
    return result.casefold()


@lru_cache(maxsize=65536)
def term(word: str) -> str:
    """The matching term of one word: its folded lemma cut to a stem. Numbers stay whole."""
    if word.isdigit():
        return word
    stem = fold(lemma(word))[:STEM]
    # Inflection mostly changes the final vowels ("prawa"/"prawo", "osoba"/"osoby"): drop them.
    bare = stem.rstrip(_VOWELS)
    return bare if len(bare) >= 3 else stem


def terms(text: str, stop: frozenset[str] = frozenset()) -> list[str]:
    """Matching terms of a text, without stop words (compared folded, before lemmatising)."""
    return [term(w) for w in words(text) if fold(w) not in stop]


def folded_words(text: str) -> list[str]:
    """Folded whole words (for typo matching and phrase checks)."""
    return [fold(w) for w in words(text)]


def contains_phrase(folded_text: str, folded_phrase: str) -> bool:
    """Whether a folded phrase occurs at a word start ("samobój" matches "samobójstwo")."""
    return re.search(r"(?<![^\W_])" + re.escape(folded_phrase), folded_text) is not None


def phrase_in_words(phrase: list[str], folded: list[str], max_gap: int = 2) -> bool:
    """Whether the phrase's words start words of the text in order, with at most `max_gap`
    other words between them ("nie chce zyc" is found in "nie chce juz zyc")."""
    if not phrase:
        return False
    for start, word in enumerate(folded):
        if not word.startswith(phrase[0]):
            continue
        position, ok = start, True
        for part in phrase[1:]:
            window = folded[position + 1 : position + 2 + max_gap]
            step = next((i for i, w in enumerate(window) if w.startswith(part)), None)
            if step is None:
                ok = False
                break
            position += step + 1
        if ok:
            return True
    return False
