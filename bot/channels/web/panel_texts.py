"""Interface sentences of the staff panel (in the deployment's default language)."""

from __future__ import annotations

from bot.i18n import tr


def chrome(lang: str) -> dict[str, str]:
    t = tr(lang)
    return {
        "skip": t._("Skip to the content"),
        "panel": t._("Staff panel"),
        "login": t._("Log in to the staff panel"),
        "login_button": t._("Log in"),
        "login_help": t._(
            "Open the one-time link you got: send /panel to the bot, or ask an administrator to run "
            "python -m bot staff-link with your Telegram id. A link works once, for 10 minutes."
        ),
        "logout": t._("Log out"),
        "tickets": t._("Tickets"),
        "unanswered": t._("Unanswered"),
        "numbers": t._("Numbers"),
        "content_nav": t._("Content"),
        "add_answer": t._("Add a question and answer"),
        "ticket": t._("Ticket #{id}"),
        "centre": t._("Centre"),
        "language": t._("Language"),
        "door": t._("Door"),
        "status": t._("Status"),
        "opened": t._("Opened"),
        "open": t._("open"),
        "answered": t._("answered"),
        "closed": t._("closed"),
        "no_tickets": t._("No tickets."),
        "answer": t._("Your answer"),
        "send_answer": t._("Send the answer"),
        "close": t._("Close the ticket"),
        "handled_by": t._("Handled by"),
        "nobody": t._("nobody yet"),
        "hand_to": t._("Hand to a colleague"),
        "hand": t._("Hand over"),
        "staff_member": t._("Staff member {id}"),
        "question": t._("Question"),
        "similar": t._("Similar wordings"),
        "ratings": t._("Answers rated by users, least helpful first"),
        "answer_rated": t._("Answer"),
        "helpful": t._("helpful"),
        "unhelpful": t._("not helpful"),
        "count": t._("Count"),
        "none_yet": t._("Nothing yet."),
        "unanswered_help": t._(
            "Questions the assistant could not answer, with numbers hidden and no user id; "
            "similar wordings are counted together, most frequent first."
        ),
        "telegram_ticket": t._(
            "This ticket came from Telegram: its messages are in the staff chat, not stored here."
        ),
        "user_writes": t._("The user writes"),
        "staff_wrote": t._("Staff answer"),
        "new_users": t._("New users per week"),
        "users_by_lang": t._("New users per week by language"),
        "by_channel": t._("Users by door"),
        "unanswered_lang": t._("Unanswered questions by language"),
        "by_topic": t._("Questions per topic (last 12 weeks)"),
        "answered_share": t._("Questions answered, per week (%)"),
        "answered_detail": t._("Questions per week: answered and not answered"),
        "fallback_topic": t._("Not answered"),
        "answered_count": t._("Answered"),
        "not_answered": t._("Not answered"),
        "share": t._("Share answered"),
        "reminders": t._("Reminders by outcome"),
        "broadcasts": t._("Recent broadcasts"),
        "broadcasts_nav": t._("Broadcasts"),
        "week": t._("Week"),
        "value": t._("Value"),
        "delivered": t._("delivered"),
        "blocked": t._("blocked"),
        "failed": t._("failed"),
        "waiting": t._("waiting"),
        "audience": t._("Audience"),
        "new_broadcast": t._("New broadcast"),
        "recipients": t._("Recipients"),
        "message_text": t._("Text of the message"),
        "show_preview": t._("Show the preview"),
        "preview": t._("Preview, exactly as recipients will see it"),
        "send_now": t._("Send now"),
        "send_later": t._("Send later"),
        "send_at": t._("When (Warsaw time)"),
        "cancel": t._("Cancel"),
        "progress": t._("Progress"),
        "scheduled_for": t._("Scheduled for"),
        "no_centre": t._("Choose your centre in the bot first: broadcasts go to one centre."),
        "no_sender": t._(
            "The Telegram bot does not run in this process: it sends the broadcast when it next starts."
        ),
        "draft": t._("draft"),
        "scheduled": t._("scheduled"),
        "sending": t._("sending"),
        "done": t._("done"),
        "cancelled": t._("cancelled"),
    }


def broadcast_incomplete(lang: str, limit: int) -> str:
    text = tr(lang)._("Choose an audience and write a text of at most {limit} characters.")
    return text.format(limit=limit)


def no_access(lang: str) -> str:
    return tr(lang)._("No access. Please log in with a new link.")


def bad_link(lang: str) -> str:
    return tr(lang)._("This login link is not valid: it was used already or it expired. Ask for a new one.")


def answer_sent(lang: str) -> str:
    return tr(lang)._("The answer was sent.")


def answer_on_its_way(lang: str) -> str:
    return tr(lang)._(
        "The answer is on its way to the person in Telegram. If it cannot be delivered,"
        " the staff chat hears so."
    )


def ticket_closed(lang: str) -> str:
    return tr(lang)._("The ticket is closed.")


def ticket_assigned(lang: str) -> str:
    return tr(lang)._("The ticket was handed over.")


def handed_to_you(lang: str, ticket_id: int, url: str) -> str:
    text = tr(lang)._("Ticket #{id} was handed to you in the staff panel: {url}")
    return text.format(id=ticket_id, url=url)
