"""The terminal door: an interactive chat and one-shot answers, on the same engine as Telegram."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import IO, Any

from bot.clock import FixedClock, parse_moment
from bot.conversation.dialogue import Dialogue, Engine, Incoming, State
from bot.domain.content import LANGS
from bot.replies import Button, Reply

CHANNEL = "console"
LOCAL_USER = "local"


def render(replies: Iterable[Reply]) -> tuple[str, list[Button]]:
    """Replies as terminal text, buttons as numbered `[n] label` lines (numbered across replies)."""
    parts: list[str] = []
    buttons: list[Button] = []
    for reply in replies:
        lines = [reply.text]
        for button in reply.all_buttons():
            buttons.append(button)
            lines.append(f"[{len(buttons)}] {button.label}")
        parts.append("\n".join(lines))
    return "\n\n".join(parts), buttons


def as_incoming(line: str, buttons: list[Button]) -> Incoming:
    """A typed number or a button's label presses that button; anything else is a question."""
    text = line.strip()
    if text.isdigit() and 1 <= int(text) <= len(buttons):
        return Incoming(button=buttons[int(text) - 1].data)
    for button in buttons:
        if text.casefold() == button.label.casefold():
            return Incoming(button=button.data)
    return Incoming(text=line)


async def chat(
    dialogue: Dialogue, stdin: IO[str], stdout: IO[str], user: str = LOCAL_USER, prompt: bool = True
) -> None:
    """Read lines until end of input; each gets the engine's replies."""
    replies = await dialogue.handle(CHANNEL, user, Incoming(text="/start"))
    text, buttons = render(replies)
    print(text, file=stdout, flush=True)
    while True:
        if prompt:
            print("\n> ", end="", file=stdout, flush=True)
        line = stdin.readline()
        if not line:
            if prompt:
                print(file=stdout)
            return
        replies = await dialogue.handle(CHANNEL, user, as_incoming(line, buttons))
        text, buttons = render(replies)
        print(text, file=stdout, flush=True)


def ask_one(engine: Engine, centre: str | None, lang: str | None, text: str) -> str:
    """One answer, stateless: the centre and language are given, nothing is stored."""
    outcome = engine.respond(State(centre=centre, lang=lang), Incoming(text=text))
    rendered, _ = render(outcome.replies)
    return rendered


def ask_jsonl(engine: Engine, lines: Iterable[str]) -> Iterable[dict[str, Any]]:
    """Batch answers: one JSON object in, one out, same order; a bad line gets an error, not a stop."""
    clock = engine.clock
    for line in lines:
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            if not isinstance(item, dict):
                raise ValueError("expected a JSON object")
            centre = item.get("centre")
            lang = item.get("lang") or "pl"
            if not isinstance(centre, str) or centre not in engine.content.centres:
                raise ValueError(f"unknown centre {centre!r}")
            if not isinstance(lang, str) or lang not in LANGS:
                raise ValueError(f"unknown language {lang!r}")
            now = item.get("now")
            if isinstance(clock, FixedClock) and now:
                clock.set(parse_moment(str(now)))
            yield {"answer": ask_one(engine, centre, lang, str(item.get("text") or ""))}
        except ValueError as exc:
            yield {"answer": "", "error": str(exc)}
