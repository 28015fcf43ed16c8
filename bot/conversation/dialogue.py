"""The conversation: (state, message or button) -> replies and the next state. No Telegram here.

`Engine.respond` is a plain function of its inputs (content, clock, state, message), so every door
and every test drives the same logic; `Dialogue` adds the user's stored state around it.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

__all__ = ["Dialogue", "Engine", "Incoming", "Outcome", "State", "mask"]

from bot import callbacks
from bot.clock import Clock
from bot.conversation import answers, centre_choice, fee_answers, menus, privacy
from bot.conversation import more as extra
from bot.conversation.fee_flow import STEP_FEE, fee_reply
from bot.conversation.free_text import FreeText
from bot.conversation.outcome import Incoming, Outcome, State, mask
from bot.conversation.steps import flow_of, state_of
from bot.domain import items, knowledge
from bot.domain.content import LANGS, CentreContent, Content
from bot.domain.text import clean
from bot.domain.understanding import FUSION, Fusion, Reading
from bot.flows import Conversations
from bot.i18n import Tr, tr
from bot.replies import Button, Reply
from storage import users
from storage.database import Database
from storage.forget import forget_person, scrub_old_pages
from storage.question_counts import count_question
from storage.ratings import record_rating
from storage.residents import forget_resident


class Engine(FreeText):
    """Answers from content at the clock's moment; holds no per-user state of its own."""

    def __init__(
        self,
        content: Content,
        clock: Clock,
        default_centre: str | None = None,
        default_lang: str | None = None,
        handover: bool = False,
        fusion: Fusion = FUSION,
    ) -> None:
        self.content = content
        self.clock = clock
        self.handover = handover  # a door that can pass questions to a person (Telegram + staff chat)
        self.fusion = fusion
        self.default_centre = default_centre if default_centre in content.centres else None
        self.default_lang = default_lang if default_lang in LANGS else None

    # --- entry point -------------------------------------------------------------------------

    def respond(self, state: State, incoming: Incoming) -> Outcome:
        """The replies to one message or button press, and the state after it."""
        if state.centre not in self.content.centres:
            state = replace(state, centre=self.default_centre)
        if state.lang not in LANGS:
            state = replace(state, lang=self.default_lang)
        if incoming.button is not None:
            return self._button(state, incoming.button)
        return self._text(state, clean(incoming.text or ""))

    def centres_needed(self, state: State, incoming: Incoming) -> tuple[str, ...]:
        """The centres `respond` will read for this message, so a door can have them read first,
        off the event loop (`Dialogue.respond`); reads none itself."""
        centres = self.content.centres
        centre = state.centre if state.centre in centres else self.default_centre
        if incoming.button is not None:
            prefix, parts = callbacks.split(incoming.button)
            if prefix == callbacks.CENTRE and parts and parts[0] in centres:
                return (parts[0],)
        elif centre is None and not centre_choice.is_finding(self.content, replace(state, centre=None)):
            named = self.centre_named(clean(incoming.text or ""))
            return (named,) if named else self.every_centre()
        return (centre,) if centre else ()

    # --- menus -------------------------------------------------------------------------------

    def _t(self, state: State) -> Tr:
        return tr(state.lang or "pl")

    def main_menu(self, state: State, intro: str | None = None) -> Reply:
        centre = self.content.centres[state.centre] if state.centre else None
        return menus.main_menu(self._t(state), centre, intro, handover=self.handover)

    def _fee(self, state: State, centre: CentreContent, reading: Reading) -> Outcome | None:
        """A stated income goes straight to the estimate (bot.conversation.fee_flow)."""
        today = self.local_now(centre).date()
        found = fee_reply(self._t(state), self.content, centre, reading, state.step == STEP_FEE, today)
        if found is None:
            return None
        outcome = self._reply(state, found.text, step=found.step, more=found.more)
        outcome.asked = "topic:fees"
        if found.more is not None:  # an estimate (not a request to write the income again)
            self._ask_rating(state, outcome, items.FEES)
        return outcome

    def start(self, state: State) -> Outcome:
        """First contact, or /start: choose what is missing, then the main menu."""
        t = self._t(state)
        hello = t._("Hello! I answer questions about training and supported flats.")
        # Say it is a machine (AI Act art. 50): one short line, before anything else.
        hello += "\n" + t._("I am an automatic assistant, not a person. I do not decide anything.")
        if state.centre is None:
            return centre_choice.chooser(t, self.content, state, hello)
        if state.lang is None:
            return Outcome([menus.choose_lang()], replace(state, step=None))
        return Outcome([self.main_menu(state, hello)], replace(state, step=None))

    # --- buttons -----------------------------------------------------------------------------

    def _button(self, state: State, data: str) -> Outcome:
        prefix, parts = callbacks.split(data)
        question = state.pending  # only the chooser's step holds one
        if state.step == centre_choice.STEP_CENTRE:  # any button is a change of mind
            state = replace(state, step=None, pending=None)
        if prefix in (callbacks.MORE, callbacks.RATE) and state.centre and state.lang:
            return self._more_or_rate(state, prefix, parts)
        value = parts[0] if parts else ""
        if prefix == callbacks.CENTRE and value in self.content.centres:
            state = replace(state, centre=value, step=None)
            t = self._t(state)
            answered = centre_choice.answer_chosen(t, self.content, state, question, self.answer_text)
            return answered or self.start(state)
        if prefix == callbacks.LANG and value in LANGS:
            state = replace(state, lang=value, step=None)
            return self.start(state)
        if prefix == callbacks.MENU and value == callbacks.MENU_CENTRE:
            return centre_choice.chooser(self._t(state), self.content, state)
        if prefix == callbacks.MENU and value == callbacks.MENU_LANG:
            return Outcome([menus.choose_lang()], replace(state, step=None))
        if state.centre is None or state.lang is None:
            return self.start(state)
        centre = self.content.centres[state.centre]
        if prefix == callbacks.MENU:
            return self._menu_item(state, centre, value)
        if prefix == callbacks.TOPIC and parts:
            key = ":".join(parts)
            outcome = self.answer_key(state, centre, key, None)
            if outcome is not None:
                return outcome
        if prefix == callbacks.FLAT and any(f.id == value for f in centre.flats):
            return self._reply(state, answers.flat(self._t(state), centre, value))
        if prefix == callbacks.GROUP and any(g.id == value for g in centre.groups):
            return self._reply(state, answers.flats_for_group(self._t(state), centre, value))
        t = self._t(state)
        return Outcome(
            [self.main_menu(state, t._("That button is no longer active. Here is the menu."))],
            replace(state, step=None),
        )

    def _menu_item(self, state: State, centre: CentreContent, item: str) -> Outcome:
        t = self._t(state)
        if item == callbacks.MENU_FLATS:
            buttons = tuple(
                (Button(g.name.get(t.lang), callbacks.make(callbacks.GROUP, g.id)),) for g in centre.groups
            )
            more_row = (extra.button(t, items.FLATS),)
            return Outcome([Reply(answers.flats(t, centre), (*buttons, more_row, menus.menu_row(t)))], state)
        if item == callbacks.MENU_APPLY:
            return self.answer_key(state, centre, items.APPLY, None) or self.start(state)
        if item == callbacks.MENU_RULES:
            return self.answer_key(state, centre, items.RULES, None) or self.start(state)
        if item == callbacks.MENU_LAW:
            return self.answer_key(state, centre, items.LAW, None) or self.start(state)
        if item == callbacks.MENU_FEES:
            return self.answer_key(state, centre, items.FEES, None) or self.start(state)
        if item == callbacks.MENU_HOURS:
            return self._reply(state, answers.hours_and_contact(t, centre, self.clock.now()))
        return Outcome([self.main_menu(state)], replace(state, step=None))

    def _reply(self, state: State, text: str, step: str | None = None, more: str | None = None) -> Outcome:
        """A text with the Menu button; with `more` (an answer key), a "More" button above it."""
        rows: tuple[tuple[Button, ...], ...] = (menus.menu_row(self._t(state)),)
        if more and state.centre and self._details(state, more):
            rows = ((extra.button(self._t(state), more),), *rows)
        return Outcome([Reply(text, rows)], replace(state, step=step))

    def _details(self, state: State, key: str) -> str | None:
        assert state.centre is not None
        centre = self.content.centres[state.centre]
        return extra.details(self._t(state), self.content, centre, key, self.local_now(centre).date())

    def _ask_rating(self, state: State, outcome: Outcome, key: str) -> None:
        """ "Did this help?" 👍/👎 above the Menu row of an answer to a typed question."""
        outcome.asked = key  # the topic a typed question is counted under on the numbers page
        first = outcome.replies[0]
        data = [callbacks.make(callbacks.RATE, vote, *key.split(":")) for vote in ("up", "down")]
        row = (Button("👍", data[0]), Button("👎", data[1]))
        outcome.replies[0] = replace(first, buttons=(*first.buttons[:-1], row, *first.buttons[-1:]))

    def _more_or_rate(self, state: State, prefix: str, parts: list[str]) -> Outcome:
        """The "More" text of an answer (bot.conversation.more), or thanks for a 👍/👎 (counted by
        Dialogue)."""
        t = self._t(state)
        if prefix == callbacks.RATE and len(parts) >= 2 and parts[0] in ("up", "down"):
            outcome = self._reply(state, t._("Thank you. This helps us improve the answers."))
            outcome.rated = (":".join(parts[1:]), parts[0] == "up")
            return outcome
        text = self._details(state, ":".join(parts)) if prefix == callbacks.MORE else None
        if text is None:
            stale = t._("That button is no longer active. Here is the menu.")
            return Outcome([self.main_menu(state, stale)], state)
        return self._reply(state, text)

    def _entries_menu(self, state: State, section: str, centre: CentreContent, intro: str) -> Outcome:
        t = self._t(state)
        entries = getattr(centre, section)
        buttons = tuple(
            (Button(e.title.get(t.lang), callbacks.make(callbacks.TOPIC, "entry", section, e.id)),)
            for e in entries
        )
        return Outcome([Reply(intro, (*buttons, menus.menu_row(t)))], replace(state, step=None))

    # --- answering a key ---------------------------------------------------------------------

    def answer_key(
        self, state: State, centre: CentreContent, key: str, reading: Reading | None
    ) -> Outcome | None:
        """The answer for a ranked item key ("entry:rules:pets", "group:x", "topic:hours")."""
        t = self._t(state)
        item = items.decode(key)
        today = self.local_now(centre).date()
        if isinstance(item, items.Entry):
            entry = next((e for e in getattr(centre, item.section) if e.id == item.id), None)
            return None if entry is None else self._reply(state, answers.entry(t, entry), more=key)
        if isinstance(item, items.Group) and any(g.id == item.id for g in centre.groups):
            return self._reply(state, answers.flats_for_group(t, centre, item.id))
        if not isinstance(item, items.Topic):
            return None
        rest = item.name
        if rest == "hours":
            return self._reply(state, answers.with_phone(t, centre, self.hours_answer(t, centre, reading)))
        if rest == "contact":
            return self._reply(state, answers.contact(t, centre))
        if rest == "flats":
            return self._menu_item(state, centre, callbacks.MENU_FLATS)
        if rest == "criterion":
            return self._reply(state, self.criterion_text(t, centre), more=key)
        if rest == "fees":
            text = fee_answers.fees_overview(t, self.content, centre, today)
            ask = t._("Write your monthly net income (for example: 1250 zł), and I will estimate the fee.")
            return self._reply(state, f"{text}\n\n{ask}", step=STEP_FEE, more=key)
        if rest == "apply":
            return self._reply(state, answers.apply(t, centre), more=key)
        if rest == "rules":
            intro = t._("Rules for residents. Choose a topic:")
            if centre.payment is not None:
                intro = f"{intro}\n\n{centre.payment.text.get(t.lang)}"
            return self._entries_menu(state, "rules", centre, intro)
        if rest == "law":
            return self._entries_menu(
                state, "legal", centre, t._("Legal basis and definitions. Choose a topic:")
            )
        if rest in ("greeting", "menu"):
            return Outcome([self.main_menu(state)], replace(state, step=None))
        if rest == "thanks":
            return self._reply(state, t._("You're welcome! Write to me if you have another question."))
        return None

    def criterion_text(self, t: Tr, centre: CentreContent) -> str:
        """The criterion in force today and, where the centre has one, its admission limit in zł."""
        today = self.local_now(centre).date()
        base = fee_answers.criterion(t, self.content, today)
        extra = fee_answers.admission_limit(t, self.content, centre, today)
        return f"{base}\n{extra}" if extra else base

    def local_now(self, centre: CentreContent) -> datetime:
        return self.clock.now().astimezone(ZoneInfo(centre.centre.timezone))

    def hours_answer(self, t: Tr, centre: CentreContent, reading: Reading | None) -> str:
        """Status now, or the hours of the day the question names (a weekday, today, tomorrow)."""
        now = self.local_now(centre)
        if reading is not None and reading.day is not None:
            if reading.at is not None:
                return answers.status(t, centre, datetime.combine(reading.day, reading.at, tzinfo=now.tzinfo))
            return answers.day_hours(t, centre, reading.day)
        if reading is not None and reading.weekday is not None:
            ahead = (reading.weekday - now.weekday()) % 7
            day = now.date() + timedelta(days=ahead)
            if reading.at is not None:
                return answers.status(t, centre, datetime.combine(day, reading.at, tzinfo=now.tzinfo))
            return answers.day_hours(t, centre, day)
        if reading is not None and reading.when == "tomorrow":
            return answers.day_hours(t, centre, now.date() + timedelta(days=1))
        if reading is not None and reading.at is not None:
            return answers.status(t, centre, datetime.combine(now.date(), reading.at, tzinfo=now.tzinfo))
        return answers.status(t, centre, now)

    # --- free text ---------------------------------------------------------------------------


class Dialogue:
    """The engine with each user's state kept in storage (the same for every door)."""

    def __init__(self, engine: Engine, db: Database) -> None:
        self.engine = engine
        self.db = db
        # Reading a question embeds it (15-35 ms of C code): that runs in one thread of its own,
        # never on the event loop, and that thread's analysers are opened once, at prepare().
        self._reader = ThreadPoolExecutor(max_workers=1, thread_name_prefix="reader")
        # A centre nobody asked about since the start is read and indexed first, in a thread of
        # its own: the reader goes on answering everyone else meanwhile (issue 15).
        self._opener = ThreadPoolExecutor(max_workers=2, thread_name_prefix="centre-open")

    async def prepare(self) -> None:
        """Build the content's indexes and vectors (seconds on a cold cache) off the event loop."""
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(self._reader, knowledge.prepare, self.engine.content)

    async def respond(self, state: State, incoming: Incoming) -> Outcome:
        loop = asyncio.get_running_loop()
        engine = self.engine
        choosing = incoming.button is not None and callbacks.split(incoming.button)[0] == callbacks.CENTRE
        if choosing or not knowledge.is_ready(engine.content, state.centre):
            # Which centres the message needs is cheap to say but not free (a city named in it):
            # the opener says it and reads them; a user whose centre is ready skips this.
            await loop.run_in_executor(self._opener, self._open, engine, state, incoming)
        return await loop.run_in_executor(self._reader, engine.respond, state, incoming)

    @staticmethod
    def _open(engine: Engine, state: State, incoming: Incoming) -> None:
        for cid in engine.centres_needed(state, incoming):
            knowledge.open_centre(engine.content, cid)

    async def handle(
        self,
        channel: str,
        external_id: str,
        incoming: Incoming,
        lang_hint: str | None = None,
        user: users.User | None = None,
    ) -> list[Reply]:
        """Replies to one message from one user; their centre, language and step are remembered.

        A door that has already read the user for this update passes it as `user` (read once).
        """
        now = self.engine.clock.now()
        if user is None or (user.channel, user.external_id) != (channel, external_id):
            user = await users.get_or_create_user(self.db, channel, external_id, now)
        if not user.active:  # someone who writes to us has unblocked us: broadcasts reach them again
            await users.set_active(self.db, user.id, now)
        lang = user.lang or (lang_hint if lang_hint in LANGS else None)
        if privacy.is_consent(incoming.button):  # issue 16: Yes/No to keeping an unanswered question
            answer = privacy.answer(self.db, channel, external_id, str(incoming.button), lang or "pl", now)
            return [await answer]
        conversations = Conversations(self.db, self.engine.clock)
        waiting = await conversations.current(user.id)  # the engine's steps live with every other flow
        state = state_of(user.centre, lang, waiting)
        outcome = await self.respond(state, incoming)
        new = outcome.state
        # The user's new state and what the answer recorded are one unit of work (the reading above
        # ran before it, off the loop, so no other user waits for it).
        async with self.db.transaction():
            if new.centre != user.centre:
                await users.set_centre(self.db, user.id, new.centre, now)
            if new.lang != user.lang:
                await users.set_lang(self.db, user.id, new.lang, now)
            before, after = flow_of(state), flow_of(new)
            if after != before:  # the engine's steps are stored with every flow (bot.flows)
                if after is not None:
                    await conversations.begin(user.id, after)
                elif before is not None:
                    await conversations.end(user.id, type(before))
            if outcome.rated and new.centre:  # issue 11: a 👍/👎 is one count for the answer, nothing more
                await record_rating(self.db, new.centre, *outcome.rated)
            if outcome.asked and new.centre:  # issue 13: questions per topic, answered vs fallback
                await count_question(self.db, new.centre, self._week(new.centre, now), outcome.asked)
            if outcome.unanswered and new.centre:  # issue 16: kept only with consent, scrubbed (privacy)
                question, where = outcome.unanswered, new.centre
                ask = privacy.offer(self.db, channel, external_id, where, new.lang or "pl", question, now)
                return [*outcome.replies, await ask]
        return outcome.replies

    def _week(self, centre_id: str, now: datetime) -> date:
        """The Monday of the centre's local week: the numbers page counts questions per week."""
        card = self.engine.content.card(centre_id)  # the card is enough: nothing is read here
        local = now.astimezone(ZoneInfo(card.timezone)) if card else now
        return local.date() - timedelta(days=local.weekday())

    async def reset(self, channel: str, external_id: str) -> None:
        """Forget the user entirely (/forget, in every door): their state, any resident record,
        every row that names them in any table (storage.forget) and their kept questions."""
        async with self.db.transaction():  # all of it, or (after a failure) none of it
            user = await users.get_user(self.db, channel, external_id)
            if user is not None:
                await users.delete_user(self.db, user.id)
            await forget_resident(self.db, channel, external_id)
            await forget_person(self.db, channel, external_id)
            await privacy.forget(self.db, channel, external_id)
        await scrub_old_pages(self.db)
