"""Replies (plain text + buttons) as Telegram messages: escaping, splitting, keyboards, delivery.

Nothing here knows about the dialogue; it turns `bot.replies.Reply` objects into Bot API calls.
"""

from __future__ import annotations

import asyncio
import html
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from telegram import Bot, CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.constants import MessageLimit
from telegram.error import BadRequest, Forbidden, NetworkError, TelegramError
from telegram.ext import CallbackContext

from bot.channels.telegram.outgoing import limit_args
from bot.outgoing import Priority
from bot.replies import Reply

log = logging.getLogger("bot.telegram")

MAX_TEXT = MessageLimit.MAX_TEXT_LENGTH  # 4096, counted by Telegram in UTF-16 code units
EMPTY_TEXT = "…"  # Telegram refuses empty messages; a reply that is only buttons gets this
T = TypeVar("T")


@dataclass
class RetryPolicy:
    """How long a reply keeps trying through a Telegram outage (5xx, timeouts, network errors).

    Waits `first`, then doubles up to `cap` seconds, until `deadline` seconds have been waited in all;
    then the error is raised (and logged by the caller). 429s are the rate limiter's business.
    """

    first: float = 1.0
    cap: float = 30.0
    deadline: float = 180.0  # "a few minutes": a person who asked still wants the answer
    sleep: Callable[[float], Awaitable[None]] = field(default=asyncio.sleep)
    stopping: asyncio.Event | None = None  # set at SIGTERM: give up at once, the process is going


REPLIES = RetryPolicy()  # the door's policy for replies; build_application sets it (tests: short waits)


def set_reply_retry(policy: RetryPolicy) -> None:
    global REPLIES
    REPLIES = policy


def transient(error: BaseException) -> bool:
    """An error worth retrying: the network or Telegram's servers, not our request (BadRequest)."""
    return isinstance(error, NetworkError) and not isinstance(error, BadRequest)


async def with_retries(call: Callable[[], Awaitable[T]], policy: RetryPolicy | None = None) -> T:
    """`call()`, retried with backoff on transient errors while the policy's deadline allows."""
    policy = policy or REPLIES
    waited, delay = 0.0, policy.first
    while True:
        try:
            return await call()
        except Exception as exc:
            stopping = policy.stopping is not None and policy.stopping.is_set()
            if not transient(exc) or waited + delay > policy.deadline or stopping:
                raise
            log.warning("Telegram unavailable (%s); retrying in %.1f s", type(exc).__name__, delay)
            await policy.sleep(delay)
            waited += delay
            delay = min(policy.cap, delay * 2)


@dataclass(frozen=True)
class Target:
    """Where replies go: a chat and, in a forum supergroup, the topic the question came from."""

    chat_id: int
    thread_id: int | None = None


def utf16_len(text: str) -> int:
    """The length Telegram measures: UTF-16 code units (emoji and other astral characters count 2)."""
    return len(text.encode("utf-16-le")) // 2


def split_text(text: str, limit: int = MAX_TEXT) -> list[str]:
    """Pieces of at most `limit` (UTF-16 units), cut at line ends; a longer line is cut at a space or hard."""
    if utf16_len(text) <= limit:
        return [text]
    pieces: list[str] = []
    current = ""
    for line in text.split("\n"):
        candidate = f"{current}\n{line}" if current else line
        if utf16_len(candidate) <= limit:
            current = candidate
            continue
        if current:
            pieces.append(current)
        current = ""
        while utf16_len(line) > limit:
            head = _cut(line, limit)
            pieces.append(head.rstrip())
            line = line[len(head) :].lstrip(" ")
        current = line
    if current.strip():
        pieces.append(current)
    return [piece for piece in pieces if piece.strip()] or [text[:limit]]


def _cut(line: str, limit: int) -> str:
    """The longest start of `line` within `limit` units, preferably ending after a space."""
    size = 0
    end = 0
    for index, char in enumerate(line):
        size += 2 if ord(char) > 0xFFFF else 1
        if size > limit:
            break
        end = index + 1
    head = line[:end]
    space = head.rfind(" ")
    return head[: space + 1] if space > end // 2 else head


def escape(text: str) -> str:
    """Plain reply text made safe for parse_mode=HTML (only &, < and > matter there)."""
    return html.escape(text, quote=False)


def keyboard(reply: Reply) -> InlineKeyboardMarkup | None:
    """The reply's buttons as an inline keyboard; labels are plain text and need no escaping."""
    if not reply.buttons:
        return None
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(button.label, callback_data=button.data) for button in row]
            for row in reply.buttons
        ]
    )


def messages(reply: Reply) -> list[tuple[str, InlineKeyboardMarkup | None]]:
    """(escaped HTML text, keyboard) for each message of one reply; the buttons go under the last piece."""
    pieces = split_text(reply.text) if reply.text.strip() else [EMPTY_TEXT]
    markup = keyboard(reply)
    return [(escape(piece), markup if i == len(pieces) - 1 else None) for i, piece in enumerate(pieces)]


def target_of(update: Update) -> Target | None:
    """The chat (and forum topic) replies to an update go to."""
    message = update.effective_message
    if isinstance(message, Message):
        return Target(message.chat.id, message.message_thread_id if message.is_topic_message else None)
    if update.effective_chat is not None:
        return Target(update.effective_chat.id)
    return Target(update.effective_user.id) if update.effective_user else None


async def say(update: Update, context: CallbackContext[Any, Any, Any, Any], *replies: Reply) -> bool:
    """The one way a handler answers the update's chat: `replies` as new messages (False: not sent)."""
    target = target_of(update)
    return target is not None and await send_replies(context.bot, target, list(replies))


async def send_replies(
    bot: Bot,
    target: Target,
    replies: Sequence[Reply],
    *,
    retry: bool = True,
    priority: Priority = Priority.REPLY,
) -> bool:
    """Send every reply as new messages; False (logged at info, no text) when the user blocked the bot.

    Transient errors are retried for a few minutes (REPLIES) unless `retry` is False (the reminder
    tick retries on its own schedule instead of holding every other reminder up). `priority` is the
    messages' class in the token's outgoing budget (reminders give way to replies).
    """
    budget = limit_args(bot, priority)
    for reply in replies:
        for text, markup in messages(reply):

            async def send(text: str = text, markup: InlineKeyboardMarkup | None = markup) -> object:
                return await bot.send_message(
                    target.chat_id, text, reply_markup=markup, message_thread_id=target.thread_id, **budget
                )

            try:
                await (with_retries(send) if retry else send())
            except Forbidden:
                log.info(
                    "chat %s does not accept messages from the bot (blocked or left); replies dropped",
                    target.chat_id,
                )
                return False
    return True


async def deliver_after_button(
    bot: Bot, target: Target, query: CallbackQuery, replies: Sequence[Reply]
) -> bool:
    """Edit the pressed menu in place with the first reply when it is a menu too; send the rest as new."""
    rest = list(replies)
    if rest and rest[0].buttons and isinstance(query.message, Message):
        pieces = messages(rest[0])
        if len(pieces) == 1 and await edit_in_place(query, *pieces[0]):
            rest = rest[1:]
    return await send_replies(bot, target, rest)


async def edit_in_place(query: CallbackQuery, text: str, markup: InlineKeyboardMarkup | None) -> bool:
    """Replace the text and keyboard of the message under the pressed button; False if it cannot be."""
    try:
        await query.edit_message_text(text, reply_markup=markup)
    except BadRequest as exc:
        if "message is not modified" in exc.message.lower():
            return True  # the same menu pressed twice: nothing to change, nothing to send
        log.info("could not edit the menu message (%s); sending a new one", exc.message)
        return False
    except Forbidden:
        log.info("the user blocked the bot; edit dropped")
        return True
    except TelegramError as exc:  # a timeout or an outage: the reply goes as a new message (retried)
        log.info("could not edit the menu message (%s); sending a new one", type(exc).__name__)
        return False
    return True
