"""Staff tools through `Application.process_update` (no network): roles, the authorization matrix,
staff invites, the broadcast flow up to the outbox, "send at", handover tickets, insights, reload."""

from __future__ import annotations

import logging
import shutil
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from telegram import Update

from bot.channels.telegram import BOT_DATA_KEY, Door, TelegramApp, build_application, lifespan
from bot.channels.telegram.render import utf16_len
from bot.channels.telegram.staff import STAFF_KEY, SYNC_KEY, StaffConfig, job_name, parse_send_at
from bot.clock import WARSAW, FixedClock
from bot.conversation.dialogue import Engine, Incoming, State
from bot.i18n import tr
from bot.settings import Settings
from bot.staff.access import COMMANDS, RANK
from storage import audit, broadcasts, content_version, record_unanswered, users
from storage import residents as people
from storage import staff as staff_store
from storage._time import to_text
from tests.data import PROJECT, bot_data_item, shipped_content
from tests.fakebotapi import TOKEN, Call, FakeBotAPI, RecordingRequest, TgUser, group_chat

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=WARSAW)
ADMIN = TgUser(42, "Admin", "pl")
STAFF = TgUser(43, "Worker", "pl")
RESIDENT = TgUser(44, "Resident", "pl")
OTHER = TgUser(45, "Other", "en")
STAFF_CHAT = -100_555
NO_ACCESS = {lang: tr(lang)._("Sorry, you have no access to this command.") for lang in ("pl", "en")}


@dataclass
class Harness:
    app: TelegramApp
    api: FakeBotAPI
    settings: Settings

    async def process(self, update: dict[str, Any]) -> list[Call]:
        before = len(self.api.calls)
        await self.app.process_update(Update.de_json(update, self.app.bot))
        return self.api.calls[before:]

    async def say(self, user: TgUser, text: str, **kwargs: Any) -> list[Call]:
        return await self.process(self.api.message_update(user, text, **kwargs))

    async def press(self, user: TgUser, data: str) -> list[Call]:
        return await self.process(self.api.callback_update(user, data))

    @property
    def door(self) -> Door:
        return bot_data_item(self.app.bot_data, BOT_DATA_KEY, Door)

    @property
    def config(self) -> StaffConfig:
        return bot_data_item(self.app.bot_data, STAFF_KEY, StaffConfig)


def texts_of(calls: list[Call]) -> list[str]:
    return [c.visible for c in calls if c.ok and c.method in ("sendMessage", "editMessageText")]


async def make_harness(
    tmp_path: Path, content_dir: Path | None = None, target: str | None = None, follow_content: bool = True
) -> tuple[TelegramApp, Harness]:
    """The bot on `target` (a `database_target`), else on an SQLite file in `tmp_path`; with
    `follow_content` it has its own ContentSync, as `python -m bot run` with one bot."""
    api = FakeBotAPI()
    settings = Settings(
        telegram_token=TOKEN,
        database=tmp_path / "bot.sqlite3",
        database_url=target,
        staff_admin_ids=frozenset({ADMIN.id}),
        staff_chat_id=STAFF_CHAT,
        default_centre="gliwice",
        content_dir=content_dir or PROJECT / "content",
    )
    app = build_application(
        settings,
        shipped_content(),
        clock=FixedClock(NOW),
        request=RecordingRequest(api),
        follow_content=follow_content,
    )
    return app, Harness(app, api, settings)


@pytest.fixture
async def bot(
    tmp_path: Path, database_target: str, caplog: pytest.LogCaptureFixture
) -> AsyncIterator[Harness]:
    caplog.set_level(logging.INFO)
    app, harness = await make_harness(tmp_path, target=database_target)
    async with lifespan(app):
        db = harness.door.db
        for user in (ADMIN, STAFF, RESIDENT, OTHER):
            stored = await users.get_or_create_user(db, "telegram", str(user.id), NOW)
            await users.set_centre(db, stored.id, "gliwice", NOW)
        await staff_store.add_invite(db, "st_" + "a" * 32, "gliwice", ADMIN.id, NOW, NOW.replace(year=2027))
        assert isinstance(
            await staff_store.redeem_invite(db, "st_" + "a" * 32, STAFF.id, NOW), staff_store.StaffMember
        )
        await people.bind_resident(db, "telegram", str(RESIDENT.id), "gliwice", "zawiszy", "pl", NOW)
        yield harness
    assert harness.api.unexpected == []


# --- roles and the authorization matrix ---------------------------------------------------------

ROLES = {"admin": ADMIN, "staff": STAFF, "resident": RESIDENT, "other": OTHER}


@pytest.mark.parametrize("command", sorted(COMMANDS))
@pytest.mark.parametrize("role", sorted(ROLES))
async def test_authorization_matrix(bot: Harness, command: str, role: str) -> None:
    user = ROLES[role]
    allowed = RANK.get(role, 0) >= RANK[COMMANDS[command]]
    shown = texts_of(await bot.say(user, f"/{command}"))
    assert shown, "every command gets an answer"
    denied = shown == [NO_ACCESS[user.language_code or "pl"]]
    assert denied is not allowed
    entry = (await audit.entries(bot.door.db, actor=user.id))[0]
    assert (entry.action, entry.outcome) == (command, "ok" if allowed else "denied")
    assert entry.role == (role if role in ("admin", "staff") else "none")


async def test_buttons_of_the_staff_flows_are_authorized_too(bot: Harness) -> None:
    for data in ("b:a:all", "b:ok:1", "b:x:1"):
        calls = await bot.press(OTHER, data)
        assert [c.params.get("text") for c in calls if c.method == "answerCallbackQuery"] == [NO_ACCESS["en"]]
    assert [e.outcome for e in await audit.entries(bot.door.db, actor=OTHER.id)] == ["denied"] * 3


async def test_admin_invites_and_removes_staff(bot: Harness) -> None:
    [answer] = texts_of(await bot.say(ADMIN, "/staff invite wodzislaw"))
    code = answer.rsplit("start=", 1)[1]
    assert staff_store.is_staff_code(code) and len(code) >= 32
    newcomer = TgUser(77, "New", "pl")
    [welcome] = texts_of(await bot.say(newcomer, f"/start {code}"))
    assert "wodzislaw" in welcome
    member = await staff_store.get_staff(bot.door.db, 77)
    assert member is not None and member.centre == "wodzislaw"
    [again] = texts_of(await bot.say(TgUser(78, "Late", "en"), f"/start {code}"))
    assert again == tr("en")._("This staff invitation has already been used.")
    row = await bot.door.db.fetch_one("SELECT COUNT(*) FROM staff_invites WHERE code_hash = ?", (code,))
    assert row is not None and row[0] == 0  # the code itself is never stored
    texts_of(await bot.say(ADMIN, "/staff remove 77"))
    assert await staff_store.get_staff(bot.door.db, 77) is None
    actions = [(e.action, e.target) for e in await audit.entries(bot.door.db, actor=ADMIN.id)]
    assert ("staff_invite", "wodzislaw") in actions and ("staff_remove", "77") in actions
    [denied] = texts_of(await bot.say(newcomer, "/broadcast"))
    assert denied == NO_ACCESS["pl"]


# --- broadcast flow ------------------------------------------------------------------------------


async def test_audience_text_preview_and_cancel(bot: Harness) -> None:
    [menu] = [c for c in await bot.say(STAFF, "/broadcast") if c.method == "sendMessage"]
    labels = dict((data, label) for label, data in menu.buttons())
    assert "(4)" in labels["b:a:all"] and "(1)" in labels["b:a:flats"] and "(3)" in labels["b:a:applicants"]
    assert "(1)" in labels["b:a:flat:zawiszy"]
    [prompt] = texts_of(await bot.press(STAFF, "b:a:applicants"))
    assert "write the text" in prompt.lower() or "napisz" in prompt.lower()
    preview, question = [c for c in await bot.say(STAFF, "Jutro brak wody <b>od 8:00</b>") if c.ok]
    assert preview.visible == "Jutro brak wody <b>od 8:00</b>" and preview.buttons() == []
    assert "3 " in question.visible and {d for _, d in question.buttons()} == {"b:ok:1", "b:at:1", "b:x:1"}
    await bot.press(STAFF, "b:x:1")
    item = await broadcasts.get(bot.door.db, 1)
    assert item is not None and item.status == "cancelled"
    assert (await broadcasts.counts(bot.door.db, 1)).total == 0
    [late] = texts_of(await bot.press(STAFF, "b:ok:1"))
    assert late == tr("pl")._("This message was already sent or cancelled.")


async def test_confirm_writes_the_outbox_and_starts_the_job(bot: Harness) -> None:
    await bot.say(ADMIN, "/broadcast")
    await bot.press(ADMIN, "b:a:all")
    await bot.say(ADMIN, "Komunikat")
    [progress] = texts_of(await bot.press(ADMIN, "b:ok:1"))
    assert progress == tr("pl")._("sent {done}/{total}").format(done=0, total=4) == "wysłano 0/4"
    counts = await broadcasts.counts(bot.door.db, 1)
    assert (counts.total, counts.pending) == (4, 4)
    assert bot.app.job_queue is not None and bot.app.job_queue.get_jobs_by_name(job_name(1))
    item = await broadcasts.get(bot.door.db, 1)
    assert item is not None and item.status == "sending" and item.progress_message is not None
    [again] = texts_of(await bot.press(ADMIN, "b:ok:1"))  # pressed twice: one outbox
    assert again == tr("pl")._("This message was already sent or cancelled.")
    assert (await broadcasts.counts(bot.door.db, 1)).total == 4


async def test_send_at_a_later_time_is_scheduled_and_can_be_cancelled(bot: Harness) -> None:
    await bot.say(STAFF, "/broadcast")
    await bot.press(STAFF, "b:a:all")
    await bot.say(STAFF, "Zebranie mieszkańców")
    await bot.press(STAFF, "b:at:1")
    [unreadable] = texts_of(await bot.say(STAFF, "kiedyś"))
    assert "08:00" in unreadable
    [scheduled] = texts_of(await bot.say(STAFF, "2026-11-24 08:00"))
    assert "2026-11-24 08:00" in scheduled
    item = await broadcasts.get(bot.door.db, 1)
    assert item is not None and item.status == "scheduled" and item.send_at is not None
    assert to_text(item.send_at) == to_text(datetime(2026, 11, 24, 8, 0, tzinfo=WARSAW))
    assert bot.app.job_queue is not None
    [job] = bot.app.job_queue.get_jobs_by_name(job_name(1))
    await bot.press(STAFF, "b:x:1")
    item = await broadcasts.get(bot.door.db, 1)
    assert item is not None and item.status == "cancelled"
    assert (await broadcasts.counts(bot.door.db, 1)).total == 0
    del job


def test_parse_send_at() -> None:
    now = datetime(2026, 11, 23, 10, 0, tzinfo=WARSAW)
    assert parse_send_at("08:00", now) == datetime(2026, 11, 24, 8, 0, tzinfo=WARSAW)
    assert parse_send_at("18.30", now) == datetime(2026, 11, 23, 18, 30, tzinfo=WARSAW)
    assert parse_send_at("2026-12-01 08:00", now) == datetime(2026, 12, 1, 8, 0, tzinfo=WARSAW)
    assert parse_send_at("jutro", now) is None
    assert parse_send_at("25:00", now) is None


# --- handover to a person ----------------------------------------------------------------------


async def test_ticket_relay_both_ways_and_closing(bot: Harness) -> None:
    asker = TgUser(90, "Zofia Kowalska", "pl")
    [prompt] = texts_of(await bot.say(asker, "/ask"))
    calls = await bot.say(asker, "Czy mogę mieć kota w mieszkaniu?")
    to_staff = [c for c in calls if c.ok and c.chat_id == STAFF_CHAT]
    [to_user] = [c for c in calls if c.ok and c.chat_id == asker.id]
    assert len(to_staff) == 1 and "#1" in to_staff[0].visible and "kota" in to_staff[0].visible
    assert "Zofia" not in to_staff[0].visible and "Kowalska" not in to_staff[0].visible
    assert "#1" in to_user.visible
    staff_message = bot.api.last_message(STAFF_CHAT)
    assert staff_message is not None
    group = group_chat(STAFF_CHAT, "Pracownicy")
    calls = await bot.say(STAFF, "Tak, za zgodą ośrodka.", chat=group, reply_to=staff_message)
    [relayed] = [c for c in calls if c.ok and c.chat_id == asker.id]
    assert "Tak, za zgodą ośrodka." in relayed.visible and "Worker" not in relayed.visible
    answer_message = bot.api.last_message(asker.id)
    assert answer_message is not None
    calls = await bot.say(asker, "Dziękuję! A psa?", reply_to=answer_message)
    [back] = [c for c in calls if c.ok and c.chat_id == STAFF_CHAT]
    assert "A psa?" in back.visible and "#1" in back.visible
    calls = await bot.press(asker, "k:close:1")
    assert {c.chat_id for c in calls if c.ok and c.method == "sendMessage"} == {STAFF_CHAT, asker.id}
    closed = bot.api.last_message(STAFF_CHAT)
    calls = await bot.say(STAFF, "Jeszcze jedno", chat=group, reply_to=staff_message)
    assert [c.visible for c in calls if c.ok] == [tr("pl")._("Ticket #{id} is closed.").format(id=1)]
    assert closed is not None
    [row] = await bot.door.db.fetch_all("SELECT * FROM tickets")
    assert "Zofia" not in str(tuple(row)) and "kota" not in str(tuple(row))
    del prompt


async def test_only_staff_of_the_tickets_centre_answer_it_from_the_staff_chat(bot: Harness) -> None:
    """Issue 16: a member of the staff chat without a role, or staff of another centre, is refused."""
    elsewhere = TgUser(46, "Other centre", "pl")
    db = bot.door.db
    await staff_store.add_invite(db, "st_" + "b" * 32, "wodzislaw", ADMIN.id, NOW, NOW.replace(year=2027))
    assert isinstance(
        await staff_store.redeem_invite(db, "st_" + "b" * 32, elsewhere.id, NOW), staff_store.StaffMember
    )
    asker = TgUser(91, "Asker", "pl")
    await bot.press(asker, "c:gliwice")  # a Gliwice ticket
    await bot.say(asker, "/ask")
    await bot.say(asker, "Czy mogę mieć kota w mieszkaniu?")
    ticket_message = bot.api.last_message(STAFF_CHAT)
    assert ticket_message is not None
    group = group_chat(STAFF_CHAT, "Pracownicy")
    for intruder in (OTHER, elsewhere):
        calls = await bot.say(intruder, "Nie.", chat=group, reply_to=ticket_message)
        assert not [c for c in calls if c.ok and c.chat_id == asker.id]
        assert [c.visible for c in calls if c.ok] == [NO_ACCESS["pl"]]
    calls = await bot.say(STAFF, "Tak, za zgodą ośrodka.", chat=group, reply_to=ticket_message)
    assert [c for c in calls if c.ok and c.chat_id == asker.id]


async def test_staff_can_close_a_ticket_from_the_staff_chat(bot: Harness) -> None:
    asker = TgUser(91, "Ola", "en")
    await bot.say(asker, "/ask Where do I sign the contract?")
    staff_message = bot.api.last_message(STAFF_CHAT)
    assert staff_message is not None
    calls = await bot.process(bot.api.callback_update(STAFF, "k:close:1", staff_message))
    [to_user] = [c for c in calls if c.ok and c.chat_id == asker.id and c.method == "sendMessage"]
    assert "#1" in to_user.visible
    assert ("ticket_close", "1") in [(e.action, e.target) for e in await audit.entries(bot.door.db, STAFF.id)]


# --- insights and reload -----------------------------------------------------------------------


async def test_unanswered_and_stats(bot: Harness) -> None:
    db = bot.door.db
    for _ in range(3):
        await record_unanswered(db, "gliwice", "pl", "czy mogę mieć kota", NOW)
    await record_unanswered(db, "wodzislaw", "pl", "inne miasto", NOW)
    [top] = texts_of(await bot.say(STAFF, "/unanswered"))
    assert "3× [pl] czy mogę mieć kota" in top and "inne miasto" not in top
    [stats] = texts_of(await bot.say(STAFF, "/stats"))
    assert "gliwice / –: 4" in stats or "gliwice" in stats
    assert "gliwice: 1" in stats  # one active resident


@pytest.mark.parametrize("follow_content", [True, False], ids=["sync", "alone"])
async def test_reload_keeps_the_running_content_on_errors(tmp_path: Path, follow_content: bool) -> None:
    """With the process's ContentSync /reload also announces the version (every bot and process:
    tests/test_reload_everywhere.py); an Application built apart, without one, reloads only itself."""
    copy = tmp_path / "content"
    shutil.copytree(PROJECT / "content", copy)
    app, harness = await make_harness(tmp_path, copy, follow_content=follow_content)
    async with lifespan(app):
        assert (SYNC_KEY in app.bot_data) is follow_content
        running = harness.door.content
        (copy / "gliwice" / "centre.yaml").write_text("centre: [broken\n", encoding="utf-8")
        [answer] = texts_of(await harness.say(ADMIN, "/reload"))
        assert "centre.yaml:" in answer and harness.door.content is running
        assert await content_version.current(harness.door.db) == 0
        shutil.copy(PROJECT / "content" / "gliwice" / "centre.yaml", copy / "gliwice" / "centre.yaml")
        [answer] = texts_of(await harness.say(ADMIN, "/reload"))
        assert answer == tr("pl")._("Content reloaded.")
        assert harness.door.content is not running
        assert harness.door.dialogue.engine.content is harness.door.content
        assert await content_version.current(harness.door.db) == (1 if follow_content else 0)
        outcomes = [(e.action, e.outcome) for e in await audit.entries(harness.door.db, ADMIN.id)]
        assert ("reload", "failed") in outcomes and ("reload", "ok") in outcomes


# Residents' staff commands (bot/channels/telegram/residents.py) share the same audited check.
# The audit names the real action (item 13 of issue 16), e.g. "duty_list" for /duty list.
RESIDENT_STAFF_COMMANDS = {
    "invite zawiszy": "invite",
    "residents zawiszy": "residents",
    "remove 1": "remove",
    "duty list zawiszy": "duty_list",
}


@pytest.mark.parametrize("command", RESIDENT_STAFF_COMMANDS)
@pytest.mark.parametrize("role", sorted(ROLES))
async def test_residents_staff_commands_follow_the_same_roles(bot: Harness, command: str, role: str) -> None:
    user = ROLES[role]
    refused = tr(user.language_code or "pl")._("This command is for the centre's staff.")
    shown = texts_of(await bot.say(user, f"/{command}"))
    assert shown, "every command gets an answer"
    allowed = role in ("admin", "staff")  # staff invited by an administrator count, not only admins
    assert (refused in shown) is not allowed
    entry = (await audit.entries(bot.door.db, actor=user.id))[0]
    assert (entry.action, entry.outcome) == (RESIDENT_STAFF_COMMANDS[command], "ok" if allowed else "denied")


async def test_the_main_menu_offers_a_person_and_the_button_opens_a_ticket(bot: Harness) -> None:
    asker = TgUser(92, "Ela", "pl")
    await bot.press(asker, "c:gliwice")
    calls = await bot.press(asker, "l:pl")
    shown = [
        b["callback_data"]
        for c in calls
        for row in c.params.get("reply_markup", {}).get("inline_keyboard", [])
        for b in row
    ]
    assert "m:ask" in shown
    calls = await bot.press(asker, "m:ask")
    assert any(c.method == "answerCallbackQuery" for c in calls)
    assert tr("pl")._("Write your question in one message; a staff member will answer here.") in texts_of(
        calls
    )
    calls = await bot.say(asker, "Czy mogę przyjść z opiekunką?")
    [to_staff] = [c for c in calls if c.ok and c.chat_id == STAFF_CHAT]
    assert "#1" in to_staff.visible and "opiekunką" in to_staff.visible and "Ela" not in to_staff.visible


def test_without_a_staff_chat_the_menu_has_no_person_button(engine: Engine) -> None:
    outcome = engine.respond(State(centre="gliwice", lang="pl"), Incoming(text="/menu"))
    assert "m:ask" not in [b.data for r in outcome.replies for b in r.all_buttons()]


# --- long texts and a staff chat that cannot be reached (issue 16, item 15) ------------------------


@pytest.mark.parametrize("size", [4000, 4096, 20_000])
async def test_a_long_question_is_shortened_with_a_note_not_lost(bot: Harness, size: int) -> None:
    asker = TgUser(91, "Asker", "pl")
    question = ("Pytanie o mieszkanie 😀 " * 1000)[:size]
    calls = await bot.say(asker, f"/ask {question}")
    [to_staff] = [c for c in calls if c.method == "sendMessage" and c.chat_id == STAFF_CHAT]
    assert to_staff.ok and utf16_len(to_staff.visible) <= 4096
    assert to_staff.visible.endswith(tr("pl")._("(shortened: the message was too long)"))
    assert [tuple(r) for r in await bot.door.db.fetch_all("SELECT status FROM tickets")] == [("open",)]


async def test_a_ticket_that_cannot_reach_the_staff_chat_tells_the_user_and_closes(bot: Harness) -> None:
    asker = TgUser(92, "Asker", "en")
    bot.api.fail("sendMessage", 400, chat_id=STAFF_CHAT, times=1)
    calls = await bot.say(asker, "/ask Can I keep a cat?")
    [told] = [c.visible for c in calls if c.ok and c.chat_id == asker.id]
    assert "could not pass your question" in told
    assert [tuple(r) for r in await bot.door.db.fetch_all("SELECT status FROM tickets")] == [("closed",)]
