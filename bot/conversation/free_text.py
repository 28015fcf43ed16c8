"""Answering a typed message: crisis first, then the reading of it (bot.domain.understanding).

A part of the engine (bot.conversation.dialogue.Engine inherits it), split out by meaning: buttons and menus
stay there, free text lives here — the language to answer in, two questions in one message,
office hours for the day asked about, the best item or "did you mean", the honest fallback.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from typing import TYPE_CHECKING

from bot import callbacks
from bot.conversation import answers, centre_choice, menus
from bot.conversation.outcome import FALLBACK, Outcome, State, mask
from bot.domain import items
from bot.domain.centres import cards_of
from bot.domain.content import LANGS, CentreContent, Content
from bot.domain.cues import split_questions
from bot.domain.script import ukrainian_in_latin
from bot.domain.text import contains_phrase, fold, folded_words, is_cyrillic
from bot.domain.understanding import SMALL_TALK_KEYS, Fusion, Reading, read, signals_danger
from bot.i18n import Tr, tr
from bot.replies import Button, Reply

GROUP_SHARE = 0.6  # a target group this close to the best match wins (see preferred_key)
COMPANION_SHARE = 0.6  # a built-in fact this close is added to the answer
EVERY_CENTRE_UP_TO = 5  # more centres: a question without a centre is first asked which one


class FreeText:
    """Free-text answering; the engine provides what is declared below."""

    content: Content
    fusion: Fusion

    if TYPE_CHECKING:

        def _t(self, state: State) -> Tr: ...
        def start(self, state: State) -> Outcome: ...
        def main_menu(self, state: State, intro: str | None = None) -> Reply: ...
        def local_now(self, centre: CentreContent) -> datetime: ...
        def hours_answer(self, t: Tr, centre: CentreContent, reading: Reading | None) -> str: ...
        def _fee(self, state: State, centre: CentreContent, reading: Reading) -> Outcome | None: ...
        def _reply(
            self, state: State, text: str, step: str | None = None, more: str | None = None
        ) -> Outcome: ...
        def _ask_rating(self, state: State, outcome: Outcome, key: str) -> None: ...
        def criterion_text(self, t: Tr, centre: CentreContent) -> str: ...
        def answer_key(
            self, state: State, centre: CentreContent, key: str, reading: Reading | None
        ) -> Outcome | None: ...

    def _text(self, state: State, text: str) -> Outcome:
        t = self._t(state)
        if not text:
            if state.centre is None:
                return self.start(state)
            if state.step == centre_choice.STEP_CENTRE:  # still waiting for the town
                return centre_choice.chooser(t, self.content, state)
            return Outcome(
                [self.main_menu(state, t._("Please write your question or choose a topic."))], state
            )
        command = text.split()[0].lower() if text.startswith("/") else ""
        if command in ("/start", "/menu", "/help"):
            if state.step == centre_choice.STEP_CENTRE:
                state = replace(state, step=None)
            return self.start(state) if command == "/start" else Outcome([self.main_menu(state)], state)
        if state.lang is None:
            state = replace(state, lang=self.guess_lang(text))
            t = self._t(state)
        if centre_choice.is_finding(self.content, state):  # many centres: the town, found by name
            return centre_choice.find(t, self.content, state, text)
        centre_id = state.centre or self.centre_named(text)
        if centre_id is None:
            return self._for_every_centre(state, text)
        return self.answer_text(replace(state, centre=centre_id), text)

    def guess_lang(self, text: str) -> str:
        """Cyrillic means Ukrainian here; otherwise Polish, the centres' language."""
        return "uk" if is_cyrillic(text) else "pl"

    def centre_named(self, text: str) -> str | None:
        folded = " ".join(folded_words(text))
        for cid, stem in self._city_stems():
            if contains_phrase(folded, stem):
                return cid
        return None

    def _city_stems(self) -> tuple[tuple[str, str], ...]:
        """The start of each centre's city, folded once per content, from the centres' cards (so
        no centre's content is read to find out which centre a question names)."""
        cached: tuple[Content, tuple[tuple[str, str], ...]] | None = getattr(self, "_stems", None)
        if cached is None or cached[0] is not self.content:
            cards = cards_of(self.content.centres)
            cached = (self.content, tuple((cid, fold(card.city)[:6]) for cid, card in cards.items()))
            self._stems = cached
        return cached[1]

    def every_centre(self) -> tuple[str, ...]:
        """The centres a question without a centre is answered for: all of a few, none of many
        (an answer per centre for thousands of centres is no answer; the chooser comes first)."""
        return tuple(sorted(self.content.centres)) if len(self.content.centres) <= EVERY_CENTRE_UP_TO else ()

    def _for_every_centre(self, state: State, text: str) -> Outcome:
        """No centre chosen yet: answer for each one, then ask which is theirs."""
        t = self._t(state)
        replies = []
        if signals_danger(self.content, text):  # once, first, not once per centre
            replies.append(Reply(answers.crisis(t, self.content, text)))
        for cid in self.every_centre():
            centre = self.content.centres[cid]
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
        outcome = self._two_questions(state, centre, text, whole, reading) or whole
        if reading.currency_cue and outcome.unanswered is not None:
            # An amount in words ("tysiąc złotych") may be someone's income: never keep it.
            outcome.unanswered = None
        if reading.crisis and outcome.unanswered is not None:
            # Someone in danger gets the numbers and the centre, not "I don't know"; and what they
            # wrote is not kept, not even masked. The phone once: a crisis reply that already gives
            # it ("nowhere to sleep tonight") just carries the menu button.
            phone = centre.centre.phone
            if replies and phone and phone in replies[0].text:
                replies[0] = replace(replies[0], buttons=(menus.menu_row(t),))
                outcome = Outcome([], outcome.state, unanswered=None, asked=outcome.asked)
            else:
                contact = Reply(answers.contact_line(t, centre), (menus.menu_row(t),))
                outcome = Outcome([contact], outcome.state, unanswered=None, asked=outcome.asked)
        if replies and centre.centre.phone and centre.centre.phone in replies[0].text:
            outcome.replies = [_without_phone(r, centre.centre.phone) for r in outcome.replies]
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
        self, state: State, centre: CentreContent, text: str, whole: Outcome, told: Reading
    ) -> Outcome | None:
        """ "Ile kosztuje i czy mogę mieć kota?": each question answered, in one message. When
        the message as a whole is not understood, the questions in it that are still count.
        What the message `told` about income ("... how much would I pay? I make 1100 zł") holds
        for each of its questions, whichever sentence said it."""
        parts = split_questions(ukrainian_in_latin(text) or text)
        if len(parts) < 2:
            return None
        today = self.local_now(centre).date()
        answered: list[Outcome] = []
        for i, part in enumerate(parts):
            outcome = self._part_answer(state, centre, part, today, told)
            if outcome is None and i > 0:
                # "... 'mieszkanie chronione'. What is it?": the question points at the sentence
                # before it, so it is read once more with it.
                outcome = self._part_answer(state, centre, f"{parts[i - 1]}. {part}", today, told)
            texts = [o.replies[0].text for o in answered]
            if outcome is not None and outcome.replies[0].text not in texts:
                answered.append(outcome)
        if len(answered) < (2 if whole.unanswered is None else 1):
            return None
        first = answered[0]
        body = "\n\n".join(o.replies[0].text for o in answered)
        step = next((o.state.step for o in answered if o.state.step), None)
        first.replies[0] = replace(first.replies[0], text=body)
        return Outcome(first.replies[:1], replace(first.state, step=step), asked=first.asked)

    def _part_answer(
        self, state: State, centre: CentreContent, part: str, today: date, told: Reading
    ) -> Outcome | None:
        """The answer to one question of a message, or None when it has none of its own."""
        reading = read(self.content, centre, part, today, self.fusion)
        if reading.best is not None and reading.best.key in SMALL_TALK_KEYS:
            return None  # "Dzień dobry." before the question is no question of its own
        outcome = self._answer_reading(state, centre, reading, part)
        if outcome.asked == "topic:fees" and not reading.amounts and told.amounts:
            outcome = self._answer_reading(state, centre, _with_numbers(reading, told), part)
        return outcome if outcome.unanswered is None and outcome.replies else None

    def _understood(self, state: State, centre: CentreContent, reading: Reading, text: str) -> Outcome:
        t = self._t(state)
        best = reading.best
        hours_like = best is not None and best.key == items.HOURS
        named_day = (
            reading.weekday is not None or reading.when is not None or reading.at is not None
        ) or reading.day is not None
        if not hours_like and named_day and any(m.key == items.HOURS for m in reading.matches[:3]):
            hours_like = True
        # "can I call now?", "is anyone there tomorrow?": contact at a time is whether it is open.
        if not hours_like and reading.when is not None and best is not None and best.key == "topic:contact":
            hours_like = True
        # "od której jesteście w środę?", "3 maja czynne?": a named day and nothing better
        # understood is about hours.
        if not hours_like and (reading.weekday is not None or reading.day) and not reading.confident:
            hours_like = True
        if hours_like and reading.crisis and (best is None or best.key != items.HOURS):
            # "nie mam gdzie spać dziś": a time word beside danger is not a question about hours.
            hours_like = False
        if hours_like:
            text_out = self.hours_answer(t, centre, reading)
            if any(m.key == items.CONTACT for m in reading.matches[:3]):  # "adres biura i godziny"
                text_out = answers.with_contact(t, centre, text_out)
            else:
                text_out = answers.with_phone(t, centre, text_out)
            hours_reply = self._reply(state, text_out)
            self._ask_rating(state, hours_reply, items.HOURS)
            return hours_reply
        if reading.flats and (
            best is None or not reading.confident or best.key.startswith(("group:", "topic:"))
        ):
            text_out = "\n\n".join(answers.flat(t, centre, flat_id) for flat_id in reading.flats)
            flats = self._reply(state, text_out)
            flats.asked = "topic:flats"
            return flats
        if reading.confident and best is not None:
            key = self.preferred_key(centre, reading)
            outcome = self.answer_key(state, centre, key, reading)
            if outcome is not None:
                self._ask_rating(state, outcome, key)
                extra = self.companion(state, centre, reading, key)
                if extra:
                    first = outcome.replies[0]
                    outcome.replies[0] = replace(first, text=f"{first.text}\n\n{extra}")
                return outcome
        return self._fallback(state, centre, reading, text)

    def preferred_key(self, centre: CentreContent, reading: Reading) -> str:
        """A named target group beats a general entry: people asking "for me?" want the flats.
        Not a group without the flat the message names by its street: "на вулиці Lompy" also
        reads as "on the street" (homeless men), and "na Zimnej Wody ... po leczeniu
        psychiatrycznym" asks about two groups; the general answer covers the street."""
        best = reading.matches[0]
        named = [f for f in centre.flats if f.id in reading.flats]
        for match in reading.matches[1:3]:
            group = match.key.removeprefix("group:")
            if (
                match.key.startswith("group:")
                and match.score >= GROUP_SHARE * best.score
                and not best.key.startswith("group:")
                and (not named or any(group in f.groups for f in named))
            ):
                return match.key
        return best.key

    def companion(self, state: State, centre: CentreContent, reading: Reading, key: str) -> str | None:
        """A short built-in fact that the question also asks for (the criterion, the contact)."""
        t = self._t(state)
        best = reading.matches[0]
        for match in reading.matches[:5]:
            # A question about income ("maksymalny dochód") wants the criterion's amount in zł
            # beside an answer that gives it as a share, however far behind the criterion ranks.
            wanted = match.key == items.CRITERION and reading.income_cue
            if match.key == key or (match.score < COMPANION_SHARE * best.score and not wanted):
                continue
            if match.key == items.CRITERION:
                return self.criterion_text(t, centre)
            if match.key == items.CONTACT:
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
                asked=FALLBACK,
            )
        lines = [t._("I don't know the answer to that, sorry."), answers.contact_line(t, centre)]
        if suggestions:
            lines.insert(1, t._("Maybe one of these topics helps:"))
        return Outcome(
            [Reply("\n".join(lines), (*suggestions, menus.menu_row(t)))],
            replace(state, step=None),
            unanswered=mask(text),
            asked=FALLBACK,
        )


def _without_phone(reply: Reply, phone: str) -> Reply:
    """A reply after a crisis reply that already gave the centre's phone: its phone lines dropped
    (the phone once per answer)."""
    lines = [line for line in reply.text.split("\n") if phone not in line]
    return replace(reply, text="\n".join(lines).strip()) if len(lines) < reply.text.count("\n") + 1 else reply


def _with_numbers(part: Reading, whole: Reading) -> Reading:
    """A part of a message about the fee, with the income the message states elsewhere."""
    return replace(
        part,
        amounts=whole.amounts,
        income_cue=part.income_cue or whole.income_cue,
        currency_cue=part.currency_cue or whole.currency_cue,
        household=part.household if part.household is not None else whole.household,
        income_sum=whole.income_sum,
        gross=part.gross or whole.gross,
    )
