"""Interface sentences of the web door (page chrome, privacy, forget, tickets, the staff panel).

Literal English message ids through `tr(lang)._()`, so `pybabel extract` finds them; pl and uk
translations are in bot/i18n/locale. Functions return plain dicts the templates read.
"""

from __future__ import annotations

from bot.i18n import tr

MAX_TEXT = 1000  # characters in one chat message


def chat_chrome(lang: str) -> dict[str, str]:
    t = tr(lang)
    return {
        "skip": t._("Skip to the message box"),
        "title": t._("Chat: {centre}"),
        "log": t._("Conversation"),
        "message": t._("Your message"),
        "send": t._("Send"),
        "you": t._("You"),
        "bot": t._("Assistant"),
        "staff": t._("Staff of the centre"),
        "privacy": t._("Privacy"),
        "forget": t._("Forget me"),
        "language": t._("Language"),
        "menu": t._("Menu"),
        "hint": t._("Write a question in your own words, or choose a topic."),
    }


def privacy_text(lang: str) -> str:
    t = tr(lang)
    return "\n\n".join(
        [
            t._(
                "What I store about you: a random number that identifies this browser (in a cookie), "
                "the centre and the language you chose, and the current step of our conversation. "
                "I do not store your IP address, your browser or your name."
            ),
            t._(
                "The texts of your messages are not stored; an income you write is used once for the fee "
                "estimate. The conversation on this page is kept in the server's memory for at most an "
                "hour and never written to disk. A question I could not answer is kept for the staff only "
                "if you agree, for at most 90 days, with numbers hidden and without your id."
            ),
            t._(
                "If you ask a person at the centre: your question and the staff's answers, until the "
                "ticket is closed. To delete everything, use \"Forget me\"."
            ),
        ]
    )


def forget_question(lang: str) -> str:
    return tr(lang)._(
        "Delete everything I store about you (centre, language, conversation step, questions to the staff)?"
    )


def forget_yes(lang: str) -> str:
    return tr(lang)._("Yes, delete")


def forget_no(lang: str) -> str:
    return tr(lang)._("Cancel")


def forget_expired(lang: str) -> str:
    # The Telegram door's sentence: typing /forget works here too (as does the "Forget me" button).
    return tr(lang)._("This question has expired, so nothing was deleted. Send /forget to start again.")


def forgotten(lang: str) -> str:
    return tr(lang)._("Done: your data has been deleted.")


def not_forgotten(lang: str) -> str:
    return tr(lang)._("Nothing was deleted.")


def slow_down(lang: str) -> str:
    return tr(lang)._("Slow down, please: you are sending messages very fast. Try again in a minute.")


def too_long(lang: str) -> str:
    return tr(lang)._("Your message is too long. Please write at most {limit} characters.").format(
        limit=MAX_TEXT
    )


def expired_form(lang: str) -> str:
    return tr(lang)._("This form has expired. Please send your message again.")


def went_wrong(lang: str) -> str:
    return tr(lang)._("Sorry, something went wrong on my side. Please try again in a moment.")


def ask_question(lang: str) -> str:
    return tr(lang)._("Write your question in one message; a staff member will answer here.")


def ticket_opened(lang: str, ticket_id: int) -> str:
    return tr(lang)._("Your question went to the staff as ticket #{id}. The answer will appear here.").format(
        id=ticket_id
    )


def ticket_added(lang: str, ticket_id: int) -> str:
    return tr(lang)._("Added to ticket #{id}.").format(id=ticket_id)


def staff_answer(lang: str, ticket_id: int) -> str:
    return tr(lang)._("Answer from the staff (ticket #{id}):").format(id=ticket_id)


def close_ticket(lang: str) -> str:
    return tr(lang)._("Close the ticket")


def ticket_closed(lang: str, ticket_id: int) -> str:
    return tr(lang)._("Ticket #{id} is closed. You can ask again from the menu.").format(id=ticket_id)


def web_ticket_for_staff(lang: str, ticket_id: int, centre: str, user_lang: str, url: str) -> str:
    text = tr(lang)._(
        "Ticket #{id} from the web chat ({centre}, {lang}). Reply to this message to answer,"
        " or answer in the staff panel: {url}"
    )
    return text.format(id=ticket_id, centre=centre, lang=user_lang, url=url)


def web_ticket_follow_up(lang: str, ticket_id: int) -> str:
    return tr(lang)._("Ticket #{id}: the user writes:").format(id=ticket_id)


def closed_for_staff(lang: str, ticket_id: int) -> str:
    return tr(lang)._("Ticket #{id} is closed.").format(id=ticket_id)
