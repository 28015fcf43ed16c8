"""How many people an income is for, read from free text in Polish, Ukrainian and English: a
stated household size ("3 osoby", "нас троє", "we are 2") and the people someone says they live
with ("z żoną i dzieckiem").

Pure functions without I/O or logging. The number is returned as written (even 0 or 50), so the
caller can reject what is out of range; nothing is guessed. Amounts of money are bot.domain.money.
"""

from __future__ import annotations

import re

_LETTER = r"[^\W\d_]"


# --- household size ---------------------------------------------------------------------------

_NUMBER_WORDS: dict[str, int] = {
    # Polish: cardinal, collective and genitive forms people use for a household.
    "jeden": 1, "jedna": 1, "jedno": 1,
    "dwa": 2, "dwie": 2, "dwoje": 2, "dwóch": 2, "dwójkę": 2,
    "trzy": 3, "troje": 3, "trzech": 3, "trójkę": 3,
    "cztery": 4, "czworo": 4, "czterech": 4, "czwórkę": 4,
    "pięć": 5, "pięcioro": 5, "pięciu": 5, "piątkę": 5,
    "sześć": 6, "sześcioro": 6, "sześciu": 6, "szóstkę": 6,
    "siedem": 7, "siedmioro": 7, "siedmiu": 7,
    "osiem": 8, "ośmioro": 8, "ośmiu": 8,
    "dziewięć": 9, "dziewięcioro": 9, "dziewięciu": 9,
    "dziesięć": 10, "dziesięcioro": 10, "dziesięciu": 10,
    # Ukrainian
    "один": 1, "одна": 1, "двоє": 2, "два": 2, "дві": 2, "троє": 3, "три": 3,
    "четверо": 4, "чотири": 4, "п'ятеро": 5, "п'ять": 5, "шестеро": 6, "шість": 6,
    "семеро": 7, "сім": 7, "восьмеро": 8, "вісім": 8, "дев'ятеро": 9, "дев'ять": 9,
    "десятеро": 10, "десять": 10,
    # English
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5,
    "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
}  # fmt: skip
_COMPOUNDS: dict[str, int] = {
    "jedno": 1, "dwu": 2, "trzy": 3, "cztero": 4, "pięcio": 5, "sześcio": 6,
    "siedmio": 7, "ośmio": 8, "dziewięcio": 9, "dziesięcio": 10,
    "одно": 1, "дво": 2, "три": 3, "трьох": 3, "чотири": 4, "чотирьох": 4, "п'яти": 5, "шести": 6,
}  # fmt: skip


def _alternatives(words: dict[str, int]) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


_N = rf"(?P<n>[0-9]{{1,4}}(?![0-9])|(?:{_alternatives(_NUMBER_WORDS)})(?![\w']))"
_START = r"(?<![\w'.,])"
_HOUSEHOLD = tuple(
    re.compile(pattern, re.IGNORECASE)
    for pattern in (
        # "3 osoby", "rodzina 4-osobowa", "4osobowa", "3 особи", "3 осіб", "3 people", "3-person"
        rf"{_START}{_N}\s*-?\s*(?:os(?:ob[ay]?|ób|obow\w*)|ос(?:об[аи]?|іб|обов\w*)|people|persons?)"
        rf"(?!{_LETTER})",
        # "czteroosobowa", "dwuosobowe", "трьохособова"
        rf"(?<!{_LETTER})(?P<c>{_alternatives(_COMPOUNDS)})\s*-?\s*(?:osobow|особов)",
        # "jest nas 3", "nas jest troje", "нас 3", "нас є троє"
        rf"(?<!{_LETTER})(?:(?:jest|było)\s+nas|nas\s+(?:jest|było)|нас(?:\s+(?:є|всього|усього))?)\s+{_N}",
        # "mieszkamy we troje", "w czwórkę"
        rf"(?<!{_LETTER})we?\s+(?P<n2>dwoje|troje|czworo|pięcioro|sześcioro|dwójkę|trójkę|czwórkę|piątkę)",
        # "we are 2", "we're a family of 4", "household of 3", "3 of us"
        rf"(?<!{_LETTER})we(?:\s+are|'re)\s+(?:a\s+family\s+of\s+)?{_N}",
        rf"(?<!{_LETTER})(?:family|household)\s+of\s+{_N}",
        rf"{_START}{_N}\s+of\s+us\b",
    )
)


def find_household_size(text: str) -> int | None:
    """The first household size stated with an explicit number ("3 osoby", "нас 3", "we are 2").

    The number is returned as written, even 0 or 50, so the caller can reject it; "I live with
    my wife" gives None because guessing the size would put a wrong figure into the estimate.
    """
    text = re.sub("[’ʼ`]", "'", text)  # one apostrophe for "п'ятеро"
    found: list[tuple[int, int]] = []
    for pattern in _HOUSEHOLD:
        match = pattern.search(text)
        if match:
            groups = match.groupdict()
            if groups.get("c"):
                number = _COMPOUNDS[groups["c"].lower()]
            else:
                word = groups.get("n") or groups["n2"]
                number = int(word) if word.isdigit() else _NUMBER_WORDS[word.lower()]
            found.append((match.start(), number))
    return min(found)[1] if found else None


# --- who lives with the person --------------------------------------------------------------------

# People someone lives with, counted one each ("z żoną i dzieckiem" is 3 with the writer), or
# by a number word before a plural ("z dwójką dzieci", "with my two kids").
_PERSON = (
    r"(?:żon\w*|zon\w*|mę[żz]\w*|mez\w*|partner\w*|syn\w*|córk\w*|cork\w*|dzieck\w*|mam[aąy]\w*|"
    r"mat\w*|tat\w*|ojc\w*|bra[tc]\w*|siostr\w*|babci\w*|dziadk\w*|"
    r"wife|husband|partner|son|daughter|child|kid|mum|mom|mother|dad|father|brother|sister|"
    r"дружин\w*|жін\w*|чолов\w*|син\w*|сином|донь\w*|доч\w*|дитин\w*|мам\w*|тат\w*|брат\w*|"
    r"сестр\w*|жен\w*|муж\w*|сын\w*|ребён\w*|ребен\w*|мам\w*|пап\w*)"
)
_PLURAL = (
    r"(?:dziećmi|dziecmi|dzieci\b|dzieciakami|synami|córkami|corkami|kids|children|sons|daughters|"
    r"дітьми|діти|дітей|синами|доньками|детьми|детей|сыновьями)"
)
_COUNT = {
    "dwójką": 2, "dwojka": 2, "dwójka": 2, "dwojgiem": 2, "dwoma": 2, "dwiema": 2, "two": 2, "двома": 2,
    "двумя": 2, "двоє": 2, "двое": 2, "trójką": 3, "trojka": 3, "trojgiem": 3, "trzema": 3, "three": 3,
    "трьома": 3, "тремя": 3, "czwórką": 4, "czworgiem": 4, "czterema": 4, "four": 4, "чотирма": 4,
    "четырьмя": 4,
}  # fmt: skip
_WITH = re.compile(r"(?<![^\W\d_])(?:z|ze|with|з|із|зі|с|со)\s+(?P<rest>[^.?!;]{0,80})", re.I)
_MY = re.compile(r"^(?:moj\w*|moj|mój|my|моїм|моєю|мо\w*|сво\w*|swo\w*)\s+", re.I)


def find_companions(text: str) -> int | None:
    """How many people live with the writer, when the message names them ("mieszkam z żoną i
    dzieckiem" -> 2); None when it names nobody or says only "z dziećmi" (how many is unknown)."""
    found = _WITH.search(text)
    if found is None:
        return None
    count = 0
    for part in re.split(r"\s*(?:,|\bi\b|\band\b|\bі\b|\bй\b|\bта\b|\bи\b)\s*", found.group("rest")):
        words = _MY.sub("", part.strip().casefold()).split()
        if not words:
            continue
        number = _COUNT.get(words[0]) or (
            int(words[0]) if words[0].isascii() and words[0].isdigit() else None
        )
        if number is not None and len(words) > 1 and re.match(_PLURAL, words[1]):
            count += number
        elif re.match(_PLURAL, words[0]):
            return None  # "z dziećmi": some children, how many is not said
        elif re.fullmatch(_PERSON, words[0]):
            count += 1
        else:
            break
    return count or None
