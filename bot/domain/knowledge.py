"""Everything built from content for reading questions: cues, word indexes and vectors per centre.

Built once per loaded content, off the event loop (`prepare` runs in a worker thread at start and
on every reload), and looked up by the content object itself: a reload builds a new `Knowledge`
for the new content and the old one goes with the old content. Nothing is evicted while its
content is in use, however many centres there are.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from bot.domain import items
from bot.domain.caching import cache_folder, read_pickle, write_pickle
from bot.domain.centres import is_loaded, loaded_of
from bot.domain.content import CentreContent, Content
from bot.domain.cues import Cues, build_cues
from bot.domain.lexical import READ_LANGS, TEXT_LANGS, Index, build_index
from bot.domain.semantic import Embedder, SemanticIndex, Vector, VectorCache, default_embedder
from bot.domain.text import warm_up

log = logging.getLogger(__name__)

PASSAGE_CHARS = 300  # the start of an entry's text says what it is about; the rest is detail
DANGER, SAFE = "danger", "safe"


@dataclass(frozen=True)
class CentreKnowledge:
    index: Index
    semantic: SemanticIndex | None


@dataclass(frozen=True)
class Knowledge:
    cues: Cues
    centres: Shelf
    embedder: Embedder | None
    crisis: SemanticIndex | None  # rows keyed DANGER (crisis.examples) or SAFE (crisis.lookalikes)


def _item_texts(content: Content, centre: CentreContent) -> list[tuple[str, str, bool]]:
    """(item key, text, embed as a query?) for every answerable item of a centre.

    Titles with keywords read like questions, so they are embedded as queries (e5's symmetric
    mode); an entry's text is a passage. Built-in topics have only keywords: each phrase is one.
    """
    out: list[tuple[str, str, bool]] = []
    for section in ("recruitment", "rules", "legal", "faq"):
        for entry in getattr(centre, section):
            key = items.encode(items.Entry(section, entry.id))
            for lang in TEXT_LANGS:
                title = entry.title.get(lang)
                out.append((key, f"{title}. {', '.join(entry.keywords.get(lang))}", True))
                out.append((key, f"{title}. {entry.text.get(lang)[:PASSAGE_CHARS]}", False))
    # Russian keywords help the word index only: the model reads Russian next to Ukrainian anyway.
    for group in centre.groups:
        for lang in TEXT_LANGS:
            name = group.name.get(lang) if lang in TEXT_LANGS else ""
            phrase = ", ".join(x for x in (name, *group.keywords.get(lang)) if x)
            if phrase:
                out.append((items.encode(items.Group(group.id)), phrase, True))
    for topic in content.understanding.topics:
        # One vector per language for the whole list: a single short word ("kontakt") lies
        # close to every short question, a list says what the topic is about.
        for lang in TEXT_LANGS:
            if topic.keywords.get(lang):
                out.append((items.encode(items.Topic(topic.id)), ", ".join(topic.keywords.get(lang)), True))
    return out


@cache
def _lexical_code() -> str:
    """What the word index depends on besides content: its code and the analysers' versions."""
    from importlib.metadata import version

    from bot.domain import lexical, text

    parts = [Path(lexical.__file__).read_bytes(), Path(text.__file__).read_bytes()]
    parts += [version(name).encode() for name in ("morfeusz2", "pymorphy3", "simplemma")]
    return hashlib.sha256(b"\0".join(parts)).hexdigest()


def _lexical(content: Content, centre: CentreContent, folder: Path | None) -> Index:
    """The word index of a centre, from the disk cache when its content and code are unchanged:
    lemmatising every content word is most of a cold start (0.3-1 s per centre)."""
    if folder is None:
        return build_index(content, centre)
    key = "\0".join([_lexical_code(), centre.model_dump_json(), content.understanding.model_dump_json()])
    path = folder / f"lexical-{hashlib.sha256(key.encode()).hexdigest()[:20]}.pickle"
    found = read_pickle(path)
    if isinstance(found, Index):
        return found
    index = build_index(content, centre)
    write_pickle(path, index)
    return index


def _semantic(embedder: Embedder, cache: VectorCache, texts: list[tuple[str, str, bool]]) -> SemanticIndex:
    matrix = cache.rows(embedder, [(text, query) for _, text, query in texts])
    return SemanticIndex(tuple(key for key, _, _ in texts), matrix)


class Shelf(Mapping[str, CentreKnowledge]):
    """The knowledge of every centre of a content, built on first use and kept while used.

    With a few centres everything is built at start (`fill`); with thousands only the centres
    people ask about are in memory: the least recently used beyond `keep` are dropped and built
    again from the disk cache (milliseconds) when asked about again. Safe across threads; two
    threads asking for the same new centre build it once.
    """

    def __init__(self, ids: Iterable[str], build: Callable[[str], CentreKnowledge], keep: int) -> None:
        self._ids = tuple(ids)
        self._known = frozenset(self._ids)
        self._build = build
        self._keep = max(1, keep)
        self._built: OrderedDict[str, CentreKnowledge] = OrderedDict()
        self._lock = threading.Lock()
        self._building: dict[str, threading.Lock] = {}

    def __getitem__(self, cid: str) -> CentreKnowledge:
        if cid not in self._known:
            raise KeyError(cid)
        with self._lock:
            found = self._taken(cid)
            if found is not None:
                return found
            turn = self._building.setdefault(cid, threading.Lock())
        with turn:
            with self._lock:
                found = self._taken(cid)
            if found is None:
                found = self._build(cid)
                self.put(cid, found)
        return found

    def _taken(self, cid: str) -> CentreKnowledge | None:
        found = self._built.get(cid)
        if found is not None:
            self._built.move_to_end(cid)
        return found

    def put(self, cid: str, knowledge: CentreKnowledge) -> None:
        with self._lock:
            self._built[cid] = knowledge
            self._built.move_to_end(cid)
            self._building.pop(cid, None)
            while len(self._built) > self._keep:
                self._built.popitem(last=False)

    def is_built(self, cid: str) -> bool:
        return cid in self._built

    def ready(self) -> dict[str, CentreKnowledge]:
        """The centres in memory now (nothing is built by asking)."""
        with self._lock:
            return dict(self._built)

    def __iter__(self) -> Iterator[str]:
        return iter(self._ids)

    def __len__(self) -> int:
        return len(self._ids)

    def __contains__(self, cid: object) -> bool:
        return cid in self._known


def eager_centres() -> int:
    """Up to this many centres (BOT_EAGER_CENTRES, default 50) are all built at start."""
    return _env_int("BOT_EAGER_CENTRES", 50)


def hot_centres() -> int:
    """With more centres, this many (BOT_HOT_CENTRES, default 200) stay in memory once used."""
    return _env_int("BOT_HOT_CENTRES", 200)


def _env_int(name: str, default: int) -> int:
    try:
        return max(1, int(os.environ.get(name, default)))
    except ValueError:
        return default


def build_knowledge(
    content: Content,
    embedder: Embedder | None,
    cache: VectorCache,
    reuse: Mapping[str, CentreKnowledge] | None = None,
) -> Knowledge:
    """Cues and crisis vectors now; each centre's indexes and vectors now too when there are few
    centres (seconds on a cold cache), else on first use. `reuse` holds centres already built
    from the very same objects (a copy of a content)."""
    started = time.perf_counter()

    def build(cid: str) -> CentreKnowledge:
        centre = content.centres[cid]
        semantic = _semantic(embedder, cache, _item_texts(content, centre)) if embedder else None
        return CentreKnowledge(_lexical(content, centre, cache.folder), semantic)

    eager = len(content.centres) <= eager_centres()
    shelf = Shelf(content.centres, build, len(content.centres) if eager else hot_centres())
    for cid, known in (reuse or {}).items():
        shelf.put(cid, known)
    if eager:
        for cid in content.centres:
            shelf[cid]
    crisis = None
    if embedder is not None:
        examples = [(DANGER, t, True) for lang in READ_LANGS for t in content.crisis.examples.get(lang)]
        safe = [(SAFE, t, True) for lang in READ_LANGS for t in content.crisis.lookalikes.get(lang)]
        crisis = _semantic(embedder, cache, examples + safe) if examples else None
    log.info(
        "knowledge for %d centres (%d built) ready in %.2f s",
        len(shelf),
        len(shelf.ready()),
        time.perf_counter() - started,
    )
    return Knowledge(build_cues(content), shelf, embedder, crisis)


def semantic_enabled() -> bool:
    """BOT_SEMANTIC=0 reads words only (for comparison in bench/answers.py, or a tiny machine)."""
    return os.environ.get("BOT_SEMANTIC", "1") != "0"


_registry: dict[int, tuple[Content, Knowledge]] = {}
_lock = threading.Lock()
# Content objects (each with all its centres) kept: the running one, a few reloads, the editor's
# previews. Used ones move to the end, so a burst of previews pushes out only older previews.
MAX_CONTENTS = 16


def prepare(
    content: Content,
    embedder: Embedder | None = None,
    cache: VectorCache | None = None,
    semantic: bool = True,
) -> Knowledge:
    """Build the knowledge of `content` and register it; call it in a worker thread.
    `semantic=False` reads words only (to measure what the model adds)."""
    if embedder is None and semantic and semantic_enabled():
        embedder = default_embedder()
    warm_up()  # the analysers of this thread, so the first question does not open them
    if embedder is not None:
        embedder.embed(["warm-up"], query=True)  # opens the model in this thread, not on a question
    return _build_and_register(content, embedder, cache)


def _build_and_register(content: Content, embedder: Embedder | None, cache: VectorCache | None) -> Knowledge:
    reuse = _reusable(content, embedder)
    return _register(content, build_knowledge(content, embedder, cache or VectorCache(cache_folder()), reuse))


def _register(content: Content, knowledge: Knowledge) -> Knowledge:
    with _lock:
        if len(_registry) >= MAX_CONTENTS:  # the oldest content object: a reload replaced it
            del _registry[next(iter(_registry))]
        _registry[id(content)] = (content, knowledge)
    return knowledge


def _reusable(content: Content, embedder: Embedder | None) -> dict[str, CentreKnowledge]:
    """Centres of registered contents that are the same objects as in `content` (model copies
    share them), read with the same language data and model: nothing to build again."""
    found: dict[str, CentreKnowledge] = {}
    with _lock:
        for old, knowledge in _registry.values():
            if old.understanding is not content.understanding or knowledge.embedder is not embedder:
                continue
            built = knowledge.centres.ready()
            mine, theirs = loaded_of(content.centres), loaded_of(old.centres)  # none read here
            for cid, known in built.items():
                if cid in mine and theirs.get(cid) is mine[cid]:
                    found[cid] = known
    return found


def knowledge_of(content: Content) -> Knowledge:
    """The knowledge of a content object; built now (slow) if no one prepared it.

    The registry keeps the content object itself: an id alone can be reused by a new object after
    a reload, which would answer from the old content.
    """
    found = _registry.get(id(content))
    if found is not None and found[0] is content:
        with _lock:  # most recently used last: the running content is never the one pushed out
            _registry[id(content)] = _registry.pop(id(content), found)
        return found[1]
    # Built here only where no door prepared it (the command line, tests): the analysers then
    # open lazily, for the words the question has.
    return _build_and_register(content, default_embedder() if semantic_enabled() else None, None)


def is_ready(content: Content, cid: str | None) -> bool:
    """The centre's content is in memory and its knowledge built: answering it reads nothing."""
    found = _registry.get(id(content))
    return (
        cid is not None
        and found is not None
        and found[0] is content
        and found[1].centres.is_built(cid)
        and is_loaded(content.centres, cid)
    )


def open_centre(content: Content, cid: str) -> None:
    """Read a centre's content and build its knowledge now (seconds at most, from the disk
    caches milliseconds); call it in a worker thread before answering from that centre. A content
    nobody prepared yet (a start still under way) gets its centre read, and its knowledge from
    `prepare`, which builds it once."""
    if cid not in content.centres:
        return
    content.centres[cid]
    found = _registry.get(id(content))
    if found is not None and found[0] is content:
        found[1].centres[cid]


def is_prepared(content: Content) -> bool:
    found = _registry.get(id(content))
    return found is not None and found[0] is content


def embed_query(knowledge: Knowledge, text: str) -> Vector | None:
    if knowledge.embedder is None:
        return None
    vector: Vector = knowledge.embedder.embed([knowledge.embedder.limit(text)], query=True)[0]
    return vector
