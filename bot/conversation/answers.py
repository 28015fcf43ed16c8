"""Turning content and domain results into short, plain reply texts in the user's language.

Facts come from content; only the connecting sentences are interface strings (gettext).
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from bot.conversation.fee_answers import phone_line
from bot.domain import hours
from bot.domain.content import CentreContent, Content, Entry, Flat, TimeRange
from bot.domain.text import folded_words, phrase_in_words
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
    """ "• address – kind: groups", with the flat's note (behind "More" under the flat list)."""
    groups = ", ".join(centre.group(g).name.get(t.lang) for g in flat.groups)
    line = f"{BULLET}{flat.address} – {kind_name(t, flat.kind)}: {groups}"
    return f"{line}. {flat.note.get(t.lang)}" if flat.note else line


# The flat list's lines after its head: the first two are among the answer's first three
# sentences (at most 15 words each), the next at most 20 each, and no more than four in all
# (the easy-to-read rules of issue 11, checked in tests/readability.py).
_LIST_FIRST_WORDS = 15
_LIST_FIRST_LINES = 2
_LIST_LINE_WORDS = 20
_LIST_LINES = 4


_REMARK = re.compile(r"\([^()]*\)")


def _word_count(text: str, lang: str) -> int:
    """Words as a reader meets them; in Ukrainian and English a remark in brackets glosses a Polish
    name or a group's name ("(care leavers)") and is not counted, as in the readability rules."""
    plain = text if lang == "pl" else _REMARK.sub("", text)
    return sum(1 for token in plain.split() if any(ch.isalnum() for ch in token))


def _pack(items: list[str], lang: str, joiner: str = "; ") -> list[str] | None:
    """Items on as few short lines as they fit, in order; None when they do not fit the limits."""
    lines: list[str] = []
    for item in items:
        if lines and _word_count(lines[-1] + joiner + item, lang) <= _cap(len(lines) - 1):
            lines[-1] += joiner + item
            continue
        if len(lines) == _LIST_LINES or _word_count(item, lang) > _cap(len(lines)):
            return None
        lines.append(item)
    return lines


def _cap(line: int) -> int:
    return _LIST_FIRST_WORDS if line < _LIST_FIRST_LINES else _LIST_LINE_WORDS


def _street(centre: CentreContent, address: str) -> str:
    return address.removeprefix("ul. ").removesuffix(f", {centre.centre.city}")


def flats(t: Tr, centre: CentreContent) -> str:
    """How many flats, then who each is for with its address, packed on a few short lines: the
    street and its group are what people ask for first. The kinds and the contact are behind
    "More", each group's flats one button away. A list too long for that gives the streets only."""
    count = len(centre.flats)
    head = t.ngettext("{centre} runs {count} flat.", "{centre} runs {count} flats.", count).format(
        centre=centre.centre.name.get(t.lang), count=count
    )
    if not centre.centre.flats_counted:  # Wodzisław: no source gives a number of flats
        head = t._("Flats run by {centre}:").format(centre=centre.centre.name.get(t.lang))
    if count == 1:
        return _one_flat(t, centre, centre.flats[0], head)
    items = []
    for group in centre.groups:
        addresses = [_street(centre, f.address) for f in centre.flats if f.groups[0] == group.id]
        if addresses:
            items.append(f"{group.name.get(t.lang)}: {', '.join(addresses)}")
    packed = _pack(items, t.lang)
    if packed is not None:
        return "\n".join([head, *(line[:1].upper() + line[1:] for line in packed)])
    # Street names only (no house numbers), each once, in the content's order.
    streets = dict.fromkeys(_street(centre, f.address).rsplit(" ", 1)[0] for f in centre.flats)
    line = t._("Streets: {streets}.").format(streets=", ".join(streets))
    return "\n".join([head, line, t._("Choose below whom the flat is for.")])


def _one_flat(t: Tr, centre: CentreContent, item: Flat, head: str | None = None) -> str:
    groups = ", ".join(centre.group(g).name.get(t.lang) for g in item.groups)
    lines = [head] if head else []
    lines.append(f"{item.address} – {kind_name(t, item.kind)}.")
    lines.append(t._("For: {groups}.").format(groups=groups))
    if item.note:
        lines.append(item.note.get(t.lang))
    return "\n".join([*lines, contact_line(t, centre)])


def flats_details(t: Tr, centre: CentreContent) -> str:
    """Behind "More" under the flat list: each flat with its kind, then whom to ask."""
    return "\n".join([*(flat_line(t, centre, f) for f in centre.flats), "", contact_line(t, centre)])


def apply(t: Tr, centre: CentreContent) -> str:
    """How to apply: the centre's "how_to_apply" entry (its other recruitment entries are behind More)."""
    first = next((e for e in centre.recruitment if e.id == "how_to_apply"), centre.recruitment[0])
    return entry(t, first)


def apply_details(t: Tr, centre: CentreContent) -> str | None:
    rest = [entry(t, e) for e in centre.recruitment if e.id != "how_to_apply"]
    return "\n\n".join(rest) if rest else None


def flats_for_group(t: Tr, centre: CentreContent, group_id: str) -> str:
    """A group's flats: one line with their streets when they are of one kind, else a line each."""
    group = centre.group(group_id)
    chosen = [f for f in centre.flats if group_id in f.groups]
    if len(chosen) == 1:
        return _one_flat(t, centre, chosen[0])
    head = t.ngettext("Flat for: {group}", "Flats for: {group} ({count})", len(chosen)).format(
        group=group.name.get(t.lang), count=len(chosen)
    )
    kinds = {f.kind for f in chosen}
    if len(kinds) == 1:
        streets = ", ".join(_street(centre, f.address) for f in chosen)
        lines = [
            t._("Addresses: {streets}. Each is a {kind}.").format(
                streets=streets, kind=kind_name(t, chosen[0].kind)
            )
        ]
    else:
        lines = [f"{BULLET}{f.address} – {kind_name(t, f.kind)}" for f in chosen]
    return "\n".join([head, *lines, contact_line(t, centre)])


def flat(t: Tr, centre: CentreContent, flat_id: str) -> str:
    return _one_flat(t, centre, next(f for f in centre.flats if f.id == flat_id))


def contact_line(t: Tr, centre: CentreContent) -> str:
    """Where to go and whom to call, with the phone's caveat: the one place an answer gives the phone."""
    info = centre.centre
    unit = f"{info.unit.get(t.lang)}, " if info.unit else ""
    line = t._("Contact: {unit}{address}").format(unit=unit, address=info.address)
    if info.phone:
        line += ", " + t._("phone {phone}").format(phone=info.phone)
        if info.phone_note:
            line += f" ({info.phone_note.get(t.lang)})"
    return line + "."


def contact(t: Tr, centre: CentreContent) -> str:
    lines = [centre.centre.name.get(t.lang), contact_line(t, centre)]
    if centre.centre.hours is None:
        if centre.centre.hours_note:
            lines.append(centre.centre.hours_note.get(t.lang))
    else:
        lines.append(schedule(t, centre))
    return "\n".join(lines)


def _ranges(t: Tr, ranges: tuple[TimeRange, ...]) -> str:
    return ", ".join(f"{t.clock(r.opens)}–{t.clock(r.closes)}" for r in ranges)


def schedule(t: Tr, centre: CentreContent) -> str:
    """The published hours on one line, days with the same hours joined ("Tuesday–Thursday 8:00–13:00").

    Only the days the page lists: it gives no hours for weekends or holidays, so we say that
    instead of stating that the office is closed then. Without hours: the note and the phone.
    """
    office = centre.centre.hours
    if office is None:
        note = centre.centre.hours_note.get(t.lang) if centre.centre.hours_note else ""
        return "\n".join(x for x in (note, phone_line(t, centre)) if x)
    days = [d for d in range(7) if office.day(d)]
    runs: list[list[int]] = []
    for day in days:
        if runs and runs[-1][-1] == day - 1 and office.day(runs[-1][0]) == office.day(day):
            runs[-1].append(day)
        else:
            runs.append([day])
    parts = []
    for run in runs:
        label = t.weekday(run[0]) if len(run) == 1 else f"{t.weekday(run[0])}–{t.weekday(run[-1])}"
        parts.append(f"{label} {_ranges(t, office.day(run[0]))}")
    line = t._("Office hours: {days}.").format(days=", ".join(parts))
    if len(days) < 7:
        line += " " + t._("The page gives no hours for other days or for public holidays.")
    return line


def opening_phrase(t: Tr, opening: hours.Opening, now: datetime) -> str:
    day = opening.opens.date()
    if day == now.date():
        return t._("today at {time}").format(time=t.clock(opening.opens))
    if day == now.date() + timedelta(days=1):
        return t._("tomorrow at {time}").format(time=t.clock(opening.opens))
    return t._("{day} at {time}").format(day=t.weekday_date(opening.opens), time=t.clock(opening.opens))


def status(t: Tr, centre: CentreContent, moment: datetime) -> str:
    """ "Open now, until 13:00" or "Closed now; opens on Wednesday at 8:00", with a holiday named;
    then the week's hours on one line."""
    state = hours.status(centre.centre, moment, t.lang)
    if not state.known:
        return schedule(t, centre)
    now: list[str] = []
    if state.holiday:
        now.append(t._("Today is a public holiday: {holiday}.").format(holiday=state.holiday))
    lines = []
    if state.is_open and state.closes_at is not None:
        now.append(t._("Open now, until {time}.").format(time=t.clock(state.closes_at)))
        lines.append(" ".join(now))
    else:
        now.append(t._("Closed now."))
        lines.append(" ".join(now))
        if state.next_opening:
            lines.append(t._("Opens {when}.").format(when=opening_phrase(t, state.next_opening, state.now)))
    return "\n".join([*lines, schedule(t, centre)])


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
    return "\n".join([head, schedule(t, centre)])


def crisis(t: Tr, content: Content, text: str | None = None, centre: CentreContent | None = None) -> str:
    """Numbers first, then one line; for "nowhere to sleep tonight" also that the flats are no bed
    for tonight, and the centre's phone (we know of no shelter, so we name none)."""
    info = content.crisis
    lines = [f"{BULLET}{line.number} – {line.name.get(t.lang)}" for line in info.lines]
    lines.append(info.intro.get(t.lang))
    if text and info.no_bed_note and _says_no_bed(content, text):
        lines += ["", info.no_bed_note.get(t.lang)]
        if centre is not None:
            lines.append(
                phone_line(t, centre, t._("Ask the centre where you can sleep tonight: phone {phone}"))
            )
    return "\n".join(lines)


def _says_no_bed(content: Content, text: str) -> bool:
    folded = folded_words(text)
    phrases = [p for lang in ("pl", "uk", "en") for p in content.crisis.no_bed.get(lang)]
    return any(phrase_in_words(folded_words(p), folded) for p in phrases)


def with_contact(t: Tr, centre: CentreContent, text: str) -> str:
    """The contact line before an answer, which then drops its own phone line (the phone once)."""
    phone = phone_line(t, centre)
    body = "\n".join(line for line in text.split("\n") if line != phone)
    return f"{contact_line(t, centre)}\n\n{body}"


def with_phone(t: Tr, centre: CentreContent, text: str) -> str:
    """An hours answer with the phone after it, when it has none: whoever asks when the office is
    open means to call or to come ("do kogo dzwonić…", "czy ktoś odbierze w sobotę?")."""
    phone = centre.centre.phone
    if phone and phone in text:
        return text
    return f"{text}\n{phone_line(t, centre)}"


def hours_and_contact(t: Tr, centre: CentreContent, moment: datetime) -> str:
    """The menu's "Office hours and contact": the hours now first, then the address and phone once."""
    if centre.centre.hours is None:
        return contact(t, centre)
    return "\n".join([status(t, centre, moment), contact_line(t, centre)])
