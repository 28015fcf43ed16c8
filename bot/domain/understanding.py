"""Reading a free-text question: structured cues first (crisis, money, time, street), then ranking.

Two rankings are fused: words (BM25 with lemmas and typo tolerance, bot.domain.lexical) and
meaning (a multilingual sentence-embedding model, bot.domain.semantic), so a question in
Ukrainian, Russian or English finds Polish-only content and a paraphrase finds its entry. Danger
is read by phrases and by meaning before anything else, and nothing can override it. The result
says how sure it is, so the dialogue asks back or falls back honestly instead of guessing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time

import numpy as np

from bot.domain import items
from bot.domain.content import CentreContent, Content
from bot.domain.cues import (
    SMALL_TALK,
    crisis_phrase,
    find_date,
    find_flats,
    find_time,
    find_weekday,
    small_talk,
)
from bot.domain.knowledge import DANGER, SAFE, Knowledge, embed_query, knowledge_of
from bot.domain.lexical import MIN_SCORE, Match, needed_coverage
from bot.domain.money import (
    Amount,
    amounts_add_up,
    find_amounts,
    find_companions,
    find_household_size,
    says_gross,
)
from bot.domain.number_words import spell_out
from bot.domain.script import cyrillic_language, latin_language, ukrainian_in_latin
from bot.domain.text import fold, folded_words, is_cyrillic


@dataclass(frozen=True)
class Fusion:
    """How the two rankings are combined; calibrated on a split of the own question set by
    bench/calibrate.py (never by hand on single questions)."""

    rrf_k: float = 3.0
    lexical_weight: float = 1.0
    semantic_weight: float = 0.5
    semantic_sure: float = 0.88  # a top similarity this high is understood on its own ...
    semantic_margin: float = 0.0  # ... when it leads the next item by this much
    semantic_lift: float = 0.04  # or when it stands this far above the typical item (see _lift)
    semantic_close: float = 0.87  # below `sure` but this high: ask "did you mean ...?"
    danger: float = 0.89  # similarity to a danger example that signals danger ...
    danger_margin: float = 0.02  # ... when it beats the closest harmless look-alike by this much
    words_first: bool = True  # a question the words explain well is answered by them alone


FUSION = Fusion()
TIE = 1.05  # scores within 5% of each other are a tie: BM25's length norm is no reason to prefer
SMALL_TALK_KEYS = frozenset(items.encode(items.Topic(topic)) for topic in SMALL_TALK)
FEE_KEYS = frozenset({items.FEES})
COURTESY_KEYS = frozenset(items.encode(items.Topic(topic)) for topic in ("greeting", "thanks"))


@dataclass(frozen=True)
class Reading:
    """What a message says, as far as the engine can tell."""

    crisis: bool
    amounts: tuple[Amount, ...]
    income_cue: bool
    currency_cue: bool  # a currency word ("zł", "złotych"), with or without digits
    household: int | None
    when: str | None  # "now", "today", "tomorrow" or None
    weekday: int | None  # a named weekday (Monday is 0)
    at: time | None  # a named time of day
    flats: tuple[str, ...]  # flat ids named by their street
    matches: tuple[Match, ...]  # best first
    confident: bool
    day: date | None = None  # a calendar date the message names ("6 stycznia", "wigilia")
    close: tuple[str, ...] = ()  # when not confident: items near enough to ask "did you mean"
    language: str | None = None  # the message's own language when clear: pl, uk, en or ru
    income_sum: bool = False  # several amounts that are parts of one income ("900 renty i 300")
    gross: bool = False  # the income is stated before tax ("brutto")
    fee_word: bool = False  # a word of the fee topic ("płacić", "kosztuje", "opłata") besides any number

    @property
    def best(self) -> Match | None:
        return self.matches[0] if self.matches else None


def _semantic_ranking(knowledge: Knowledge, cid: str, vector: np.ndarray | None) -> list[tuple[str, float]]:
    semantic = knowledge.centres[cid].semantic
    if vector is None or semantic is None:
        return []
    return sorted(semantic.scores(vector).items(), key=lambda kv: kv[1], reverse=True)


def _lift(ranking: list[tuple[str, float]]) -> float:
    """How far the best item stands above the typical one (ranks 5 to 15) for this question.

    The model gives every pair of short texts a similarity of about 0.8; what tells a match is
    the distance from that floor, which differs between questions (short, long, other script).
    """
    if len(ranking) < 8:
        return 0.0
    typical = [score for _, score in ranking[4:15]]
    return ranking[0][1] - sum(typical) / len(typical)


def _danger(knowledge: Knowledge, vector: np.ndarray | None, fusion: Fusion) -> bool:
    if vector is None or knowledge.crisis is None:
        return False
    scores = knowledge.crisis.scores(vector)
    danger, safe = scores.get(DANGER, -1.0), scores.get(SAFE, -1.0)
    return danger >= fusion.danger and danger - safe >= fusion.danger_margin


def _ranks(values: list[float]) -> list[int]:
    """Competition ranks of a list sorted best first: equal scores share a rank, so a tie among
    words ("ile jest mieszkań?" matches three items equally) leaves the choice to meaning."""
    return [sum(other > value * TIE + 1e-9 for other in values) for value in values]


def fuse(lexical: list[Match], semantic: list[tuple[str, float]], fusion: Fusion) -> list[Match]:
    """Reciprocal-rank fusion of the two lists; a match keeps its lexical coverage."""
    scores: dict[str, float] = {}
    coverage = {m.key: m.coverage for m in lexical}
    lexical_values = [m.score * (0.5 + m.coverage) for m in lexical[:10]]
    for m, rank in zip(lexical[:10], _ranks(lexical_values), strict=True):
        scores[m.key] = scores.get(m.key, 0.0) + fusion.lexical_weight / (fusion.rrf_k + rank)
    for (key, _), rank in zip(semantic[:10], _ranks([v for _, v in semantic[:10]]), strict=True):
        scores[key] = scores.get(key, 0.0) + fusion.semantic_weight / (fusion.rrf_k + rank)
    ordered = sorted(scores.items(), key=lambda kv: kv[1], reverse=True)
    return [Match(key, score * 10, coverage.get(key, 0.0)) for key, score in ordered]


def message_language(content: Content, text: str, latin_ukrainian: str | None = None) -> str | None:
    """pl, uk, en or ru when the message is clearly in one of them (for replying in it);
    `latin_ukrainian` is the message spelled back in Cyrillic when it is Ukrainian in Latin."""
    if is_cyrillic(text):
        return cyrillic_language(text)
    if latin_ukrainian is not None:
        return "uk"
    stop = content.understanding.stopwords
    return latin_language(text, frozenset(fold(w) for w in stop.en), frozenset(fold(w) for w in stop.pl))


def read(
    content: Content, centre: CentreContent, text: str, today: date | None = None, fusion: Fusion = FUSION
) -> Reading:
    """Everything the engine needs to decide how to answer `text` for `centre`."""
    knowledge = knowledge_of(content)
    cues = knowledge.cues
    words_folded = folded_words(text)
    folded = " ".join(words_folded)
    when = None
    for name, pattern in (("now", cues.now), ("today", cues.today), ("tomorrow", cues.tomorrow)):
        if pattern.search(folded):
            when = name
            break
    cyrillic = ukrainian_in_latin(text)
    searched = text if cyrillic is None else f"{text} {cyrillic}"
    index = knowledge.centres[centre.centre.id].index
    query = index.query_terms(searched)
    # A greeting or thanks beside a question ("siema, ile się płaci…", "dzięki, a w piątek?") says
    # nothing about what is asked: its words must not leave the question looking half explained.
    courtesy = index.terms_only_of(COURTESY_KEYS)
    asked = [t for t in query if t not in courtesy]
    if asked:
        query = asked
    # Small talk is answered only as a whole message (below): a greeting word inside a question
    # ("hej, ...", "good ...") must not make the rest of it look understood.
    lexical = [m for m in index.search(query, index.light_terms(searched)) if m.key not in SMALL_TALK_KEYS]
    best_lexical = lexical[0] if lexical else None
    lexical_sure = (
        best_lexical is not None
        and best_lexical.score >= MIN_SCORE
        and best_lexical.coverage >= needed_coverage(len(set(query)))
    )
    vector = embed_query(knowledge, cyrillic or text) if words_folded else None
    semantic = _semantic_ranking(knowledge, centre.centre.id, vector)
    top = semantic[0][1] if semantic else -1.0
    margin = top - semantic[1][1] if len(semantic) > 1 else 1.0
    lift = _lift(semantic)
    agree = best_lexical is not None and bool(semantic) and best_lexical.key == semantic[0][0]
    semantic_sure = (top >= fusion.semantic_sure and margin >= fusion.semantic_margin) or (
        # A lift only promotes an item near enough to ask about, or the one the words found too:
        # standing out among unrelated items alone is no match ("did Piast Gliwice win?").
        lift >= fusion.semantic_lift and (top >= fusion.semantic_close or agree)
    )
    # Words that explain the question well are trusted as they are; meaning decides the rest.
    # When words and meaning are both sure but of different items, neither alone decides.
    disagree = lexical_sure and semantic_sure and not agree
    fused = semantic and not (fusion.words_first and lexical_sure and not disagree)
    matches = fuse(lexical, semantic, fusion) if fused else lexical
    confident = lexical_sure or semantic_sure
    chat = small_talk(cues, words_folded)
    # A greeting inside a question ("hej, gdzie jest biuro?") is not what it asks: small talk is
    # answered only when it is the whole message ("dzięki!", "pomocy"), never an entry or a flat.
    matches = [m for m in matches if m.key not in SMALL_TALK_KEYS]
    if chat is not None:
        matches, confident = [Match(chat, 100.0, 1.0), *matches], True
    elif not matches:
        confident = False
    close: tuple[str, ...] = ()
    if not confident and top >= fusion.semantic_close:
        close = tuple(m.key for m in matches[:3])
    crisis = crisis_phrase(cues, words_folded) or _danger(knowledge, vector, fusion)
    digits = spell_out(text)
    amounts = find_amounts(digits)
    return Reading(
        crisis=crisis,
        amounts=tuple(amounts),
        income_cue=cues.income.search(folded) is not None,
        currency_cue=not cues.currency.isdisjoint(words_folded),
        household=household_size(text),
        when=when,
        weekday=find_weekday(text),
        at=find_time(text),
        flats=find_flats(text, centre),
        matches=tuple(matches[:5]),
        confident=confident,
        day=find_date(cues, text, today) if today is not None else None,
        close=close,
        language=message_language(content, text, cyrillic),
        income_sum=amounts_add_up(digits, amounts),
        gross=says_gross(text),
        fee_word=any(not t.isdigit() for t in set(query) & index.terms_of(FEE_KEYS)),
    )


def household_size(text: str) -> int | None:
    """A stated size ("3 osoby", "we are 3"), or the writer plus the people named ("z synem")."""
    stated = find_household_size(text)
    if stated is not None:
        return stated
    companions = find_companions(text)
    return None if companions is None else companions + 1


def signals_danger(content: Content, text: str) -> bool:
    """Danger by phrase or by meaning (for the first message before a centre is chosen)."""
    knowledge = knowledge_of(content)
    vector = embed_query(knowledge, text) if folded_words(text) else None
    return crisis_phrase(knowledge.cues, folded_words(text)) or _danger(knowledge, vector, FUSION)
