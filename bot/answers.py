"""Turning content and domain results into short, plain reply texts in the user's language.

Facts come from content; only the connecting sentences are interface strings (gettext).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

from bot.domain import hours
from bot.domain.content import CentreContent, Content, Entry, Flat, TimeRange
from bot.domain.fees import FeeEstimate, table_in_force
from bot.i18n import Tr

BULLET = "• "


def kind_name(t: Tr, kind: str) -> str:
    names = {
        "training": t._("training flat"),
        "supported": t._("supported flat"),
        "protected": t._("protected flat"),
    }
    return names.get(kind, kind)


def entry(t: Tr, item: Entry) -> str:
    return f"{item.title.get(t.lang)}\n{item.text.get(t.lang)}"


def flat_line(t: Tr, centre: CentreContent, flat: Flat) -> str:
    groups = ", ".join(centre.group(g).name.get(t.lang) for g in flat.groups)
    line = f"{BULLET}{flat.address} – {kind_name(t, flat.kind)}: {groups}"
    if flat.note:
        line += f" ({flat.note.get(t.lang)})"
    return line


def flats(t: Tr, centre: CentreContent) -> str:
    count = len(centre.flats)
    head = t.ngettext("{centre} runs {count} flat:", "{centre} runs {count} flats:", count).format(
        centre=centre.centre.name.get(t.lang), count=count
    )
    return "\n".join([head, *(flat_line(t, centre, f) for f in centre.flats)])


def flats_for_group(t: Tr, centre: CentreContent, group_id: str) -> str:
    group = centre.group(group_id)
    chosen = [f for f in centre.flats if group_id in f.groups]
    head = t.ngettext("Flat for: {group}", "Flats for: {group} ({count})", len(chosen)).format(
        group=group.name.get(t.lang), count=len(chosen)
    )
    return "\n".join([head, *(flat_line(t, centre, f) for f in chosen), "", contact_line(t, centre)])


def flat(t: Tr, centre: CentreContent, flat_id: str) -> str:
    item = next(f for f in centre.flats if f.id == flat_id)
    return "\n".join([flat_line(t, centre, item).removeprefix(BULLET), "", contact_line(t, centre)])


def contact_line(t: Tr, centre: CentreContent) -> str:
    info = centre.centre
    unit = f"{info.unit.get(t.lang)}, " if info.unit else ""
    phone = t._("phone {phone}").format(phone=info.phone) if info.phone else ""
    line = t._("Contact: {unit}{address}").format(unit=unit, address=info.address)
    if phone:
        line += f", {phone}"
    if info.contact_note:
        line += f" ({info.contact_note.get(t.lang)})"
    return line


def contact(t: Tr, centre: CentreContent) -> str:
    lines = [centre.centre.name.get(t.lang), contact_line(t, centre), "", schedule(t, centre)]
    return "\n".join(lines)


def _ranges(t: Tr, ranges: tuple[TimeRange, ...]) -> str:
    return ", ".join(f"{t.clock(r.opens)}–{t.clock(r.closes)}" for r in ranges)


def schedule(t: Tr, centre: CentreContent) -> str:
    """The weekly office hours, or an honest note that the sources do not give them."""
    office = centre.centre.hours
    if office is None:
        note = centre.centre.hours_note.get(t.lang) if centre.centre.hours_note else ""
        return "\n".join(x for x in (note, contact_line(t, centre)) if x)
    lines = [t._("Office hours:")]
    for weekday in range(7):
        ranges = office.day(weekday)
        text = _ranges(t, ranges) if ranges else t._("closed")
        lines.append(f"{BULLET}{t.weekday(weekday)}: {text}")
    lines.append(t._("Closed on public holidays."))
    return "\n".join(lines)


def opening_phrase(t: Tr, opening: hours.Opening, now: datetime) -> str:
    day = opening.opens.date()
    if day == now.date():
        return t._("today at {time}").format(time=t.clock(opening.opens))
    if day == now.date() + timedelta(days=1):
        return t._("tomorrow at {time}").format(time=t.clock(opening.opens))
    return t._("{day} at {time}").format(day=t.weekday_date(opening.opens), time=t.clock(opening.opens))


def status(t: Tr, centre: CentreContent, moment: datetime) -> str:
    """ "Open now, until 13:00" or "Closed now; opens on Wednesday at 8:00", with a holiday named."""
    state = hours.status(centre.centre, moment, t.lang)
    if not state.known:
        return schedule(t, centre)
    lines = []
    if state.holiday:
        lines.append(
            t._("Today is a public holiday ({holiday}): the office is closed.").format(holiday=state.holiday)
        )
    if state.is_open and state.closes_at is not None:
        lines.append(t._("Open now, until {time}.").format(time=t.clock(state.closes_at)))
    else:
        if not state.holiday:
            lines.append(t._("Closed now."))
        if state.next_opening:
            lines.append(t._("Opens {when}.").format(when=opening_phrase(t, state.next_opening, state.now)))
    lines += ["", schedule(t, centre)]
    return "\n".join(lines)


def day_hours(t: Tr, centre: CentreContent, day: date) -> str:
    """Hours on one date: its ranges, or closed (naming the holiday)."""
    if centre.centre.hours is None:
        return schedule(t, centre)
    label = t.weekday_date(day)
    holiday = hours.holiday_name(centre.centre.holidays_country, day, t.lang)
    ranges = hours.day_ranges(centre.centre, day)
    if holiday:
        head = t._("{day}: closed, public holiday ({holiday}).").format(day=label, holiday=holiday)
    elif not ranges:
        head = t._("{day}: closed.").format(day=label)
    else:
        head = t._("{day}: open {hours}.").format(day=label, hours=_ranges(t, ranges))
    return "\n".join([head, "", schedule(t, centre)])


def fee_estimate(t: Tr, centre: CentreContent, result: FeeEstimate) -> str:
    """The estimate with its arithmetic in one line and the fine print."""
    fees = centre.fees
    if result.status == "no_criterion" or result.criterion is None or result.criterion_amount is None:
        return "\n".join([t._("I do not know the income criterion for that date."), contact_line(t, centre)])
    percent = t.percent(result.percent or Decimal(0))
    basis = t._("per person in the family") if result.household > 1 else t._("for a person living alone")
    arithmetic = t._("{income} is {percent} of the income criterion ({criterion} {basis}).").format(
        income=t.money(result.income),
        percent=percent,
        criterion=t.money(result.criterion_amount),
        basis=basis,
    )
    if result.household > 1:
        arithmetic = (
            t._("Per person: {total} ÷ {n} = {income}.").format(
                total=t.money(result.income * result.household),
                n=result.household,
                income=t.money(result.income),
            )
            + "\n"
            + arithmetic
        )
    lines = [arithmetic]
    if result.status == "free":
        lines.append(t._("Estimate: free of charge – you pay nothing (0 zł)."))
    elif result.status == "bracket" and result.fee_percent is not None:
        if result.fee_percent >= 100:
            lines.append(t._("Estimate: the full fee (the whole cost of the stay, 100%)."))
        else:
            lines.append(t._("Estimate: {fee} of the full fee.").format(fee=t.percent(result.fee_percent)))
        if result.amount is not None:
            lines.append(t._("That is {amount} a month.").format(amount=t.money(result.amount)))
    else:
        lines.append(
            t._(
                "Above the criterion, the fee is set by {resolution}. I do not have its table, so I cannot "
                "compute it. Please ask the centre."
            ).format(resolution=fees.resolution.get(t.lang))
        )
        lines.append(contact_line(t, centre))
    if result.admission_exceeded and fees.admission_limit_percent is not None:
        lines.append(
            t._("Note: admission is normally for income up to {limit} of the criterion.").format(
                limit=t.percent(fees.admission_limit_percent)
            )
        )
    lines += [f"{BULLET}{note.get(t.lang)}" for note in fees.notes]
    lines.append(t._("Criterion source: {source}.").format(source=result.criterion.source))
    lines.append(t._("This is an estimate. The final fee is set in the administrative decision."))
    return "\n".join(lines)


def fees_overview(t: Tr, content: Content, centre: CentreContent, today: date) -> str:
    """What decides the fee at this centre, with the criterion in force today."""
    fees = centre.fees
    lines = [t._("Fees are set by: {resolution}.").format(resolution=fees.resolution.get(t.lang))]
    row = content.criteria.in_force(today)
    if row is not None:
        lines.append(
            t._(
                "Income criterion now: {single} for a person living alone, {family} per person in a family."
            ).format(single=t.money(row.single), family=t.money(row.per_person))
        )
    table = table_in_force(fees, today)
    if table is not None:
        lines.append(t._("Income as a percentage of the criterion → fee as a percentage of the full fee:"))
        for bracket in table.brackets:
            low = t.percent(bracket.above_percent)
            high = t.percent(bracket.up_to_percent) if bracket.up_to_percent is not None else "…"
            fee = t._("free") if bracket.fee_percent == 0 else t.percent(bracket.fee_percent)
            lines.append(f"{BULLET}{low} – {high}: {fee}")
    lines += [f"{BULLET}{note.get(t.lang)}" for note in fees.notes]
    return "\n".join(lines)


def criterion(t: Tr, content: Content, today: date) -> str:
    row = content.criteria.in_force(today)
    if row is None:
        return t._("I do not know the income criterion for that date.")
    lines = [
        t._(
            "Income criterion from {date}: {single} for a person living alone, {family} per person in a "
            "family."
        ).format(
            date=t.long_date(row.effective_from), single=t.money(row.single), family=t.money(row.per_person)
        ),
        t._("Source: {source}.").format(source=row.source),
    ]
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
    return t._("Admission limit here: {limit} of the criterion, that is {amount} a month.").format(
        limit=t.percent(limit), amount=t.money(amount)
    )


def crisis(t: Tr, content: Content) -> str:
    info = content.crisis
    lines = [info.intro.get(t.lang)]
    lines += [f"{BULLET}{line.number} – {line.name.get(t.lang)}" for line in info.lines]
    return "\n".join(lines)
