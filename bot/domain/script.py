"""Which language a message is in, and Ukrainian typed in Latin letters turned back into Cyrillic.

Many people from Ukraine type on a phone without a Cyrillic keyboard ("chy mozhna tvaryn v
kvartyri?"), or in Russian. Neither the word index nor the analysers know such words; written
back in Cyrillic they are ordinary Ukrainian words.
"""

from __future__ import annotations

import re

from bot.domain.text import folded_words, is_known_cyrillic, is_known_english, is_known_polish

# Longest first: "shch" before "sh", "zh" before "z". Both the official transliteration
# (KMU 2010: "kh", "ia", "yi") and common informal spellings ("ja", "ch", "y" for и).
_DIGRAPHS = (
    ("shch", "щ"), ("sch", "щ"), ("zh", "ж"), ("kh", "х"), ("ts", "ц"), ("ch", "ч"), ("sh", "ш"),
    ("yu", "ю"), ("iu", "ю"), ("ju", "ю"), ("ya", "я"), ("ia", "я"), ("ja", "я"),
    ("ye", "є"), ("ie", "є"), ("je", "є"), ("yi", "ї"), ("ji", "ї"),
)  # fmt: skip
_LETTERS = {
    "a": "а", "b": "б", "v": "в", "w": "в", "h": "г", "g": "г", "d": "д", "e": "е", "z": "з",
    "y": "и", "i": "і", "j": "й", "k": "к", "l": "л", "m": "м", "n": "н", "o": "о", "p": "п",
    "r": "р", "s": "с", "t": "т", "u": "у", "f": "ф", "c": "ц", "x": "кс", "q": "к",
}  # fmt: skip
_LATIN_WORD = re.compile(r"^[a-z']+$")


def to_cyrillic(word: str) -> str:
    """One folded Latin word written in Ukrainian letters ("kvartyri" -> "квартири")."""
    if word.endswith(("yi", "yj", "ij")) and len(word) > 3:  # "yakyi", "novyj": the ending -ий
        return to_cyrillic(word[:-2]) + "ий"
    out, i = [], 0
    while i < len(word):
        for latin, cyr in _DIGRAPHS:
            if word.startswith(latin, i):
                out.append(cyr)
                i += len(latin)
                break
        else:
            out.append(_LETTERS.get(word[i], "" if word[i] == "'" else word[i]))
            i += 1
    return "".join(out)


_SOFTENED = set("лнтдсзцр")  # consonants a soft sign (ь) may follow
_CONSONANTS = set("бвгґджзйклмнпрстфхцчшщ")
_IOTATED = set("яюєї")  # an apostrophe may stand between a consonant and these


def written_back(word: str) -> str:
    """`to_cyrillic`, with the soft sign or apostrophe Latin spelling leaves out ("skilky" ->
    "скільки", "simja" -> "сім'я"): when the word is no known word as it is, the first known word
    with one ь added after a consonant that takes it (before another consonant or at the end) or
    one apostrophe between a consonant and я, ю, є or ї."""
    plain = to_cyrillic(word)
    if is_known_cyrillic(plain):
        return plain
    if word.endswith(("tsja", "tsia", "tsya")):  # a reflexive verb: "znakhodytsja" -> "знаходиться"
        reflexive = to_cyrillic(word[:-4]) + "ться"
        if is_known_cyrillic(reflexive):
            return reflexive
    for i, letter in enumerate(plain):
        follows = plain[i + 1] if i + 1 < len(plain) else ""
        if letter in _SOFTENED and (not follows or follows in _CONSONANTS):
            mended = plain[: i + 1] + "ь" + plain[i + 1 :]
        elif letter in _CONSONANTS and follows in _IOTATED:  # the apostrophe: "simja" -> "сім'я"
            mended = plain[: i + 1] + "'" + plain[i + 1 :]
        else:
            continue
        if is_known_cyrillic(mended):
            return mended
    return plain


def ukrainian_in_latin(text: str) -> str | None:
    """The message in Cyrillic when it is Ukrainian typed in Latin letters, else None.

    Clearly so when at least two words, and most of the longer ones, are unknown in Polish and
    English and become known Ukrainian (or Russian) words when written back in Cyrillic.
    """
    tokens = [w for w in folded_words(text) if _LATIN_WORD.match(w)]
    if len(tokens) < 2 or len(tokens) < len(folded_words(text)) / 2:
        return None
    long = [w for w in tokens if len(w) >= 3]
    # English words often spell a Cyrillic word too ("must" -> "муст"): they are English here.
    converted = [
        w
        for w in long
        if not is_known_polish(w) and not is_known_english(w) and is_known_cyrillic(written_back(w))
    ]
    if len(converted) < 2 or len(converted) < 0.5 * len(long):
        return None
    return " ".join(written_back(w) for w in tokens)


_RUSSIAN_ONLY = set("ыэъё")
_UKRAINIAN_ONLY = set("іїєґ")


def cyrillic_language(text: str) -> str:
    """ "ru" or "uk" for a Cyrillic message, by the letters only one of the languages has."""
    letters = set(text.casefold())
    if letters & _UKRAINIAN_ONLY:
        return "uk"
    if letters & _RUSSIAN_ONLY:
        return "ru"
    return "uk"


def latin_language(text: str, english: frozenset[str], polish: frozenset[str]) -> str | None:
    """ "en" or "pl" when the message is clearly one of them, by their common words; else None.

    Polish letters settle it; otherwise English needs at least two of its common words and
    twice as many as Polish ones (a Polish message often carries an English word or two).
    """
    # "zł" is written in every language here; any other Polish letter means Polish.
    if re.search(r"[ąćęłńóśźż]", re.sub(r"(?<!\w)zł(?!\w)", "", text.casefold())):
        return "pl"
    tokens = [w for w in folded_words(text) if w.isalpha()]  # "1250" is no language's word
    # A common word of both ("do", "i", "a", "to") tells neither: counted for both, it let a few
    # of them keep "how much do I pay if I earn 1500" from being English.
    both = english & polish
    en = sum(
        (w in english and w not in both) or (not is_known_polish(w) and is_known_english(w)) for w in tokens
    )
    pl = sum(w in polish and w not in both for w in tokens)
    pl += sum(len(w) >= 4 and is_known_polish(w) for w in tokens)
    if en >= 2 and en >= 2 * pl:
        return "en"
    if pl >= 2 and pl >= 2 * en:
        return "pl"
    return None


_TO_LATIN = str.maketrans(
    {
        "а": "a", "б": "b", "в": "w", "г": "g", "ґ": "g", "д": "d", "е": "e", "є": "je", "ё": "jo",
        "ж": "z", "з": "z", "и": "y", "і": "i", "ї": "ji", "й": "j", "к": "k", "л": "l", "м": "m",
        "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "ch",
        "ц": "c", "ч": "cz", "ш": "sz", "щ": "szcz", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "ju",
        "я": "ja",
    }
)  # fmt: skip


def to_polish_letters(word: str) -> str:
    """A Cyrillic word in Polish spelling, for names of Polish streets written in Cyrillic
    ("Ломпы" -> "lompy", "Зімної" -> "zimnoji"); folded like the street names it is compared with."""
    return word.casefold().translate(_TO_LATIN)
