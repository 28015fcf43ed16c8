"""Issue 15 point 4: many centres. Parsed content is cached by the bytes of its files; a start
keeps only each centre's card, a centre's content is read on first use (in a thread of its own, so
nobody else waits) and kept; with many centres each centre's indexes are built on first use and only
the recently used stay in memory."""

from __future__ import annotations

import asyncio
import shutil
import threading
from pathlib import Path

import pytest

from bot.clock import FixedClock, parse_moment
from bot.conversation import menus
from bot.conversation.dialogue import Dialogue, Engine, Incoming
from bot.domain import centre_cache, knowledge, loader
from bot.domain.centres import loaded_of
from bot.domain.content import CentreContent, Content
from bot.domain.loader import ContentError, load_content
from bot.domain.semantic import VectorCache
from bot.i18n import tr
from bot.replies import Reply
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


# --- a centre's content read on first use (bot.domain.centres) --------------------------------

CLOCK = "2026-12-02T10:00:00+01:00"
CONVERSATION = (
    Incoming(text="godziny otwarcia"),
    Incoming(text="czy mogę mieć psa w mieszkaniu?"),
    Incoming(text="ile kosztuje mieszkanie"),
    Incoming(text="1500 zł"),
    Incoming(button="m:flats"),
    Incoming(button="m:rules"),
    Incoming(text="Як подати заяву?"),
)


async def conversation(content: Content, db_path: Path, centres: tuple[str, ...]) -> list[list[Reply]]:
    """Each centre chosen by its button, then the same questions, each user through the dialogue."""
    db = await connect(db_path)
    try:
        dialogue = Dialogue(Engine(content, FixedClock(parse_moment(CLOCK))), db)
        await dialogue.prepare()
        said = []
        for user, centre in enumerate(centres):
            said.append(await dialogue.handle("terminal", str(user), Incoming(button=f"c:{centre}")))
            for incoming in CONVERSATION:
                said.append(await dialogue.handle("terminal", str(user), incoming))
        return said
    finally:
        await db.close()


async def test_a_centre_read_on_first_use_answers_as_one_loaded_at_start(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root, cache = copy_of_content(tmp_path, clones=1), tmp_path / "cache"
    monkeypatch.setattr(knowledge, "default_embedder", CountingEmbedder)
    eager = load_content(root, cache=None)
    load_content(root, cache=cache)  # fills the parse cache
    lazy = load_content(root, cache=cache)
    assert loaded_of(lazy.centres) == {}  # a start keeps only the cards
    assert lazy.card("wodzislaw") == eager.centres["wodzislaw"].centre
    centres = ("wodzislaw", "copy0", "gliwice")
    expected = await conversation(eager, tmp_path / "eager.sqlite3", centres)
    monkeypatch.setenv("BOT_EAGER_CENTRES", "1")  # nothing built at prepare either
    assert await conversation(lazy, tmp_path / "lazy.sqlite3", centres) == expected
    assert set(loaded_of(lazy.centres)) == set(centres)  # read once, and kept


def test_a_warm_start_reads_no_centre_file_nor_a_centres_content(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root, cache = copy_of_content(tmp_path, clones=2), tmp_path / "cache"
    load_content(root, cache=cache)

    def refused(*args: object) -> None:
        raise AssertionError("a warm start parsed or read a centre")

    monkeypatch.setattr(loader, "_parse_centre", refused)
    monkeypatch.setattr(centre_cache, "read", refused)
    content = load_content(root, cache=cache)
    assert sorted(content.centres) == ["copy0", "copy1", "gliwice", "wodzislaw"]
    assert [b[0].label for b in menus.choose_centre(tr("pl"), content).buttons][:1] == [
        "Ośrodek Pomocy Społecznej w Gliwicach"
    ]


def test_a_damaged_cache_entry_is_rebuilt_when_its_centre_is_first_read(tmp_path: Path) -> None:
    root, cache = copy_of_content(tmp_path), tmp_path / "cache"
    parsed = load_content(root, cache=None)
    load_content(root, cache=cache)
    content = load_content(root, cache=cache)  # cards only; the entries are read on first use
    for path in cache.glob("centre-*.pickle"):
        path.write_bytes(b"\x80\x05 not a pickle")
    assert content.centres["gliwice"] == parsed.centres["gliwice"]  # parsed again from its folder
    (cache / "cards.pickle").write_bytes(b"not the cards")
    assert load_content(root, cache=cache) == parsed  # a damaged cards file: every centre checked again


def test_an_edit_is_picked_up_by_the_hash_of_the_files(tmp_path: Path) -> None:
    root, cache = copy_of_content(tmp_path), tmp_path / "cache"
    load_content(root, cache=cache)
    before = load_content(root, cache=cache)
    centre, faq = root / "wodzislaw" / "centre.yaml", root / "wodzislaw" / "faq.yaml"
    name = before.centres["wodzislaw"].centre.name.pl
    centre.write_text(centre.read_text(encoding="utf-8").replace(name, f"{name} (nowa nazwa)"), "utf-8")
    title = before.centres["wodzislaw"].faq[0].title.pl
    faq.write_text(faq.read_text(encoding="utf-8").replace(title, f"{title} – zmienione"), "utf-8")
    after = load_content(root, cache=cache)
    card = after.card("wodzislaw")
    assert card is not None and card.name.pl == f"{name} (nowa nazwa)"  # the centre chooser's name
    assert after.centres["wodzislaw"].faq[0].title.pl == f"{title} – zmienione"
    assert after == load_content(root, cache=None)
    assert load_content(root, cache=cache).centres["gliwice"] == before.centres["gliwice"]


async def test_a_question_is_not_held_up_while_another_users_centre_is_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BOT_EAGER_CENTRES", "1")
    root = copy_of_content(tmp_path, clones=1)
    load_content(root, cache=tmp_path / "cache")
    content = load_content(root, cache=tmp_path / "cache")  # a warm start: cards only
    knowledge.prepare(content, CountingEmbedder(), VectorCache(tmp_path / "vectors"))
    db = await connect(tmp_path / "bot.sqlite3")
    reading, release = threading.Event(), threading.Event()
    try:
        dialogue = Dialogue(Engine(content, FixedClock(parse_moment(CLOCK))), db)
        await dialogue.handle("terminal", "1", Incoming(button="c:wodzislaw"))
        answer = await dialogue.handle("terminal", "1", Incoming(text="godziny otwarcia"))
        real = centre_cache.read

        def slow(where: Path, key: str, cid: str) -> CentreContent | None:
            if cid == "copy0":  # another user's centre, read for the first time: held here
                reading.set()
                assert release.wait(timeout=30), "the test never let the read go on"
            return real(where, key, cid)

        monkeypatch.setattr(centre_cache, "read", slow)
        opening = asyncio.ensure_future(dialogue.handle("terminal", "2", Incoming(button="c:copy0")))
        assert await asyncio.to_thread(reading.wait, 30)  # copy0 is being read, off the event loop
        again = await dialogue.handle("terminal", "1", Incoming(text="godziny otwarcia"))
        assert again == answer and not opening.done()  # answered while copy0 was still being read
        release.set()
        await opening
        assert "copy0" in loaded_of(content.centres)
        assert "16:30" in (await dialogue.handle("terminal", "2", Incoming(text="godziny otwarcia")))[0].text
    finally:
        release.set()
        await db.close()


async def test_with_many_centres_a_question_without_a_centre_asks_for_it_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BOT_EAGER_CENTRES", "1")  # knowledge too is built per centre, on first use
    root = copy_of_content(tmp_path, clones=4)
    load_content(root, cache=tmp_path / "cache")
    content = load_content(root, cache=tmp_path / "cache")
    db = await connect(tmp_path / "bot.sqlite3")
    try:
        dialogue = Dialogue(Engine(content, FixedClock(parse_moment(CLOCK))), db)
        replies = await dialogue.handle("terminal", "1", Incoming(text="czy mogę mieć psa?"))
        assert len(replies) == 1 and len(replies[0].buttons) == 6  # the centres to choose from
        assert loaded_of(content.centres) == {}  # no centre was read to ask which one
        named = await dialogue.handle("terminal", "2", Incoming(text="godziny otwarcia w Wodzisławiu"))
        assert set(loaded_of(content.centres)) == {"wodzislaw"} and "Wodzisław" in named[0].text
    finally:
        await db.close()


def test_a_bots_share_of_the_centres_reads_none_and_shares_what_it_reads(tmp_path: Path) -> None:
    """A named bot answers about its centres only; cutting them out of the content reads no centre,
    and a centre read through the bot's share is the one the whole content keeps."""
    from bot.channels.telegram.context import bot_content
    from bot.settings import Settings, TelegramBot

    root, cache = copy_of_content(tmp_path, clones=2), tmp_path / "cache"
    load_content(root, cache=cache)
    content = load_content(root, cache=cache)  # warm: cards only
    bot = TelegramBot("slask", "1:token", frozenset({"wodzislaw", "copy0"}))
    share = bot_content(content, Settings(bot=bot))
    assert sorted(share.centres) == ["copy0", "wodzislaw"]
    assert loaded_of(content.centres) == {} and loaded_of(share.centres) == {}
    assert share.centres["wodzislaw"] is content.centres["wodzislaw"]
    assert sorted(loaded_of(content.centres)) == ["wodzislaw"]
