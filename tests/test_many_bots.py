"""Several bots in one process (TELEGRAM_BOTS, issue 15): real Applications, one fake Bot API per token
(the settings, doctor and storage filters: tests/test_bot_settings.py).

Bot "gliwice" serves Gliwice, bot "slask" serves Wodzisław. Each answers only about its centres,
a person using both is two users, a broadcast or a reminder goes out through the token of the bot
whose people it is for, each token has its own budget, each webhook path its own secret, and the
staff see their own command menu.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import socket
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from telegram import Update

from bot.broadcasts.worker import confirm
from bot.channels.telegram import BOT_DATA_KEY, Door
from bot.channels.telegram.fleet import Fleet, Member
from bot.channels.telegram.outgoing import budget_of
from bot.channels.telegram.residents import RESIDENTS_KEY, ResidentsDoor, sender
from bot.channels.telegram.staff import STAFF_KEY, StaffConfig
from bot.channels.web.serve import fleet_hooks, webhook_route
from bot.clock import WARSAW, FixedClock, SystemClock
from bot.residents.service import Residents
from bot.settings import Settings
from bot.staff.access import Access
from storage import broadcasts, ticket_posts, users
from storage import residents as people
from storage.residents import Resident
from tests.data import bot_data_item, shipped_content
from tests.fakebotapi import TOKEN, Call, FakeBotAPI, FakeBotAPIServer, RecordingRequest, TgUser
from tests.web_helpers import TestClient

PROJECT = Path(__file__).resolve().parent.parent
NOW = datetime(2027, 4, 27, 10, 0, tzinfo=WARSAW)  # a Tuesday, 10:00: payment reminders are due
TOKEN_B = "987654321:AAFakeTokenForTests_second_bot_0123456789"
SECRET_A, SECRET_B = "a" * 40, "b" * 40
ADMIN_ID, STAFF_CHAT = 4242, -100_777
ANNA = TgUser(1001, "Anna", "pl")


def env(tmp_path: Path, **more: str) -> dict[str, str]:
    return {
        "CONTENT_DIR": str(PROJECT / "content"),
        "DATABASE_PATH": str(tmp_path / "bot.sqlite3"),
        "TELEGRAM_BOTS": "gliwice, slask",
        "TELEGRAM_BOT_GLIWICE_TOKEN": TOKEN,
        "TELEGRAM_BOT_GLIWICE_CENTRES": "gliwice",
        "TELEGRAM_BOT_GLIWICE_STAFF_CHAT_ID": str(STAFF_CHAT),
        "TELEGRAM_BOT_SLASK_TOKEN": TOKEN_B,
        "TELEGRAM_BOT_SLASK_CENTRES": "wodzislaw",
        **more,
    }


# --- two bots in one process ---------------------------------------------------------------------


@dataclass
class Two:
    fleet: Fleet
    apis: dict[str, FakeBotAPI]
    clock: FixedClock

    def member(self, name: str) -> Member:
        return next(m for m in self.fleet.members if m.bot.name == name)

    def door(self, name: str) -> Door:
        return bot_data_item(self.member(name).application.bot_data, BOT_DATA_KEY, Door)

    def config(self, name: str) -> StaffConfig:
        return bot_data_item(self.member(name).application.bot_data, STAFF_KEY, StaffConfig)

    async def say(self, name: str, user: TgUser, text: str, **kwargs: Any) -> list[Call]:
        """`user` writes `text` to bot `name` (`chat`, `reply_to`: as FakeBotAPI.message_update);
        what that bot sent or edited in answer."""
        api, app = self.apis[name], self.member(name).application
        before = len(api.calls)
        await app.process_update(Update.de_json(api.message_update(user, text, **kwargs), app.bot))
        return [c for c in api.calls[before:] if c.ok and c.method in ("sendMessage", "editMessageText")]

    async def press(self, name: str, user: TgUser, data: str) -> list[Call]:
        """`user` presses a button with `data` (forged, if bot `name` never sent it)."""
        api, app = self.apis[name], self.member(name).application
        before = len(api.calls)
        await app.process_update(Update.de_json(api.callback_update(user, data), app.bot))
        return [c for c in api.calls[before:] if c.ok and c.method == "sendMessage"]


async def open_two(
    tmp_path: Path, database_target: str, *, follow_content: bool = False, **more: str
) -> Two:
    """Both bots opened on one database, not started yet, `more` in their environment."""
    apis = {"gliwice": FakeBotAPI(TOKEN), "slask": FakeBotAPI(TOKEN_B)}
    settings = Settings.from_env(
        env(
            tmp_path,
            DATABASE_URL=database_target,
            STAFF_ADMIN_IDS=str(ADMIN_ID),
            WEBHOOK_URL="https://x.org/tg",
            **more,
        )
    )
    clock = FixedClock(NOW)
    requests = {TOKEN: RecordingRequest(apis["gliwice"]), TOKEN_B: RecordingRequest(apis["slask"])}
    fleet = await Fleet.open(
        settings, shipped_content(), requests=requests, clock=clock, follow_content=follow_content
    )
    return Two(fleet, apis, clock)


@asynccontextmanager
async def running_two(tmp_path: Path, database_target: str, **more: str) -> AsyncIterator[Two]:
    """Both bots started on one database (webhook mode: the test feeds the updates), `more` in
    their environment."""
    two = await open_two(tmp_path, database_target, **more)
    try:
        await two.fleet.start(webhook=True)  # updates are fed by the test (or the webhook route)
        yield two
    finally:
        await two.fleet.stop()
    for api in two.apis.values():
        assert api.unexpected == []


@pytest.fixture
async def two(tmp_path: Path, database_target: str, caplog: pytest.LogCaptureFixture) -> AsyncIterator[Two]:
    caplog.set_level(logging.INFO)
    async with running_two(tmp_path, database_target) as started:
        yield started


async def test_each_bot_answers_about_its_own_centres_and_a_person_of_both_is_two_users(two: Two) -> None:
    [hello_a] = await two.say("gliwice", ANNA, "/start")  # one centre: chosen for her
    [hello_b] = await two.say("slask", ANNA, "/start")
    assert "Gliwic" in hello_a.visible and "Wodzisław" not in hello_a.visible
    assert "Wodzisław" in hello_b.visible and "Gliwic" not in hello_b.visible
    assert hello_a.chat_id == hello_b.chat_id == ANNA.id  # one person, two chats (one per bot)
    db = two.fleet.db
    assert db is not None and two.door("gliwice").db is db is two.door("slask").db  # opened once
    in_a = await users.get_user(db, "telegram:gliwice", str(ANNA.id))
    in_b = await users.get_user(db, "telegram:slask", str(ANNA.id))
    assert in_a is not None and in_b is not None and in_a.id != in_b.id
    assert (in_a.centre, in_b.centre) == ("gliwice", "wodzislaw")
    assert await users.get_user(db, "telegram", str(ANNA.id)) is None
    # Asking for another centre by deep link changes nothing: this bot does not serve it.
    await two.say("gliwice", ANNA, "/start wodzislaw")
    again = await users.get_user(db, "telegram:gliwice", str(ANNA.id))
    assert again is not None and again.centre == "gliwice"
    [chooser] = await two.say("gliwice", ANNA, "/centre")
    assert {data for _, data in chooser.buttons()} == {"c:gliwice"}


async def test_a_broadcast_goes_only_through_the_token_of_the_bot_serving_its_centre(two: Two) -> None:
    db = two.fleet.db
    assert db is not None
    ids_a, ids_b = [str(500 + i) for i in range(3)], [str(600 + i) for i in range(4)]
    await users.add_users(db, "telegram:gliwice", ids_a, "gliwice", "pl", NOW)
    await users.add_users(db, "telegram:slask", ids_b, "wodzislaw", "pl", NOW)
    await users.add_users(db, "telegram:gliwice", ["700"], "wodzislaw", "pl", NOW)  # not slask's person
    bid = await broadcasts.create_draft(db, "wodzislaw", "all", ADMIN_ID, "pl", NOW)
    await broadcasts.set_text(db, bid, "Jutro nie ma wody.")
    channel = two.fleet.settings.channel_of("wodzislaw")
    assert channel == "telegram:slask"
    # The worker sends on real time (bot.channels.telegram.broadcast), so the rows are due now.
    total = await confirm(db, SystemClock(), Access(ADMIN_ID, "admin", "wodzislaw"), bid, channel=channel)
    assert total == 4
    fleet_hooks(two.fleet).scheduler(bid, 0.0)  # as the panel does: every bot gets the job
    await two.apis["slask"].wait_for(lambda: bid in two.config("slask").finished, within=20)
    assert two.config("slask").finished[bid].sent == 4
    sent_b = {c.chat_id for c in two.apis["slask"].calls_to("sendMessage", ok=True) if "wody" in c.visible}
    assert sent_b == {int(i) for i in ids_b}
    assert not [c for c in two.apis["gliwice"].calls_to("sendMessage") if "wody" in c.visible]
    assert bid not in two.config("gliwice").finished


async def test_reminders_go_through_the_token_of_the_residents_bot(two: Two) -> None:
    db = two.fleet.db
    assert db is not None
    everything = Residents(db, shipped_content(), two.clock)  # binds residents on any channel
    two.clock.set(datetime(2027, 4, 1, 12, tzinfo=WARSAW))
    mine = await everything.join(
        "telegram:slask", "1", await everything.create_invite("wodzislaw", "chronione", "s"), "pl"
    )
    other = await everything.join(
        "telegram:gliwice", "2", await everything.create_invite("wodzislaw", "chronione", "s"), "pl"
    )
    assert isinstance(mine, Resident) and isinstance(other, Resident)
    two.clock.set(NOW)
    slask = bot_data_item(two.member("slask").application.bot_data, RESIDENTS_KEY, ResidentsDoor)
    report = await slask.service.tick(sender(two.member("slask").application.bot))
    assert report.sent == 1
    reminders = two.apis["slask"].calls_to("sendMessage", ok=True)
    assert [c.chat_id for c in reminders] == [1] and "30 kwietnia 2027" in reminders[0].visible
    assert not two.apis["gliwice"].calls_to("sendMessage")  # resident 2 is bot gliwice's, untouched here
    found = await people.get_resident(db, "telegram:gliwice", "2")
    assert found is not None and found.status == "active"


async def test_each_token_has_its_own_budget(two: Two) -> None:
    a, b = (budget_of(two.member(name).application.bot) for name in ("gliwice", "slask"))
    assert a is not None and b is not None and a is not b


async def test_each_webhook_path_takes_only_its_own_bots_secret(two: Two) -> None:
    routes = two.fleet.webhook_routes()
    assert [(path, secret is not None) for path, secret, _ in routes] == [
        ("/tg/gliwice", True),
        ("/tg/slask", True),
    ]
    assert two.apis["gliwice"].webhook["url"] == "https://x.org/tg/gliwice"
    assert two.apis["slask"].webhook["url"] == "https://x.org/tg/slask"
    queued: list[tuple[str, Any]] = []

    def recorder(name: str) -> Any:
        async def put(data: Any) -> None:
            queued.append((name, data))

        return put

    from starlette.applications import Starlette

    app = Starlette(routes=[webhook_route(path, secret, recorder(path)) for path, secret, _ in routes])
    secret_a = two.member("gliwice").bot.webhook_secret
    secret_b = two.member("slask").bot.webhook_secret
    assert secret_a and secret_b and secret_a != secret_b
    assert two.apis["gliwice"].webhook["secret_token"] == secret_a
    with TestClient(app) as client:
        wrong = client.post(
            "/tg/gliwice", json={"update_id": 1}, headers={"x-telegram-bot-api-secret-token": secret_b}
        )
        right = client.post(
            "/tg/slask", json={"update_id": 2}, headers={"x-telegram-bot-api-secret-token": secret_b}
        )
    assert (wrong.status_code, right.status_code) == (403, 200)
    assert queued == [("/tg/slask", {"update_id": 2})]


async def test_staff_see_the_staff_menu_and_everyone_else_the_public_one(two: Two) -> None:
    api = two.apis["gliwice"]
    chat_menu = [c["command"] for c in api.chat_commands[(STAFF_CHAT, None)]]
    assert "close" in chat_menu and "broadcast" in chat_menu
    assert {lang for chat, lang in api.chat_commands if chat == STAFF_CHAT} == {None, "pl", "uk", "en"}
    admin_menu = [c["command"] for c in api.chat_commands[(ADMIN_ID, None)]]
    assert {"start", "broadcast", "stats", "staff"} <= set(admin_menu)
    public = [c["command"] for c in api.commands[None]]
    assert "broadcast" not in public and "start" in public
    assert (STAFF_CHAT, None) not in two.apis["slask"].chat_commands  # its own staff chat: none set


async def test_the_staff_menu_follows_joining_and_leaving_the_staff(two: Two) -> None:
    from datetime import timedelta

    from storage import staff as staff_store

    db, api, olha = two.fleet.db, two.apis["gliwice"], TgUser(2002, "Olha", "uk")
    assert db is not None
    code = staff_store.new_code()
    await staff_store.add_invite(db, code, "gliwice", ADMIN_ID, NOW, NOW + timedelta(days=7))
    await two.say("gliwice", olha, "/start")  # her language: Ukrainian, from her app
    await two.say("gliwice", olha, f"/start {code}")
    menu = api.chat_commands[(olha.id, None)]
    assert "broadcast" in [c["command"] for c in menu] and "staff" not in [c["command"] for c in menu]
    about = {c["command"]: c["description"] for c in menu}
    assert about["broadcast"] == "Надіслати повідомлення людям твого центру"
    await two.say("gliwice", TgUser(ADMIN_ID, "Admin", "pl"), f"/staff remove {olha.id}")
    assert (olha.id, None) not in api.chat_commands  # the public menu again


@asynccontextmanager
async def bot_process(tmp_path: Path, base_url: str, **extra: str) -> AsyncIterator[Path]:
    """`python -m bot run` (tests/bot_process_main.py) with the two bots; SIGTERM at the end, which
    must end it with status 0 within 20 s. Yields its log file."""
    keep = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("TELEGRAM_", "WEBHOOK_", "STAFF_", "DATABASE_"))
    }
    log = tmp_path / "bot.log"
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.bot_process_main",
        base_url,
        cwd=PROJECT,
        env={**keep, **env(tmp_path), "LOG_LEVEL": "INFO", **extra},
        stdout=asyncio.subprocess.DEVNULL,
        stderr=log.open("ab"),
    )
    try:
        yield log
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(process.wait(), 20)
        finally:
            if process.returncode is None:
                process.kill()
    assert process.returncode == 0, log.read_text()[-2000:]
    text = log.read_text()
    assert "the bot gliwice" in text and "the bot slask" in text
    assert TOKEN not in text and TOKEN_B not in text


async def test_run_serves_two_bots_in_one_process_until_sigterm(tmp_path: Path) -> None:
    """`python -m bot run` with TELEGRAM_BOTS: both tokens poll, each answers its own people."""
    apis = FakeBotAPI(TOKEN), FakeBotAPI(TOKEN_B)
    async with FakeBotAPIServer(*apis) as server, bot_process(tmp_path, server.base_url):
        for api in apis:
            api.says(ANNA, "/start")
        answers = [await api.wait_outgoing(ANNA.id, 1, within=60) for api in apis]
    assert "Gliwic" in answers[0][0].visible and "Wodzisław" in answers[1][0].visible


async def test_run_with_a_webhook_serves_a_path_and_a_secret_per_bot(tmp_path: Path) -> None:
    """WEBHOOK_URL=https://x.org/tg: the process listens on WEBHOOK_PORT, bot slask at /tg/slask."""
    import httpx

    with socket.socket() as probe:  # a free port for the webhook server
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    apis = FakeBotAPI(TOKEN), FakeBotAPI(TOKEN_B)
    hook = {"WEBHOOK_URL": "https://x.org/tg", "WEBHOOK_PORT": str(port)}
    async with FakeBotAPIServer(*apis) as server, bot_process(tmp_path, server.base_url, **hook):
        for api in apis:
            await api.wait_for(lambda api=api: bool(api.webhook), within=60)
        assert [api.webhook["url"] for api in apis] == ["https://x.org/tg/gliwice", "https://x.org/tg/slask"]
        secret = apis[1].webhook["secret_token"]
        assert secret != apis[0].webhook["secret_token"]
        update = apis[1].message_update(ANNA, "/start")
        url = f"http://127.0.0.1:{port}/tg/slask"
        async with httpx.AsyncClient() as client:
            for _ in range(400):  # the server starts listening just after setWebhook
                try:
                    wrong = await client.post(
                        url, json=update, headers={"x-telegram-bot-api-secret-token": "x" * 40}
                    )
                    break
                except httpx.ConnectError:
                    await asyncio.sleep(0.05)
            other = await client.post(
                f"http://127.0.0.1:{port}/tg/gliwice",
                json=update,
                headers={"x-telegram-bot-api-secret-token": secret},
            )
            right = await client.post(url, json=update, headers={"x-telegram-bot-api-secret-token": secret})
        assert (wrong.status_code, other.status_code, right.status_code) == (403, 403, 200)
        [hello] = await apis[1].wait_outgoing(ANNA.id, 1, within=30)
    assert "Wodzisław" in hello.visible and not apis[0].outgoing(ANNA.id)


async def test_the_web_door_reaches_each_person_and_staff_chat_through_the_right_bot(two: Two) -> None:
    """What the web door leaves in the database is sent by the bot serving the ticket's centre: a
    ticket to that bot's staff chat, an answer to a person through the bot they use."""
    from bot.channels.telegram.ticket_posts import post_sender
    from bot.handover import posts
    from storage import tickets

    db = two.fleet.db
    assert db is not None
    await two.say("slask", ANNA, "/start")  # Anna uses only bot slask (it serves Wodzisław)
    in_gliwice = await tickets.open_ticket(db, "telegram:gliwice", 555, "gliwice", NOW)
    annas = await tickets.open_ticket(db, "telegram:slask", ANNA.id, "wodzislaw", NOW)
    gliwice, slask = two.config("gliwice").settings, two.config("slask").settings
    assert await posts.to_staff_chat(gliwice, db, two.clock, in_gliwice.id, "Pytanie", "Kiedy otwarte?")
    assert not await posts.to_staff_chat(slask, db, two.clock, annas.id, "Pytanie", "?")  # no staff chat
    await posts.to_user(db, two.clock, annas.id, ANNA.id, "pl", "Odpowiedź", "Odpowiedź pracownika")

    for name, settings in (("gliwice", gliwice), ("slask", slask)):
        send = post_sender(two.member(name).application.bot, settings)
        await posts.deliver_due(settings, db, two.clock, f"test-{name}", send)

    assert two.apis["gliwice"].calls_to("sendMessage", STAFF_CHAT)
    assert not two.apis["gliwice"].calls_to("sendMessage", ANNA.id)
    assert "Odpowiedź pracownika" in two.apis["slask"].calls_to("sendMessage", ANNA.id)[-1].visible
    assert not await ticket_posts.waiting(db)  # everything was sent, once
