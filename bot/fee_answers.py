"""What the bot says about fees and the income criterion: the result first, the working behind "More".

The first message holds the answer and the numbers it rests on (income, criterion, percentage,
the resolution's short name, the phone); the arithmetic, the fine print and the legal titles are
in `estimate_details` / `overview_details` / `criterion_details`, shown by the "More" button.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from bot.domain.content import CentreContent, Content, Criterion
from bot.domain.fees import FeeEstimate, table_in_force
from bot.i18n import Tr

BULLET = "• "


def phone_line(t: Tr, centre: CentreContent, lead: str | None = None) -> str:
    """ "Call: phone 32 …" with the centre's caveat about the number, said once per answer."""
    info = centre.centre
    if not info.phone:
        return t._("Ask at the centre: {address}.").format(address=info.address)
    line = (lead or t._("Call: phone {phone}")).format(phone=info.phone)
    if info.phone_note:
        line += f" ({info.phone_note.get(t.lang)})"
    return line + "."


def resolution_short(t: Tr, centre: CentreContent) -> str:
    fees = centre.fees
    return (fees.short or fees.resolution).get(t.lang)


def _numbers(t: Tr, result: FeeEstimate) -> str:
    """The income compared, its share of the criterion and the criterion, in one short line."""
    assert result.criterion_amount is not None
    values = {
        "income": t.money(result.income),
        "percent": t.percent(result.percent or Decimal(0)),
        "criterion": t.money(result.criterion_amount),
    }
    if result.household > 1:
        return t._(
            "Per person: {income}, that is {percent} of the criterion per person ({criterion})."
        ).format(**values)
    return t._("Your income: {income}, that is {percent} of the criterion ({criterion}).").format(**values)


def _result_line(t: Tr, centre: CentreContent, result: FeeEstimate) -> list[str]:
    if result.status == "free":
        return [t._("The stay is free of charge. You pay nothing."), _numbers(t, result)]
    if result.status == "bracket" and result.fee_percent is not None:
        if result.fee_percent >= 100:
            head = t._("You pay the full fee (100%).")
        else:
            head = t._("You pay {fee} of the full fee.").format(fee=t.percent(result.fee_percent))
        if result.amount is not None:
            head += " " + t._("That is {amount} a month.").format(amount=t.money(result.amount))
        else:
            head += " " + t._("The centre gives the amount in its decision.")
        return [head, _numbers(t, result)]
    lines = [t._("Your income is above the criterion. Then you pay part of the cost."), _numbers(t, result)]
    if result.household > 1 and centre.fees.tables:
        # Wodzisław: the table exists, but only for a person living alone (see table_in_force).
        lines.append(
            t._("The published table is for a person living alone. For a family, the centre sets the fee.")
        )
    else:
        lines.append(
            t._("The fee is set by {resolution}. I do not know its table.").format(
                resolution=resolution_short(t, centre)
            )
        )
    lines.append(phone_line(t, centre))
    return lines


def fee_estimate(t: Tr, centre: CentreContent, result: FeeEstimate) -> str:
    """The result line first ("You pay 40% of the full fee."), then the numbers it rests on."""
    if result.status == "no_criterion" or result.criterion is None or result.criterion_amount is None:
        return "\n".join([t._("I do not know the income criterion for that date."), phone_line(t, centre)])
    lines = _result_line(t, centre, result)
    limit = centre.fees.admission_limit_percent
    if result.admission_exceeded and limit is not None:
        lines.append(
            t._("Note: a place is above all for people with income up to {limit} of the criterion.").format(
                limit=t.percent(limit)
            )
        )
    return "\n".join(lines)


def law_name(t: Tr, content: Content, row: Criterion) -> str:
    """The criterion's regulation in words; the glossary's name when the row has none."""
    if row.law is not None:
        return row.law.get(t.lang)
    names = content.glossary.source_names(row.source, t.lang)
    return names[0] if names else ""


def _arithmetic(t: Tr, result: FeeEstimate) -> list[str]:
    assert result.criterion_amount is not None
    lines = []
    if result.household > 1:
        lines.append(
            t._("Income per person: {total} ÷ {n} = {income}.").format(
                total=t.money(result.income * result.household),
                n=result.household,
                income=t.money(result.income),
            )
        )
    lines.append(
        t._("{income} is {percent} of the criterion ({criterion}).").format(
            income=t.money(result.income),
            percent=t.percent(result.percent or Decimal(0)),
            criterion=t.money(result.criterion_amount),
        )
    )
    return lines


def estimate_details(t: Tr, content: Content, centre: CentreContent, result: FeeEstimate, today: date) -> str:
    """Behind "More": how the result was reached, the table, the fine print and the sources."""
    if result.criterion is None or result.criterion_amount is None:
        return fees_rules(t, content, centre, today)
    lines = [t._("How I worked it out:"), *_arithmetic(t, result)]
    if result.status == "free":
        lines.append(
            t._("Up to the criterion, the law says you pay nothing (art. 97 of the Social Assistance Act).")
        )
    lines += ["", *table_lines(t, centre, today)]
    lines += ["", t._("Sources:"), f"{BULLET}{law_name(t, content, result.criterion)}"]
    lines.append(f"{BULLET}{centre.fees.resolution.get(t.lang)}")
    lines.append(t._("This is an estimate. The final fee is set in the administrative decision."))
    return "\n".join(lines)


def table_lines(t: Tr, centre: CentreContent, today: date) -> list[str]:
    """The centre's table in force, and the fine print (or the notes that say why there is none)."""
    fees = centre.fees
    table = table_in_force(fees, today)
    lines: list[str] = []
    if table is not None:
        lines.append(t._("Income of a person living alone, as a part of the criterion → the fee:"))
        for bracket in table.brackets:
            low, high = bracket.above_percent, bracket.up_to_percent
            if high is None:
                span = t._("over {low}").format(low=t.percent(low))
            elif low == 0:
                span = t._("up to {high}").format(high=t.percent(high))
            else:
                span = t._("over {low} up to {high}").format(low=t.percent(low), high=t.percent(high))
            if bracket.fee_percent == 0:
                fee = t._("free")
            elif bracket.fee_percent >= 100:
                fee = t._("the full fee")
            else:
                fee = t._("{fee} of the full fee").format(fee=t.percent(bracket.fee_percent))
            lines.append(f"{BULLET}{span}: {fee}")
    lines += [f"{BULLET}{note.get(t.lang)}" for note in fees.notes]
    return lines


def fees_overview(t: Tr, content: Content, centre: CentreContent, today: date) -> str:
    """The rule in two sentences and the criterion in force today."""
    lines = [t._("If your income is not above the income criterion, you pay nothing.")]
    row = content.criteria.in_force(today)
    if row is not None:
        lines.append(
            t._(
                "The criterion now: {single} for a person alone, {family} per family member."
            ).format(single=t.money(row.single), family=t.money(row.per_person))
        )
    if table_in_force(centre.fees, today) is not None:
        lines.append(t._("Above it, you pay part of the full fee."))
        lines.append(t._("The table is in {resolution}.").format(resolution=resolution_short(t, centre)))
    else:
        lines.append(
            t._("Above it, the fee is set by {resolution}.").format(resolution=resolution_short(t, centre))
        )
    return "\n".join(lines)


def fees_rules(t: Tr, content: Content, centre: CentreContent, today: date) -> str:
    """Behind "More" under the fees overview: the table, the fine print, the sources."""
    lines = table_lines(t, centre, today)
    lines += ["", t._("Sources:"), f"{BULLET}{centre.fees.resolution.get(t.lang)}"]
    row = content.criteria.in_force(today)
    if row is not None:
        lines.append(f"{BULLET}{law_name(t, content, row)}")
    return "\n".join(lines)


def criterion(t: Tr, content: Content, today: date) -> str:
    row = content.criteria.in_force(today)
    if row is None:
        return t._("I do not know the income criterion for that date.")
    return t._(
        "The income criterion from {date}: {single} for a person living alone. "
        "In a family: {family} per person."
    ).format(date=t.long_date(row.effective_from), single=t.money(row.single), family=t.money(row.per_person))


def criterion_details(t: Tr, content: Content, today: date) -> str | None:
    row = content.criteria.in_force(today)
    if row is None:
        return None
    lines = [t._("Source: {source}.").format(source=law_name(t, content, row))]
    if content.criteria.note:
        lines.append(content.criteria.note.get(t.lang))
    return "\n".join(lines)


def admission_limit(t: Tr, content: Content, centre: CentreContent, today: date) -> str | None:
    """The centre's admission income limit in zł, when its content gives one as a % of the criterion."""
    limit = centre.fees.admission_limit_percent
    row = content.criteria.in_force(today)
    if limit is None or row is None:
        return None
    amount = row.single * limit / 100
    return t._(
        "A place here is above all for incomes up to {limit} of the criterion. "
        "That is {amount} a month."
    ).format(limit=t.percent(limit), amount=t.money(amount))
