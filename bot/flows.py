"""Every multi-step flow's step, typed, in one place: the `conversations` table (one row per user).

A flow is a frozen dataclass; it is stored as its name and a JSON object of its fields, with an
expiry. `Conversations.current` gives the typed step back, `Expired` when its time ran out (the row
is removed, so the person is told once), or None. A row this code cannot read (an older layout, a
hand edit) is ended like an expired one, never raised on. No door, no Telegram: every door reads
and writes flows through here, so a restart in the middle of any flow continues it.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields
from datetime import timedelta
from enum import StrEnum
from typing import Any, ClassVar, Final, Literal, TypeAlias

from bot.clock import Clock
from bot.i18n import tr
from storage import conversations as store
from storage.database import Database


@dataclass(frozen=True)
class FeeIncome:
    """The fee explanation asked for an income: a bare number is read as one."""

    NAME: ClassVar[str] = "fee"
    TTL: ClassVar[timedelta] = timedelta(hours=24)


@dataclass(frozen=True)
class ChooseCentre:
    """Among many centres, the chooser asked for the town or centre's name: a typed message is one.
    `question`: what the person first wrote while no centre was chosen, answered once one is (kept
    only as long as this step, never when it signalled danger)."""

    question: str | None = None
    NAME: ClassVar[str] = "centre"
    TTL: ClassVar[timedelta] = timedelta(hours=24)


@dataclass(frozen=True)
class BroadcastText:
    """A broadcast draft waits for its text."""

    broadcast: int
    NAME: ClassVar[str] = "broadcast_text"
    TTL: ClassVar[timedelta] = timedelta(hours=24)


@dataclass(frozen=True)
class BroadcastTime:
    """A previewed broadcast waits for its "send later" time."""

    broadcast: int
    NAME: ClassVar[str] = "broadcast_time"
    TTL: ClassVar[timedelta] = timedelta(hours=24)


class DutyStep(StrEnum):
    TEXT = "text"
    KIND = "kind"
    DAY = "day"
    TIME = "time"


DutyKind: TypeAlias = Literal["weekly", "monthly"]


@dataclass(frozen=True)
class DutyWizard:
    """The guided `/duty add`: what is known so far and which answer comes next."""

    centre: str
    flat: str
    step: DutyStep = DutyStep.TEXT
    text: str | None = None
    kind: DutyKind | None = None
    day: int | None = None
    NAME: ClassVar[str] = "duty"
    TTL: ClassVar[timedelta] = timedelta(hours=2)


@dataclass(frozen=True)
class AskQuestion:
    """ "Ask a person" was chosen without a question: the next message is the question."""

    NAME: ClassVar[str] = "ask"
    TTL: ClassVar[timedelta] = timedelta(hours=24)


@dataclass(frozen=True)
class ForgetConfirm:
    """/forget asked "are you sure?"; only a Yes within the hour deletes."""

    NAME: ClassVar[str] = "forget"
    TTL: ClassVar[timedelta] = timedelta(hours=1)


Flow: TypeAlias = (
    FeeIncome | ChooseCentre | BroadcastText | BroadcastTime | DutyWizard | AskQuestion | ForgetConfirm
)
FLOWS: Final[dict[str, type[Flow]]] = {
    kind.NAME: kind
    for kind in (
        FeeIncome, ChooseCentre, BroadcastText, BroadcastTime, DutyWizard, AskQuestion, ForgetConfirm
    )
}


@dataclass(frozen=True)
class Expired:
    """The flow `name` ran out of time (or could not be read); it has been ended."""

    name: str


# --- the one encode and the one decode -----------------------------------------------------------


def encode(flow: Flow) -> tuple[str, str]:
    """(name, JSON) as stored."""
    return flow.NAME, json.dumps(asdict(flow), ensure_ascii=False, sort_keys=True)


def decode(name: str, data: str) -> Flow | None:
    """The typed flow, or None for anything this code did not write (unknown name, wrong fields)."""
    kind = FLOWS.get(name)
    if kind is None:
        return None
    try:
        raw = json.loads(data)
    except ValueError:
        return None
    if not isinstance(raw, dict) or set(raw) != {f.name for f in fields(kind)}:
        return None
    try:
        return _checked(kind, raw)
    except (TypeError, ValueError):
        return None


MAX_QUESTION = 1000  # characters of a question kept while a centre is chosen


def _checked(kind: type[Flow], raw: dict[str, Any]) -> Flow | None:
    if kind in (BroadcastText, BroadcastTime):
        bid = raw["broadcast"]
        if type(bid) is not int or bid < 1:
            return None
        return BroadcastText(bid) if kind is BroadcastText else BroadcastTime(bid)
    if kind is DutyWizard:
        text, day, flow_kind = raw["text"], raw["day"], raw["kind"]
        if not (isinstance(raw["centre"], str) and isinstance(raw["flat"], str)):
            return None
        if text is not None and not isinstance(text, str):
            return None
        if day is not None and (type(day) is not int or not 0 <= day <= 31):
            return None
        if flow_kind not in (None, "weekly", "monthly"):
            return None
        return DutyWizard(raw["centre"], raw["flat"], DutyStep(raw["step"]), text, flow_kind, day)
    if kind is ChooseCentre:
        question = raw["question"]
        if question is not None and (not isinstance(question, str) or len(question) > MAX_QUESTION):
            return None
        return ChooseCentre(question)
    simple: dict[type[Flow], Flow] = {
        FeeIncome: FeeIncome(),
        AskQuestion: AskQuestion(),
        ForgetConfirm: ForgetConfirm(),
    }
    return simple.get(kind)


# --- the store -----------------------------------------------------------------------------------


class Conversations:
    """Reads and writes the users' flows; each change is one statement (its own unit of work, or
    part of the caller's when one is open)."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self.db, self.clock = db, clock

    async def current(self, user_id: int) -> Flow | Expired | None:
        """The user's flow now; an expired or unreadable one is ended and reported as Expired."""
        row = await store.get(self.db, user_id)
        if row is None:
            return None
        flow = decode(row.flow, row.data)
        if flow is not None and row.expires_at > self.clock.now():
            return flow
        await store.delete(self.db, user_id)
        return Expired(row.flow)

    async def peek(self, user_id: int) -> Flow | None:
        """The user's live flow, ending nothing: for showing a waiting step again (a page opened
        after a restart); an expired one is left for `current` to report when the person acts."""
        row = await store.get(self.db, user_id)
        if row is None or row.expires_at <= self.clock.now():
            return None
        return decode(row.flow, row.data)

    async def begin(self, user_id: int, flow: Flow) -> None:
        """Start (or advance to) `flow`, replacing whatever flow the user was in."""
        now = self.clock.now()
        name, data = encode(flow)
        await store.put(self.db, user_id, name, data, now + flow.TTL, now)

    async def end(self, user_id: int, kind: type[Flow] | None = None) -> bool:
        """End the user's flow (only if it is of `kind`, when given)."""
        return await store.delete(self.db, user_id, kind.NAME if kind is not None else None)


# --- what a person is told -----------------------------------------------------------------------


def expired_text(lang: str, name: str) -> str:
    """The clear end of a flow that ran out of time (or could not be read) while it waited for text."""
    t = tr(lang)
    if name in (BroadcastText.NAME, BroadcastTime.NAME):
        return t._(
            "This message waited too long and has expired. Nothing was sent. Start again with /broadcast."
        )
    if name == DutyWizard.NAME:
        return t._(
            "Adding the duty took too long and has expired. Nothing was saved. Start again with /duty add."
        )
    return t._("Your question waited too long and has expired. Send /ask to ask again.")


def failed_text(lang: str) -> str:
    """The reply when a step of a flow failed on our side: the step is kept, so it can be tried again."""
    return tr(lang)._("Sorry, something went wrong on my side. Nothing was lost: please try this step again.")
