"""The rest of an answer behind "More": legal basis, full lists, arithmetic, sources, hard words.

An answer's first message stays short (issue 11). Its details are rebuilt from the key in the
button's callback data (`w:<key>`), so the engine keeps no state: for a fee estimate the key holds
the household size and the income in grosze (`w:fee:2:150000`). That number lives only in the
user's own chat, where they wrote it; it is not stored or logged here.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from bot import answers, callbacks, fee_answers
from bot.domain import items
from bot.domain.content import CentreContent, Content, Entry
from bot.domain.fees import FeeEstimate, FeeInputError, estimate_fee
from bot.i18n import Tr
from bot.replies import Button

SECTIONS = ("recruitment", "rules", "legal", "faq")


def button(t: Tr, key: str) -> Button:
    return Button(t._("More"), callbacks.make(callbacks.MORE, *key.split(":")))


def fee_key(result: FeeEstimate) -> str:
    """The key that rebuilds this estimate's details: household and the total income in grosze."""
    total = result.income * result.household
    return items.encode(items.FeeEstimate(result.household, int((total * 100).to_integral_value())))


def _stems(phrase: str) -> re.Pattern[str]:
    """ "decyzja administracyjna" also as "decyzji administracyjnej": each word by its start."""
    parts = [re.escape(w[: max(4, len(w) - 3)]) + r"\w*" for w in phrase.casefold().split()]
    return re.compile(r"\s+".join(parts))


def explanations(t: Tr, content: Content, shown: str) -> list[str]:
    """The glossary's plain-words explanation of each hard word the first message used."""
    folded = shown.casefold()
    return [
        term.explain.get(t.lang)
        for term in content.glossary.terms
        if term.explain is not None and _stems(term.word.get(t.lang)).search(folded)
    ]


def sources(t: Tr, content: Content, source: str) -> list[str]:
    names = content.glossary.source_names(source, t.lang)
    return [t._("Source: {source}.").format(source=", ".join(names))] if names else []


def _entry(t: Tr, content: Content, centre: CentreContent, section: str, entry_id: str) -> str | None:
    items: tuple[Entry, ...] = getattr(centre, section, ()) if section in SECTIONS else ()
    item = next((e for e in items if e.id == entry_id), None)
    if item is None:
        return None
    parts = [item.more.get(t.lang)] if item.more else []
    parts += explanations(t, content, item.text.get(t.lang))
    if not parts:
        return None
    return "\n".join([*parts, *sources(t, content, item.source)])


def _fee(t: Tr, content: Content, centre: CentreContent, item: items.FeeEstimate, today: date) -> str | None:
    household, grosze = item.household, Decimal(item.grosze) / 100
    try:
        result = estimate_fee(centre.fees, content.criteria, grosze, today, household)
    except FeeInputError:
        return None
    return fee_answers.estimate_details(t, content, centre, result, today)


def _topic(t: Tr, content: Content, centre: CentreContent, topic: str, today: date) -> str | None:
    if topic == "fees":
        return fee_answers.fees_rules(t, content, centre, today)
    if topic == "criterion":
        return fee_answers.criterion_details(t, content, today)
    if topic == "flats":
        return answers.flats_details(t, centre)
    if topic == "apply":
        return answers.apply_details(t, centre)
    return None


def details(t: Tr, content: Content, centre: CentreContent, key: str, today: date) -> str | None:
    """The text behind "More" for an answer key, or None when the answer has nothing more."""
    item = items.decode(key)
    if isinstance(item, items.Entry):
        return _entry(t, content, centre, item.section, item.id)
    if isinstance(item, items.Topic):
        return _topic(t, content, centre, item.name, today)
    if isinstance(item, items.FeeEstimate):
        return _fee(t, content, centre, item, today)
    return None
