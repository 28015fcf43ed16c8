"""`python -m bot new-centre ID`: the command-line twin of the panel's "Add a centre"."""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import Any

from bot.domain.loader import ContentError
from bot.editor.new_centre import NewCentre, create_centre
from bot.settings import Settings
from storage import StorageError

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def add_new_centre_parser(sub: Any) -> None:
    new = sub.add_parser("new-centre", help="create a centre whose sections say 'not yet described'")
    new.add_argument("id", help="folder name and id: a-z, digits, dashes")
    new.add_argument("--name", help="the centre's name (default: the id)")
    new.add_argument("--city", help="default: the id, capitalised")
    new.add_argument("--address", help="default: 'not yet described'")
    new.add_argument("--phone", default="")
    for day in DAYS:
        new.add_argument(f"--{day}", help='opening hours, e.g. "08:00-13:00" (commas for several)')


def centre_from(args: argparse.Namespace) -> NewCentre:
    city = args.city or args.id.replace("-", " ").title()
    hours = {
        day: [s.strip() for s in getattr(args, day).split(",") if s.strip()]
        for day in DAYS
        if getattr(args, day)
    }
    return NewCentre(
        id=args.id,
        name=args.name or city,
        city=city,
        address=args.address or f"{city} (adres jeszcze nie opisany)",
        phone=args.phone,
        hours=hours,
    )


def new_centre_command(args: argparse.Namespace, settings: Settings) -> int:
    root = settings.content_dir
    try:
        create_centre(root, centre_from(args))
    except ValueError:
        print(f"error: '{args.id}' is not a valid centre id, or that centre exists", file=sys.stderr)
        return 1
    except ContentError as exc:
        print("\n".join(exc.problems), file=sys.stderr)
        return 1
    try:
        asyncio.run(_announce(settings))
    except StorageError as exc:  # the folder is made; only the running bots have not heard yet
        print(f"created {root / args.id}; running bots serve it after /reload ({exc})")
        return 0
    print(f"created {root / args.id}; running bots serve it within seconds")
    return 0


async def _announce(settings: Settings) -> None:
    """Tell every running process, as a publish does: the content version in the database."""
    from storage import content_version
    from storage.open import open_database

    db = await open_database(settings.database_url, settings.database)
    try:
        async with db.transaction():
            await content_version.bump(db)
    finally:
        await db.close()
