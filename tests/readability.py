"""Easy-to-read checks (issue 11) for one rendered text: words, sentences, internal names, terms.

Counting rules, kept simple so a content editor can predict them:
- a word is what stands between spaces and holds a letter or digit ("14-16/4" is one word,
  "32 335 96 30" four, a dash or bullet none);
- a sentence ends at . ! ? followed by a space, or at a line end (a bullet line is one sentence);
- a title in „…” or “…” quotes is a name and counts as one word;
- a remark in brackets "(…)" is counted as a sentence of its own.
"""

from __future__ import annotations

import re

from bot.domain.content import Content

FIRST_MESSAGE_WORDS = 60  # Polish first message of any answer
SENTENCE_WORDS = 20
OPENING_WORDS = 15  # each of the first two sentences (and the title) of a Polish answer

_QUOTED = re.compile(r"„[^”]*”|“[^”]*”|«[^»]*»")
_BRACKETS = re.compile(r"\(([^()]*)\)")
_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=\S)")
# Abbreviations whose dot does not end a sentence.
_ABBREVIATIONS = re.compile(
    r"\b(ul|tel|np|nr|Nr|art|ust|pkt|poz|Dz|U|r|zm|al|Al|ok|ch|вул|тел|ст|ч|п|р|напр|e\.g|i\.e|St|no)\.$"
)
_INTERNAL = re.compile(
    r"facts\.md|seeds/|\.ya?ml\b|\b\w+\.txt\b|\b(?:entry|group|topic):[a-z]|\b[a-z]+_[a-z_]+\b|\b[0-9a-f]{16}\b"
)


def words(text: str) -> int:
    return sum(1 for token in _QUOTED.sub("title", text).split() if _WORD.search(token))


def sentences(text: str, remarks_apart: bool = True) -> list[str]:
    """Sentences of a text; dots after common abbreviations ("ul.", "tel.", "art.") do not end one.

    A remark in brackets is a sentence of its own, unless `remarks_apart` is False (then it stays
    in the sentence it stands in, as when counting the sentences a reader meets).
    """
    found: list[str] = []
    plain = _QUOTED.sub("title", text)
    if remarks_apart:
        found += [m.group(1) for m in _BRACKETS.finditer(plain)]
        plain = _BRACKETS.sub("", plain)
    else:
        plain = _BRACKETS.sub(lambda m: "(" + m.group(1).replace(".", ",") + ")", plain)
    for line in plain.splitlines():
        current = ""
        for part in _SENTENCE_END.split(line.strip()):
            current = f"{current} {part}".strip()
            if not _ABBREVIATIONS.search(current):
                found.append(current)
                current = ""
        if current:
            found.append(current)
    return [s for s in found if _WORD.search(s)]


def long_sentences(text: str, limit: int = SENTENCE_WORDS) -> list[str]:
    return [s for s in sentences(text) if words(s) > limit]


def internal_names(text: str) -> list[str]:
    return [m.group(0) for m in _INTERNAL.finditer(text)]


def avoided_terms(content: Content, text: str, lang: str) -> list[str]:
    """Words the glossary says not to use for a concept (outside quoted titles)."""
    plain = _QUOTED.sub(" ", text).casefold()
    found = []
    for term in content.glossary.terms:
        for word in term.avoid.get(lang):
            if re.search(rf"(?<!\w){re.escape(word.casefold())}", plain):
                found.append(word)
    return found


def phone_count(text: str, phone: str | None) -> int:
    return text.count(phone) if phone else 0


# --- the shape of a first message: the answer first, then at most three short lines --------------

OPENING_SENTENCES = 2  # the answer itself
SHORT_LINES = 3  # what may follow it in the first message
SHORT_LINE_WORDS = 20
_CRISIS_NUMBER = re.compile(r"^• [\d ]{3,} – ")  # "• 116 123 – telefon zaufania": the crisis numbers
_ENDS_SENTENCE = re.compile(r"[.!?:]$")
_PHONE = re.compile(r"\b\d{2,3}(?: \d{2,3}){2,3}\b")


def _reader_words(text: str, lang: str) -> int:
    """Words as the length rules count them: in Ukrainian and English a remark in brackets is not
    counted, since it glosses a Polish name the reader must see ("Dział Analityczno-Strategiczny
    (Analysis and Strategy Department)") or is the phone's caveat."""
    plain = text if lang == "pl" else _BRACKETS.sub("", text)
    return words(_PHONE.sub("0", plain))  # a phone number is read as one thing


def shape_problems(text: str, lang: str = "pl") -> list[str]:
    """What breaks "answer first" in a first message (an empty list when nothing does).

    The message is: an optional title (a first line with no closing punctuation, like an entry's
    title or the centre's name), the answer itself — its first line, or its first two lines when
    the first holds one sentence: at most two sentences of at most 15 words each — and then at most
    three short lines (at most 20 words each). A crisis reply's numbers are the answer itself.
    """
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    problems: list[str] = []
    if len(lines) > 1 and not _ENDS_SENTENCE.search(lines[0]) and not _CRISIS_NUMBER.match(lines[0]):
        if _reader_words(lines[0], lang) > OPENING_WORDS:
            problems.append(f"title over {OPENING_WORDS} words: {lines[0]}")
        lines = lines[1:]
    numbers = 0
    while numbers < len(lines) and _CRISIS_NUMBER.match(lines[numbers]):
        numbers += 1
    if numbers:
        rest = lines[numbers:]
    else:
        opening = sentences(lines[0], remarks_apart=False) if lines else []
        if len(opening) == 1 and len(lines) > 1 and len(sentences(lines[1], remarks_apart=False)) == 1:
            opening += sentences(lines[1], remarks_apart=False)
            rest = lines[2:]
        else:
            rest = lines[1:]
        if len(opening) > OPENING_SENTENCES:
            problems.append(f"opening has {len(opening)} sentences: {lines[0]}")
        long = [s for s in opening if _reader_words(s, lang) > OPENING_WORDS]
        problems += [f"opening sentence over {OPENING_WORDS} words: {s}" for s in long]
    if len(rest) > SHORT_LINES:
        problems.append(f"{len(rest)} lines after the answer (at most {SHORT_LINES})")
    long = [line for line in rest if _reader_words(line, lang) > SHORT_LINE_WORDS]
    problems += [f"line over {SHORT_LINE_WORDS} words: {line}" for line in long]
    return problems
