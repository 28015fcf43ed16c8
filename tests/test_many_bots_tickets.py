"""Handover tickets with several bots (issue 15): a ticket is the person's on the channel of the
bot they asked in. Anna has one Telegram id in bot gliwice and in bot slask: she is two people
there, with a ticket in each, each answered, replied to and closed in its own bot and staff chat.
Real Updates through both Applications, one fake Bot API per token, SQLite and PostgreSQL.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot import callbacks
from bot.channels.web.serve import fleet_hooks
from bot.handover import posts
from storage import ticket_posts, tickets
from storage.database import Database
from tests.fakebotapi import TgUser, group_chat
from tests.test_many_bots import ADMIN_ID, ANNA, STAFF_CHAT, Two, running_two

STAFF_CHAT_B = -100_888  # bot slask's own staff chat
ADMIN = TgUser(ADMIN_ID, "Admin", "pl")  # administrators answer every centre's tickets


@pytest.fixture
async def staffed(
    tmp_path: Path, database_target: str, caplog: pytest.LogCaptureFixture
) -> AsyncIterator[Two]:
    """The two bots, each with its own staff chat."""
    caplog.set_level(logging.INFO)
    async with running_two(
        tmp_path, database_target, TELEGRAM_BOT_SLASK_STAFF_CHAT_ID=str(STAFF_CHAT_B)
    ) as started:
        yield started


def db_of(two: Two) -> Database:
    assert two.fleet.db is not None
    return two.fleet.db


async def staff_reply(two: Two, name: str, chat: int, text: str) -> None:
    """The administrator answers the newest ticket message in bot `name`'s staff chat."""
    posted = two.apis[name].last_message(chat)
    assert posted is not None
    await two.say(name, ADMIN, text, chat=group_chat(chat, "Pracownicy"), reply_to=posted)


async def test_one_telegram_id_in_two_bots_has_a_ticket_in_each_answered_by_its_own_bot(
    staffed: Two,
) -> None:
    gliwice, slask = staffed.apis["gliwice"], staffed.apis["slask"]
    await staffed.say("gliwice", ANNA, "/start")
    await staffed.say("slask", ANNA, "/start")
    await staffed.say("gliwice", ANNA, "/ask Czy jest winda w Gliwicach?")
    await staffed.say("slask", ANNA, "/ask Czy jest winda w Wodzisławiu?")
    db = db_of(staffed)
    a = await tickets.open_for(db, "telegram:gliwice", ANNA.id)
    b = await tickets.open_for(db, "telegram:slask", ANNA.id)
    assert a is not None and b is not None and a.id != b.id  # /ask in bot slask found no ticket of gliwice's
    assert (a.centre, b.centre) == ("gliwice", "wodzislaw")
    assert "Gliwicach" in gliwice.calls_to("sendMessage", STAFF_CHAT)[-1].visible
    assert "Wodzisławiu" in slask.calls_to("sendMessage", STAFF_CHAT_B)[-1].visible
    assert not gliwice.calls_to("sendMessage", STAFF_CHAT_B) and not slask.calls_to("sendMessage", STAFF_CHAT)

    # Each staff chat's answer reaches Anna through the bot she asked in.
    await staff_reply(staffed, "slask", STAFF_CHAT_B, "Tak, winda jest przy klatce B.")
    await staff_reply(staffed, "gliwice", STAFF_CHAT, "Nie, w Gliwicach nie ma windy.")
    [from_b] = [c for c in slask.calls_to("sendMessage", ANNA.id) if "klatce B" in c.visible]
    [from_a] = [c for c in gliwice.calls_to("sendMessage", ANNA.id) if "nie ma windy" in c.visible]
    assert f"#{b.id}" in from_b.visible and f"#{a.id}" in from_a.visible
    assert not [c for c in gliwice.calls_to("sendMessage") if "klatce B" in c.visible]
    assert not [c for c in slask.calls_to("sendMessage") if "nie ma windy" in c.visible]

    # Her reply to an answer goes to the staff chat of that bot, as the follow-up of that ticket.
    answer_b = slask.last_message(ANNA.id)
    await staffed.say("slask", ANNA, "Dziękuję, a parking?", reply_to=answer_b)
    follow_up = slask.calls_to("sendMessage", STAFF_CHAT_B)[-1]
    assert "parking" in follow_up.visible and f"#{b.id}" in follow_up.visible
    assert not [c for c in gliwice.calls_to("sendMessage") if "parking" in c.visible]

    # A forged Close button of gliwice's ticket pressed in bot slask closes nothing.
    await staffed.press("slask", ANNA, callbacks.encode(callbacks.CloseTicket(a.id)))
    assert (await tickets.get(db, a.id)) == a

    # /close in bot slask closes her ticket there only, and says so through bot slask.
    closed = await staffed.say("slask", ANNA, "/close")
    assert {c.chat_id for c in closed} == {ANNA.id, STAFF_CHAT_B}
    assert all(f"#{b.id}" in c.visible for c in closed)
    still = await tickets.get(db, a.id)
    assert still is not None and still.status == "open"
    assert (await tickets.open_for(db, "telegram:slask", ANNA.id)) is None
    # A staff answer in the other staff chat still reaches gliwice's ticket, through bot gliwice.
    await staff_reply(staffed, "gliwice", STAFF_CHAT, "Jeszcze jedno: jest podjazd.")
    assert "podjazd" in gliwice.calls_to("sendMessage", ANNA.id)[-1].visible


async def test_a_ticket_without_a_centre_is_posted_and_answered_by_the_bot_it_was_opened_on(
    staffed: Two,
) -> None:
    """Anna asks bot slask before choosing a centre: its staff chat gets the ticket, and what the
    panel leaves for it (an answer, the "closed" notice) is sent by bot slask's ticket-post job."""
    gliwice, slask = staffed.apis["gliwice"], staffed.apis["slask"]
    await staffed.say("slask", ANNA, "/ask Gdzie mogę zostawić rower?")
    db = db_of(staffed)
    ticket = await tickets.open_for(db, "telegram:slask", ANNA.id)
    assert ticket is not None and ticket.centre is None
    assert "rower" in slask.calls_to("sendMessage", STAFF_CHAT_B)[-1].visible

    # The panel answers and closes it (what bot.channels.web.panel leaves for Telegram).
    await posts.to_user(db, staffed.clock, ticket.id, ANNA.id, "pl", "Odpowiedź", "Przy wejściu od podwórza.")
    said = f"Zgłoszenie #{ticket.id} zamknięte."
    await posts.notice(staffed.config("slask").settings, db, staffed.clock, ticket.id, None, said)
    fleet_hooks(staffed.fleet).wake()  # as the web door does: every bot's ticket-post job runs now
    await slask.wait_for(lambda: "zamknięte" in slask.calls_to("sendMessage", STAFF_CHAT_B)[-1].visible)
    assert "podwórza" in slask.calls_to("sendMessage", ANNA.id)[-1].visible
    assert not gliwice.calls_to("sendMessage")
    queue = staffed.member("slask").application.job_queue
    assert queue is not None
    [job] = queue.get_jobs_by_name(callbacks.JOB_TICKET_POSTS)
    async with job.data.busy:  # its delivery loop has finished: the sent posts are deleted
        assert not await ticket_posts.waiting(db)


async def test_forget_in_one_bot_deletes_the_tickets_of_that_bot_only(staffed: Two) -> None:
    for name in ("gliwice", "slask"):
        await staffed.say(name, ANNA, "/start")
        await staffed.say(name, ANNA, "/ask Czy mogę mieć kota?")
    db = db_of(staffed)
    kept = await tickets.open_for(db, "telegram:gliwice", ANNA.id)
    assert kept is not None and await tickets.open_for(db, "telegram:slask", ANNA.id) is not None
    await staffed.say("slask", ANNA, "/forget")
    await staffed.press("slask", ANNA, "x:yes")
    rows = await db.fetch_all("SELECT channel, user_chat FROM tickets")
    assert [(str(r[0]), int(r[1])) for r in rows] == [("telegram:gliwice", ANNA.id)]
    links = await db.fetch_all("SELECT DISTINCT channel FROM ticket_messages")
    assert [str(r[0]) for r in links] == ["telegram:gliwice"]
    # Her ticket in bot gliwice goes on: the staff chat's answer reaches her there.
    await staff_reply(staffed, "gliwice", STAFF_CHAT, "Tak, za zgodą ośrodka.")
    assert "za zgodą" in staffed.apis["gliwice"].calls_to("sendMessage", ANNA.id)[-1].visible
