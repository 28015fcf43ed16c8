"""Estimate the monthly fee for a stay in a training or supported flat.

Statute (art. 97 ustawy o pomocy społecznej): income not above the criterion in force on the day
means no fee, in every centre. Above it the municipal council's table decides (art. 97 ust. 5);
without a published table nothing is computed and the caller names the resolution and contact.

Household: with 1 person the stated income is compared with the criterion for a person living
alone (`Criterion.single`). With more people the stated income is the household's monthly net
income; the income per person (income / household) is compared with `Criterion.per_person`.
Comparisons multiply instead of dividing, so they are exact in Decimal and never rounded.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Context, Decimal
from typing import Literal

from bot.domain.content import Criteria, Criterion, FeeBracket, Fees, FeeTable

FeeStatus = Literal["free", "bracket", "above_unknown", "no_criterion"]
FeeInputCode = Literal["negative", "too_large", "household", "invalid"]

MAX_INCOME = Decimal(1_000_000)
MAX_HOUSEHOLD = 20
GROSZ = Decimal("0.01")
_HUNDRED = Decimal(100)
# Enough digits that products of incomes, criteria and percentages are never rounded.
_EXACT = Context(prec=100)

# Messages hold no amount: an exception text can end up in a log, an income must not.
_MESSAGES: dict[FeeInputCode, str] = {
    "negative": "income must not be negative",
    "too_large": f"income must not exceed {MAX_INCOME} zł a month",
    "household": f"household must have 1 to {MAX_HOUSEHOLD} people",
    "invalid": "income must be a number",
}


class FeeInputError(ValueError):
    """The income or household size cannot be used; `code` tells the caller what to ask again."""

    def __init__(self, code: FeeInputCode) -> None:
        super().__init__(_MESSAGES[code])
        self.code: FeeInputCode = code


@dataclass(frozen=True)
class FeeEstimate:
    """The outcome of `estimate_fee`; fields that are not known are None."""

    status: FeeStatus
    income: Decimal  # the income compared: per person (not rounded) when household > 1
    household: int
    criterion: Criterion | None  # the row in force on the day
    criterion_amount: Decimal | None  # single or per_person, whichever was used
    percent: Decimal | None  # income as % of the criterion, rounded to 0.01 for display only
    bracket: FeeBracket | None
    table: FeeTable | None  # the table used; None when no table applies
    fee_percent: Decimal | None  # 0 when free; None when unknown
    amount: Decimal | None  # monthly zł: 0 when free, else only with a published full fee
    admission_exceeded: bool  # income above fees.admission_limit_percent of the criterion


def estimate_fee(
    fees: Fees, criteria: Criteria, income: Decimal, day: date, household: int = 1
) -> FeeEstimate:
    """The fee for a monthly net `income` of a `household` on `day`; raises FeeInputError."""
    _check(income, household)
    compared = income if household == 1 else income / household
    criterion = criteria.in_force(day)
    if criterion is None:
        return FeeEstimate(
            status="no_criterion", income=compared, household=household, criterion=None,
            criterion_amount=None, percent=None, bracket=None, table=None, fee_percent=None,
            amount=None, admission_exceeded=False,
        )  # fmt: skip
    base = criterion.single if household == 1 else criterion.per_person
    percent = _EXACT.divide(_EXACT.multiply(income, _HUNDRED), _EXACT.multiply(base, Decimal(household)))
    percent = percent.quantize(GROSZ, rounding=ROUND_HALF_UP)
    limit = fees.admission_limit_percent
    admission_exceeded = limit is not None and _above(income, household, base, limit)
    table = table_in_force(fees, day, household)

    if not _above(income, household, base, _HUNDRED):
        # The statute makes it free whatever a table says; show the table's bracket only if it agrees.
        bracket = find_bracket(table, income, base, household) if table else None
        return FeeEstimate(
            status="free", income=compared, household=household, criterion=criterion,
            criterion_amount=base, percent=percent,
            bracket=bracket if bracket is not None and bracket.fee_percent == 0 else None,
            table=table, fee_percent=Decimal(0), amount=Decimal("0.00"),
            admission_exceeded=admission_exceeded,
        )  # fmt: skip
    if table is None:
        return FeeEstimate(
            status="above_unknown", income=compared, household=household, criterion=criterion,
            criterion_amount=base, percent=percent, bracket=None, table=None, fee_percent=None,
            amount=None, admission_exceeded=admission_exceeded,
        )  # fmt: skip
    bracket = find_bracket(table, income, base, household)
    amount = None
    if fees.full_fee_amount is not None:
        amount = _EXACT.divide(fees.full_fee_amount * bracket.fee_percent, _HUNDRED).quantize(
            GROSZ, rounding=ROUND_HALF_UP
        )
    return FeeEstimate(
        status="bracket", income=compared, household=household, criterion=criterion,
        criterion_amount=base, percent=percent, bracket=bracket, table=table,
        fee_percent=bracket.fee_percent, amount=amount, admission_exceeded=admission_exceeded,
    )  # fmt: skip


def table_in_force(fees: Fees, day: date, household: int = 1) -> FeeTable | None:
    """The table of the latest resolution in force on `day` that covers this household.

    A newer resolution replaces all older tables. Its table must be written for the criterion
    this household is compared with (basis "single" for 1 person, "per_person" for more):
    the Wodzisław table is for a person living alone, and applying it to a family would be a
    guess, so a family there gets None and the caller sends them to the centre.
    """
    current = [t for t in fees.tables if _since(t) <= day]
    if not current:
        return None
    latest = max(_since(t) for t in current)
    basis = "single" if household == 1 else "per_person"
    return next((t for t in current if _since(t) == latest and t.basis == basis), None)


def _since(table: FeeTable) -> date:
    """A table with no known date of entry into force counts as in force from the start."""
    return table.effective_from or date.min


def find_bracket(table: FeeTable, income: Decimal, base: Decimal, household: int = 1) -> FeeBracket:
    """The bracket with income above `above_percent` and up to `up_to_percent` of `base`.

    The first bracket also holds its lower end (income 0), so every income >= 0 falls in
    exactly one bracket of a valid table (contiguous, the last one unbounded).
    """
    for index, bracket in enumerate(table.brackets):
        lower_ok = index == 0 or _above(income, household, base, bracket.above_percent)
        upper_ok = bracket.up_to_percent is None or not _above(income, household, base, bracket.up_to_percent)
        if lower_ok and upper_ok:
            return bracket
    raise ValueError("the fee table does not cover this income")  # a validated FeeTable always does


def _above(income: Decimal, household: int, base: Decimal, percent: Decimal) -> bool:
    """income / household > base × percent / 100, without dividing (so without rounding)."""
    left = _EXACT.multiply(income, _HUNDRED)
    right = _EXACT.multiply(_EXACT.multiply(base, percent), Decimal(household))
    return left > right


def _check(income: Decimal, household: int) -> None:
    if not 1 <= household <= MAX_HOUSEHOLD:
        raise FeeInputError("household")
    if income.is_nan():
        raise FeeInputError("invalid")
    if income < 0:
        raise FeeInputError("negative")
    if income > MAX_INCOME:
        raise FeeInputError("too_large")
