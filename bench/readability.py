"""Words in the first message of ten typical answers (issue 11), for the README's before/after table.

Run from a checkout: `python bench/readability.py` (it imports `bot` from the current directory, so
the same script measures an older checkout when run from there). Words are counted as in
tests/readability.py: whitespace-separated pieces holding a letter or digit. Polish answers at a
pinned Tuesday morning; the phone count is how often the centre's number appears.
"""

from __future__ import annotations

import re
import sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path.cwd()))

from bot.clock import FixedClock
from bot.conversation.dialogue import Engine, Incoming, State
from bot.domain.loader import load_content

MOMENT = datetime(2026, 11, 24, 10, 15, tzinfo=ZoneInfo("Europe/Warsaw"))
ANSWERS = (  # (label, centre, button or text)
    ("How to apply (menu)", "gliwice", "b:m:apply"),
    ("Flats (menu)", "gliwice", "b:m:flats"),
    ("Office hours and contact (menu)", "gliwice", "b:m:hours"),
    ("Fees (menu)", "wodzislaw", "b:m:fees"),
    ("Fee estimate: 'zarabiam 1250 zł'", "wodzislaw", "zarabiam 1250 zł"),
    ("Fee estimate: '2 osoby, razem 1500 zł'", "gliwice", "2 osoby, razem 1500 zł"),
    ("Criterion: 'ile wynosi kryterium dochodowe'", "gliwice", "ile wynosi kryterium dochodowe"),
    ("Who can live there: 'kto może zamieszkać'", "wodzislaw", "kto może zamieszkać w mieszkaniu chronionym"),
    ("Duties: 'jakie mam obowiązki'", "wodzislaw", "jakie mam obowiązki jako mieszkaniec"),
    ("Crisis: 'nie chcę żyć'", "gliwice", "nie chcę żyć"),
)


def words(text: str) -> int:
    return sum(1 for token in text.split() if re.search(r"[^\W_]", token))


def main() -> None:
    content = load_content(Path.cwd() / "content")
    engine = Engine(content, FixedClock(MOMENT))
    print("| answer | words (first message) | lines | phone shown | internal names |")
    print("|---|---:|---:|---:|---:|")
    for label, centre, what in ANSWERS:
        incoming = Incoming(button=what[2:]) if what.startswith("b:") else Incoming(text=what)
        replies = engine.respond(State(centre=centre, lang="pl"), incoming).replies
        first = replies[0].text if replies else ""
        phone = content.centres[centre].centre.phone or ""
        text = "\n".join(r.text for r in replies)
        lines = len([line for line in first.splitlines() if line.strip()])
        internal = len(re.findall(r"facts\.md|seeds/", text))
        print(f"| {label} | {words(first)} | {lines} | {text.count(phone)} | {internal} |")


if __name__ == "__main__":
    main()
