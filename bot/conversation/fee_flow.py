"""From a message that states an income to the fee estimate, or a clear request for what is missing.

The amount is used for this one answer and forgotten: it is not returned, stored or logged.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from bot.conversation import fee_answers, more
from bot.domain import items
from bot.domain.content import CentreContent, Content
from bot.domain.fees import MAX_HOUSEHOLD, MAX_INCOME, FeeInputError, estimate_fee
from bot.domain.money import Amount
from bot.domain.understanding import Reading
from bot.i18n import Tr

STEP_FEE = "fee"  # waiting for the monthly net income
# A bare number below this beside a fee word is rather a price or a count ("bilet za 20").
BARE_INCOME_FROM = Decimal(100)


@dataclass(frozen=True)
class FeeReply:
    text: str
    step: str | None  # STEP_FEE when the user is asked again
    more: str | None = None  # the key of the estimate's details behind "More" (bot.conversation.more)


def fee_reply(
    t: Tr, content: Content, centre: CentreContent, reading: Reading, waiting: bool, today: date
) -> FeeReply | None:
    """The estimate, a request to write the income again, or None when the message is not about it."""
    best = reading.best.key if reading.best else ""
    money = [a for a in reading.amounts if a.currency] or list(reading.amounts)
    if reading.household is not None:
        money = [a for a in money if a.currency or a.value != reading.household]
    # A bare number is an income only when the message is surely about the fee ("pogoda 2027" is
    # not, though 2027 is a year of the criteria): understood as a fee question, or one that asks
    # with a fee word and for that one number no entry explains ("ile będę płacić, jeśli mam 1200?").
    fee_like = best in (items.FEES, items.CRITERION)
    one_income = len(reading.amounts) == 1 and reading.amounts[0].value >= BARE_INCOME_FROM
    about_fee = fee_like and (reading.confident or (one_income and reading.fee_word))
    wants_fee = waiting or reading.income_cue or about_fee
    if not money or not (wants_fee or any(a.currency for a in money)):
        # "tysiąc dwieście złotych": an income in words is asked again in digits, and never
        # falls through to the unanswered log, where it would be kept.
        if (waiting or reading.income_cue) and not reading.confident:
            return _again(t._("Please write your monthly net income as a number, for example: 1250 zł."))
        return None
    added = ""
    if len({a.value for a in money}) > 1:
        if not reading.income_sum:
            return _again(
                t._("I see more than one amount. Please write one number: your monthly net income.")
            )
        # "900 renty i 300 zasiłku": parts of one income, added up, and the reply says so.
        total = sum((a.value for a in money), Decimal(0))
        added = t._("Your incomes added up: {parts} = {total}.").format(
            parts=" + ".join(t.money(a.value) for a in money), total=t.money(total)
        )
        money = [Amount(total, True, any(a.negative for a in money))]
    amount = money[0]
    if reading.gross:
        return _again(
            t._("The fee is counted from the net income (after tax). Please write your monthly net income.")
        )
    household = 1 if reading.household is None else reading.household  # 0 is an answer, not "none"
    if amount.negative or amount.value < 0:
        return _again(t._("Income cannot be negative. Please write your monthly net income."))
    if amount.value > MAX_INCOME:
        return _again(
            t._("That amount looks too large for a monthly income. Please check it and write it again.")
        )
    if not 1 <= household <= MAX_HOUSEHOLD:
        return _again(
            t._("Please give the number of people in the household (from 1 to {max}).").format(
                max=MAX_HOUSEHOLD
            )
        )
    try:
        result = estimate_fee(centre.fees, content.criteria, amount.value, today, household)
    except FeeInputError:
        return _again(t._("Please write your monthly net income, for example: 1250 zł."))
    text = fee_answers.fee_estimate(t, centre, result)
    return FeeReply(f"{added}\n{text}" if added else text, None, more.fee_key(result))


def _again(text: str) -> FeeReply:
    return FeeReply(text, STEP_FEE)
