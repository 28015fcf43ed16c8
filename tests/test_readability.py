"""Issue 11: every rendered answer of every centre and language is easy to read and shows nothing internal.

Answers are reached as people reach them (tests/rendered.py): menus, topics, flats, the FAQ, fees,
hours, crisis, and the text behind each "More" button. Residents' and staff messages are the
interface catalogs (they are rendered by the Telegram doors from these strings).
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pytest
import yaml
from babel.messages.pofile import read_po

from bot.clock import FixedClock
from bot.dialogue import Engine
from bot.domain.content import LANGS, Content
from tests.conftest import PINNED
from tests.data import shipped_content
from tests.readability import (
    FIRST_MESSAGE_WORDS,
    OPENING_WORDS,
    avoided_terms,
    internal_names,
    long_sentences,
    phone_count,
    sentences,
    shape_problems,
    words,
)
from tests.rendered import Rendered, all_answers, hours_answers

LOCALE = Path(__file__).resolve().parent.parent / "bot" / "i18n" / "locale"


@cache
def rendered() -> tuple[Rendered, ...]:
    content = shipped_content()
    return tuple(all_answers(content, Engine(content, FixedClock(PINNED))) + hours_answers(content))


def _where(r: Rendered) -> str:
    return f"{r.centre}/{r.lang} {r.origin}"


def test_every_centre_and_language_is_rendered() -> None:
    seen = {(r.centre, r.lang) for r in rendered()}
    assert seen == {(c, lang) for c in shipped_content().centres for lang in LANGS}
    assert sum(r.more is not None for r in rendered()) >= 50  # the More buttons are really there


def test_first_message_in_polish_is_at_most_60_words() -> None:
    too_long = [
        f"{_where(r)}: {words(r.first)}"
        for r in rendered()
        if r.lang == "pl" and words(r.first) > FIRST_MESSAGE_WORDS
    ]
    assert not too_long, "\n".join(too_long)


def test_polish_answers_open_with_short_sentences() -> None:
    """The answer first: its title and first two sentences have at most 15 words each."""
    found = [
        f"{_where(r)}: {sentence}"
        for r in rendered()
        if r.lang == "pl"
        for sentence in sentences(r.first)[:3]
        if words(sentence) > OPENING_WORDS
    ]
    assert not found, "\n".join(found)


def test_every_first_message_gives_the_answer_first_then_at_most_three_short_lines() -> None:
    """Issue 11: at most two short sentences (≤ 15 words each), then at most three short lines
    (≤ 20 words); the rest sits behind "More". Every answer, every centre, every language."""
    found = [f"{_where(r)}: {problems}" for r in rendered() if (problems := shape_problems(r.first, r.lang))]
    assert not found, "\n".join(found)


def test_the_checks_see_fee_estimates_for_households_and_hours_at_other_moments() -> None:
    """The answers above really include estimates per person and closed/holiday hours."""
    texts = [r.first for r in rendered() if r.lang == "pl"]
    assert sum("Na osobę:" in text for text in texts) >= 8
    assert any("Teraz jest zamknięte." in text for text in texts)
    assert any("święto" in text for text in texts)


def _answers() -> dict[tuple[str, str, str], list[Rendered]]:
    """Rendered messages grouped by the answer they belong to (one button press or question)."""
    grouped: dict[tuple[str, str, str], list[Rendered]] = {}
    for r in rendered():
        grouped.setdefault((r.centre, r.lang, r.origin.split("#")[0]), []).append(r)
    return grouped


def test_the_phone_number_appears_at_most_once_in_a_whole_answer() -> None:
    content = shipped_content()
    found = [
        "/".join(key)
        for key, messages in _answers().items()
        if phone_count("\n".join(m.first for m in messages), content.centres[key[0]].centre.phone) > 1
    ]
    assert not found, "\n".join(found)


def test_no_sentence_is_over_20_words() -> None:
    found = [
        f"{_where(r)}: {sentence}"
        for r in rendered()
        for sentence in long_sentences(r.first + "\n" + (r.more or ""))
    ]
    assert not found, "\n".join(found)


def test_no_file_name_key_or_section_id_reaches_a_user() -> None:
    found = [
        f"{_where(r)}: {names}"
        for r in rendered()
        if (names := internal_names("\n".join([r.first, r.more or "", *r.buttons])))
    ]
    assert not found, "\n".join(found)


def test_one_term_per_concept_as_the_glossary_says() -> None:
    content = shipped_content()
    found = [
        f"{_where(r)}: {terms}"
        for r in rendered()
        if (terms := avoided_terms(content, r.first + "\n" + (r.more or ""), r.lang))
    ]
    assert not found, "\n".join(found)


def test_the_phone_number_appears_at_most_once_in_a_message() -> None:
    content = shipped_content()
    found = [
        _where(r) for r in rendered() if phone_count(r.first, content.centres[r.centre].centre.phone) > 1
    ]
    assert not found, "\n".join(found)


def test_hard_words_are_explained_behind_more() -> None:
    """An answer that says "decyzja administracyjna" explains it once, in plain words."""
    content = shipped_content()
    decision = next(t for t in content.glossary.terms if t.id == "decision")
    assert decision.explain is not None
    with_word = [r for r in rendered() if r.lang == "pl" and "decyzj" in r.first and r.more is not None
                 and r.origin.startswith("t:entry")]  # fmt: skip
    assert with_word
    assert all(decision.explain.pl in (r.more or "") for r in with_word), [_where(r) for r in with_word]


# --- residents' and staff messages: the interface catalogs -------------------------------------


@cache
def _catalog(lang: str) -> dict[str, str]:
    with (LOCALE / lang / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = read_po(handle, locale=lang)
    return {str(m.id): str(m.string) for m in catalog if m.id and isinstance(m.string, str) and m.string}


# Forms that assume the reader is a man ("dołączyłeś", "jesteś zarejestrowany").
MASCULINE = re.compile(r"\w+łeś\b|\b(?:zarejestrowany|zapisany|gotowy|pewien|zalogowany)\b")


@pytest.mark.parametrize("lang", ["pl"])
def test_interface_messages_do_not_assume_the_reader_is_a_man(lang: str) -> None:
    found = [s for s in _catalog(lang).values() if MASCULINE.search(s)]
    assert not found, "\n".join(found)


@pytest.mark.parametrize("lang", ["pl", "uk"])
def test_interface_messages_have_no_sentence_over_20_words(lang: str) -> None:
    """The Polish and Ukrainian catalogs (English is the message ids in the code)."""
    found = [s for text in _catalog(lang).values() for s in long_sentences(text)]
    assert not found, "\n".join(found)


def test_shipped_content_has_a_glossary(content: Content) -> None:
    assert {"resident", "fee", "decision", "criterion", "social_contract"} <= {
        t.id for t in content.glossary.terms
    }


# --- Ukrainian: one form of address, "ти", like the Polish "ty" --------------------------------

# The formal or plural "ви": its pronouns and the imperatives in -іть/-йте/-ьте ("Напишіть").
FORMAL_UK = re.compile(
    r"(?<![\w'])(?:[Вв]и|[Вв]ам|[Вв]ас|[Вв]ами|[Вв]аш\w*|(?!навіть)\w+(?:іть|йте|ьте))(?![\w'])"
)
# Calques the issue names: "опікун" is a legal guardian, not the flat's social worker;
# "Наші джерела не подають…" is Polish word order.
UK_CALQUES = re.compile(r"опікун|[Нн]аші джерела не подають")


def _ukrainian_texts(node: object) -> list[str]:
    if isinstance(node, dict):
        return [
            text
            for key, value in node.items()
            if key != "keywords"  # what people type, not what we say
            for text in ([value] if key == "uk" and isinstance(value, str) else _ukrainian_texts(value))
        ]
    if isinstance(node, list):
        return [text for value in node for text in _ukrainian_texts(value)]
    return []


def _content_ukrainian() -> list[str]:
    folder = Path(__file__).resolve().parent.parent / "content"
    return [
        text
        for path in sorted(folder.rglob("*.yaml"))
        for text in _ukrainian_texts(yaml.safe_load(path.read_text()))
    ]


def test_ukrainian_content_and_interface_say_ti_never_the_formal_vy() -> None:
    texts = _content_ukrainian() + list(_catalog("uk").values())
    assert len(texts) > 300
    found = [f"{m.group(0)}: {text[:80]}" for text in texts if (m := FORMAL_UK.search(text))]
    assert not found, "\n".join(found)
    assert sum(bool(re.search(r"(?<!\w)(?:ти|тобі|тебе|тв(?:ій|оя|оє|ої))(?!\w)", t)) for t in texts) >= 40


def test_ukrainian_has_none_of_the_calques_the_issue_lists() -> None:
    texts = _content_ukrainian() + list(_catalog("uk").values())
    found = [text[:80] for text in texts if UK_CALQUES.search(text)]
    assert not found, "\n".join(found)
    rendered_uk = "\n".join(r.first + (r.more or "") for r in rendered() if r.lang == "uk")
    assert not UK_CALQUES.search(rendered_uk)
