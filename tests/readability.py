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


def sentences(text: str) -> list[str]:
    """Sentences of a text; dots after common abbreviations ("ul.", "tel.", "art.") do not end one."""
    found: list[str] = []
    plain = _QUOTED.sub("title", text)
    found += [m.group(1) for m in _BRACKETS.finditer(plain)]
    for line in _BRACKETS.sub("", plain).splitlines():
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
