"""Text normalisation for matching: folding, tokens, lemmas and stems for pl, uk, ru and en.

People type without Polish letters, with typos and in inflected forms, so the engine compares
*terms*: a word's lemma, folded (lower case, no diacritics, ł→l) and cut to a stem, so that
"mieszkania", "mieszkaniu" and "mieszkanie" meet.

Lemmas come from compact, memory-mapped analysers that load in a fraction of a second: Morfeusz 2
(the standard Polish analyser, SGJP dictionary) for Latin script and pymorphy3 (Ukrainian, then
Russian) for Cyrillic; words Morfeusz does not know go to simplemma's small English table. The analysers
are not thread-safe, so each thread (the event loop, the index builder) gets its own.
"""

from __future__ import annotations

import itertools
import logging
import re
import threading
import unicodedata
from functools import lru_cache
from typing import Any

MAX_INPUT = 2000  # longer messages are cut: nobody's question needs more, and matching stays fast
STEM = 6  # characters of a folded lemma that identify a word well enough in pl and uk

# Control characters, zero-width and direction marks, and lone surrogates (a terminal can send
# them; they cannot be encoded and would end the answer with an error).
_CONTROL = re.compile(
    r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029\ufeff\ud800-\udfff]"
)
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


class _Analysers(threading.local):
    """One set of analysers per thread, each opened on its first use in that thread: a Polish
    question never pays for the Ukrainian dictionaries, nor the other way round."""

    def __init__(self) -> None:
        self._pl: Any = None
        self._uk: Any = None
        self._ru: Any = None

    @property
    def pl(self) -> Any:
        if self._pl is None:
            import morfeusz2

            self._pl = morfeusz2.Morfeusz(generate=False, expand_tags=False)
        return self._pl

    def _morph(self, lang: str) -> Any:
        import pymorphy3

        logging.getLogger("pymorphy3").setLevel(logging.WARNING)  # it logs every dictionary load
        return pymorphy3.MorphAnalyzer(lang=lang)

    @property
    def uk(self) -> Any:
        if self._uk is None:
            self._uk = self._morph("uk")
        return self._uk

    @property
    def ru(self) -> Any:
        if self._ru is None:
            self._ru = self._morph("ru")
        return self._ru


_analysers = _Analysers()


def _get() -> _Analysers:
    return _analysers


def warm_up() -> None:
    """Open the analysers in this thread now, so the first question does not pay for it."""
    lemma("mieszkania")
    lemma("квартири")
    _english_lemma("flats")


# Morfeusz splits "poszłam" into "poszł" + the agglutinate "am" (być); that part is not the word.
_AGGLUTINATE = {"być", "by"}


def _polish_lemma(word: str) -> str | None:
    try:
        analyses = _get().pl.analyse(word)
    except (RuntimeError, UnicodeError):  # the analyser refuses some odd tokens
        return None
    lemmas = []
    for _start, _end, (_form, lemma_, tag, *_rest) in analyses:
        if tag == "ign":
            return None
        base = str(lemma_).split(":")[0].casefold()
        if str(tag).startswith("brev"):  # "nr" -> "numer": the abbreviation's full word
            return base
        if base not in lemmas:
            lemmas.append(base)
    real = [x for x in lemmas if x not in _AGGLUTINATE] or lemmas
    return real[0] if real else None


def _cyrillic_lemma(word: str) -> str:
    analysers = _get()
    for morph in (analysers.uk, analysers.ru):
        if morph.word_is_known(word):
            return str(morph.parse(word)[0].normal_form)
    return word


@lru_cache(maxsize=65536)
def is_known_polish(word: str) -> bool:
    """Whether Morfeusz knows the word (as typed, so without Polish letters it often does not)."""
    return _polish_lemma(word) is not None


def _english(call: str, word: str) -> Any:
    """One call into simplemma's English table (imported on first use: 0.4 s, 30 MB)."""
    import simplemma

    try:
        return getattr(simplemma, call)(word, lang="en")
    except (ValueError, KeyError):  # simplemma refuses some odd tokens
        return None


@lru_cache(maxsize=65536)
def is_known_english(word: str) -> bool:
    """Whether simplemma's English table knows the word (a language cue, not a lemma)."""
    return bool(_english("is_known", word))


@lru_cache(maxsize=65536)
def is_known_cyrillic(word: str) -> bool:
    analysers = _get()
    return bool(analysers.uk.word_is_known(word) or analysers.ru.word_is_known(word))


# Parts of speech that say how something is asked rather than what about: verbs, adverbs,
# pronouns, particles ("zabrać ze sobą", "chodzić", "codziennie", "можу", "вчасно"). A word of
# these the content never uses is phrasing; an unknown noun ("bitcoin", "autobus") is a subject.
_LIGHT_POLISH = ("fin", "inf", "praet", "impt", "imps", "bedzie", "pcon", "pant", "adv", "siebie",
                 "ppron", "qub", "conj", "comp", "prep", "pred", "winien", "interj", "part")  # fmt: skip
_LIGHT_CYRILLIC = {"VERB", "INFN", "GRND", "ADVB", "NPRO", "PRED", "PREP", "CONJ", "PRCL", "INTJ"}


def _polish_light(word: str) -> bool | None:
    try:
        analyses = _get().pl.analyse(word)
    except (RuntimeError, UnicodeError):
        return None
    tags = [str(tag) for _start, _end, (_form, _lemma, tag, *_rest) in analyses]
    if not tags or "ign" in tags:
        return None
    return any(tag.split(":")[0] in _LIGHT_POLISH for tag in tags)


@lru_cache(maxsize=65536)
def is_light(word: str) -> bool:
    """Whether any reading of the word is a verb, adverb, pronoun or particle (see above).
    Words no analyser knows, and English ones (no parts of speech here), are not light."""
    if is_cyrillic(word):
        analysers = _get()
        for morph in (analysers.uk, analysers.ru):
            if morph.word_is_known(word):
                return any(str(p.tag.POS) in _LIGHT_CYRILLIC for p in morph.parse(word))
        return False
    if is_known_english(word) and not is_known_polish(word):
        return False
    # Typed without Polish letters, a word may also be another one: "soba" is "sobą" (siebie).
    restored = with_polish_letters(word)
    found = _polish_light(word)
    found_restored = _polish_light(restored) if restored is not None else None
    if found is None and found_restored is None:
        # No analyser knows it: a misspelt infinitive ("wziąść", "wziasc") still looks like one.
        return _LOOKS_INFINITIVE.search(fold(word)) is not None
    return bool(found) or bool(found_restored)


# The ending of a Polish infinitive (-ać, -eć, -ić, -yć, -uć, -ść), but not of a noun in -ość.
_LOOKS_INFINITIVE = re.compile(r"^.{3,}(?:[aeiyu]c|(?<!o)sc)$")

# Letters people type instead of Polish ones, and what they may stand for.
_POLISH_LETTERS = {"a": "ą", "c": "ć", "e": "ę", "l": "ł", "n": "ń", "o": "ó", "s": "ś", "z": "źż"}
MAX_RESTORED = 3  # letters changed at most: "zabrac" -> "zabrać", "sciagnac" -> "ściągnąć"


@lru_cache(maxsize=65536)
def with_polish_letters(word: str) -> str | None:
    """A word typed without Polish letters, as Morfeusz knows it ("zabrac" -> "zabrać",
    "soba" -> "sobą"), trying the fewest changes first; None when no spelling is known."""
    places = [i for i, ch in enumerate(word) if ch in _POLISH_LETTERS]
    if not word.isascii() or not places or len(word) > 16:
        return None
    for changes in range(1, min(MAX_RESTORED, len(places)) + 1):
        for chosen in itertools.combinations(places, changes):
            options = [_POLISH_LETTERS[word[i]] for i in chosen]
            for letters in itertools.product(*options):
                candidate = list(word)
                for i, letter in zip(chosen, letters, strict=True):
                    candidate[i] = letter
                spelled = "".join(candidate)
                if _polish_lemma(spelled) is not None:
                    return spelled
    return None


@lru_cache(maxsize=65536)
def lemma(word: str) -> str:
    """The dictionary form of a word (the word itself when no analyser knows it)."""
    if is_cyrillic(word):
        return _cyrillic_lemma(word).casefold()
    polish = _polish_lemma(word)
    if polish is None and not is_known_english(word):
        restored = with_polish_letters(word)
        polish = _polish_lemma(restored) if restored else None
    return (polish if polish is not None else _english_lemma(word)).casefold()


def _english_lemma(word: str) -> str:
    """English (or Polish typed without diacritics, which Morfeusz does not know)."""
    found = _english("lemmatize", word)
    return str(found) if found else word


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
