"""What the editor publishes reaches the Telegram door too (the listener `python -m bot run` wires in
beside the web door): an FAQ answer edited and published, then asked in the offline Telegram app."""

from __future__ import annotations

import shutil
from pathlib import Path

from bot.channels.telegram import ALLOWED_UPDATES, BOT_DATA_KEY, Door, build_application, lifespan
from bot.channels.web.serve import telegram_swap
from bot.clock import FixedClock
from bot.domain.loader import load_content
from bot.editor import documents as docs
from bot.editor.service import Editor
from bot.settings import Settings
from bot.staff.access import Access
from tests.conftest import CONTENT_DIR, PINNED
from tests.fakebotapi import TOKEN, FakeBotAPI, FakeBotAPIServer, TgUser
from tests.test_telegram_e2e import FAST_RETRY, Person

NEW_EN = "The office is open on Mondays only, 9:00-12:00."


async def test_a_published_answer_is_given_in_telegram(tmp_path: Path, database_target: str) -> None:
    root = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, root)
    api = FakeBotAPI()
    async with FakeBotAPIServer(api) as server:
        settings = Settings(telegram_token=TOKEN, database_url=database_target, content_dir=root)
        clock = FixedClock(PINNED)
        app = build_application(
            settings, load_content(root), clock=clock, base_url=server.base_url, reply_retry=FAST_RETRY
        )
        async with lifespan(app):
            assert app.updater is not None
            await app.start()
            await app.updater.start_polling(poll_interval=0, timeout=1, allowed_updates=ALLOWED_UPDATES)
            try:
                door = app.bot_data[BOT_DATA_KEY]
                assert isinstance(door, Door)
                editor = Editor(root, door.db, clock, [telegram_swap(app)])
                doc, entry = editor.open("gliwice/faq.yaml", "hours")
                assert entry is not None
                values = docs.form_values(entry, centre_file=False) | {"text.en": NEW_EN}
                admin = Access(1, "admin", "gliwice")
                draft = await editor.publish(admin, doc.path, "hours", values, doc.version)
                assert draft.problems == []
                anna = Person(api, TgUser(601, "Anna", "en"))
                await anna.say("/start")
                await anna.press("Gliwice")
                [answer] = await anna.say("What are the opening hours?")
                assert NEW_EN in answer.visible
            finally:
                await app.updater.stop()
                await app.stop()
