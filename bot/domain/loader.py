"""Load `content/` from YAML into the models, reporting every problem as `file:line: message`.

A broken file must stop the start (or a staff reload) with a message a content editor can act
on, so every error is traced back to the line of the YAML node it is about.
"""

from __future__ import annotations

import contextlib
import gc
import logging
from collections.abc import Iterable
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from bot.domain import centre_cache
from bot.domain.caching import cache_folder
from bot.domain.centres import Centres, Source
from bot.domain.content import (
    Centre,
    CentreContent,
    Content,
    Crisis,
    Criteria,
    Entry,
    Fees,
    Flat,
    Glossary,
    Group,
    Model,
    PaymentRule,
    Understanding,
)
from bot.domain.yaml_doc import ContentError as ContentError  # the error every caller catches
from bot.domain.yaml_doc import Loc, _Doc, _read

M = TypeVar("M", bound=BaseModel)
log = logging.getLogger(__name__)

# Files of a centre folder; each is a mapping with these top-level keys.
CENTRE_FILES = ("centre", "flats", "recruitment", "rules", "legal", "fees", "faq")


def _message(error: Any) -> str:
    loc: Loc = tuple(error["loc"])
    field = next((str(p) for p in reversed(loc) if isinstance(p, str)), "")
    kind = error["type"]
    if kind == "missing":
        if field in ("pl", "uk", "en"):
            return f"missing translation '{field}'"
        return f"missing key '{field}'"
    if kind == "extra_forbidden":
        return f"unknown key '{field}'"
    message = str(error["msg"]).removeprefix("Value error, ")
    path = ".".join(str(p) for p in loc)
    return f"{path}: {message}" if path else message


def _validate(model: type[M], doc: _Doc, data: Any, base: Loc = ()) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            loc = base + tuple(error["loc"])
            # Errors from a "before" validator on a model sit at the model itself; fine.
            problems.append(f"{doc.where(loc)}: {_message({**error, 'loc': loc})}")
        raise ContentError(problems) from exc


def _mapping(doc: _Doc) -> dict[str, Any]:
    if not isinstance(doc.data, dict):
        raise ContentError([f"{doc.path}:1: expected a mapping of keys at the top of the file"])
    return doc.data


def _entries(doc: _Doc, key: str = "entries") -> tuple[Entry, ...]:
    data = _mapping(doc)
    unknown = set(data) - {key, "payment"}
    if unknown:
        name = sorted(unknown)[0]
        raise ContentError([f"{doc.where((name,))}: unknown key '{name}'"])
    raw = data.get(key)
    if not isinstance(raw, list):
        raise ContentError([f"{doc.where((key,))}: '{key}' must be a list of entries"])
    return tuple(_validate(Entry, doc, item, (key, i)) for i, item in enumerate(raw))


def _unique_ids(doc: _Doc, key: str, items: Iterable[Model]) -> list[str]:
    problems, seen = [], set()
    for i, item in enumerate(items):
        item_id = getattr(item, "id", None)
        if item_id in seen:
            problems.append(f"{doc.where((key, i, 'id'))}: duplicate id '{item_id}'")
        seen.add(item_id)
    return problems


def load_criteria(path: Path) -> Criteria:
    doc = _read(path)
    criteria = _validate(Criteria, doc, _mapping(doc))
    problems = []
    for i, (prev, nxt) in enumerate(zip(criteria.criteria, criteria.criteria[1:], strict=False), 1):
        if nxt.effective_from <= prev.effective_from:
            problems.append(
                f"{doc.where(('criteria', i, 'effective_from'))}: rows overlap: "
                f"{nxt.effective_from} is not after {prev.effective_from} (keep rows oldest first)"
            )
    if problems:
        raise ContentError(problems)
    return criteria


def load_crisis(path: Path) -> Crisis:
    doc = _read(path)
    return _validate(Crisis, doc, _mapping(doc))


def load_understanding(path: Path) -> Understanding:
    doc = _read(path)
    return _validate(Understanding, doc, _mapping(doc))


class _Default:
    """`cache` not given: the shared cache folder (BOT_CACHE_DIR), if there is one."""


DEFAULT_CACHE = _Default()


def _parsed_folder(cache: Path | _Default | None) -> Path | None:
    if isinstance(cache, _Default):
        base = cache_folder()
        return None if base is None else base / "content"
    return cache


def load_centre(folder: Path, cache: Path | _Default | None = DEFAULT_CACHE) -> CentreContent:
    """One centre folder; all its files are checked and every problem reported together.

    With `cache`, a folder whose files (bytes) and loader code are unchanged since a successful
    load is read back from a pickle instead of parsed and validated again: with thousands of
    centres, parsing is most of a start (about 30 ms a centre; a pickle takes about 1 ms).
    """
    where = _parsed_folder(cache)
    if where is None:
        return _parse_centre(folder)
    return centre_cache.cached(folder, where, _parse_centre)


def _parse_centre(folder: Path) -> CentreContent:
    problems: list[str] = []
    docs: dict[str, _Doc] = {}
    for name in CENTRE_FILES:
        path = folder / f"{name}.yaml"
        if not path.exists():
            problems.append(f"{path}:1: missing file (every centre needs {name}.yaml)")
            continue
        try:
            docs[name] = _read(path)
        except ContentError as exc:
            problems += exc.problems
    if problems:
        raise ContentError(problems)

    parts: dict[str, Any] = {}

    def attempt(name: str, build: Any) -> None:
        try:
            parts[name] = build()
        except ContentError as exc:
            problems.extend(exc.problems)

    attempt("centre", lambda: _validate(Centre, docs["centre"], _mapping(docs["centre"])))
    attempt("flats", lambda: _flats(docs["flats"]))
    attempt("recruitment", lambda: _entries(docs["recruitment"]))
    attempt("rules", lambda: _entries(docs["rules"]))
    attempt("payment", lambda: _payment(docs["rules"]))
    attempt("legal", lambda: _entries(docs["legal"]))
    attempt("fees", lambda: _validate(Fees, docs["fees"], _mapping(docs["fees"])))
    attempt("faq", lambda: _entries(docs["faq"]))
    if problems:
        raise ContentError(problems)

    centre: Centre = parts["centre"]
    if centre.id != folder.name:
        problems.append(f"{docs['centre'].where(('id',))}: id '{centre.id}' must match the folder name")
    for name in ("recruitment", "rules", "legal", "faq"):
        problems += _unique_ids(docs[name], "entries", parts[name])
    if problems:
        raise ContentError(problems)
    groups, flats = parts["flats"]
    return CentreContent(
        centre=centre,
        groups=groups,
        flats=flats,
        recruitment=parts["recruitment"],
        rules=parts["rules"],
        payment=parts["payment"],
        legal=parts["legal"],
        fees=parts["fees"],
        faq=parts["faq"],
    )


def _flats(doc: _Doc) -> tuple[tuple[Group, ...], tuple[Flat, ...]]:
    data = _mapping(doc)
    unknown = set(data) - {"groups", "flats"}
    if unknown:
        name = sorted(unknown)[0]
        raise ContentError([f"{doc.where((name,))}: unknown key '{name}'"])
    problems: list[str] = []
    groups: list[Group] = []
    flats: list[Flat] = []
    for key, model, bucket in (("groups", Group, groups), ("flats", Flat, flats)):
        raw = data.get(key)
        if not isinstance(raw, list) or not raw:
            problems.append(f"{doc.where((key,))}: '{key}' must be a non-empty list")
            continue
        for i, item in enumerate(raw):
            try:
                bucket.append(_validate(model, doc, item, (key, i)))  # type: ignore[arg-type]
            except ContentError as exc:
                problems += exc.problems
    if problems:
        raise ContentError(problems)
    problems += _unique_ids(doc, "groups", groups) + _unique_ids(doc, "flats", flats)
    known = {g.id for g in groups}
    for i, flat in enumerate(flats):
        for j, group_id in enumerate(flat.groups):
            if group_id not in known:
                problems.append(f"{doc.where(('flats', i, 'groups', j))}: unknown group '{group_id}'")
    if problems:
        raise ContentError(problems)
    return tuple(groups), tuple(flats)


def _payment(doc: _Doc) -> PaymentRule | None:
    raw = _mapping(doc).get("payment")
    return None if raw is None else _validate(PaymentRule, doc, raw, ("payment",))


def _store_centre(folder: Path, where: Path) -> Centre | None:
    """In a worker process: parse one centre into the cache (a broken one is reported later)."""
    with contextlib.suppress(ContentError):
        return load_centre(folder, where).centre
    return None


def _read_back(folder: Path, where: Path, key: str) -> CentreContent:
    """A centre's content the first time it is asked for, from the parse cache; a cache entry
    deleted or damaged since the start is parsed again from the folder (and stored again)."""
    found = centre_cache.read(where, key, folder.name)
    if found is not None:
        return found
    log.warning("centre %s: parse cache entry unreadable, parsing the folder again", folder.name)
    if centre_cache.key_of(folder) != key:
        log.warning("centre %s changed on disk since the content was loaded", folder.name)
    return load_centre(folder, where)


def _centres(folders: list[Path], where: Path | None, problems: list[str]) -> Centres:
    """Every centre checked; with a parse cache only its card stays in memory, the rest is read
    back from the cache on first use (bot.domain.centres). A centre whose key has a card and a
    stored entry was checked when it was stored, so a warm start reads neither YAML nor pickles."""
    cards: dict[str, Centre] = {}
    loaded: dict[str, CentreContent] = {}
    sources: dict[str, Source] = {}
    keys = {f: centre_cache.key_of(f) for f in folders} if where is not None else {}
    known = centre_cache.read_cards(where) if where is not None else {}
    new: dict[str, Centre] = {}

    def lazy(folder: Path, card: Centre) -> bool:
        key = keys.get(folder)
        if where is None or key is None or card.id != folder.name:
            return False
        if not centre_cache.stored(where, key).exists():
            return False
        cards[folder.name] = card
        sources[folder.name] = partial(_read_back, folder, where, key)
        return True

    first = [f for f in folders if (k := keys.get(f)) and k not in known]
    for folder, card in centre_cache.parse_ahead(first, where, _store_centre).items():
        new[keys[folder] or ""] = card
    for folder in folders:
        key = keys.get(folder)
        found = new.get(key or "") or known.get(key or "")
        if found is not None and lazy(folder, found):
            continue
        try:
            centre = load_centre(folder, where)
        except ContentError as exc:
            problems += exc.problems
            continue
        if key is not None:
            new[key] = centre.centre
        if not lazy(folder, centre.centre):  # no cache to read it back from: it stays in memory
            cards[folder.name], loaded[folder.name] = centre.centre, centre
    if where is not None and new:
        centre_cache.write_cards(where, known, new)
    centres = Centres(cards, loaded, sources)
    centres.names()  # the chooser's index of names and towns: from the cards, once, at load
    return centres


def load_content(root: Path, cache: Path | _Default | None = DEFAULT_CACHE) -> Content:
    """All content under `root`; raises ContentError listing every problem found.
    `cache`: a folder for parsed centres (see `load_centre`); None parses everything and keeps it
    all in memory."""
    if not root.is_dir():
        raise ContentError([f"{root}:1: content folder not found"])
    problems: list[str] = []
    shared: dict[str, Any] = {}
    for name, loader in (
        ("criteria", load_criteria),
        ("crisis", load_crisis),
        ("understanding", load_understanding),
    ):
        try:
            shared[name] = loader(root / f"{name}.yaml")
        except ContentError as exc:
            problems += exc.problems
    folders = sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith((".", "_")))
    if not folders:
        problems.append(f"{root}:1: no centre folders found")
    # Many long-lived objects at once: the cycle collector would walk all of them again and again
    # as they pile up (a 2,500-centre load took 20 times longer). Nothing made here is garbage.
    collecting = gc.isenabled()
    gc.disable()
    try:
        centres = _centres(folders, _parsed_folder(cache), problems)
    finally:
        if collecting:
            gc.enable()
    glossary_path = root / "glossary.yaml"  # optional: terms and source names (issue 11)
    if glossary_path.exists():
        try:
            doc = _read(glossary_path)
            shared["glossary"] = _validate(Glossary, doc, _mapping(doc))
        except ContentError as exc:
            problems += exc.problems
    if problems:
        raise ContentError(problems)
    return Content(
        glossary=shared.get("glossary", Glossary()),
        criteria=shared["criteria"],
        crisis=shared["crisis"],
        understanding=shared["understanding"],
        centres=centres,
    )
