"""/reload reaches every bot and process (issue 15): it goes through the process's one ContentSync.

Two bots in one process (the Fleet of tests/test_many_bots.py, real Applications, one fake Bot API
per token) on a copy of content/: a /reload sent to bot gliwice makes bot slask answer from the new
content, announces the version so a second follower on the same database (another process's)
reloads, and a broken folder keeps every bot on the running content. Beside the web door (as
serve_with_telegram wires them) /reload goes through the web door's follower and swaps it too.
One Application built apart (tests/test_staff.py) reloads only itself.
"""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.channels.telegram.staff import SYNC_KEY
from bot.channels.web.app import WebDoor, create_app
from bot.channels.web.config import WebSettings
from bot.channels.web.serve import telegram_swap
from bot.domain.content import Content
from bot.editor.sync import ContentSync, PollingSignal
from bot.i18n import tr
from bot.settings import Settings
from storage import audit, content_version
from storage.open import open_database
from tests.fakebotapi import TgUser
from tests.test_many_bots import ADMIN_ID, ANNA, PROJECT, Two, open_two
from tests.web_helpers import Ticks

ADMIN = TgUser(ADMIN_ID, "Admin", "pl")
OLD = "Strona ośrodka nie podaje godzin pracy MOPS w Wodzisławiu Śląskim."
NEW = "Biuro w Wodzisławiu jest otwarte od poniedziałku do piątku."
HOURS = "godziny pracy"


async def fleet_of(tmp_path: Path, target: str, *, follow_content: bool) -> tuple[Two, Path, Settings]:
    root = tmp_path / "content"
    shutil.copytree(PROJECT / "content", root)
    found = await open_two(tmp_path, target, follow_content=follow_content, CONTENT_DIR=str(root))
    return found, root, found.fleet.settings


@pytest.fixture
async def two(tmp_path: Path, database_target: str) -> AsyncIterator[tuple[Two, Path, Settings]]:
    """The two bots with the process's follower (as `python -m bot run` with TELEGRAM_BOTS)."""
    found, root, settings = await fleet_of(tmp_path, database_target, follow_content=True)
    try:
        await found.fleet.start(webhook=True)  # updates are fed by the test
        yield found, root, settings
    finally:
        await found.fleet.stop()
    for api in found.apis.values():
        assert api.unexpected == []


class Follower:
    """Another process's ContentSync on the same database: it polls on every turn of the loop."""

    def __init__(self, root: Path, settings: Settings) -> None:
        self.root, self.settings = root, settings
        self.got: list[Content] = []
        self.arrived = asyncio.Event()

    def swap(self, content: Content) -> None:
        self.got.append(content)
        self.arrived.set()

    async def __aenter__(self) -> Follower:
        self.db = await open_database(self.settings.database_url, self.settings.database)

        async def tick(seconds: float) -> None:  # no wall clock: a period passes when the loop turns
            await asyncio.sleep(0)

        self.sync = ContentSync(self.root, PollingSignal(self.db, sleep=tick), [self.swap])
        await self.sync.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.sync.stop()
        await self.db.close()


def hours_of(content: Content) -> str:
    return "\n".join(e.text.get("pl") or "" for e in content.centres["wodzislaw"].faq if e.id == "hours")


async def answer(two: Two, bot: str, user: TgUser, text: str) -> str:
    return "\n".join(c.visible for c in await two.say(bot, user, text))


async def test_a_reload_in_one_bot_reaches_the_other_bot_and_another_process(
    two: tuple[Two, Path, Settings],
) -> None:
    bots, root, settings = two
    db = bots.fleet.db
    assert db is not None and bots.fleet.sync is not None
    assert all(m.application.bot_data[SYNC_KEY] is bots.fleet.sync for m in bots.fleet.members)
    await bots.say("slask", ANNA, "/start")  # Anna uses bot slask (Wodzisław) only
    assert OLD in await answer(bots, "slask", ANNA, HOURS)
    before = await content_version.current(db)
    faq = root / "wodzislaw" / "faq.yaml"
    faq.write_text(faq.read_text(encoding="utf-8").replace(OLD, NEW), encoding="utf-8")
    async with Follower(root, settings) as other:
        reloaded = await answer(bots, "gliwice", ADMIN, "/reload")  # sent to the other bot
        assert reloaded == tr("pl")._("Content reloaded.")
        assert NEW in await answer(bots, "slask", ANNA, HOURS)  # bot slask answers from it at once
        assert NEW in hours_of(bots.door("slask").content)
        assert set(bots.door("slask").content.centres) == {"wodzislaw"}  # still its own share
        assert set(bots.door("gliwice").content.centres) == {"gliwice"}
        assert await content_version.current(db) == before + 1  # announced, once
        await asyncio.wait_for(other.arrived.wait(), 30)  # the other process reloads it
        assert len(other.got) == 1 and NEW in hours_of(other.got[0])
    assert bots.fleet.sync.seen == before + 1  # our own: this process's follower does not reload it
    audited = [(e.action, e.target, e.outcome) for e in await audit.entries(db, ADMIN_ID)]
    assert ("reload", "ok", "ok") in audited


async def test_a_broken_content_keeps_every_bot_and_process_on_the_running_content(
    two: tuple[Two, Path, Settings],
) -> None:
    bots, root, _ = two
    db = bots.fleet.db
    assert db is not None
    running = {name: bots.door(name).content for name in ("gliwice", "slask")}
    before = await content_version.current(db)
    faq = root / "wodzislaw" / "faq.yaml"
    faq.write_text(faq.read_text(encoding="utf-8").replace(OLD, NEW) + "\nentries: [", encoding="utf-8")
    reply = await answer(bots, "gliwice", ADMIN, "/reload")
    assert tr("pl")._("The content has errors; I keep the running content.") in reply
    assert "faq.yaml:" in reply  # the file:line problems
    assert {name: bots.door(name).content for name in running} == running  # the same objects
    assert await content_version.current(db) == before  # nothing announced: no process reloads
    await bots.say("slask", ANNA, "/start")
    assert OLD in await answer(bots, "slask", ANNA, HOURS)
    audited = [(e.action, e.target, e.outcome) for e in await audit.entries(db, ADMIN_ID)]
    assert ("reload", "errors", "failed") in audited and ("reload", "ok", "ok") not in audited


async def test_beside_the_web_door_a_reload_goes_through_its_follower(
    tmp_path: Path, database_target: str
) -> None:
    """As serve_with_telegram wires them: the fleet follows nothing itself, the web door's
    ContentSync (the process's one) is handed to every bot, and /reload swaps the web door too."""
    bots, root, settings = await fleet_of(tmp_path, database_target, follow_content=False)
    try:
        await bots.fleet.start(webhook=True)
        assert bots.fleet.sync is None
        assert all(SYNC_KEY not in m.application.bot_data for m in bots.fleet.members)
        swaps = [telegram_swap(m.application) for m in bots.fleet.members]
        web_app = create_app(
            settings,
            WebSettings(),
            bots.fleet.content,
            clock=bots.clock,
            ticks=Ticks(),
            listeners=swaps,
            share_sync=bots.fleet.share,
        )
        faq = root / "wodzislaw" / "faq.yaml"
        async with web_app.router.lifespan_context(web_app):
            web_door = web_app.state.door
            assert isinstance(web_door, WebDoor) and web_door.editor is not None
            shared = {id(m.application.bot_data[SYNC_KEY]) for m in bots.fleet.members}
            assert shared == {id(web_door.editor.sync)}
            faq.write_text(faq.read_text(encoding="utf-8").replace(OLD, NEW), encoding="utf-8")
            assert await answer(bots, "slask", ADMIN, "/reload") == tr("pl")._("Content reloaded.")
            assert NEW in hours_of(web_door.content)  # the web door beside the bots
            assert NEW in hours_of(bots.door("slask").content)
            assert set(bots.door("gliwice").content.centres) == {"gliwice"}
        # The web door stopped: its follower is no longer the bots' (each would reload alone).
        assert all(SYNC_KEY not in m.application.bot_data for m in bots.fleet.members)
    finally:
        await bots.fleet.stop()
