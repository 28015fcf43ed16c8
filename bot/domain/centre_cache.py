"""Parsed centres on disk, keyed by the bytes of their files and the loader's code, and the
cards (`Centre`: name, city, hours) of every stored centre in one file, so a start reads only those.

With thousands of centres, parsing and validating YAML is most of a start (about 30 ms a centre);
reading a stored centre back takes about 1 ms. A stored centre is used only when every file of
its folder is byte for byte the one it was made from, by the same loader and models: an edit, a
new version of the code or of pydantic makes a new key, so nothing stale is ever read.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from functools import cache
from importlib.metadata import version
from pathlib import Path

from bot.domain.caching import read_pickle, write_pickle
from bot.domain.content import Centre, CentreContent

PARALLEL_FROM = 64  # centres to parse before worker processes pay for their start (~0.5 s)
CARDS = "cards.pickle"
MAX_CARDS = 50_000  # old versions of centres beyond this are forgotten (a card is ~2 kB)


def stored(where: Path, key: str) -> Path:
    return where / f"centre-{key}.pickle"


def read(where: Path, key: str, cid: str) -> CentreContent | None:
    found = read_pickle(stored(where, key))
    return found if isinstance(found, CentreContent) and found.centre.id == cid else None


def cached(folder: Path, where: Path, parse: Callable[[Path], CentreContent]) -> CentreContent:
    """The centre in `folder`, from `where` when stored there, else parsed (and stored)."""
    key = key_of(folder)
    if key is None:  # a file is missing or unreadable: parse, so the problem is reported
        return parse(folder)
    found = read(where, key, folder.name)
    if found is not None:
        return found
    centre = parse(folder)
    write_pickle(stored(where, key), centre)
    return centre


def read_cards(where: Path) -> dict[str, Centre]:
    """The card of every stored centre by its key; empty when the file is missing or unreadable."""
    found = read_pickle(where / CARDS)
    if not isinstance(found, dict):
        return {}
    return {k: v for k, v in found.items() if isinstance(k, str) and isinstance(v, Centre)}


def write_cards(where: Path, cards: dict[str, Centre], new: dict[str, Centre]) -> None:
    """`cards` (as read) with `new` added last, so the oldest are the ones forgotten."""
    merged = {k: v for k, v in cards.items() if k not in new} | new
    write_pickle(where / CARDS, dict(list(merged.items())[-MAX_CARDS:]))


def key_of(folder: Path) -> str | None:
    digest = hashlib.sha256(_code())
    from bot.domain.loader import CENTRE_FILES

    for name in CENTRE_FILES:
        try:
            data = (folder / f"{name}.yaml").read_bytes()
        except OSError:
            return None
        digest.update(name.encode() + b"\0" + hashlib.sha256(data).digest())
    return digest.hexdigest()[:32]


@cache
def _code() -> bytes:
    """A stored centre is valid only for the code that checked it: the loader and the models."""
    from bot.domain import content, content_base, content_money, loader

    modules = (loader, content, content_base, content_money)
    parts = [Path(module.__file__ or "").read_bytes() for module in modules]
    parts.append(version("pydantic").encode())
    return hashlib.sha256(b"\0".join(parts)).digest()


def parse_ahead(
    missing: Sequence[Path], where: Path | None, store: Callable[[Path, Path], Centre | None]
) -> dict[Path, Centre]:
    """Many centres not stored yet (a first start, a new code version): `store` them in worker
    processes, which give back each stored centre's card. Problems are not collected here: the
    caller parses a broken centre again (it has no card) and reports it."""
    workers = min(os.cpu_count() or 1, 8)
    if where is None or workers < 2 or len(missing) < PARALLEL_FROM:
        return {}
    # "spawn": this may run in a reload thread beside others, where forking is unsafe.
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        cards = pool.map(store, missing, [where] * len(missing), chunksize=16)
        return {folder: card for folder, card in zip(missing, cards, strict=True) if card is not None}
