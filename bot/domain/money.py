"""Amounts of money read from free text in Polish, Ukrainian and English: the amounts, whether
several of them add up to one income, and whether it is stated before tax.

Pure functions without I/O or logging: the text usually holds somebody's income. They find
candidates and mark how sure they are (`Amount.currency`); the caller decides what to use and
rejects what is out of range (an income of 2 000 000 zł). How many people the income is for is
bot.domain.household.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from itertools import pairwise

# Who the income is for is read in bot.domain.household; kept importable from here, where callers
# found it before the split.
from bot.domain.household import find_companions, find_household_size

__all__ = [
    "GROSZ",
    "Amount",
    "amounts_add_up",
    "find_amounts",
    "find_companions",
    "find_household_size",
    "says_gross",
]

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


# --- several incomes, and before tax --------------------------------------------------------------

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
