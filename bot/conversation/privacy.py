"""What may be kept of a question the bot could not answer: only with consent, only scrubbed.

Staff need to know *what* people ask that the content does not cover, never *who* asked or anything
about them. So an unanswered question is (1) scrubbed at once: names, addresses, phone numbers,
e-mails, links, every digit and health words are replaced by placeholders; (2) kept aside as
"pending" (scrubbed) while the user is asked one short line with Yes/No buttons; (3) only on "Yes"
moved to the unanswered log, under a one-way hash of the asker (so `/forget` can delete it), for at
most 90 days (storage.unanswered). "No", another question, or `/forget` drops it.

Names are found with Morfeusz 2, the Polish morphological dictionary (its proper-name tags: first
name, surname, place), when it is installed; in any case every capitalised word that does not start
a sentence is taken for a name (that covers Ukrainian and English names, which Morfeusz does not know).

The engine calls two functions (see `offer` and `answer`); everything else is internal.

"Forget me" has one rule for every door (`ask_to_forget`, `forget_decision`, `answer_to_forget`):
the question is a stored flow (bot.flows.ForgetConfirm, with its hour), so a restart between the
question and the Yes loses nothing, and only a Yes while that flow is current deletes.
"""

from __future__ import annotations

import hashlib
import logging
import re
from datetime import datetime
from enum import StrEnum
from functools import lru_cache
from typing import Any, Final

from bot import callbacks
from bot.flows import Conversations, Expired, Flow, ForgetConfirm
from bot.i18n import tr
from bot.replies import Button, Reply
from storage import unanswered as store
from storage.database import Database

log = logging.getLogger("bot.privacy")

CONSENT_YES: Final = callbacks.make(callbacks.UNANSWERED, "yes")
CONSENT_NO: Final = callbacks.make(callbacks.UNANSWERED, "no")
NAME: Final = "[…]"
NUMBER: Final = "#"
MAX_KEPT: Final = 200  # characters of a scrubbed question

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
_LINK = re.compile(r"(https?://|www\.)\S+", re.IGNORECASE)
_PHONE = re.compile(r"\+?\d[\d\s().-]{5,}\d")
_DIGITS = re.compile(r"\d+")
# "ul. Zawiszy 5", "al. Korfantego", "os. Sikornik", "вул. Шевченка": the street word and what follows.
_ADDRESS = re.compile(
    r"\b(ul|ulica|ulicy|al|aleja|alei|os|osiedle|osiedlu|pl|plac|placu|вул|вулиця|вулиці|street|st|road)"
    r"\.?\s+[^\s.,;:!?]+(\s+#?\d[\w/-]*)?",
    re.IGNORECASE,
)
# Health is a special category (RODO art. 9): the word goes, the question stays.
_HEALTH = re.compile(
    r"\b\w*(psychiatr|psycholog|terapi|leczę|leczy|leczen|szpital|chor[oay]|depresj|schizofren|uzależn|"
    r"alkohol|narkot|odwyk|hiv|ciąż|niepełnospr|лікар|лікув|хвор|психіатр|депрес|залежн|вагітн|"
    r"hospital|illness|disease|therapy|psychiatr|addict|pregnan|disabilit)\w*",
    re.IGNORECASE,
)
_WORD = re.compile(r"[^\W\d_][^\W\d_'’-]*", re.UNICODE)
_SENTENCE_END = re.compile(r"[.!?…]\s*$")
KEEP_CAPITALISED: Final = frozenset({"OPS", "MOPS", "MOPR", "PCPR", "ZUS", "NFZ", "RODO", "I"})


@lru_cache(maxsize=1)
def _morfeusz() -> Any:
    try:
        import morfeusz2

        return morfeusz2.Morfeusz()
    except Exception:  # not installed, or no dictionary: the capitalisation rule still applies
        log.info("morfeusz2 is not available; names are recognised by capitalisation only")
        return None


@lru_cache(maxsize=4096)
def proper_name(word: str) -> bool:
    """Morfeusz marks the word as a first name, surname or geographic name."""
    morfeusz = _morfeusz()
    if morfeusz is None:
        return False
    for _, _, (_, _, _, names, _) in morfeusz.analyse(word):
        if any(n in ("imię", "nazwisko", "nazwa_geograficzna", "nazwa_organizacji") for n in names):
            return True
    return False


def _names(text: str) -> str:
    out, last = [], 0
    for match in _WORD.finditer(text):
        word = match.group(0)
        if not word[0].isupper() or word in KEEP_CAPITALISED:
            continue
        starts_sentence = not text[: match.start()].strip() or bool(
            _SENTENCE_END.search(text[: match.start()])
        )
        if starts_sentence and not proper_name(word):
            continue
        out.append(text[last : match.start()] + NAME)
        last = match.end()
    out.append(text[last:])
    return "".join(out)


def scrub(text: str) -> str:
    """The question with nothing personal left: placeholders for names, addresses, contacts, numbers."""
    text = _EMAIL.sub(NAME, text)
    text = _LINK.sub(NAME, text)
    text = _ADDRESS.sub(NAME, text)
    text = _PHONE.sub(NUMBER, text)
    text = _DIGITS.sub(NUMBER, text)
    text = _HEALTH.sub(NAME, text)
    text = _names(text)
    text = re.sub(r"(\[…\][\s,]*){2,}", NAME + " ", text)  # "[…] […]" -> one placeholder
    return re.sub(r"\s+", " ", text).strip()[:MAX_KEPT]


def asker_key(channel: str, external_id: str) -> str:
    """A one-way key of the asker: finds their rows for /forget, does not show who they are."""
    return hashlib.sha256(f"unanswered:{channel}:{external_id}".encode()).hexdigest()


def consent_question(lang: str) -> Reply:
    """The one short line with Yes/No buttons."""
    t = tr(lang)
    return Reply(
        t._("May I keep this question, without your name or numbers, so staff can add an answer?"),
        ((Button(t._("Yes"), CONSENT_YES), Button(t._("No"), CONSENT_NO)),),
    )


async def offer(
    db: Database,
    channel: str,
    external_id: str,
    centre: str,
    lang: str,
    question: str,
    now: datetime,
) -> Reply:
    """The engine could not answer `question`: keep it scrubbed, pending consent; the Reply to show."""
    await store.set_pending(db, asker_key(channel, external_id), centre, lang, scrub(question), now)
    return consent_question(lang)


def is_consent(button: str | None) -> bool:
    return button in (CONSENT_YES, CONSENT_NO)


async def answer(
    db: Database, channel: str, external_id: str, button: str, lang: str, now: datetime
) -> Reply:
    """The user pressed Yes or No: keep the pending question in the log, or drop it; the reply."""
    t = tr(lang)
    asker = asker_key(channel, external_id)
    if button == CONSENT_YES and await store.keep_pending(db, asker, now):
        return Reply(t._("Thank you. The question is kept without anything personal for at most 90 days."))
    await store.drop_pending(db, asker)
    return Reply(t._("All right, the question is not kept."))


async def forget(db: Database, channel: str, external_id: str) -> None:
    """/forget: every kept and pending question of this person."""
    await store.forget_asker(db, asker_key(channel, external_id))


# --- "forget me": the confirmation, in every door ------------------------------------------------


class ForgetDecision(StrEnum):
    """What an answer to "delete everything?" does."""

    DELETE = "delete"  # a Yes while the question is current: the door deletes everything
    KEEP = "keep"  # a No: nothing is deleted, the question is closed
    EXPIRED = "expired"  # a Yes after the hour, or never asked (stale or forged): nothing is deleted


def forget_decision(waiting: Flow | Expired | None, yes: bool) -> ForgetDecision:
    """The one rule: only a Yes while the stored ForgetConfirm is current deletes. An expired
    question (its hour is over) and a question never asked (a forged or stale button) delete
    nothing, whatever the button says."""
    if not yes:
        return ForgetDecision.KEEP
    return ForgetDecision.DELETE if isinstance(waiting, ForgetConfirm) else ForgetDecision.EXPIRED


async def ask_to_forget(flows: Conversations, user_id: int) -> None:
    """The question was shown: store it with the user, for its hour (it survives a restart)."""
    await flows.begin(user_id, ForgetConfirm())


async def answer_to_forget(flows: Conversations, user_id: int | None, yes: bool) -> ForgetDecision:
    """Decide an answer from the stored flow; an answer that deletes nothing closes the question.
    On DELETE the question stays until the door's deletion removes it with the user row."""
    waiting = await flows.current(user_id) if user_id is not None else None
    decision = forget_decision(waiting, yes)
    if decision is not ForgetDecision.DELETE and user_id is not None:
        await flows.end(user_id, ForgetConfirm)
    return decision
