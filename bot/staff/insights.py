"""What staff see of the 👍/👎 counts in /stats: the worst-rated answers first, by their titles."""

from __future__ import annotations

from bot.conversation import menus
from bot.domain.content import Content
from bot.i18n import Tr
from storage.database import Database
from storage.ratings import worst_rated


def answer_label(t: Tr, content: Content, centre: str | None, key: str) -> str:
    """An answer's title as users see it (staff never need the internal key)."""
    found = content.centre(centre) if centre else None
    centres = [found] if found is not None else list(content.centres.values())
    for bundle in centres:
        label = menus.key_label(t, bundle, key)
        if label:
            return label
    return t._("an answer that is no longer in the content")


async def stats_lines(t: Tr, db: Database, content: Content, centre: str | None) -> list[str]:
    """ "Did this help?" per answer, the most 👎 first; nothing when nobody has rated yet."""
    rows = await worst_rated(db, centre)
    if not rows:
        return []
    lines = [t._("Answers rated by users, the most 👎 first:")]
    lines += [
        f"  👎 {r.unhelpful} · 👍 {r.helpful} – {answer_label(t, content, centre, r.key)}" for r in rows
    ]
    return lines
