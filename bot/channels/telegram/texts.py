"""Interface sentences that belong to the Telegram door (privacy, /forget, errors, command menu).

Every sentence goes through `bot.i18n.tr(lang)._()` with a literal English message id, so
`pybabel extract` finds it and translators can give the pl and uk versions.
"""

from __future__ import annotations

from bot.i18n import tr

# Command -> description for the command menu; the descriptions are built per language below.
COMMANDS = ("start", "menu", "help", "centre", "language", "ask", "privacy", "forget")


def command_descriptions(lang: str) -> list[tuple[str, str]]:
    """(command, description) in the menu order, in `lang`."""
    t = tr(lang)
    return [
        ("start", t._("Start again: choose the centre and language")),
        ("menu", t._("Main menu")),
        ("help", t._("What I can do")),
        ("centre", t._("Change the centre")),
        ("language", t._("Change the language")),
        ("ask", t._("Ask a person at the centre")),
        ("privacy", t._("What I store about you")),
        ("forget", t._("Delete your data")),
    ]


def staff_command_descriptions(
    lang: str, admin: bool = False, staff_chat: bool = False
) -> list[tuple[str, str]]:
    """The staff menu: the public commands, then the staff ones (`/staff` for administrators,
    `/close` in the staff chat, where a reply to a question closes it)."""
    t = tr(lang)
    extra = [
        ("broadcast", t._("Send a message to people of your centre")),
        ("unanswered", t._("Questions without an answer")),
        ("stats", t._("Numbers of your centre")),
        ("panel", t._("A login link to the staff panel")),
        ("reload", t._("Load the edited content")),
        ("invite", t._("An invitation to a flat")),
        ("residents", t._("Residents of a flat")),
        ("duty", t._("Duties in a flat")),
    ]
    if admin:
        extra.append(("staff", t._("Staff members and invitations")))
    if staff_chat:
        extra.insert(0, ("close", t._("Close a question (as a reply to it)")))
    public = [] if staff_chat else command_descriptions(lang)
    return public + extra


def help_text(lang: str) -> str:
    t = tr(lang)
    return "\n".join(
        [
            t._("I answer questions about the training and supported flats of the social-welfare centres."),
            t._("Write your question in your own words, or use the menu. Commands:"),
            "/menu – " + t._("Main menu"),
            "/centre – " + t._("Change the centre"),
            "/language – " + t._("Change the language"),
            "/ask – " + t._("Ask a person at the centre"),
            "/privacy – " + t._("What I store about you"),
            "/forget – " + t._("Delete your data"),
        ]
    )


def privacy_text(lang: str) -> str:
    t = tr(lang)
    return "\n\n".join(
        [
            t._(
                "What I store about you: your Telegram user id, the centre and the language you chose, "
                "and the current step of our conversation (for example, that I am waiting for an amount)."
            ),
            t._(
                "I do not store your name, the texts of your messages or your income: an income you write "
                "is used once for the fee estimate and then forgotten. When I cannot answer a question, "
                "I ask whether I may keep it for the staff: only if you say yes, without names, addresses, "
                "phone numbers, e-mails, numbers or health words, and for at most 90 days."
            ),
            t._(
                "If you live in a flat and joined with an invitation: the flat, whether payment reminders "
                "are on, and which reminders were sent and when, so that none is sent twice. If you ask a "
                "person with /ask: only the ticket number and which messages belong to it."
            ),
            t._(
                "The data is kept until you delete it. To delete it, send /forget and confirm; "
                "you can start again at any time with /start."
            ),
        ]
    )


def forget_question(lang: str) -> str:
    return tr(lang)._(
        "Delete everything I store about you (centre, language, conversation step, resident record)?"
    )


def forget_yes(lang: str) -> str:
    return tr(lang)._("Yes, delete")


def forget_no(lang: str) -> str:
    return tr(lang)._("Cancel")


def forgotten(lang: str) -> str:
    return tr(lang)._("Done: your data has been deleted. Send /start if you want to talk again.")


def not_forgotten(lang: str) -> str:
    return tr(lang)._("Nothing was deleted.")


def forget_in_private(lang: str) -> str:
    return tr(lang)._("Please send /forget to me in a private chat.")


def text_only(lang: str) -> str:
    return tr(lang)._(
        "I can read text messages only. Please write your question in words or choose a topic from the menu."
    )


def menu_label(lang: str) -> str:
    return tr(lang)._("Menu")


def something_went_wrong(lang: str) -> str:
    return tr(lang)._("Sorry, something went wrong on my side. Please try again in a moment.")


def forget_expired(lang: str) -> str:
    return tr(lang)._("This question has expired, so nothing was deleted. Send /forget to start again.")
