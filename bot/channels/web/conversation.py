"""One message from a browser: the door's own few commands, else the engine (bot.conversation.dialogue).

The door adds only what belongs to a door, as the Telegram door does: privacy and "forget me",
and handing a question to a person (tickets). Every answer about housing comes from the engine.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from bot import callbacks
from bot.channels.web import texts
from bot.channels.web.app import WebDoor
from bot.channels.web.session import Entry, Transcript, external_id
from bot.conversation import privacy
from bot.conversation.dialogue import Incoming, State
from bot.conversation.menus import menu_row
from bot.flows import AskQuestion, Conversations, Expired, ForgetConfirm, expired_text
from bot.handover import posts
from bot.handover import tickets as rules
from bot.i18n import tr
from bot.replies import Button, Reply
from storage import users
from storage import web_tickets as store

log = logging.getLogger("bot.web")
CHANNEL = store.WEB_CHANNEL  # users.channel of the web chat, and its tickets' channel
PRIVACY = "w:privacy"  # the door's own buttons (the engine never sees them)
FORGET = "w:forget"
FORGET_YES = callbacks.encode(callbacks.ForgetAnswer(True))  # the same buttons as Telegram's
FORGET_NO = callbacks.encode(callbacks.ForgetAnswer(False))
ASK = callbacks.make(callbacks.MENU, callbacks.MENU_ASK)


@dataclass(frozen=True)
class Message:
    """What the browser sent: typed text or a pressed button, and its preferred language."""

    text: str | None
    button: str | None
    lang_hint: str


async def page_lang(door: WebDoor, session_id: str, hint: str) -> str:
    user = await users.get_user(door.db, CHANNEL, external_id(session_id))
    return (user.lang if user else None) or hint


async def page_centre(door: WebDoor, session_id: str, url_centre: str) -> str:
    user = await users.get_user(door.db, CHANNEL, external_id(session_id))
    return (user.centre if user else None) or url_centre


def greet(door: WebDoor, transcript: Transcript, centre: str, lang: str) -> None:
    """A fresh page opens with the engine's own greeting (nothing is stored until the visitor acts)."""
    if transcript.entries:
        return
    outcome = door.dialogue.engine.respond(State(centre, lang), Incoming(text="/start"))
    for reply in outcome.replies:
        transcript.add("bot", reply)


async def resume(door: WebDoor, session_id: str, transcript: Transcript, lang: str) -> None:
    """A page this process has no message of the visitor for (after a restart, say) shows the step
    their stored flow waits for, once, so "forget me" or "ask a person" asked before can still be
    answered there. Nothing is changed."""
    if any(entry.author == "user" for entry in transcript.entries):
        return  # the visitor wrote here since the start: the page already shows the step
    user = await users.get_user(door.db, CHANNEL, external_id(session_id))
    waiting = await Conversations(door.db, door.clock).peek(user.id) if user is not None else None
    step: Reply | None = None
    if isinstance(waiting, ForgetConfirm):
        step = forget_question(lang)
    elif isinstance(waiting, AskQuestion):
        step = Reply(texts.ask_question(lang), (menu_row_for(lang),))
    if step is not None and all(entry.reply != step for entry in transcript.entries):
        transcript.add("bot", step)


def forget_question(lang: str) -> Reply:
    yes, no = Button(texts.forget_yes(lang), FORGET_YES), Button(texts.forget_no(lang), FORGET_NO)
    return Reply(texts.forget_question(lang), ((yes, no),))


async def forget_confirmed(door: WebDoor, session_id: str) -> bool:
    """A Yes: True when the visitor's stored question is current (the caller then forgets them);
    an expired or never asked one deletes nothing and is answered by `exchange`."""
    user = await users.get_user(door.db, CHANNEL, external_id(session_id))
    flows = Conversations(door.db, door.clock)
    decision = await privacy.answer_to_forget(flows, user.id if user else None, yes=True)
    return decision is privacy.ForgetDecision.DELETE


async def pull_staff_answers(door: WebDoor, session_id: str, transcript: Transcript) -> list[Entry]:
    """Staff answers to this visitor's tickets that they have not seen yet (closed ones' too)."""
    found = await rules.answers_for_web(door.db, door.clock, external_id(session_id))
    added = []
    for line in found:
        owner = await store.web_ticket_owner(door.db, line.ticket_id)
        lang = owner[1] if owner else "pl"
        text = f"{texts.staff_answer(lang, line.ticket_id)}\n\n{line.text}"
        added.append(transcript.add("staff", Reply(text, close_row(lang, line.ticket_id))))
    return added


def close_row(lang: str, ticket_id: int) -> tuple[tuple[Button, ...], ...]:
    data = callbacks.make(callbacks.TICKET, "close", str(ticket_id))
    return ((Button(texts.close_ticket(lang), data),),)


def pressed_label(transcript: Transcript, data: str) -> str | None:
    """The label of the button the visitor pressed, so the log says what they chose."""
    for entry in reversed(transcript.entries):
        for button in entry.reply.all_buttons():
            if button.data == data:
                return button.label
    return None


async def exchange(
    door: WebDoor, session_id: str, url_centre: str, transcript: Transcript, message: Message
) -> list[Entry]:
    """Handle one message; the new entries (the visitor's own line first) are in the transcript too."""
    first = transcript.counter
    shown = message.text if message.text else pressed_label(transcript, message.button or "")
    if shown:
        transcript.add("user", Reply(shown))
    ext = external_id(session_id)
    try:
        replies = await _replies(door, ext, url_centre, transcript, message)
    except Exception:
        # Logged without the text; the visitor gets an apology, never a broken page.
        log.exception("web chat message failed")
        replies = [Reply(texts.went_wrong(message.lang_hint))]
    for reply in replies:
        transcript.add("bot", reply)
    await pull_staff_answers(door, session_id, transcript)
    return transcript.since(first)


async def _replies(
    door: WebDoor, ext: str, url_centre: str, transcript: Transcript, message: Message
) -> list[Reply]:
    user = await users.get_user(door.db, CHANNEL, ext)
    lang = (user.lang if user else None) or message.lang_hint
    command = (message.text or "").strip().lower()
    flows = Conversations(door.db, door.clock)  # the step is stored with the visitor, as in Telegram
    waiting = await flows.current(user.id) if user is not None else None
    if user is not None and message.button is not None and isinstance(waiting, AskQuestion):
        # Any button is a change of mind: only the very next typed message goes to the staff.
        await flows.end(user.id, AskQuestion)
        waiting = None
    if message.button == PRIVACY or command == "/privacy":
        return [Reply(texts.privacy_text(lang), (menu_row_for(lang),))]
    if message.button == FORGET or command == "/forget":
        # The question is stored with the visitor (a row is made for it), for its hour.
        asker = user or await users.get_or_create_user(door.db, CHANNEL, ext, door.clock.now())
        await privacy.ask_to_forget(flows, asker.id)
        return [forget_question(lang)]
    if message.button == FORGET_NO:
        await privacy.answer_to_forget(flows, user.id if user else None, yes=False)
        return [Reply(texts.not_forgotten(lang), (menu_row_for(lang),))]
    if message.button == FORGET_YES:
        # A confirmed Yes never gets here (chat.post forgets at once): this one deletes nothing.
        return [Reply(texts.forget_expired(lang), (menu_row_for(lang),))]
    if message.button == ASK or command == "/ask":
        asker = user or await users.get_or_create_user(door.db, CHANNEL, ext, door.clock.now())
        await flows.begin(asker.id, AskQuestion())
        return [Reply(texts.ask_question(lang), (menu_row_for(lang),))]
    if message.button and message.button.startswith(f"{callbacks.TICKET}:"):
        return await _close(door, ext, lang, message.button)
    if message.text and isinstance(waiting, AskQuestion) and user is not None:
        await flows.end(user.id, AskQuestion)
        return [await _to_staff(door, ext, url_centre, lang, message.text)]
    if message.text and isinstance(waiting, Expired) and waiting.name == AskQuestion.NAME:
        return [Reply(expired_text(lang, waiting.name), (menu_row_for(lang),))]
    if user is None or user.centre is None:
        # The page's centre is the visitor's until they choose another one in the chat.
        await door.dialogue.handle(
            CHANNEL, ext, Incoming(button=callbacks.make(callbacks.CENTRE, url_centre)), message.lang_hint
        )
    incoming = Incoming(text=message.text, button=message.button)
    return await door.dialogue.handle(CHANNEL, ext, incoming, message.lang_hint)


def menu_row_for(lang: str) -> tuple[Button, ...]:
    return menu_row(tr(lang))


async def _to_staff(door: WebDoor, ext: str, url_centre: str, lang: str, text: str) -> Reply:
    now = door.clock.now()
    user = await users.get_or_create_user(door.db, CHANNEL, ext, now)
    centre = user.centre or url_centre
    async with door.db.transaction():  # the ticket, its line and its post for the staff chat: all or none
        existing = await store.open_web_ticket_of(door.db, ext)
        ticket = await store.open_web_ticket(door.db, user.id, ext, centre, lang, now)
        await store.add_line(door.db, ticket.id, "user", text, now)
        await tell_staff_chat(door, ticket.id, centre, lang, text, follow_up=existing is not None)
    door.wake_telegram()
    said = texts.ticket_added(lang, ticket.id) if existing else texts.ticket_opened(lang, ticket.id)
    return Reply(said, close_row(lang, ticket.id))


async def tell_staff_chat(
    door: WebDoor, ticket_id: int, centre: str, lang: str, text: str, *, follow_up: bool
) -> None:
    """The web ticket goes to the staff chat as a Telegram one does (centre in words and the
    language, nothing about the visitor), with the panel's link; a reply to it there is the answer.
    Left in the database for the Telegram door, whichever process it runs in (bot.handover.posts);
    without a staff chat the panel still lists it."""
    staff_lang = posts.staff_lang(door.settings)
    if follow_up:
        header = texts.web_ticket_follow_up(staff_lang, ticket_id)
    else:
        url = f"{door.web.public_url}/staff/tickets/{ticket_id}"
        where = rules.centre_words(door.content, centre, staff_lang)
        header = texts.web_ticket_for_staff(staff_lang, ticket_id, where, lang, url)
    await posts.to_staff_chat(door.settings, door.db, door.clock, ticket_id, header, text)


async def tell_closed(door: WebDoor, ticket_id: int) -> None:
    """The staff chat hears that a ticket was closed, as it does for a Telegram one."""
    said = texts.closed_for_staff(posts.staff_lang(door.settings), ticket_id)
    await posts.notice(door.settings, door.db, door.clock, ticket_id, None, said)
    door.wake_telegram()


async def _close(door: WebDoor, ext: str, lang: str, data: str) -> list[Reply]:
    _, parts = callbacks.split(data)
    ticket_id = int(parts[1]) if len(parts) == 2 and parts[1].isdigit() else None
    owner = await store.web_ticket_owner(door.db, ticket_id) if ticket_id is not None else None
    if ticket_id is None or owner is None or owner[0] != ext:
        # Not this visitor's ticket (or a stale button): the engine's menu, as for any stale button.
        return await door.dialogue.handle(CHANNEL, ext, Incoming(text="/menu"), lang)
    if (await rules.close(door.db, door.clock, ticket_id)).was_open:
        await tell_closed(door, ticket_id)
    return [Reply(texts.ticket_closed(lang, ticket_id), (menu_row_for(lang),))]


async def forget(door: WebDoor, session_id: str) -> None:
    """Everything about this visitor: web tickets and their lines, the user row, the transcript."""
    ext = external_id(session_id)
    await store.forget_web_user(door.db, ext)
    await door.dialogue.reset(CHANNEL, ext)
    door.transcripts.drop(session_id)
