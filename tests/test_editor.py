"""The editing core (bot.editor) on a copy of the shipped content: round trip, validation at the
field, stale versions, atomic publish with history and audit, restore, access, reload listeners."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.clock import FixedClock
from bot.conversation.dialogue import Engine, Incoming, State
from bot.domain.content import Content
from bot.domain.loader import load_content
from bot.editor import documents as docs
from bot.editor.files import is_editable
from bot.editor.service import Editor, Refused, Stale
from bot.staff.access import Access
from storage import content_history
from storage.database import Database
from tests.conftest import CONTENT_DIR, PINNED

STAFF = Access(7, "staff", "gliwice")
OTHER = Access(8, "staff", "wodzislaw")
ADMIN = Access(1, "admin", "gliwice")


@pytest.fixture
def root(tmp_path: Path) -> Path:
    copy = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, copy)
    return copy


@pytest.fixture
def db(database: Database) -> Database:
    """The content history's database, once per engine."""
    return database


@pytest.fixture
def editor(root: Path, db: Database) -> Editor:
    return Editor(root, db, FixedClock(PINNED))


def snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def hours_values(editor: Editor) -> dict[str, str]:
    _, entry = editor.open("gliwice/faq.yaml", "hours")
    assert entry is not None
    return docs.form_values(entry, centre_file=False)


def test_every_shipped_file_round_trips_byte_for_byte() -> None:
    for path in sorted(CONTENT_DIR.rglob("*.yaml")):
        doc = docs.read(CONTENT_DIR, str(path.relative_to(CONTENT_DIR)))
        assert doc.dump().encode("utf-8") == doc.original, path


async def test_publish_writes_only_the_edit_records_history_audit_and_reloads(
    editor: Editor, root: Path, db: Database
) -> None:
    seen: list[Content] = []
    editor.listeners.append(seen.append)
    before = (root / "gliwice/faq.yaml").read_text(encoding="utf-8")
    values = hours_values(editor) | {"text.en": "Open on Mondays only.", "text.uk": "Лише понеділок."}
    version = docs.read(root, "gliwice/faq.yaml").version
    draft = await editor.publish(STAFF, "gliwice/faq.yaml", "hours", values, version)
    assert draft.problems == []
    after = (root / "gliwice/faq.yaml").read_text(encoding="utf-8")
    assert after.startswith("# OPS Gliwice")  # the comments are kept
    changed = [line for line in after.splitlines() if line not in before.splitlines()]
    assert changed == ['      uk: "Лише понеділок."', '      en: "Open on Mondays only."']
    assert load_content(root).centres["gliwice"].faq[1].text.en == "Open on Mondays only."
    [change] = await content_history.of_folder(db, "gliwice")
    assert (change.actor, change.entry, change.action) == (7, "hours", "publish")
    assert '+      en: "Open on Mondays only."' in change.diff
    rows = await db.fetch_all("SELECT action, target FROM audit WHERE actor = 7")
    assert [tuple(row) for row in rows] == [("content_publish", "gliwice/faq.yaml#hours")]
    # The listeners got the reloaded content: a new engine answers from it.
    assert len(seen) == 1
    reply = Engine(seen[0], FixedClock(PINNED)).respond(
        State("gliwice", "en"), Incoming(text="opening hours")
    )
    assert "Open on Mondays only." in reply.replies[0].text


async def test_invalid_edit_is_placed_at_its_field_and_nothing_is_written(editor: Editor, root: Path) -> None:
    files = snapshot(root)
    version = docs.read(root, "gliwice/faq.yaml").version
    values = hours_values(editor) | {"text.uk": "", "source": ""}
    draft = await editor.publish(STAFF, "gliwice/faq.yaml", "hours", values, version)
    fields = {p.field: p.message for p in draft.problems}
    assert fields["text.uk"] == "missing translation 'uk'"
    assert "source" in fields
    assert snapshot(root) == files


async def test_hours_ending_before_they_start_are_refused_at_the_day(editor: Editor, root: Path) -> None:
    files = snapshot(root)
    doc, entry = editor.open("gliwice/centre.yaml", docs.CENTRE_ENTRY)
    assert entry is not None
    values = docs.form_values(entry, centre_file=True) | {"hours.mon": "16:30-09:00"}
    draft = await editor.publish(ADMIN, "gliwice/centre.yaml", docs.CENTRE_ENTRY, values, doc.version)
    assert [p.field for p in draft.problems] == ["hours.mon"], draft.problems
    assert snapshot(root) == files


async def test_a_stale_version_is_refused_with_the_new_one(editor: Editor, root: Path) -> None:
    version = docs.read(root, "gliwice/faq.yaml").version
    first = hours_values(editor) | {"text.en": "First save."}
    second = hours_values(editor) | {"text.en": "Second save."}
    await editor.publish(STAFF, "gliwice/faq.yaml", "hours", first, version)
    with pytest.raises(Stale) as refused:
        await editor.publish(ADMIN, "gliwice/faq.yaml", "hours", second, version)
    assert refused.value.values["text.en"] == "First save."
    assert refused.value.version == docs.read(root, "gliwice/faq.yaml").version != version


async def test_restore_brings_back_the_earlier_entry_and_is_recorded(
    editor: Editor, root: Path, db: Database
) -> None:
    original = (root / "gliwice/faq.yaml").read_bytes()
    version = docs.version_of(original)
    await editor.publish(STAFF, "gliwice/faq.yaml", "hours", hours_values(editor) | {"text.en": "X"}, version)
    [change] = await content_history.of_folder(db, "gliwice")
    draft = await editor.restore(STAFF, change.id, docs.read(root, "gliwice/faq.yaml").version)
    assert draft.problems == []
    assert (root / "gliwice/faq.yaml").read_bytes() == original
    assert [c.action for c in await content_history.of_folder(db, "gliwice")] == ["restore", "publish"]


async def test_a_new_entry_is_added_and_restoring_its_change_removes_it(
    editor: Editor, root: Path, db: Database
) -> None:
    original = (root / "gliwice/faq.yaml").read_bytes()
    values = {f"{k}.{lang}": f"{k} {lang}" for k in ("title", "text") for lang in docs.LANGS}
    values |= {"keywords.pl": "parking, samochód", "source": "facts.md: Contacts"}
    draft = await editor.publish(STAFF, "gliwice/faq.yaml", "parking", values, docs.version_of(original))
    assert draft.problems == []
    assert load_content(root).centres["gliwice"].faq[-1].keywords.pl == ("parking", "samochód")
    [change] = await content_history.of_folder(db, "gliwice")
    await editor.restore(STAFF, change.id, docs.read(root, "gliwice/faq.yaml").version)
    assert (root / "gliwice/faq.yaml").read_bytes() == original


async def test_access_staff_own_centre_only_admins_for_shared_files(editor: Editor, root: Path) -> None:
    version = docs.read(root, "gliwice/faq.yaml").version
    with pytest.raises(Refused):
        await editor.publish(OTHER, "gliwice/faq.yaml", "hours", hours_values(editor), version)
    for path in ("criteria.yaml", "crisis.yaml"):
        with pytest.raises(Refused):
            editor.check(STAFF, path)
        editor.check(ADMIN, path)
    for path in ("../etc/passwd", "gliwice/../criteria.yaml", "gliwice/other.yaml", "nowhere/faq.yaml"):
        assert not is_editable(root, path)
        with pytest.raises(Refused):
            editor.check(ADMIN, path)


async def test_a_preview_draft_leaves_the_files_alone(editor: Editor, root: Path) -> None:
    files = snapshot(root)
    draft = await editor.draft("gliwice/faq.yaml", "hours", hours_values(editor) | {"text.pl": "Nowe."})
    assert draft.content is not None
    assert draft.content.centres["gliwice"].faq[1].text.pl == "Nowe."
    assert snapshot(root) == files


async def test_a_flat_naming_an_unknown_group_is_refused_at_the_groups_field(
    editor: Editor, root: Path
) -> None:
    files = snapshot(root)
    doc, flat = editor.open("gliwice/flats.yaml", "wilgi")
    assert flat is not None
    values = docs.values_of(doc.path, flat)
    assert values["groups"] == "disability" and values["kind"]
    wrong = values | {"groups": "disability, pets"}
    draft = await editor.publish(STAFF, doc.path, "wilgi", wrong, doc.version)
    assert [(p.field, p.message) for p in draft.problems] == [("groups", "unknown group 'pets'")]
    assert snapshot(root) == files
    moved = values | {"address": "ul. Wilgi 9, Gliwice"}
    assert (await editor.publish(STAFF, doc.path, "wilgi", moved, doc.version)).problems == []
    assert load_content(root).centres["gliwice"].flats[0].address == "ul. Wilgi 9, Gliwice"


async def test_a_publish_waits_for_another_process_and_then_checks_the_version(
    editor: Editor, root: Path
) -> None:
    """Another process publishing holds the content folder's lock; ours waits, and only then
    compares versions, so it is refused instead of overwriting the other publish."""
    import asyncio
    import fcntl
    import os

    version = docs.read(root, "gliwice/faq.yaml").version
    other = os.open(root, os.O_RDONLY | os.O_DIRECTORY)  # another open of the folder: another holder
    fcntl.flock(other, fcntl.LOCK_EX)
    try:
        ours = asyncio.ensure_future(
            editor.publish(
                STAFF, "gliwice/faq.yaml", "hours", hours_values(editor) | {"text.en": "Ours."}, version
            )
        )
        for _ in range(20):
            await asyncio.sleep(0)
        assert not ours.done()  # waiting for the other process
        faq = root / "gliwice/faq.yaml"  # the other process's publish lands meanwhile
        faq.write_text(faq.read_text(encoding="utf-8").replace("Opening hours", "Office hours"), "utf-8")
    finally:
        fcntl.flock(other, fcntl.LOCK_UN)
        os.close(other)
    with pytest.raises(Stale):
        await ours
    assert "Ours." not in (root / "gliwice/faq.yaml").read_text(encoding="utf-8")
