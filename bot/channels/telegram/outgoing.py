"""Every Bot API call of the door through the token's one outgoing budget (bot.outgoing).

`BudgetRateLimiter` is PTB's rate limiter (`ApplicationBuilder.rate_limiter`): each call waits for
its place in the budget (replies first), and a 429 is handled by `bot.outgoing.deliver` alone, for
the whole token. A call says its class with `rate_limit_args=Outgoing(...)` (see `limit_args`);
without one it is a reply. getUpdates never passes here (PTB does not rate-limit it).
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Final

from telegram import Bot
from telegram._utils.types import JSONDict
from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter, ExtBot

from bot.outgoing import MAX_RETRIES, Budget, Limits, Priority, Rate, deliver
from bot.outgoing_shared import SharedBudget, token_budget
from bot.settings import Settings


@dataclass(frozen=True)
class Outgoing:
    """A call's `rate_limit_args`: its class, and whether its first token was taken already
    (the broadcast worker takes it from the same budget before it sends)."""

    priority: Priority
    prepaid: bool = False


REPLY: Final = Outgoing(Priority.REPLY)


def retry_after(error: BaseException) -> float | None:
    """Seconds Telegram asked to wait, for a 429; None for anything else."""
    if not isinstance(error, RetryAfter):
        return None
    wait = error.retry_after
    return wait.total_seconds() if isinstance(wait, timedelta) else float(wait)


def chat_of(data: dict[str, Any]) -> int | None:
    """The numeric chat a call sends to; None for calls to no chat (getMe, answerCallbackQuery...).

    A '@channel' username is counted as a group (the stricter limit) under a fixed key.
    """
    chat = data.get("chat_id")
    if chat is None:
        return None
    try:
        return int(chat)
    except (TypeError, ValueError):
        return -1


class BudgetRateLimiter(BaseRateLimiter[Outgoing]):
    """PTB's rate limiter over one `Budget` (bot.outgoing), shared with the broadcast worker."""

    def __init__(self, budget: Budget, retries: int = MAX_RETRIES) -> None:
        self.budget, self.retries = budget, retries

    async def initialize(self) -> None:
        if isinstance(self.budget, SharedBudget):  # its own small pool to the database
            await self.budget.open()

    async def shutdown(self) -> None:
        if isinstance(self.budget, SharedBudget):
            await self.budget.close()

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | JSONDict | list[JSONDict]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: Outgoing | None,
    ) -> bool | JSONDict | list[JSONDict]:
        outgoing = rate_limit_args if isinstance(rate_limit_args, Outgoing) else REPLY

        async def call() -> bool | JSONDict | list[JSONDict]:
            return await callback(*args, **kwargs)

        return await deliver(
            self.budget,
            call,
            chat_of(data),
            outgoing.priority,
            retry_after,
            prepaid=outgoing.prepaid,
            retries=self.retries,
        )


# A bulk token may wait for one global token that a reply took: with a burst of 1 it would overflow
# meanwhile (BROADCAST_RATE 25 grows one every 40 ms, global tokens come every 34 ms), and the
# broadcast lost ~5% of what the replies leave it. Two let it catch up; the global bucket (burst 1,
# at most TELEGRAM_RATE in any rolling second) still bounds every send, so arrivals do not bunch.
BULK_BURST = 2.0


def outgoing_limiter(settings: Settings, token: str | None = None) -> BudgetRateLimiter:
    """The bot token's one outgoing budget: TELEGRAM_RATE messages a second in all, of them at most
    BROADCAST_RATE broadcast messages, Telegram's per-chat limits. Kept in this process, or shared
    by every process through the database when it is PostgreSQL (bot/outgoing_shared.py)."""
    bulk = min(settings.broadcast_rate, settings.telegram_rate)
    limits = Limits(total=Rate(settings.telegram_rate), bulk=Rate(bulk, burst=BULK_BURST))
    return BudgetRateLimiter(
        token_budget(token or settings.telegram_token or "", limits, settings.database_url)
    )


def budget_of(bot: Bot) -> Budget | None:
    """The budget behind this bot's rate limiter, if it has one."""
    limiter = bot.rate_limiter if isinstance(bot, ExtBot) else None
    return limiter.budget if isinstance(limiter, BudgetRateLimiter) else None


def limit_args(bot: Bot, priority: Priority, *, prepaid: bool = False) -> dict[str, Any]:
    """Keyword arguments for a Bot method that send the call in this class (nothing for a reply,
    the default, or for a bot without the budget)."""
    if budget_of(bot) is None or (priority == Priority.REPLY and not prepaid):
        return {}
    return {"rate_limit_args": Outgoing(priority, prepaid)}
