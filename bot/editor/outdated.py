"""Which translations are older than the Polish text, read from the editor's history.

A language is outdated when a publish changed an entry's Polish text and left that language as it
was, and no later publish changed that language. (Content written by hand outside the panel has no
history here, so nothing is marked for it.)
"""

from __future__ import annotations

from collections.abc import Iterable

from bot.editor import documents as docs
from storage.content_history import Change

TRANSLATED = (
    "title", "text", "more", "note", "name", "unit", "contact_note", "phone_note", "hours_note", "resolution",
    "short",
)


def _values(path: str, text: str, entry: str) -> dict[str, str]:
    found = docs.find_entry(docs.parse(path, text.encode("utf-8")), entry)
    return docs.values_of(path, found, entry) if found is not None else {}


def outdated(changes: Iterable[Change], path: str, entry: str) -> set[str]:
    """Form fields (like "text.uk") whose Polish changed after them, over these changes of one entry."""
    pending: set[str] = set()
    for change in sorted(changes, key=lambda c: c.id):  # oldest first
        shown = change.entry or docs.whole_entry(change.path)
        if change.path != path or shown != entry:
            continue
        before, after = _values(path, change.before, entry), _values(path, change.after, entry)
        for key in TRANSLATED:
            polish_changed = before.get(f"{key}.pl") != after.get(f"{key}.pl")
            for lang in ("uk", "en"):
                field = f"{key}.{lang}"
                if before.get(field) != after.get(field):
                    pending.discard(field)
                elif polish_changed and after.get(field):
                    pending.add(field)
    return pending
