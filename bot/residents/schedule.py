"""What a resident's reminders follow: the centre's payment rule, a duty's rule, and the windows."""

from __future__ import annotations

from datetime import time, timedelta

from bot.domain import reminders as rules
from bot.domain.content import CentreContent
from bot.settings import Settings
from storage import reminders as store

GRACE: timedelta = timedelta(hours=6)  # a reminder later than this after its moment is skipped
INVITE_TTL: timedelta = timedelta(days=7)


def payment_schedule(centre: CentreContent | None) -> rules.PaymentSchedule | None:
    if centre is None or centre.payment is None:
        return None
    rule = centre.payment
    return rules.PaymentSchedule(rule.due_day, tuple(rule.remind_days_before), rule.send_at)


def duty_rule(duty: store.Duty) -> rules.DutyRule:
    hour, minute = duty.at.split(":")
    kind: rules.DutyKind = "weekly" if duty.kind == "weekly" else "monthly"
    return rules.DutyRule(kind, duty.day, time(int(hour), int(minute)))


def settings_grace(settings: Settings) -> timedelta:
    return timedelta(hours=settings.reminder_grace_hours)


def settings_invite_ttl(settings: Settings) -> timedelta:
    return timedelta(days=settings.invite_ttl_days)
