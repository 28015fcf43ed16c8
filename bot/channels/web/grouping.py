"""Unanswered questions grouped by similarity for the panel, so staff see one topic once."""

from __future__ import annotations

from dataclasses import dataclass, field

from rapidfuzz import fuzz

SIMILAR = 80.0  # token-set similarity (0-100) above which two masked questions count as one topic


@dataclass
class Group:
    centre: str
    lang: str
    text: str  # the most frequent wording
    count: int
    variants: list[str] = field(default_factory=list)


def group_similar(rows: list[tuple[str, str, str, int]]) -> list[Group]:
    """(centre, text, lang, count) rows, most frequent first -> groups, largest first.

    Greedy: each row joins the first group of its centre and language whose leading wording is
    similar enough; rows come most frequent first, so a group is named by its commonest wording.
    """
    groups: list[Group] = []
    for centre, text, lang, count in sorted(rows, key=lambda row: -row[3]):
        home = next(
            (
                g
                for g in groups
                if g.centre == centre and g.lang == lang and fuzz.token_set_ratio(g.text, text) >= SIMILAR
            ),
            None,
        )
        if home is None:
            groups.append(Group(centre, lang, text, count))
        else:
            home.count += count
            home.variants.append(text)
    return sorted(groups, key=lambda g: -g.count)
