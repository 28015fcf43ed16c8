"""Amounts written in words, turned into digits: "tysiąc dwieście" -> 1200, "półtora tysiąca" ->
1500, "тисячу чотириста" -> 1400, "one thousand six hundred" -> 1600.

Only runs that reach at least a hundred are rewritten: "dwa koty" or "three kids" stay words, so
a household or a count is never mistaken for money. Pure functions; the text may be an income.
"""

from __future__ import annotations

import re
from decimal import Decimal

from bot.domain.text import fold

_UNITS = {
    # Polish
    "jeden": 1, "jedna": 1, "dwa": 2, "dwie": 2, "trzy": 3, "cztery": 4, "piec": 5, "szesc": 6,
    "siedem": 7, "osiem": 8, "dziewiec": 9, "dziesiec": 10, "jedenascie": 11, "dwanascie": 12,
    "trzynascie": 13, "czternascie": 14, "pietnascie": 15, "szesnascie": 16, "siedemnascie": 17,
    "osiemnascie": 18, "dziewietnascie": 19, "dwadziescia": 20, "trzydziesci": 30,
    "czterdziesci": 40, "piecdziesiat": 50, "szescdziesiat": 60, "siedemdziesiat": 70,
    "osiemdziesiat": 80, "dziewiecdziesiat": 90, "sto": 100, "dwiescie": 200, "trzysta": 300,
    "czterysta": 400, "piecset": 500, "szescset": 600, "siedemset": 700, "osiemset": 800,
    "dziewiecset": 900,
    # Ukrainian (folded: й -> и, ї -> і)
    "один": 1, "одна": 1, "дві": 2, "три": 3, "чотири": 4, "пять": 5, "шість": 6, "сім": 7,
    "вісім": 8, "девять": 9, "десять": 10, "двадцять": 20, "тридцять": 30, "сорок": 40,
    "пятдесят": 50, "шістдесят": 60, "сімдесят": 70, "вісімдесят": 80, "девяносто": 90,
    "сто": 100, "двісті": 200, "триста": 300, "чотириста": 400, "пятсот": 500, "шістсот": 600,
    "сімсот": 700, "вісімсот": 800, "девятсот": 900,
    # Russian
    "два": 2, "две": 2, "четыре": 4, "шесть": 6, "семь": 7, "восемь": 8, "двадцать": 20,
    "тридцать": 30, "пятьдесят": 50, "шестьдесят": 60, "семьдесят": 70, "восемьдесят": 80,
    "двести": 200, "четыреста": 400, "пятьсот": 500, "шестьсот": 600, "семьсот": 700,
    "восемьсот": 800, "девятьсот": 900,
    # English
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20,
    "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80,
    "ninety": 90,
}  # fmt: skip
_HALVES = {"poltora": Decimal("1.5"), "півтори": Decimal("1.5"), "полторы": Decimal("1.5"),
           "полтора": Decimal("1.5"), "pol": Decimal("0.5"), "half": Decimal("0.5")}  # fmt: skip
_HUNDRED = {"hundred", "stu", "setki"}
_THOUSAND = re.compile(r"^(?:tysi[aeę]\w*|тисяч\w*|тысяч\w*|thousands?)$")
_FILLERS = {"and", "a", "i"}  # "one thousand and two hundred", "tysiąc i dwieście"
_TOKEN = re.compile(r"[^\W\d_]+(?:['’ʼ][^\W\d_]+)*")


def _word(token: str) -> str:
    return fold(token)


def _is_number_word(word: str) -> bool:
    return word in _UNITS or word in _HALVES or word in _HUNDRED or bool(_THOUSAND.match(word))


def _value(words: list[str]) -> Decimal | None:
    total, current = Decimal(0), Decimal(0)
    big = False
    for word in words:
        if word in _FILLERS:
            continue
        if word in _UNITS:
            current += _UNITS[word]
            big = big or _UNITS[word] >= 100
        elif word in _HALVES:
            current += _HALVES[word]
        elif word in _HUNDRED:
            current = (current or Decimal(1)) * 100
            big = True
        elif _THOUSAND.match(word):
            total += (current or Decimal(1)) * 1000
            current = Decimal(0)
            big = True
    value = total + current
    return value if big and value >= 100 else None


def spell_out(text: str) -> str:
    """The text with amounts in words replaced by digits (other words untouched)."""
    tokens = list(_TOKEN.finditer(text))
    out, last, i = [], 0, 0
    while i < len(tokens):
        j = i
        while j < len(tokens) and (
            _is_number_word(_word(tokens[j].group()))
            or (j > i and _word(tokens[j].group()) in _FILLERS and j + 1 < len(tokens)
                and _is_number_word(_word(tokens[j + 1].group())))
        ):  # fmt: skip
            j += 1
        value = _value([_word(t.group()) for t in tokens[i:j]]) if j > i else None
        if value is None:
            i = max(j, i + 1)
            continue
        out.append(text[last : tokens[i].start()])
        out.append(str(int(value)) if value == value.to_integral() else f"{value:f}")
        last = tokens[j - 1].end()
        i = j
    out.append(text[last:])
    return "".join(out)
