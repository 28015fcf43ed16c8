"""The texts of reminders: a payment reminder with its "Paid" / "Remind me tomorrow" buttons, a duty."""

from __future__ import annotations

from datetime import date

from bot import callbacks
from bot.domain import reminders as rules
from bot.domain.content import CentreContent
from bot.i18n import tr
from bot.replies import Button, Reply
from storage.reminders import Duty
from storage.residents import Resident


def payment_reply(centre: CentreContent | None, resident: Resident, month: str, day: date) -> Reply | None:
    """The payment reminder of `month` as sent on `day`; None when the centre has no payment rule."""
    if centre is None or centre.payment is None or callbacks.month(month) is None:
        return None
    lang = resident.lang or "pl"
    t = tr(lang)
    year, number = (int(part) for part in month.split("-"))
    due = rules.payment_due(year, number, centre.payment.due_day)
    if due is None:  # a month without the due day: the source names no deadline, so neither do we
        head = t._("Reminder: pay for the stay for this month.")
    elif day >= due:
        head = t._("Today is the payment deadline ({date}).").format(date=t.long_date(due))
    else:
        head = t._("Reminder: the payment deadline is {date}.").format(date=t.long_date(due))
    text = f"{head}\n{centre.payment.text.get(lang)}"
    buttons = (
        (
            Button(t._("Paid"), callbacks.make(callbacks.RESIDENT, callbacks.RESIDENT_PAID, month)),
            Button(
                t._("Remind me tomorrow"),
                callbacks.make(callbacks.RESIDENT, callbacks.RESIDENT_LATER, month),
            ),
        ),
    )
    return Reply(text, buttons)


def duty_reply(resident: Resident, duty: Duty) -> Reply:
    t = tr(resident.lang or "pl")
    return Reply(t._("Reminder: {duty}").format(duty=duty.text))
