"""From a message that states an income to the fee estimate, or a clear request for what is missing.

The amount is used for this one answer and forgotten: it is not returned, stored or logged.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot import answers, more
from bot.domain.content import CentreContent, Content
from bot.domain.fees import MAX_HOUSEHOLD, MAX_INCOME, FeeInputError, estimate_fee
from bot.domain.understanding import Reading
from bot.i18n import Tr

STEP_FEE = "fee"  # waiting for the monthly net income


@dataclass(frozen=True)
class FeeReply:
    text: str
    step: str | None  # STEP_FEE when the user is asked again
    more: str | None = None  # the key of the estimate's details behind "More" (bot.more)


def fee_reply(
    t: Tr, content: Content, centre: CentreContent, reading: Reading, waiting: bool, today: date
) -> FeeReply | None:
    """The estimate, a request to write the income again, or None when the message is not about it."""
    best = reading.best.key if reading.best else ""
    money = [a for a in reading.amounts if a.currency] or list(reading.amounts)
    if reading.household is not None:
        money = [a for a in money if a.currency or a.value != reading.household]
    wants_fee = waiting or reading.income_cue or best in ("topic:fees", "topic:criterion")
    if not money or not (wants_fee or any(a.currency for a in money)):
        # "tysiąc dwieście złotych": an income in words is asked again in digits, and never
        # falls through to the unanswered log, where it would be kept.
        if (waiting or reading.income_cue) and not reading.confident:
            return _again(t._("Please write your monthly net income as a number, for example: 1250 zł."))
        return None
    if len({a.value for a in money}) > 1:
        return _again(t._("I see more than one amount. Please write one number: your monthly net income."))
    amount = money[0]
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
    return FeeReply(answers.fee_estimate(t, centre, result), None, more.fee_key(result))


def _again(text: str) -> FeeReply:
    return FeeReply(text, STEP_FEE)
