"""Issue 15 point 4: many centres. Parsed content is cached by the bytes of its files; with many
centres each centre's indexes are built on first use and only the recently used stay in memory."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.clock import FixedClock, parse_moment
from bot.dialogue import Dialogue, Engine, Incoming
from bot.domain import knowledge
from bot.domain.loader import ContentError, load_content
from bot.domain.semantic import VectorCache
from storage import connect
from tests.test_knowledge import CountingEmbedder

PROJECT = Path(__file__).resolve().parents[1]


def copy_of_content(tmp_path: Path, clones: int = 0) -> Path:
    """The shipped content, plus `clones` copies of Gliwice under other ids (synthetic centres)."""
    root = tmp_path / "content"
    shutil.copytree(PROJECT / "content", root)
    for number in range(clones):
        cid = f"copy{number}"
        shutil.copytree(root / "gliwice", root / cid)
        centre = root / cid / "centre.yaml"
        centre.write_text(centre.read_text(encoding="utf-8").replace("id: gliwice", f"id: {cid}"), "utf-8")
    return root


def test_a_cached_centre_is_the_parsed_one_and_follows_every_edit(tmp_path: Path) -> None:
    root, cache = copy_of_content(tmp_path), tmp_path / "cache"
    parsed = load_content(root, cache=None)
    assert load_content(root, cache=cache) == parsed  # first load: parsed and stored
    assert list(cache.glob("centre-*.pickle"))
    assert load_content(root, cache=cache) == parsed  # second load: read back, the same
    faq = root / "gliwice" / "faq.yaml"
    faq.write_text(faq.read_text(encoding="utf-8").replace("id: ", "id:  ", 1), "utf-8")
    assert load_content(root, cache=cache) == load_content(root, cache=None)  # a changed file is read


def test_a_broken_file_is_reported_even_after_a_good_load_was_cached(tmp_path: Path) -> None:
    root, cache = copy_of_content(tmp_path), tmp_path / "cache"
    load_content(root, cache=cache)
    centre = root / "wodzislaw" / "centre.yaml"
    centre.write_text(centre.read_text(encoding="utf-8") + "\nphone: [\n", "utf-8")
    with pytest.raises(ContentError) as raised:
        load_content(root, cache=cache)
    assert any("wodzislaw/centre.yaml" in problem for problem in raised.value.problems)


def test_a_corrupt_or_unwritable_content_cache_only_costs_time(tmp_path: Path) -> None:
    root, cache = copy_of_content(tmp_path), tmp_path / "cache"
    parsed = load_content(root, cache=cache)
    for path in cache.glob("centre-*.pickle"):
        path.write_bytes(b"\x80\x05 not a pickle")
    assert load_content(root, cache=cache) == parsed
    blocker = tmp_path / "a-file"
    blocker.write_text("a file where the cache folder should be")
    assert load_content(root, cache=blocker / "cache") == parsed


async def test_with_many_centres_each_is_built_on_first_use_and_few_are_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BOT_EAGER_CENTRES", "2")
    monkeypatch.setenv("BOT_HOT_CENTRES", "2")
    content = load_content(copy_of_content(tmp_path, clones=3), cache=tmp_path / "cache")
    model = CountingEmbedder()
    built = knowledge.prepare(content, model, VectorCache(tmp_path / "vectors"))
    assert len(built.centres) == 5 and built.centres.ready() == {}  # nothing built before it is asked
    db = await connect(tmp_path / "bot.sqlite3")
    try:
        dialogue = Dialogue(Engine(content, FixedClock(parse_moment("2026-12-02T10:00:00+01:00"))), db)
        for user, centre in enumerate(("copy0", "copy1", "wodzislaw", "copy0")):
            await dialogue.handle("terminal", str(user), Incoming(button=f"c:{centre}"))
            replies = await dialogue.handle("terminal", str(user), Incoming(text="godziny otwarcia"))
            assert ("16:30" in replies[0].text) == (centre != "wodzislaw"), (centre, replies[0].text)
        assert len(built.centres.ready()) == 2  # the least recently used centre left memory
        assert set(built.centres.ready()) == {"wodzislaw", "copy0"}
    finally:
        await db.close()


def test_many_new_centres_are_parsed_in_worker_processes_and_come_out_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.domain import centre_cache

    monkeypatch.setattr(centre_cache, "PARALLEL_FROM", 3)
    monkeypatch.setattr(centre_cache.os, "cpu_count", lambda: 2)
    root, cache = copy_of_content(tmp_path, clones=3), tmp_path / "cache"
    centre = root / "copy2" / "faq.yaml"
    centre.write_text(centre.read_text(encoding="utf-8") + "\n  - [broken\n", "utf-8")
    with pytest.raises(ContentError) as raised:
        load_content(root, cache=cache)  # a broken centre is still reported, by its line
    assert all("copy2/faq.yaml" in problem for problem in raised.value.problems)
    assert len(list(cache.glob("centre-*.pickle"))) == 4  # the good ones were parsed ahead
    centre.write_text(centre.read_text(encoding="utf-8").replace("\n  - [broken\n", ""), "utf-8")
    assert load_content(root, cache=cache) == load_content(root, cache=None)
