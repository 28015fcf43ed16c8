"""The smaller defects of issue 12, each through `Application.process_update` (no network):
/forget leaves no ticket rows, a blank question opens no ticket, a ticket header names the centre
in words, the audit log records a staff button's typed action, the user row is read once per
update, a failing handler ends its update with its own apology and a failed edit becomes a message."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot import callbacks
from bot.channels.telegram import lifespan
from bot.clock import FixedClock
from bot.flows import AskQuestion, BroadcastText, decode, failed_text
from bot.i18n import tr
from storage import audit, users
from tests.fakebotapi import TgUser
from tests.test_staff import ADMIN, STAFF_CHAT, Harness, make_harness, texts_of

PERSON = TgUser(5151, "Zofia", "pl")
STAFF_T = tr("pl")  # the staff chat's language (no BOT_DEFAULT_LANG)


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[Harness]:
    app, harness = await make_harness(tmp_path)
    async with lifespan(app):
        yield harness


async def count(bot: Harness, sql: str) -> int:
    return int(await bot.door.db.fetch_value(sql))


async def stored_flows(bot: Harness) -> list[object]:
    rows = await bot.door.db.fetch_all("SELECT flow, data FROM conversations")
    return [decode(str(r[0]), str(r[1])) for r in rows]


def to_staff(calls: list) -> list[str]:  # type: ignore[type-arg]
    return [c.visible for c in calls if c.ok and c.method == "sendMessage" and c.chat_id == STAFF_CHAT]


async def test_forget_leaves_no_ticket_rows_and_no_flow(bot: Harness) -> None:
    await bot.say(PERSON, "/start gliwice")
    await bot.say(PERSON, "/ask Czy mogę mieć kota?")
    await bot.say(PERSON, "/ask")  # and a second question is awaited
    assert await count(bot, "SELECT COUNT(*) FROM tickets") == 1
    assert await stored_flows(bot) == [AskQuestion()]
    await bot.say(PERSON, "/forget")
    await bot.press(PERSON, "x:yes")
    for table in ("tickets", "ticket_messages", "conversations", "users"):
        assert await count(bot, f"SELECT COUNT(*) FROM {table}") == 0, table


async def test_a_stale_forget_yes_deletes_nothing(bot: Harness) -> None:
    await bot.say(PERSON, "/start gliwice")
    shown = texts_of(await bot.press(PERSON, "x:yes"))  # no /forget asked (or its hour is over)
    assert shown == [
        tr("pl")._("This question has expired, so nothing was deleted. Send /forget to start again.")
    ]
    assert await users.get_user(bot.door.db, "telegram", str(PERSON.id)) is not None


async def test_a_restart_between_forget_and_yes_still_deletes(tmp_path: Path) -> None:
    """The question is stored with the user (bot.flows.ForgetConfirm), not in the process."""
    app, before = await make_harness(tmp_path)
    async with lifespan(app):
        await before.say(PERSON, "/start gliwice")
        await before.say(PERSON, "/forget")
    app, after = await make_harness(tmp_path)  # a new Application on the same database
    async with lifespan(app):
        done = tr("pl")._("Done: your data has been deleted. Send /start if you want to talk again.")
        assert texts_of(await after.press(PERSON, "x:yes")) == [done]
        assert await users.get_user(after.door.db, "telegram", str(PERSON.id)) is None


async def test_a_forget_yes_after_its_hour_deletes_nothing(bot: Harness) -> None:
    await bot.say(PERSON, "/start gliwice")
    await bot.say(PERSON, "/forget")
    clock = bot.door.clock
    assert isinstance(clock, FixedClock)
    clock.set(clock.now() + timedelta(hours=1, seconds=1))
    shown = texts_of(await bot.press(PERSON, "x:yes"))
    assert shown == [
        tr("pl")._("This question has expired, so nothing was deleted. Send /forget to start again.")
    ]
    assert await users.get_user(bot.door.db, "telegram", str(PERSON.id)) is not None
    assert await stored_flows(bot) == []


@pytest.mark.parametrize("blank", ["   ", "\u200b", " \u2060 \u200b "])
async def test_a_blank_question_after_ask_opens_no_ticket(bot: Harness, blank: str) -> None:
    await bot.say(PERSON, "/start gliwice")
    await bot.say(PERSON, "/ask")
    calls = await bot.say(PERSON, blank)
    assert texts_of(calls) == [tr("pl")._("Please write your question in words, in one message.")]
    assert to_staff(calls) == []
    assert await count(bot, "SELECT COUNT(*) FROM tickets") == 0
    calls = await bot.say(PERSON, "Czy mogę mieć kota?")  # still awaited: the next one is the question
    assert len(to_staff(calls)) == 1


async def test_the_ticket_header_names_the_centre_in_words(bot: Harness) -> None:
    nowhere = TgUser(5152, "Nowy", "pl")
    [header] = to_staff(await bot.say(nowhere, "/ask Gdzie złożyć wniosek?"))  # no centre chosen yet
    assert "?," not in header and "(?" not in header
    assert STAFF_T._("no centre chosen") in header
    await bot.say(PERSON, "/start gliwice")
    [header] = to_staff(await bot.say(PERSON, "/ask Czy mogę mieć kota?"))
    name = bot.door.content.centres["gliwice"].centre.name.get("pl")
    assert name in header and "gliwice," not in header


async def test_the_audit_records_the_buttons_typed_action(bot: Harness) -> None:
    await bot.say(ADMIN, "/broadcast")
    await bot.press(ADMIN, "b:a:all")
    await bot.press(ADMIN, callbacks.encode(callbacks.CancelBroadcast(1)))
    actions = [(e.action, e.target) for e in await audit.entries(bot.door.db, actor=ADMIN.id)]
    assert actions == [
        ("broadcast", None),
        ("broadcast_a", "all"),
        ("broadcast_x", "1"),
        ("broadcast_cancel", "1"),
    ]


async def test_the_user_row_is_read_once_per_update(bot: Harness) -> None:
    await bot.say(PERSON, "/start gliwice")
    statements: list[str] = []
    raw = bot.door.db.connection  # type: ignore[attr-defined]  # SQLite: the statements as run
    await raw.set_trace_callback(statements.append)
    try:
        for act in (
            bot.say(PERSON, "Kiedy jest otwarte biuro?"),
            bot.press(PERSON, "m:hours"),
            bot.say(PERSON, "/privacy"),
            bot.say(PERSON, "/ask"),
            bot.say(PERSON, "Czy mogę mieć kota?"),
        ):
            statements.clear()
            await act
            reads = [s for s in statements if "FROM users" in s and "external_id" in s]
            assert len(reads) == 1, reads
    finally:
        await raw.set_trace_callback(None)


async def test_a_failing_step_ends_its_update_with_the_flows_apology(
    bot: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.channels.telegram import broadcast_flow as telegram_broadcast_flow

    async def broken(*args: object) -> None:
        raise RuntimeError("the database went away")

    await bot.say(ADMIN, "/broadcast")
    await bot.press(ADMIN, "b:a:all")
    monkeypatch.setattr(telegram_broadcast_flow.broadcasts, "set_text", broken)
    calls = await bot.say(ADMIN, "Jutro brak wody.")
    assert texts_of(calls) == [failed_text("pl")]  # one apology; nothing else answered the text
    assert await stored_flows(bot) == [BroadcastText(1)]  # the step is kept: it can be tried again
    monkeypatch.undo()
    shown = texts_of(await bot.say(ADMIN, "Jutro brak wody."))
    assert shown[0] == "Jutro brak wody."  # the preview


async def test_a_failed_staff_edit_is_sent_as_a_new_message(bot: Harness) -> None:
    await bot.say(ADMIN, "/broadcast")
    bot.api.fail("editMessageText", 502, times=None)  # Telegram cannot edit now
    calls = await bot.press(ADMIN, "b:a:all")
    sent = [c.visible for c in calls if c.ok and c.method == "sendMessage"]
    assert sent and "Jutro" not in sent[0] and tr("pl")._("Cancel") in str(calls[-1].buttons())


@pytest.mark.parametrize(
    "item",
    [
        callbacks.Topic("hours"),
        callbacks.Entry("rules", "pets"),
        callbacks.Group("violence"),
        callbacks.FeeEstimate(2, 150000),
    ],
)
def test_item_keys_have_one_encode_and_one_decode(item: callbacks.Item) -> None:
    assert callbacks.decode_item(callbacks.encode_item(item)) == item


@pytest.mark.parametrize(
    "key", ["topic:", "entry:nowhere:x", "entry:rules", "group:a:b", "fee:2:x", "zz:1", ""]
)
def test_forged_item_keys_decode_to_none(key: str) -> None:
    assert callbacks.decode_item(key) is None


@pytest.mark.parametrize("data", ["b:zz:1", "b:ok:²", "k:close:x", "r:paid:2026-13", "s:dk:daily", "x:maybe"])
def test_forged_door_buttons_decode_to_none(data: str) -> None:
    assert callbacks.decode(data) is None


async def test_a_failed_menu_edit_is_sent_as_a_new_message(bot: Harness) -> None:
    await bot.say(PERSON, "/start gliwice")
    bot.api.fail("editMessageText", 502, times=None)
    calls = await bot.press(PERSON, "m:centre")
    sent = [c for c in calls if c.ok and c.method == "sendMessage"]
    assert len(sent) == 1 and sent[0].buttons()  # the menu arrived, once, as a new message
    assert not [c for c in calls if "went wrong" in c.visible]


async def test_a_failing_staff_button_never_falls_through_to_the_menu(
    bot: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.channels.telegram import broadcast_flow as telegram_broadcast_flow
    from bot.channels.telegram import texts

    async def broken(*args: object) -> None:
        raise TimeoutError("Telegram or the database timed out")

    await bot.say(ADMIN, "/broadcast")
    monkeypatch.setattr(telegram_broadcast_flow.broadcasts, "create_draft", broken)
    calls = await bot.press(ADMIN, "b:a:all")
    stale = tr("pl")._("That button is no longer active. Here is the menu.")
    assert not [c for c in calls if stale in c.visible]  # the staff message is not overwritten
    assert texts_of(calls) == [texts.something_went_wrong("pl")]


def test_the_door_package_exports_every_name_it_lists() -> None:
    from bot.channels import telegram

    assert all(getattr(telegram, name) is not None for name in telegram.__all__)
