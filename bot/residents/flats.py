"""A flat as staff name it, and whether it exists in the content."""

from __future__ import annotations

from bot.domain.content import Content


def resolve_flat(content: Content, text: str) -> tuple[str, str] | None:
    """(centre, flat) from "centre/flat", "centre:flat" or a flat id unique across centres."""
    wanted = text.strip().casefold()
    for separator in ("/", ":"):
        if separator in wanted:
            centre, _, flat = wanted.partition(separator)
            found = content.centres.get(centre)
            if found is not None and any(f.id == flat for f in found.flats):
                return centre, flat
            return None
    matches = [(cid, f.id) for cid, c in content.centres.items() for f in c.flats if f.id == wanted]
    return matches[0] if len(matches) == 1 else None


def flat_exists(content: Content, centre: str, flat: str) -> bool:
    found = content.centres.get(centre)
    return found is not None and any(f.id == flat for f in found.flats)
