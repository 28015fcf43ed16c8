"""Edit, preview, publish and restore content entries: the editor's one entry point for every door.

A save is: check access, check the file's version (a stale one is refused with the new version),
apply the form to the round-trip document, validate the whole content on a copy, write atomically,
record the history (who, when, which entry, the diff) and the audit row, then reload content in
every running door the way Telegram's /reload does (knowledge built off the event loop, then one
swap). The publish also bumps the content version (bot.editor.sync), so every other process
reloads too. One lock per process serialises saves and those reloads, so nothing interleaves.
"""

from __future__ import annotations

import asyncio
import difflib
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from ruamel.yaml.comments import CommentedMap

from bot.clock import Clock
from bot.domain.content import Content
from bot.domain.loader import ContentError
from bot.editor import documents as docs
from bot.editor.files import atomic_write, exclusive, is_editable, may_edit
from bot.editor.sync import ContentSync, Listener, version_signal
from bot.editor.validate import Problem, load_with, place
from bot.staff.access import Access, record
from storage import content_history
from storage.database import Database

log = logging.getLogger("bot.editor")
__all__ = ["Draft", "Editor", "Listener", "Refused", "Stale"]


class Refused(Exception):
    """The actor may not edit this file (or the file is not an editable content file)."""


class Stale(Exception):
    """The file changed since the form was opened; `version` and `values` are the file's now."""

    def __init__(self, version: str, values: dict[str, str]) -> None:
        super().__init__("changed by someone else")
        self.version = version
        self.values = values


@dataclass
class Draft:
    """An edit applied in memory: the new file text and either the content it makes or its problems."""

    doc: docs.Document
    entry: str
    text: str
    content: Content | None
    problems: list[Problem]


@dataclass
class Editor:
    root: Path
    db: Database
    clock: Clock
    listeners: list[Listener] = field(default_factory=list)
    sync: ContentSync = field(init=False)  # this process's reloads; it announces every publish

    def __post_init__(self) -> None:
        self.sync = ContentSync(self.root, version_signal(self.db), self.listeners)

    @property
    def lock(self) -> asyncio.Lock:
        return self.sync.lock

    def check(self, access: Access, path: str) -> None:
        if not is_editable(self.root, path) or not may_edit(access, path):
            raise Refused(path)

    def open(self, path: str, entry: str) -> tuple[docs.Document, CommentedMap | None]:
        doc = docs.read(self.root, path)
        return doc, docs.find_entry(doc, entry)

    async def draft(self, path: str, entry: str, values: Mapping[str, str]) -> Draft:
        doc = docs.read(self.root, path)
        edit(doc, entry, values)
        return await self._validated(doc, entry, doc.dump())

    async def _validated(self, doc: docs.Document, entry: str, text: str) -> Draft:
        try:
            content = await asyncio.to_thread(load_with, self.root, doc.path, text)
        except ContentError as exc:
            return Draft(doc, entry, text, None, place(exc.problems, doc, entry))
        return Draft(doc, entry, text, content, [])

    async def publish(
        self, access: Access, path: str, entry: str, values: Mapping[str, str], version: str
    ) -> Draft:
        """Validate and write the edit; a draft with problems means nothing was written."""
        self.check(access, path)
        async with self.lock, exclusive(self.root):
            doc = self._current(path, entry, version)
            edit(doc, entry, values)
            return await self._commit(access, doc, entry, doc.dump(), "publish")

    async def publish_file(self, access: Access, path: str, text: str, version: str) -> Draft:
        """A whole file as typed (the shared files, administrators only): validated like any edit."""
        self.check(access, path)
        async with self.lock, exclusive(self.root):
            doc = self._current(path, docs.CENTRE_ENTRY, version)
            return await self._commit(access, doc, docs.CENTRE_ENTRY, text.replace("\r\n", "\n"), "publish")

    async def restore(self, access: Access, change_id: int, version: str) -> Draft:
        """Bring back the entry as it was before a recorded change (itself a publish)."""
        change = await content_history.get(self.db, change_id)
        if change is None:
            raise Refused(str(change_id))
        self.check(access, change.path)
        entry = change.entry or docs.whole_entry(change.path)
        async with self.lock, exclusive(self.root):
            doc = self._current(change.path, entry, version)
            text = restored(doc, docs.parse(change.path, change.before.encode("utf-8")), change.entry)
            return await self._commit(access, doc, entry, text, "restore")

    def _current(self, path: str, entry: str, version: str) -> docs.Document:
        doc = docs.read(self.root, path)
        if doc.version != version:
            found = docs.find_entry(doc, entry)
            values = docs.values_of(path, found, entry) if found is not None else {}
            raise Stale(doc.version, values)
        return doc

    async def _commit(self, access: Access, doc: docs.Document, entry: str, text: str, action: str) -> Draft:
        draft = await self._validated(doc, entry, text)
        if draft.problems:
            return draft
        before = doc.original.decode("utf-8")
        if text == before:
            return draft  # nothing changed: no write, no history row
        diff = "".join(
            difflib.unified_diff(
                before.splitlines(keepends=True), text.splitlines(keepends=True), doc.path, doc.path
            )
        )
        shown = None if entry in docs.WHOLE_FILE else entry
        now = self.clock.now()
        # One unit: the history row, the audit row, the content version the other processes follow
        # (bot.editor.sync) and the file. The file is written last, inside the unit, so a failed
        # write leaves no history of a publish that did not happen.
        async with self.db.transaction():
            await self.sync.announce()
            await content_history.add(
                self.db, now, access.user_id, doc.path, shown, action, diff, before, text
            )
            await record(self.db, self.clock, access, f"content_{action}", f"{doc.path}#{entry}")
            atomic_write(self.root / doc.path, text.encode("utf-8"))
        await self.reload()
        return draft

    async def reload(self) -> Content | None:
        """The same path as /reload: load, build the knowledge off the loop, then swap in every door."""
        return await self.sync.reload()


def edit(doc: docs.Document, entry: str, values: Mapping[str, str]) -> None:
    """Apply form values to the entry (a new entry when the id is not in the file yet)."""
    found = docs.find_entry(doc, entry)
    if found is None:
        found = CommentedMap(id=entry)
        doc.tree[docs.list_key(doc.path)].append(found)
    docs.apply(doc.path, found, values, entry)


def restored(doc: docs.Document, earlier: docs.Document, entry: str | None) -> str:
    """The current file with one entry put back as it was in `earlier` (a whole file for centre.yaml)."""
    if entry is None:
        return earlier.original.decode("utf-8")
    if entry == docs.PAYMENT_ENTRY:  # rules.yaml's payment block, the entries as they are now
        before = earlier.tree.get("payment") if isinstance(earlier.tree, dict) else None
        if before is None:
            doc.tree.pop("payment", None)
        else:
            doc.tree["payment"] = before
        return doc.dump()
    old = docs.find_entry(earlier, entry)
    items = doc.tree[docs.list_key(doc.path)]
    index = next((i for i, e in enumerate(items) if str(e.get("id")) == entry), None)
    if old is None and index is not None:
        del items[index]  # the change added the entry: restoring removes it
    elif old is not None and index is not None:
        items[index] = old
    elif old is not None:
        items.append(old)
    return doc.dump()
