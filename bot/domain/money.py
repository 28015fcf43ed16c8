"""Amounts of money and household sizes read from free text in Polish, Ukrainian and English.

Pure functions without I/O or logging: the text usually holds somebody's income. They find
candidates and mark how sure they are (`Amount.currency`); the caller decides what to use and
rejects what is out of range (a household of 0, an income of 2 000 000 zł).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from itertools import pairwise

GROSZ = Decimal("0.01")
_THOUSAND = Decimal(1000)

# Thousands separators people type: space, no-break space, narrow no-break space, thin space.
_SPACES = " \u00a0\u202f\u2009"
# Digit runs longer than this are identifiers, and the limit keeps Decimal within its precision.
_MAX_DIGITS = 15
# A Polish phone number has 9 digits; a run that long without a currency word is a phone, a PESEL
# or an account number, never an income someone types.
_ID_DIGITS = 9

# Digits joined by single separators; split into words and classified below.
_CLUSTER = re.compile(rf"[0-9]+(?:[.,:/\-{_SPACES}][0-9]+)*")
_WORD = re.compile(r"[0-9]+(?:[.,:/][0-9]+)*")
_PURE = re.compile(r"[0-9]+")
_HEAD = re.compile(r"[0-9]{1,3}")
_GROUP = re.compile(r"[0-9]{3}")
_GROUP_TAIL = re.compile(r"[0-9]{3}(?:[.,][0-9]{1,2})?")  # last group of "1 650,00"
_DECIMAL_WORD = re.compile(r"[0-9]+[.,][0-9]{1,2}")  # a decimal part ends a space-grouped number

_LETTER = r"[^\W\d_]"
_PERCENT = re.compile(r"\s*(?:%|proc\b|procent|percent|відсот|процент)", re.IGNORECASE)
# "k" only attached ("1.5k"): "2 koty" or "5 km" must not become thousands.
_MULTIPLIER = re.compile(rf"(?:[{_SPACES}]?(?:tys|тис|thousand)\w*\.?|k(?!{_LETTER}))", re.IGNORECASE)
_CURRENCY_AFTER = re.compile(rf"\s*(?:z[łl](?:ot\w*)?|pln|зл(?:от\w*)?)(?!{_LETTER})", re.IGNORECASE)
_PRICE_DASH = re.compile(r"[.,][-–—](?![0-9])")  # "1300,-"
_ATTACHED = re.compile(rf"-?{_LETTER}")  # "30-tego", "4-osobowa", "3ci", "5km"
_CURRENCY_BEFORE = re.compile(rf"(?<!{_LETTER})(?:pln|z[łl])\.?:?\s*\Z", re.IGNORECASE)
_ENDS_AMOUNT = re.compile(rf"(?:[0-9]|[0-9][{_SPACES}]?(?:k|tys\w*|тис\w*|thousand\w*)\.?|[.,][-–—])\s*\Z")
_PHONE_BEFORE = re.compile(rf"(?<!{_LETTER})(?:tel|telefon\w*|phone|тел|телефон\w*)\.?:?\s*\Z", re.IGNORECASE)
_SIGNS = "-\u2212"  # hyphen-minus and the minus sign


@dataclass(frozen=True)
class Amount:
    """An amount found in text.

    `value` is in zł with 2 decimal places and carries the sign, so a caller that ignores
    `negative` still cannot mistake "-200 zł" for an income of 200 zł.
    """

    value: Decimal
    currency: bool  # marked as money: zł, zl, PLN, złotych, злотих, "tys.", "k", "1300,-"
    negative: bool
    start: int = field(default=0, compare=False)  # where the amount is in the text it came from
    end: int = field(default=0, compare=False)


@dataclass(frozen=True)
class _Span:
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class _Piece:
    """Words of one number candidate, e.g. ("1", "650,00")."""

    start: int
    end: int
    words: tuple[str, ...]


@dataclass(frozen=True)
class _Marks:
    percent: bool
    scaled: bool
    currency: bool
    reject: bool  # glued to letters or in a phone context


def find_amounts(text: str) -> list[Amount]:
    """Amounts in `text`, in order of appearance; dates, times, phones and percentages are skipped.
    Amounts in words ("tysiąc dwieście") count too: `text` should come through `spell_out` first."""
    amounts: list[Amount] = []
    for cluster in _CLUSTER.finditer(text):
        amounts += _cluster_amounts(text, cluster.start(), cluster.group())
    return amounts


def _cluster_amounts(text: str, offset: int, cluster: str) -> list[Amount]:
    words = [_Span(offset + m.start(), offset + m.end(), m.group()) for m in _WORD.finditer(cluster)]
    segments: list[list[_Span]] = [[words[0]]]
    for prev, word in pairwise(words):
        if text[prev.end : word.start] == "-":
            segments.append([word])
        else:
            segments[-1].append(word)
    if len(segments) > 2:  # 30-11-2026, 600-100-200: a date or a phone, not a range
        return []
    pieces = [_pieces(segment) for segment in segments]
    marks = [[_marks(text, piece) for piece in group] for group in pieces]
    if len(pieces) == 2 and len(pieces[0]) == 1 and len(pieces[1]) == 1:
        # A range "1000-1200 zł" or "100-130%": what follows the second end describes both.
        first, second = marks[0][0], marks[1][0]
        shared_currency = first.currency or second.currency
        marks[0][0] = _Marks(second.percent, second.scaled, shared_currency, first.reject)
        marks[1][0] = _Marks(second.percent, second.scaled, shared_currency, second.reject)
    amounts: list[Amount] = []
    for index, (piece, mark) in enumerate(
        zip([p for group in pieces for p in group], [m for group in marks for m in group], strict=True)
    ):
        if mark.percent or mark.reject:
            continue
        value = _value(piece.words, scaled=mark.scaled, marked=mark.currency)
        if value is None:
            continue
        negative = index == 0 and _negative(text, piece.start)
        if negative and value:
            value = -value
        amounts.append(Amount(value, mark.currency, negative and bool(value), piece.start, piece.end))
    return amounts


def _pieces(words: list[_Span]) -> list[_Piece]:
    """Group words joined by spaces into numbers like "2 000 000" without gluing a phone number."""
    pieces: list[_Piece] = []
    run: list[_Span] = []
    for word in words:
        if _PURE.fullmatch(word.text):
            run.append(word)
        elif run and _DECIMAL_WORD.fullmatch(word.text):
            run.append(word)
            pieces += _split_run(run)
            run = []
        else:
            pieces += _split_run(run)
            run = []
            pieces.append(_Piece(word.start, word.end, (word.text,)))
    return pieces + _split_run(run)


def _split_run(run: list[_Span]) -> list[_Piece]:
    if len(run) > 1 and _HEAD.fullmatch(run[0].text) and _grouped(run[1:]):
        return [_Piece(run[0].start, run[-1].end, tuple(w.text for w in run))]
    if len(run) > 2:
        # "32 335 96 30": three or more loose numbers in a row are a phone or a code.
        return []
    return [_Piece(w.start, w.end, (w.text,)) for w in run]


def _grouped(groups: list[_Span]) -> bool:
    """A thousands group is exactly 3 digits; only the last may carry a decimal part."""
    return all(_GROUP.fullmatch(w.text) for w in groups[:-1]) and bool(_GROUP_TAIL.fullmatch(groups[-1].text))


def _marks(text: str, piece: _Piece) -> _Marks:
    after = text[piece.end : piece.end + 40]
    if _PERCENT.match(after):
        return _Marks(percent=True, scaled=False, currency=False, reject=False)
    scale = _MULTIPLIER.match(after)
    rest = scale.end() if scale else 0
    currency = bool(_CURRENCY_AFTER.match(after, rest)) or (not scale and bool(_PRICE_DASH.match(after)))
    reject = not scale and not currency and bool(_ATTACHED.match(after))

    start = piece.start - 1 if _signed(text, piece.start) else piece.start
    before = text[max(0, start - 40) : start]
    prefix = _CURRENCY_BEFORE.search(before)
    if prefix and not _ENDS_AMOUNT.search(before[: prefix.start()]):
        # "PLN 1300"; but in "1000 zł 3 osoby" the "zł" belongs to the amount before it.
        currency = True
    elif before[-1:].isalpha() or before[-1:] in ("+", "#", "№"):
        reject = True  # "art97", "+48 600", "#12"
    if _PHONE_BEFORE.search(before):
        reject = True
    return _Marks(percent=False, scaled=bool(scale), currency=currency or bool(scale), reject=reject)


_MINUS_WORD = re.compile(r"(?:^|\W)(?:minus|мінус)\s*$", re.IGNORECASE)


def _negative(text: str, start: int) -> bool:
    """A minus sign before the digits, or the word itself ("minus 500 zł", "мінус 500")."""
    return _signed(text, start) or _MINUS_WORD.search(text[:start]) is not None


def _signed(text: str, start: int) -> bool:
    """A minus sign right before the digits, not a hyphen joining words ("a-200") or numbers."""
    if start == 0 or text[start - 1] not in _SIGNS:
        return False
    return start == 1 or not text[start - 2].isalnum()


def _value(words: tuple[str, ...], *, scaled: bool, marked: bool) -> Decimal | None:
    if len(words) > 1:
        *groups, last = words
        whole, _, fraction = last.replace(",", ".").partition(".")
        digits, number = "".join(groups) + whole, "".join(groups) + whole + "." + (fraction or "0")
    else:
        parsed = _single(words[0], scaled=scaled, marked=marked)
        if parsed is None:
            return None
        digits, number = parsed
    if len(digits) > _MAX_DIGITS or (len(digits) >= _ID_DIGITS and not marked):
        return None
    value = Decimal(number) * _THOUSAND if scaled else Decimal(number)
    return value.quantize(GROSZ, rounding=ROUND_HALF_UP)


def _single(word: str, *, scaled: bool, marked: bool) -> tuple[str, str] | None:
    """(integer digits, number text) of one word like "1.400", "1,5", "1.450,50"; None if not money."""
    if ":" in word or "/" in word:  # 16:30, 6/6, 30/11
        return None
    seps = [c for c in word if c in ".,"]
    head, *parts = re.split(r"[.,]", word)
    if not seps:
        return head, head
    if len(seps) == 1:
        fraction = parts[0]
        if scaled:  # "1,5 tys.", "1,250 tys.": with a multiplier the separator is decimal
            return head, f"{head}.{fraction}"
        if len(fraction) == 3 and len(head) <= 3:  # "1.400 zł", "1,450 zloty"
            return head + fraction, head + fraction
        if len(fraction) <= 2:
            if seps[0] == "." and not marked and _date_or_time(head, fraction):
                return None
            return head, f"{head}.{fraction}"
        return None
    if len(head) > 3:
        return None
    if len(set(seps)) == 1:  # "1.400.000"; a date "30.11.2026" fails the 3-digit groups
        if all(len(p) == 3 for p in parts):
            return head + "".join(parts), head + "".join(parts)
        return None
    # One separator for thousands and the other for decimals: "1.450,50", "1,450.50".
    *groups, fraction = parts
    if seps[-1] not in seps[:-1] and all(len(p) == 3 for p in groups) and len(fraction) <= 2:
        digits = head + "".join(groups)
        return digits, f"{digits}.{fraction}"
    return None


def _date_or_time(head: str, fraction: str) -> bool:
    """ "30.11" or "8.00" without a currency word is a date or a time far more often than money."""
    if len(head) > 2 or len(fraction) != 2:
        return False
    first, second = int(head), int(fraction)
    return (1 <= first <= 31 and 1 <= second <= 12) or (first <= 24 and second <= 59)


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


# --- several incomes, and who lives with the person ---------------------------------------------

# Between two amounts, these mean "and also": "900 renty i 300 zasiłku", "1100 + 400", "pension
# 900 plus 250 from a job". A range ("1000-1200") or "or" does not add up.
_JOIN = re.compile(r"(?:\+|(?<![^\W\d_])(?:i|oraz|plus|and|also|і|й|та|ще|и|ещё|еще|also)(?![^\W\d_]))", re.I)
_NOT_JOIN = re.compile(r"(?<![^\W\d_])(?:albo|lub|czy|or|або|чи|или)(?![^\W\d_])", re.I)


def amounts_add_up(text: str, amounts: list[Amount]) -> bool:
    """Whether consecutive amounts are joined as parts of one income ("900 renty i 300 zasiłku")."""
    if len(amounts) < 2:
        return False
    for first, second in pairwise(amounts):
        between = text[first.end : second.start]
        if len(between) > 60 or _NOT_JOIN.search(between) or not _JOIN.search(between):
            return False
    return True


_GROSS = re.compile(r"(?<![^\W\d_])(?:brutto|gross|брутто|до\s+оподаткування)(?![^\W\d_])", re.I)


def says_gross(text: str) -> bool:
    """The stated income is before tax ("brutto"): the fee is based on the net income."""
    return _GROSS.search(text) is not None


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
