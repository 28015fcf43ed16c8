"""The conversation: (state, message or button) -> replies and the next state. No Telegram here.

`Engine.respond` is a plain function of its inputs (content, clock, state, message), so every door
and every test drives the same logic; `Dialogue` adds the user's stored state around it.
"""

from __future__ import annotations

import asyncio
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import aiosqlite

from bot import answers, callbacks, fee_answers, menus, privacy
from bot import more as extra
from bot.clock import Clock
from bot.domain import knowledge
from bot.domain.content import LANGS, CentreContent, Content
from bot.domain.cues import split_questions
from bot.domain.script import ukrainian_in_latin
from bot.domain.text import clean, contains_phrase, fold, folded_words, is_cyrillic
from bot.domain.understanding import FUSION, Fusion, Reading, read, signals_danger
from bot.fee_flow import STEP_FEE, fee_reply
from bot.i18n import Tr, tr
from bot.replies import Button, Reply
from storage import users
from storage.ratings import record_rating
from storage.residents import forget_resident

GROUP_SHARE = 0.6  # a target group this close to the best match wins (see preferred_key)
COMPANION_SHARE = 0.6  # a built-in fact this close is added to the answer


@dataclass(frozen=True)
class State:
    """What the engine remembers about a user between messages."""

    centre: str | None = None
    lang: str | None = None
    step: str | None = None


@dataclass(frozen=True)
class Incoming:
    """A typed message or a pressed button (callback data)."""

    text: str | None = None
    button: str | None = None


@dataclass
class Outcome:
    replies: list[Reply]
    state: State
    unanswered: str | None = None  # the question, masked, when the engine could not answer it
    rated: tuple[str, bool] | None = None  # a 👍/👎 on an answer key, counted (never any text)


def mask(text: str) -> str:
    """A question as staff may see it: digit runs hidden (incomes, phone numbers), length capped."""
    return re.sub(r"\d+", "#", clean(text))[:200]


class Engine:
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

    # --- menus -------------------------------------------------------------------------------

    def _t(self, state: State) -> Tr:
        return tr(state.lang or "pl")

    def main_menu(self, state: State, intro: str | None = None) -> Reply:
        centre = self.content.centres[state.centre] if state.centre else None
        return menus.main_menu(self._t(state), centre, intro, handover=self.handover)

    def _fee(self, state: State, centre: CentreContent, reading: Reading) -> Outcome | None:
        """A stated income goes straight to the estimate (bot.fee_flow)."""
        today = self.local_now(centre).date()
        found = fee_reply(self._t(state), self.content, centre, reading, state.step == STEP_FEE, today)
        if found is None:
            return None
        outcome = self._reply(state, found.text, step=found.step, more=found.more)
        if found.more is not None:  # an estimate (not a request to write the income again)
            self._ask_rating(state, outcome, "topic:fees")
        return outcome

    def start(self, state: State) -> Outcome:
        """First contact, or /start: choose what is missing, then the main menu."""
        t = self._t(state)
        hello = t._("Hello! I answer questions about training and supported flats.")
        # Say it is a machine (AI Act art. 50): one short line, before anything else.
        hello += "\n" + t._("I am an automatic assistant, not a person. I do not decide anything.")
        if state.centre is None:
            return Outcome(
                [menus.choose_centre(self._t(state), self.content, hello)], replace(state, step=None)
            )
        if state.lang is None:
            return Outcome([menus.choose_lang()], replace(state, step=None))
        return Outcome([self.main_menu(state, hello)], replace(state, step=None))

    # --- buttons -----------------------------------------------------------------------------

    def _button(self, state: State, data: str) -> Outcome:
        prefix, parts = callbacks.split(data)
        if prefix in (callbacks.MORE, callbacks.RATE) and state.centre and state.lang:
            return self._more_or_rate(state, prefix, parts)
        value = parts[0] if parts else ""
        if prefix == callbacks.CENTRE and value in self.content.centres:
            state = replace(state, centre=value, step=None)
            return self.start(state)
        if prefix == callbacks.LANG and value in LANGS:
            state = replace(state, lang=value, step=None)
            return self.start(state)
        if prefix == callbacks.MENU and value == callbacks.MENU_CENTRE:
            return Outcome([menus.choose_centre(self._t(state), self.content)], replace(state, step=None))
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
            more_row = (extra.button(t, "topic:flats"),)
            return Outcome([Reply(answers.flats(t, centre), (*buttons, more_row, menus.menu_row(t)))], state)
        if item == callbacks.MENU_APPLY:
            return self.answer_key(state, centre, "topic:apply", None) or self.start(state)
        if item == callbacks.MENU_RULES:
            return self.answer_key(state, centre, "topic:rules", None) or self.start(state)
        if item == callbacks.MENU_LAW:
            return self.answer_key(state, centre, "topic:law", None) or self.start(state)
        if item == callbacks.MENU_FEES:
            return self.answer_key(state, centre, "topic:fees", None) or self.start(state)
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
        first = outcome.replies[0]
        data = [callbacks.make(callbacks.RATE, vote, *key.split(":")) for vote in ("up", "down")]
        row = (Button("👍", data[0]), Button("👎", data[1]))
        outcome.replies[0] = replace(first, buttons=(*first.buttons[:-1], row, *first.buttons[-1:]))

    def _more_or_rate(self, state: State, prefix: str, parts: list[str]) -> Outcome:
        """The "More" text of an answer (bot.more), or thanks for a 👍/👎 (counted by Dialogue)."""
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
        kind, _, rest = key.partition(":")
        today = self.local_now(centre).date()
        if kind == "entry":
            section, _, entry_id = rest.partition(":")
            entries = (
                getattr(centre, section, ()) if section in ("recruitment", "rules", "legal", "faq") else ()
            )
            item = next((e for e in entries if e.id == entry_id), None)
            return None if item is None else self._reply(state, answers.entry(t, item), more=key)
        if kind == "group" and any(g.id == rest for g in centre.groups):
            return self._reply(state, answers.flats_for_group(t, centre, rest))
        if kind != "topic":
            return None
        if rest == "hours":
            return self._reply(state, self.hours_answer(t, centre, reading))
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

    def _text(self, state: State, text: str) -> Outcome:
        t = self._t(state)
        if not text:
            if state.centre is None:
                return self.start(state)
            return Outcome(
                [self.main_menu(state, t._("Please write your question or choose a topic."))], state
            )
        command = text.split()[0].lower() if text.startswith("/") else ""
        if command in ("/start", "/menu", "/help"):
            return self.start(state) if command == "/start" else Outcome([self.main_menu(state)], state)
        if state.lang is None:
            state = replace(state, lang=self.guess_lang(text))
            t = self._t(state)
        centre_id = state.centre or self.centre_named(text)
        if centre_id is None:
            return self._for_every_centre(state, text)
        return self.answer_text(replace(state, centre=centre_id), text)

    def guess_lang(self, text: str) -> str:
        """Cyrillic means Ukrainian here; otherwise Polish, the centres' language."""
        return "uk" if is_cyrillic(text) else "pl"

    def centre_named(self, text: str) -> str | None:
        folded = " ".join(folded_words(text))
        for cid, centre in self.content.centres.items():
            stem = fold(centre.centre.city)[:6]
            if contains_phrase(folded, stem):
                return cid
        return None

    def _for_every_centre(self, state: State, text: str) -> Outcome:
        """No centre chosen yet: answer for each one, then ask which is theirs."""
        t = self._t(state)
        replies = []
        if signals_danger(self.content, text):  # once, first, not once per centre
            replies.append(Reply(answers.crisis(t, self.content, text)))
        for cid, centre in sorted(self.content.centres.items()):
            outcome = self.answer_text(replace(state, centre=cid), text, crisis_shown=bool(replies))
            body = "\n\n".join(r.text for r in outcome.replies)
            replies.append(Reply(f"【{centre.centre.name.get(t.lang)}】\n{body}"))
        replies.append(menus.choose_centre(self._t(state), self.content))
        return Outcome(replies, replace(state, step=None))

    def answer_text(self, state: State, text: str, crisis_shown: bool = False) -> Outcome:
        """Answer a question for the state's centre: crisis first, then the best reading.

        The reply is in the message's own language when it is clearly another of ours (with a
        button to keep it); Russian is read and answered in the chosen language.
        """
        assert state.centre is not None
        centre = self.content.centres[state.centre]
        reading = read(self.content, centre, text, self.local_now(centre).date(), self.fusion)
        chosen = state.lang
        spoken = reading.language if reading.language in LANGS else chosen
        if spoken != chosen:
            state = replace(state, lang=spoken)
        t = self._t(state)
        replies: list[Reply] = []
        if reading.crisis and not crisis_shown:
            replies.append(Reply(answers.crisis(t, self.content, text, centre)))
        whole = self._answer_reading(state, centre, reading, text)
        outcome = self._two_questions(state, centre, text, whole) or whole
        if reading.currency_cue and outcome.unanswered is not None:
            # An amount in words ("tysiąc złotych") may be someone's income: never keep it.
            outcome.unanswered = None
        if reading.crisis and outcome.unanswered is not None:
            # Someone in danger gets the numbers and the centre, not "I don't know"; and what they
            # wrote is not kept, not even masked.
            outcome = Outcome(
                [Reply(answers.contact_line(t, centre), (menus.menu_row(t),))], outcome.state, unanswered=None
            )
        outcome.replies[:0] = replies
        if spoken != chosen and spoken is not None:
            outcome = self._offer_language(outcome, spoken, chosen)
        return outcome

    def _answer_reading(self, state: State, centre: CentreContent, reading: Reading, text: str) -> Outcome:
        return self._fee(state, centre, reading) or self._understood(state, centre, reading, text)

    def _offer_language(self, outcome: Outcome, spoken: str, chosen: str | None) -> Outcome:
        """Answered in the message's language: keep the chosen one, offer to switch for good."""
        last = outcome.replies[-1]
        switch = Button(
            tr(spoken)._("Always answer in this language"), callbacks.make(callbacks.LANG, spoken)
        )
        outcome.replies[-1] = replace(last, buttons=(*last.buttons, (switch,)))
        outcome.state = replace(outcome.state, lang=chosen)
        return outcome

    def _two_questions(
        self, state: State, centre: CentreContent, text: str, whole: Outcome
    ) -> Outcome | None:
        """ "Ile kosztuje i czy mogę mieć kota?": each question answered, in one message. When
        the message as a whole is not understood, the questions in it that are still count."""
        parts = split_questions(ukrainian_in_latin(text) or text)
        if len(parts) < 2:
            return None
        today = self.local_now(centre).date()
        answered: list[Outcome] = []
        for part in parts:
            reading = read(self.content, centre, part, today, self.fusion)
            outcome = self._answer_reading(state, centre, reading, part)
            texts = [o.replies[0].text for o in answered]
            if outcome.unanswered is None and outcome.replies and outcome.replies[0].text not in texts:
                answered.append(outcome)
        if len(answered) < (2 if whole.unanswered is None else 1):
            return None
        first = answered[0]
        body = "\n\n".join(o.replies[0].text for o in answered)
        step = next((o.state.step for o in answered if o.state.step), None)
        first.replies[0] = replace(first.replies[0], text=body)
        return Outcome(first.replies[:1], replace(first.state, step=step))

    def _understood(self, state: State, centre: CentreContent, reading: Reading, text: str) -> Outcome:
        t = self._t(state)
        best = reading.best
        hours_like = best is not None and best.key == "topic:hours"
        named_day = (
            reading.weekday is not None or reading.when is not None or reading.at is not None
        ) or reading.day is not None
        if not hours_like and named_day and any(m.key == "topic:hours" for m in reading.matches[:3]):
            hours_like = True
        # "od której jesteście w środę?", "3 maja czynne?": a named day and nothing better
        # understood is about hours.
        if not hours_like and (reading.weekday is not None or reading.day) and not reading.confident:
            hours_like = True
        if hours_like:
            text_out = self.hours_answer(t, centre, reading)
            if any(m.key == "topic:contact" for m in reading.matches[:3]):  # "adres biura i godziny"
                text_out = answers.with_contact(t, centre, text_out)
            hours_reply = self._reply(state, text_out)
            self._ask_rating(state, hours_reply, "topic:hours")
            return hours_reply
        if reading.flats and (
            best is None or not reading.confident or best.key.startswith(("group:", "topic:"))
        ):
            text_out = "\n\n".join(answers.flat(t, centre, flat_id) for flat_id in reading.flats)
            return self._reply(state, text_out)
        if reading.confident and best is not None:
            key = self.preferred_key(reading)
            outcome = self.answer_key(state, centre, key, reading)
            if outcome is not None:
                self._ask_rating(state, outcome, key)
                extra = self.companion(state, centre, reading, key)
                if extra:
                    first = outcome.replies[0]
                    outcome.replies[0] = replace(first, text=f"{first.text}\n\n{extra}")
                return outcome
        return self._fallback(state, centre, reading, text)

    def preferred_key(self, reading: Reading) -> str:
        """A named target group beats a general entry: people asking "for me?" want the flats."""
        best = reading.matches[0]
        for match in reading.matches[1:3]:
            if (
                match.key.startswith("group:")
                and match.score >= GROUP_SHARE * best.score
                and not best.key.startswith("group:")
            ):
                return match.key
        return best.key

    def companion(self, state: State, centre: CentreContent, reading: Reading, key: str) -> str | None:
        """A short built-in fact that the question also asks for (the criterion, the contact)."""
        t = self._t(state)
        best = reading.matches[0]
        for match in reading.matches[:5]:
            if match.key == key or match.score < COMPANION_SHARE * best.score:
                continue
            if match.key == "topic:criterion":
                return self.criterion_text(t, centre)
            if match.key == "topic:contact":
                return answers.contact_line(t, centre)
        return None

    def _fallback(self, state: State, centre: CentreContent, reading: Reading, text: str) -> Outcome:
        """Say honestly that we do not know; offer the closest topics and the centre's contact."""
        t = self._t(state)
        suggestions: list[tuple[Button, ...]] = []
        keys = reading.close or tuple(m.key for m in reading.matches)
        for key in keys:
            label = menus.key_label(t, centre, key)
            if label and len(suggestions) < 3 and all(b[0].label != label for b in suggestions):
                suggestions.append((Button(label, callbacks.make(callbacks.TOPIC, key)),))
        if reading.close and suggestions:
            # Near enough to guess, not enough to answer: ask back instead of refusing.
            # The contact too: the guess may be wrong, and then a person can help.
            lines = [t._("Did you mean one of these?"), answers.contact_line(t, centre)]
            return Outcome(
                [Reply("\n".join(lines), (*suggestions, menus.menu_row(t)))],
                replace(state, step=None),
                unanswered=mask(text),
            )
        lines = [t._("I don't know the answer to that, sorry."), answers.contact_line(t, centre)]
        if suggestions:
            lines.insert(1, t._("Maybe one of these topics helps:"))
        return Outcome(
            [Reply("\n".join(lines), (*suggestions, menus.menu_row(t)))],
            replace(state, step=None),
            unanswered=mask(text),
        )


class Dialogue:
    """The engine with each user's state kept in storage (the same for every door)."""

    def __init__(self, engine: Engine, db: aiosqlite.Connection) -> None:
        self.engine = engine
        self.db = db
        # Reading a question embeds it (15-35 ms of C code): that runs in one thread of its own,
        # never on the event loop, and that thread's analysers are opened once, at prepare().
        self._reader = ThreadPoolExecutor(max_workers=1, thread_name_prefix="reader")

    async def prepare(self) -> None:
        """Build the content's indexes and vectors (seconds on a cold cache) off the event loop."""
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(self._reader, knowledge.prepare, self.engine.content)

    async def respond(self, state: State, incoming: Incoming) -> Outcome:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._reader, self.engine.respond, state, incoming)

    async def handle(
        self, channel: str, external_id: str, incoming: Incoming, lang_hint: str | None = None
    ) -> list[Reply]:
        """Replies to one message from one user; their centre, language and step are remembered."""
        now = self.engine.clock.now()
        user = await users.get_or_create_user(self.db, channel, external_id, now)
        if not user.active:  # someone who writes to us has unblocked us: broadcasts reach them again
            await users.set_active(self.db, user.id, now)
        lang = user.lang or (lang_hint if lang_hint in LANGS else None)
        if privacy.is_consent(incoming.button):  # issue 16: Yes/No to keeping an unanswered question
            answer = privacy.answer(self.db, channel, external_id, str(incoming.button), lang or "pl", now)
            return [await answer]
        state = State(user.centre, lang, user.step)
        outcome = await self.respond(state, incoming)
        new = outcome.state
        if new.centre != user.centre:
            await users.set_centre(self.db, user.id, new.centre, now)
        if new.lang != user.lang:
            await users.set_lang(self.db, user.id, new.lang, now)
        if new.step != user.step:
            await users.set_step(self.db, user.id, new.step, now)
        if outcome.rated and new.centre:  # issue 11: a 👍/👎 is one count for the answer, nothing more
            await record_rating(self.db, new.centre, *outcome.rated)
        if outcome.unanswered and new.centre:  # issue 16: kept only with consent, scrubbed (bot/privacy.py)
            question, where = outcome.unanswered, new.centre
            ask = privacy.offer(self.db, channel, external_id, where, new.lang or "pl", question, now)
            return [*outcome.replies, await ask]
        return outcome.replies

    async def reset(self, channel: str, external_id: str) -> None:
        """Forget the user entirely (e.g. /forget): their state, and any resident record."""
        user = await users.get_user(self.db, channel, external_id)
        if user is not None:
            await users.delete_user(self.db, user.id)
        await forget_resident(self.db, channel, external_id)
