"""The buttons: main menu, centre and language choice, labels of suggested topics."""

from __future__ import annotations

from babel import Locale

from bot import callbacks
from bot.domain import items
from bot.domain.centre_names import Found
from bot.domain.centres import card_of, cards_of
from bot.domain.content import LANGS, CentreContent, Content
from bot.domain.text import fold
from bot.i18n import Tr
from bot.replies import Button, Reply


def menu_row(t: Tr) -> tuple[Button, ...]:
    """The row under every answer that leads back to the main menu."""
    return (Button(t._("Menu"), callbacks.make(callbacks.MENU, callbacks.MENU_MAIN)),)


def menu_labels(t: Tr) -> dict[str, str]:
    return {
        callbacks.MENU_FLATS: t._("Flats"),
        callbacks.MENU_APPLY: t._("How to apply"),
        callbacks.MENU_RULES: t._("Rules for residents"),
        callbacks.MENU_FEES: t._("Fees"),
        callbacks.MENU_HOURS: t._("Office hours and contact"),
        callbacks.MENU_LAW: t._("Legal basis"),
        callbacks.MENU_CENTRE: t._("Change centre"),
        callbacks.MENU_LANG: t._("Language"),
    }


def main_menu(t: Tr, centre: CentreContent | None, intro: str | None = None, handover: bool = False) -> Reply:
    """Eight topics in rows of two, under the centre's name when one is chosen; with `handover`,
    a last row to ask a person at the centre."""
    labels = menu_labels(t)
    items = [Button(labels[item], callbacks.make(callbacks.MENU, item)) for item in callbacks.MENU_ITEMS]
    rows = tuple(tuple(items[i : i + 2]) for i in range(0, len(items), 2))
    if handover:
        rows += (
            (Button(t._("Ask a person at the centre"), callbacks.make(callbacks.MENU, callbacks.MENU_ASK)),),
        )
    head = intro or t._("How can I help? Choose a topic or write your question.")
    if centre is not None:
        head = f"{centre.centre.name.get(t.lang)}\n{head}"
    return Reply(head, rows)


CENTRE_BUTTONS_UP_TO = 8  # more centres: the chooser asks for the town (a keyboard of thousands is none)


def centre_buttons(content: Content) -> bool:
    """Whether the centres are few enough to show each as a button."""
    return len(content.centres) <= CENTRE_BUTTONS_UP_TO


def choose_centre(t: Tr, content: Content, intro: str | None = None, back: bool = False) -> Reply:
    """A button per centre when they are few; else the question to write the town or centre's name
    (bot.conversation.centre_choice finds it). `back`: a centre is chosen, so a Menu row leads back."""
    text = t._("Which centre is your question about?")
    rows: tuple[tuple[Button, ...], ...] = (menu_row(t),) if back else ()
    if not centre_buttons(content):
        text += "\n" + t._("Write the name of your town or of your centre.")
        return Reply(f"{intro}\n{text}" if intro else text, rows)
    buttons = tuple(  # from the cards: choosing a centre reads no centre's content
        (Button(card.name.get(t.lang), callbacks.make(callbacks.CENTRE, cid)),)
        for cid, card in sorted(cards_of(content.centres).items())
    )
    return Reply(f"{intro}\n{text}" if intro else text, buttons)


def found_centres(t: Tr, content: Content, found: Found, back: bool = False) -> Reply:
    """The centres a typed town or name found, each a button to choose it (one as well: it is
    confirmed, never chosen silently)."""
    buttons = []
    for cid in found.centres:
        card = card_of(content.centres, cid)
        if card is not None:
            name = card.name.get(t.lang)
            label = name if fold(card.city)[:5] in fold(name) else f"{name} ({card.city})"
            buttons.append((Button(label, callbacks.make(callbacks.CENTRE, cid)),))
    if len(buttons) == 1:
        text = t._("Is this your centre? Press it to choose it.")
    else:
        text = t._("Is it one of these? Press your centre.")
    if found.matched > len(buttons):
        text += "\n" + t._("More centres match: write more of the name or the town.")
    else:
        text += "\n" + t._("If it is not here, write the name of your town again.")
    return Reply(text, (*buttons, *((menu_row(t),) if back else ())))


def centre_not_found(t: Tr, back: bool = False) -> Reply:
    text = t._("I could not find that centre. Write the name of your town again.")
    return Reply(text, (menu_row(t),) if back else ())


def choose_lang() -> Reply:
    """Each language named in itself (from Babel), so anyone can find theirs."""
    buttons = tuple(
        Button(
            str(Locale.parse(lang).get_display_name(lang)).capitalize(), callbacks.make(callbacks.LANG, lang)
        )
        for lang in LANGS
    )
    return Reply("Wybierz język · Оберіть мову · Choose a language", (buttons,))


def key_label(t: Tr, centre: CentreContent, key: str) -> str | None:
    """A short label for a ranked item key ("entry:rules:pets", "group:x", "topic:hours")."""
    item = items.decode(key)
    if isinstance(item, items.Entry):
        entry = next((e for e in getattr(centre, item.section) if e.id == item.id), None)
        return entry.title.get(t.lang) if entry else None
    if isinstance(item, items.Group):
        return next((g.name.get(t.lang) for g in centre.groups if g.id == item.id), None)
    if not isinstance(item, items.Topic):
        return None
    labels = {
        "hours": t._("Office hours and contact"),
        "contact": t._("Office hours and contact"),
        "flats": t._("Flats"),
        "fees": t._("Fees"),
        "criterion": t._("Fees"),
        "apply": t._("How to apply"),
        "rules": t._("Rules for residents"),
        "law": t._("Legal basis"),
    }
    return labels.get(item.name)
