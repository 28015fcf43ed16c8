"""`python -m bot run|chat|ask|check-content|doctor|…`: the command line of the assistant."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
from pathlib import Path
from typing import Any

from bot import logformat, logsafe
from bot.clock import Clock, FixedClock, SystemClock, parse_moment
from bot.conversation.dialogue import Dialogue, Engine
from bot.domain.content import LANGS, Content
from bot.domain.loader import ContentError, load_content
from bot.settings import Settings, SettingsError
from storage import StorageError
from storage.open import open_database

log = logging.getLogger("bot")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot", description="Housing assistant")
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("run", help="Telegram if TELEGRAM_BOT_TOKEN is set, else the terminal chat")
    chat = sub.add_parser("chat", help="interactive terminal chat")
    chat.add_argument("--centre")
    chat.add_argument("--lang", choices=LANGS)
    ask = sub.add_parser("ask", help="one answer on stdout")
    ask.add_argument("--centre")
    ask.add_argument("--lang", choices=LANGS, default=None)
    ask.add_argument("--now", help="ISO 8601 moment; Warsaw local time without an offset")
    ask.add_argument("--jsonl", action="store_true", help="batch: JSON lines in, JSON lines out")
    ask.add_argument("text", nargs="*")
    remind = sub.add_parser("reminders", help="print a flat's reminder schedule (payment and duties)")
    remind.add_argument("--flat", required=True, help="flat id, or centre/flat")
    remind.add_argument("--from", dest="start", help="first day (YYYY-MM-DD, Warsaw); default today")
    remind.add_argument("--days", type=int, default=60)
    sub.add_parser("web", help="serve the web chat and the staff panel on WEB_HOST:WEB_PORT")
    link = sub.add_parser("staff-link", help="print a one-time staff panel login link (10 minutes)")
    link.add_argument("user_id", type=int, help="the staff member's Telegram user id")
    doctor = sub.add_parser("doctor", help="check settings, content, database and token; change nothing")
    doctor.add_argument("--online", action="store_true", help="also ask Telegram whether the token works")
    doctor.add_argument("--api-url", default=None, help="Bot API server (default: Telegram's)")
    check = sub.add_parser("check-content", help="validate content and exit")
    check.add_argument("dir", nargs="?")
    from bot.editor.cli import add_new_centre_parser

    add_new_centre_parser(sub)
    return parser


def fail(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return 1


def load(settings: Settings) -> Content:
    return load_content(settings.content_dir)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "doctor":  # before reading settings: a broken setting is one of its findings
        from bot.doctor import API, doctor

        return doctor(args.online, args.api_url or API)
    try:
        settings = Settings.from_env()
    except SettingsError as exc:
        return fail(str(exc))
    logformat.configure(settings.log_level, settings.log_format)
    logsafe.install(settings.secrets(), settings.log_level)
    command = args.command or "run"
    if command == "check-content":
        return check_content(Path(args.dir) if args.dir else settings.content_dir)
    if command == "new-centre":
        from bot.editor.cli import new_centre_command

        return new_centre_command(args, settings)
    try:
        content = load(settings)
    except ContentError as exc:
        print("\n".join(exc.problems), file=sys.stderr)
        return fail("the content is broken; fix the lines above (python -m bot check-content)")
    if command == "ask":
        return ask(args, settings, content)
    if command == "reminders":
        try:
            return asyncio.run(print_reminders(args, settings, content))
        except StorageError as exc:
            return fail(str(exc))
    if command in ("web", "staff-link") or (command == "run" and web_port_set()):
        from bot.channels.web.cli import run_web_command

        return run_web_command(command, args, settings, content)
    if command == "run" and settings.bots():
        from bot.channels.telegram import run_telegram

        return run_telegram(settings, content)
    centre = getattr(args, "centre", None) or settings.default_centre
    lang = getattr(args, "lang", None) or settings.default_lang
    if centre is not None and centre not in content.centres:
        return fail(f"unknown centre {centre!r}; known: {', '.join(sorted(content.centres))}")
    try:
        return asyncio.run(run_chat(settings, content, centre, lang))
    except KeyboardInterrupt:
        return 0
    except StorageError as exc:
        return fail(str(exc))


def web_port_set() -> bool:
    from bot.channels.web.config import WebSettings

    return WebSettings.from_env().port is not None


SHOWN_CENTRES = 10


def check_content(folder: Path) -> int:
    try:
        content = load_content(folder)
    except ContentError as exc:
        print("\n".join(exc.problems), file=sys.stderr)
        return 1
    # Checking fills the parse cache (BOT_CACHE_DIR), so a start after it reads only the cards:
    # run it where the bot runs before its first start with thousands of centres.
    ids = sorted(content.centres)
    names = ", ".join(ids[:SHOWN_CENTRES])
    if len(ids) > SHOWN_CENTRES:
        names += f", … {len(ids) - SHOWN_CENTRES} more"
    print(f"content OK: {len(ids)} centres ({names})")
    return 0


async def run_chat(settings: Settings, content: Content, centre: str | None, lang: str | None) -> int:
    from bot.channels.console import chat

    db = await open_database(settings.database_url, settings.database)
    try:
        engine = Engine(content, SystemClock(), default_centre=centre, default_lang=lang)
        await chat(Dialogue(engine, db), sys.stdin, sys.stdout, prompt=sys.stdin.isatty())
    finally:
        await db.close()
    return 0


def ask(args: argparse.Namespace, settings: Settings, content: Content) -> int:
    from bot.channels.console import ask_one

    try:
        clock: Clock = FixedClock(parse_moment(args.now)) if args.now else SystemClock()
    except ValueError:
        return fail(f"--now must be an ISO 8601 moment like 2026-11-23T12:00, not {args.now!r}")
    if args.jsonl:
        engine = Engine(content, FixedClock(SystemClock().now()))
        real_now = engine.clock.now()
        for line in sys.stdin:
            # A line without "now" uses the real clock, not the previous line's moment.
            assert isinstance(engine.clock, FixedClock)
            engine.clock.set(real_now)
            result = jsonl_answer(engine, line)
            if result is not None:  # blank lines are skipped
                print(json.dumps(result, ensure_ascii=False), flush=True)
        return 0
    centre = args.centre or settings.default_centre
    if centre is None:
        return fail(f"--centre is needed (one of: {', '.join(sorted(content.centres))})")
    if centre not in content.centres:
        return fail(f"unknown centre {centre!r}; known: {', '.join(sorted(content.centres))}")
    text = " ".join(args.text)
    if not text.strip():
        return fail("write a question after the options")
    engine = Engine(content, clock)
    print(ask_one(engine, centre, args.lang or settings.default_lang or "pl", text))
    return 0


MAX_JSONL_LINE = 64 * 1024  # characters; a question is at most a few hundred


def jsonl_answer(engine: Engine, line: str) -> dict[str, Any] | None:
    """One batch line's answer; a line that cannot be read gets an error line and the batch goes on."""
    from bot.channels.console import ask_jsonl

    if len(line) > MAX_JSONL_LINE:
        return {"answer": "", "error": f"the line is longer than {MAX_JSONL_LINE} characters"}
    try:
        results = list(ask_jsonl(engine, [line]))
    except Exception as exc:  # e.g. RecursionError from 100,000 nested "[": this line only
        return {"answer": "", "error": f"cannot read this line ({type(exc).__name__})"}
    return results[0] if results else None


async def print_reminders(args: argparse.Namespace, settings: Settings, content: Content) -> int:
    """The flat's payment and duty reminders from --from for --days, in Warsaw time, one per line."""
    from datetime import date, datetime, time, timedelta

    from bot.domain import reminders as rules
    from bot.residents.flats import resolve_flat
    from bot.residents.schedule import duty_rule, payment_schedule
    from storage import reminders as store

    place = resolve_flat(content, args.flat)
    if place is None:
        known = ", ".join(f"{cid}/{f.id}" for cid, c in sorted(content.centres.items()) for f in c.flats)
        return fail(f"unknown flat {args.flat!r}; known: {known}")
    if not 1 <= args.days <= 3660:
        return fail("--days must be between 1 and 3660")
    try:
        today = SystemClock().now().astimezone(rules.WARSAW).date()
        first = date.fromisoformat(args.start) if args.start else today
    except ValueError:
        return fail(f"--from must be a date like 2027-02-01, not {args.start!r}")
    centre = content.centres[place[0]]
    db = await open_database(settings.database_url, settings.database)
    try:
        duties = await store.flat_duties(db, *place)
    finally:
        await db.close()
    texts = {f"{rules.DUTY_PREFIX}{d.id}": d.text for d in duties}
    start = datetime.combine(first, time(0), tzinfo=rules.WARSAW)
    planned = rules.plan(
        payment_schedule(centre),
        {f"{rules.DUTY_PREFIX}{d.id}": duty_rule(d) for d in duties},
        start,
        start + timedelta(days=args.days),
    )
    heading = f"{place[0]}/{place[1]}: {len(planned)} reminders from {first} for {args.days} days"
    print(f"{heading} (Europe/Warsaw)")
    for item in planned:
        local = item.at.astimezone(rules.WARSAW)
        if item.reminder == rules.PAYMENT:
            year, month = (int(part) for part in item.occurrence.month.split("-"))
            assert centre.payment is not None
            due = rules.payment_due(year, month, centre.payment.due_day)
            what = f"payment due {due}" if due else f"payment {item.occurrence.month} (no due day this month)"
        else:
            what = f"duty #{item.reminder.removeprefix(rules.DUTY_PREFIX)}: {texts[item.reminder]}"
        print(f"{local:%Y-%m-%d %a %H:%M}  {what}")
    return 0
