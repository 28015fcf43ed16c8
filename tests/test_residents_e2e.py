"""End to end over the fake Bot API: staff invite -> resident joins -> reminder at 10:00 Warsaw -> Paid."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot import callbacks
from bot.channels.telegram import ALLOWED_UPDATES, TelegramApp, build_application, lifespan
from bot.channels.telegram.residents import RESIDENTS_KEY, ResidentsDoor, sender
from bot.clock import WARSAW, FixedClock
from bot.residents.tick import TickReport
from bot.settings import Settings
from tests.fakebotapi import TOKEN, FakeBotAPI, FakeBotAPIServer, TgUser
from tests.test_telegram_e2e import Person, shipped_content

STAFF_ID = 4242
START = datetime(2027, 2, 1, 12, 0, tzinfo=WARSAW)


@dataclass
class Live:
    app: TelegramApp
    api: FakeBotAPI
    clock: FixedClock

    async def tick_at(self, moment: datetime) -> TickReport:
        """Drive the tick the JobQueue would run, at a pinned moment."""
        self.clock.set(moment)
        found = self.app.bot_data[RESIDENTS_KEY]
        assert isinstance(found, ResidentsDoor)
        return await found.service.tick(sender(self.app.bot))


@pytest.fixture
async def live(tmp_path: Path, database_target: str) -> AsyncIterator[Live]:
    api = FakeBotAPI()
    clock = FixedClock(START)
    async with FakeBotAPIServer(api) as server:
        settings = Settings(
            telegram_token=TOKEN,
            database=tmp_path / "bot.sqlite3",
            database_url=database_target,
            staff_admin_ids=frozenset({STAFF_ID}),
        )
        app = build_application(settings, shipped_content(), clock=clock, base_url=server.base_url)
        async with lifespan(app):
            assert app.updater is not None and app.job_queue is not None
            await app.start()
            [job] = app.job_queue.get_jobs_by_name(callbacks.JOB_REMINDER_TICK)
            job.enabled = False  # the test drives the tick with the pinned clock instead
            await app.updater.start_polling(poll_interval=0, timeout=1, allowed_updates=ALLOWED_UPDATES)
            try:
                yield Live(app, api, clock)
            finally:
                await app.updater.stop()
                await app.stop()
    assert api.unexpected == []


async def test_invite_join_remind_at_ten_and_paid_stops_the_month(live: Live) -> None:
    staff = Person(live.api, TgUser(STAFF_ID, "Staff", "pl"))
    anna = Person(live.api, TgUser(5001, "Anna", "pl"))
    stranger = Person(live.api, TgUser(5002, "Olek", "pl"))

    [refused] = await stranger.say("/invite chronione")
    assert "pracowników" in refused.visible
    [invite] = await staff.say("/invite chronione")
    match = re.search(r"https://t\.me/(\w+)\?start=([\w-]+)", invite.visible)
    assert match is not None and match.group(1) == "housing_test_bot"
    code = match.group(2)

    welcome, menu = await anna.say(f"/start {code}", expect=2)
    assert "chronione" in welcome.visible
    assert "r:rem" in {data for _, data in menu.buttons()}
    [used] = await stranger.say(f"/start {code}")
    assert "użyte" in used.visible
    [unknown] = await stranger.say("/start " + "A" * 32)
    assert "nieprawidłowy" in unknown.visible

    before = len(live.api.outgoing(anna.chat))
    assert (await live.tick_at(datetime(2027, 2, 25, 9, 59, tzinfo=WARSAW))).sent == 0
    report = await live.tick_at(datetime(2027, 2, 25, 10, 0, tzinfo=WARSAW))
    assert report.sent == 1 and live.clock.now() == datetime(2027, 2, 25, 9, 0, tzinfo=UTC)
    [reminder] = live.api.outgoing(anna.chat)[before:]
    # February has no 30th: the one early reminder names no day and says to ask MOPS.
    assert "lutego" not in reminder.visible and "Luty ma mniej dni" in reminder.visible
    assert {data for _, data in reminder.buttons()} == {"r:paid:2027-02", "r:later:2027-02"}
    assert {label for label, _ in reminder.buttons()} == {"Zapłacone", "Przypomnij jutro"}

    [thanks] = await anna.press("r:paid:2027-02")
    assert "Dziękuję" in thanks.visible
    [again] = await anna.press("r:paid:2027-02")  # the same button twice
    assert "Już oznaczone" in again.visible
    count = len(live.api.outgoing(anna.chat))
    assert (await live.tick_at(datetime(2027, 2, 28, 10, 0, tzinfo=WARSAW))).sent == 0
    assert len(live.api.outgoing(anna.chat)) == count
    assert (await live.tick_at(datetime(2027, 3, 27, 10, 0, tzinfo=WARSAW))).sent == 1  # next month again

    [gone] = await anna.say("/leave")
    assert "Nie masz już konta mieszkańca" in gone.visible  # gender-neutral (issue 11)


async def test_staff_define_a_duty_in_guided_steps(live: Live) -> None:
    staff = Person(live.api, TgUser(STAFF_ID, "Staff", "pl"))
    [ask_text] = await staff.say("/duty add chronione")
    assert "po polsku" in ask_text.visible
    [kinds] = await staff.say("Sprzątanie kuchni")
    assert {data for _, data in kinds.buttons()} == {"s:dk:weekly", "s:dk:monthly"}
    [ask_day] = await staff.press("s:dk:weekly")
    assert "dzień tygodnia" in ask_day.visible
    [bad_day] = await staff.say("ósmy")
    assert "To nie jest dzień tygodnia" in bad_day.visible
    await staff.say("poniedziałek")
    [bad_time] = await staff.say("23:00")
    assert "między 8:00 a 21:00" in bad_time.visible
    [saved] = await staff.say("18:00")
    assert "Sprzątanie kuchni" in saved.visible and "poniedziałek" in saved.visible
    [listed] = await staff.say("/duty list chronione")
    assert "#1 Sprzątanie kuchni" in listed.visible
    [removed] = await staff.say("/duty remove 1")
    assert "usunięty" in removed.visible
