"""A process that publishes content for the crash test, until it is killed.

`--loop A B`: rewrite the file with A's and B's bytes in turn (atomic_write), printing a line after
each, so the test can kill it at any moment of a write. `--publish`: one full editor publish of an
FAQ edit (validation, write, history), printing "start" first.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from bot.clock import SystemClock
from bot.editor import documents as docs
from bot.editor.files import atomic_write
from bot.editor.service import Editor
from bot.staff.access import Access
from storage import connect


def loop(target: Path, first: Path, second: Path) -> None:
    texts = [first.read_bytes(), second.read_bytes()]
    count = 0
    while True:
        atomic_write(target, texts[count % 2])
        count += 1
        print(count, flush=True)


async def publish(root: Path, database: Path) -> None:
    db = await connect(database)
    editor = Editor(root, db, SystemClock())
    doc, entry = editor.open("gliwice/faq.yaml", "hours")
    assert entry is not None
    values = docs.form_values(entry, centre_file=False) | {"text.en": "Published by the crash test."}
    print("start", flush=True)
    await editor.publish(Access(1, "admin", "gliwice"), doc.path, "hours", values, doc.version)
    print("done", flush=True)
    await db.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--loop", nargs=3, type=Path)
    parser.add_argument("--publish", nargs=2, type=Path)
    args = parser.parse_args()
    if args.loop:
        loop(*args.loop)
    else:
        asyncio.run(publish(*args.publish))
    sys.exit(0)


if __name__ == "__main__":
    main()
