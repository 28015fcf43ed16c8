"""`python -m bot new-centre ID`: the command-line twin of the panel's "Add a centre"."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from bot.domain.loader import ContentError
from bot.editor.new_centre import NewCentre, create_centre

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


def new_centre_command(args: argparse.Namespace, root: Path) -> int:
    try:
        create_centre(root, centre_from(args))
    except ValueError:
        print(f"error: '{args.id}' is not a valid centre id, or that centre exists", file=sys.stderr)
        return 1
    except ContentError as exc:
        print("\n".join(exc.problems), file=sys.stderr)
        return 1
    print(f"created {root / args.id}; send /reload in Telegram or publish from the panel to serve it")
    return 0
