"""Hostile input, measured: no unhandled exception and no reply Telegram would refuse.

1. N hostile messages and button presses through `Engine.respond` (random centre, language and
   step, valid or not): every reply is rendered as the Telegram door renders it and checked against
   Telegram's rules (HTML parse, 1..4096 UTF-16 units, callback data 1..64 bytes, labels).
2. M real updates of every kind through `Application.process_update` (the whole door: residents,
   staff, tickets, broadcasts, the dialogue), against the in-process fake Bot API, which refuses
   what Telegram refuses: forged buttons, huge and odd numbers, commands with junk arguments,
   edited messages, channel posts, media, anonymous group admins, users without a language.

Run: .venv/bin/python bench/fuzz.py [--messages 10000] [--updates 5000] [--seed 16]
Exit status 1 if anything failed. `tests/test_security_fuzz.py` runs a smaller share in make test.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import random
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bot import callbacks  # noqa: E402 - after the path line, so the bench runs from anywhere
from bot.channels.telegram.render import messages, utf16_len  # noqa: E402
from bot.replies import Reply  # noqa: E402

PIECES = [
    "godziny otwarcia",
    "ile zapłacę",
    "mieszkanie treningowe",
    "Години роботи",
    "how do I apply",
    "mam 1500 zł dochodu",
    "²",
    "٣٣",
    "1e309",
    "-0",
    "9" * 40,
    "0x1F",
    "NaN",
    "∞",
    "½",
    "⅓ zł",
    "<b>",
    "</i>",
    "<script>alert(1)</script>",
    "&amp;",
    "&",
    "&lt;",
    "<a href='x'>",
    "<<>>",
    "'; DROP TABLE users; --",
    "%s%s%n",
    "{0}{1}",
    "{centre}",
    "\x00",
    "\u200b",
    "\u202e",
    "\ufeff",
    "🙂" * 50,
    "👨‍👩‍👧‍👦",
    "Zażółć gęślą jaźń",
    "ЇЄҐ",
    "/start",
    "/start st_x",
    "/start gliwice",
    "@housing_test_bot",
    "\n" * 30,
    " " * 100,
    "chcę umrzeć",
    "ratunku",
    "[" * 500,
    "{" * 500,
]
BUTTON_PREFIXES = [
    callbacks.CENTRE,
    callbacks.LANG,
    callbacks.MENU,
    callbacks.ENTRY,
    callbacks.FLAT,
    callbacks.GROUP,
    callbacks.TOPIC,
    callbacks.FORGET,
    callbacks.RESIDENT,
    callbacks.STAFF,
    callbacks.BROADCAST,
    callbacks.TICKET,
    callbacks.UNANSWERED,
    "zz",
    "",
]
VALUES = [
    "gliwice",
    "wodzislaw",
    "pl",
    "uk",
    "en",
    "xx",
    "main",
    "hours",
    "ok",
    "x",
    "a",
    "at",
    "close",
    "paid",
    "later",
    "2026-13",
    "junk",
    "²",
    "-1",
    "0",
    "99999999999999999999",
    "flat:nowhere",
    "rm",
    "dk",
    "weekly",
    "yes",
    "no",
    "rules:guardian",
    "",
    "🙂",
]
COMMANDS = [
    "start",
    "menu",
    "help",
    "centre",
    "language",
    "privacy",
    "forget",
    "ask",
    "close",
    "leave",
    "resident",
    "invite",
    "residents",
    "remove",
    "duty",
    "staff",
    "broadcast",
    "unanswered",
    "stats",
    "reload",
    "nope",
]
ARGS = [
    "",
    "gliwice/zawiszy",
    "wodzislaw/chronione",
    "add gliwice/zawiszy",
    "list x",
    "remove ²",
    "remove 1",
    "invite gliwice",
    "remove 42",
    "²",
    "9" * 30,
    "st_" + "a" * 40,
    "x" * 300,
]


def hostile_text(rng: random.Random) -> str:
    parts = rng.choices(PIECES, k=rng.randint(1, 6))
    if rng.random() < 0.2:
        parts.append(
            "".join(
                chr(rng.choice([rng.randint(1, 0xD7FF), rng.randint(0xE000, 0x2FFFF)]))
                for _ in range(rng.randint(1, 60))
            )
        )
    if rng.random() < 0.03:
        parts.append("A" * rng.randint(4000, 12_000))
    return " ".join(parts)


def hostile_button(rng: random.Random) -> str:
    parts = [rng.choice(BUTTON_PREFIXES), *rng.choices(VALUES, k=rng.randint(0, 3))]
    return ":".join(parts)[: rng.choice([64, 64, 200])]


def reply_problems(replies: list[Reply]) -> list[str]:
    """What Telegram would refuse in these replies, as the door renders them."""
    from tests.fakebotapi import html_problem

    found = []
    for reply in replies:
        for text, markup in messages(reply):
            if not text.strip():
                found.append("empty text")
            if utf16_len(text) > 4096:
                found.append("too long")
            if problem := html_problem(text):
                found.append(problem)
            for row in markup.inline_keyboard if markup else ():
                for button in row:
                    data = button.callback_data
                    if not button.text or not isinstance(data, str) or not 1 <= len(data.encode()) <= 64:
                        found.append("bad button")
    return found


@dataclass
class Result:
    name: str
    count: int = 0
    crashes: int = 0
    rejected: int = 0
    seconds: float = 0.0
    examples: list[str] = field(default_factory=list)


def fuzz_engine(count: int, seed: int) -> Result:
    """`count` hostile messages and presses through Engine.respond."""
    from bot.clock import FixedClock
    from bot.conversation.dialogue import Engine, Incoming, State
    from bot.domain.loader import load_content
    from tests.conftest import PINNED

    rng = random.Random(seed)
    engine = Engine(load_content(ROOT / "content"), FixedClock(PINNED))
    result = Result("engine: hostile messages and buttons")
    started = time.perf_counter()
    for _ in range(count):
        state = State(
            rng.choice(["gliwice", "wodzislaw", None, "nowhere"]),
            rng.choice(["pl", "uk", "en", None, "xx"]),
            rng.choice([None, None, "fee", "junk", "ask"]),
        )
        incoming = (
            Incoming(button=hostile_button(rng)) if rng.random() < 0.3 else Incoming(text=hostile_text(rng))
        )
        result.count += 1
        try:
            outcome = engine.respond(state, incoming)
        except Exception as exc:
            result.crashes += 1
            result.examples.append(f"{type(exc).__name__}: {incoming!r:.120}")
            continue
        problems = reply_problems(outcome.replies)
        if problems:
            result.rejected += 1
            result.examples.append(f"{problems[0]}: {incoming!r:.120}")
    result.seconds = time.perf_counter() - started
    return result


def hostile_updates(api: Any, rng: random.Random, count: int) -> Iterator[dict[str, Any]]:
    """Updates of every kind, from admins, staff, residents and strangers."""
    from tests.fakebotapi import MEDIA, TgUser, group_chat

    people = [
        TgUser(42, "Admin", "pl"),
        TgUser(43, "Staff", "en"),
        TgUser(44, "Res", "uk"),
        TgUser(45, "X", None),
        TgUser(46, "Y", "de"),
    ] + [TgUser(1000 + n, "U", "pl") for n in range(20)]
    staff_chat = group_chat(-100_555, "Staff")
    for _ in range(count):
        user = rng.choice(people)
        kind = rng.random()
        if kind < 0.35:
            yield api.message_update(user, hostile_text(rng))
        elif kind < 0.6:
            text = f"/{rng.choice(COMMANDS)} {rng.choice(ARGS)}".strip()
            yield api.message_update(user, text)
        elif kind < 0.85:
            yield api.callback_update(user, hostile_button(rng))
        elif kind < 0.88:
            yield api.message_update(user, hostile_text(rng), kind="edited_message")
        elif kind < 0.9:
            yield api.message_update(None, hostile_text(rng), kind="channel_post", chat=group_chat())
        elif kind < 0.93:
            yield api.message_update(user, None, extra=MEDIA[rng.choice(list(MEDIA))])
        elif kind < 0.96:  # an anonymous group admin: the message is sent on behalf of the group
            chat = group_chat(-100_777, "Group")
            yield api.message_update(user, f"/{rng.choice(COMMANDS)}", chat=chat, extra={"sender_chat": chat})
        else:
            reply_to = api.last_message(-100_555)
            yield api.message_update(user, hostile_text(rng), chat=staff_chat, reply_to=reply_to)


class _Errors(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


async def fuzz_updates(count: int, seed: int) -> Result:
    """`count` hostile updates through the whole Telegram door."""
    from telegram import Update

    from bot.channels.telegram import build_application, lifespan
    from bot.channels.telegram.render import RetryPolicy
    from bot.clock import FixedClock
    from bot.settings import Settings
    from storage import staff as staff_store
    from tests.conftest import PINNED
    from tests.data import shipped_content
    from tests.fakebotapi import TOKEN, FakeBotAPI, RecordingRequest

    rng = random.Random(seed)
    api = FakeBotAPI()
    errors = _Errors()
    logging.getLogger().addHandler(errors)
    result = Result("door: hostile updates (process_update)")
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(
            telegram_token=TOKEN,
            database=Path(folder) / "bot.sqlite3",
            staff_admin_ids=frozenset({42}),
            staff_chat_id=-100_555,
            default_centre="gliwice",
            content_dir=ROOT / "content",
        )
        app = build_application(
            settings,
            shipped_content(),
            clock=FixedClock(PINNED),
            request=RecordingRequest(api),
            reply_retry=RetryPolicy(first=0.0, cap=0.0, deadline=0.0),
        )
        started = time.perf_counter()
        async with lifespan(app):
            db = app.bot_data["door"].db
            await staff_store.add_invite(
                db, "st_" + "f" * 32, "gliwice", 42, PINNED, PINNED.replace(year=2030)
            )
            await staff_store.redeem_invite(db, "st_" + "f" * 32, 43, PINNED)
            for update in hostile_updates(api, rng, count):
                result.count += 1
                before = len(errors.records)
                try:
                    await app.process_update(Update.de_json(update, app.bot))
                except Exception as exc:
                    result.crashes += 1
                    result.examples.append(f"{type(exc).__name__} raised")
                if len(errors.records) > before:
                    result.crashes += 1
                    record = errors.records[-1]
                    cause = record.exc_info[1] if record.exc_info else None
                    result.examples.append(f"{type(cause).__name__}: {record.getMessage()[:80]}")
        result.seconds = time.perf_counter() - started
    logging.getLogger().removeHandler(errors)
    result.rejected = len(api.rejected)
    result.examples += api.rejected[:3]
    return result


def report(results: list[Result]) -> bool:
    print("| run | inputs | unhandled exceptions | refused by Telegram's rules | time |")
    print("|---|---:|---:|---:|---:|")
    for r in results:
        print(f"| {r.name} | {r.count:,} | {r.crashes} | {r.rejected} | {r.seconds:.1f} s |")
    for r in results:
        for example in r.examples[:5]:
            print(f"  {r.name}: {example}", file=sys.stderr)
    return all(r.crashes == 0 and r.rejected == 0 for r in results)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--updates", type=int, default=5_000)
    parser.add_argument("--seed", type=int, default=16)
    args = parser.parse_args()
    logging.basicConfig(level=logging.CRITICAL)  # the bench counts errors itself; keep the table clean
    results = [fuzz_engine(args.messages, args.seed), asyncio.run(fuzz_updates(args.updates, args.seed))]
    return 0 if report(results) else 1


if __name__ == "__main__":
    sys.exit(main())
