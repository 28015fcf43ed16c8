"""The centres of a content: each one's card always in memory, its full content on first use.

With thousands of centres, holding every centre's parsed content costs most of a start and most
of the memory (about 0.25 MB a centre), while people ask about a few of them. So a `Centres`
keeps each centre's `Centre` card (its name, city, hours: what the centre chooser, the city in a
question and the week of a count need) and reads the rest from the parse cache the first time the
centre is asked for; a centre read once is kept for the life of its content, never dropped.

Reading a centre is a few milliseconds of disk and unpickling: callers on the event loop ask for
it in a worker thread first (`bot.conversation.dialogue.Dialogue`), so `[]` finds it in memory.
Every centre was validated when the content was loaded, so a read never meets a broken centre.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Collection, Iterator, Mapping
from functools import partial
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.domain.centre_names import CentreNames
    from bot.domain.content import Centre, CentreContent

Source = Callable[[], "CentreContent"]


class Centres(Mapping[str, "CentreContent"]):
    """A read-only mapping of centre id to its content, like the dict it replaces.

    `cards` holds every centre's card; `loaded` the centres already in memory; `sources` how to
    read each one that is not. Safe across threads: two threads asking for the same centre read it
    once, and a thread reading one centre never holds up a thread asking for another.
    """

    def __init__(
        self,
        cards: Mapping[str, Centre],
        loaded: Mapping[str, CentreContent] | None = None,
        sources: Mapping[str, Source] | None = None,
    ) -> None:
        self._ids = tuple(sorted(cards))
        self._cards = dict(cards)
        self._loaded: dict[str, CentreContent] = dict(loaded or {})
        self._sources = dict(sources or {})
        missing = set(self._ids) - set(self._loaded) - set(self._sources)
        if missing:
            raise ValueError(f"no way to read centres {sorted(missing)}")
        self._lock = threading.Lock()
        self._reading: dict[str, threading.Lock] = {}
        self._names: CentreNames | None = None

    @classmethod
    def of(cls, centres: Mapping[str, CentreContent]) -> Centres:
        """Centres all in memory (a small content, a test, a copy made with `model_copy`)."""
        if isinstance(centres, Centres):
            return centres
        return cls({cid: c.centre for cid, c in centres.items()}, centres)

    @classmethod
    def check(cls, value: object) -> Centres:
        """`Content.centres` as given to the model: a `Centres` as it is (its centres were checked
        when they were loaded; looking inside would read them all), a mapping of centres wrapped."""
        from bot.domain.content import CentreContent

        if isinstance(value, Centres):
            return value
        if not isinstance(value, Mapping) or not all(isinstance(c, CentreContent) for c in value.values()):
            raise ValueError("centres must map centre ids to CentreContent")
        return cls.of(value)

    def only(self, ids: Collection[str]) -> Centres:
        """These centres, reading none: a centre read through the part is read (once) by this whole
        and kept by both, so several bots over one content share what they have read."""
        keep = [cid for cid in self._ids if cid in ids]
        with self._lock:
            loaded = {cid: self._loaded[cid] for cid in keep if cid in self._loaded}
        sources: dict[str, Source] = {cid: partial(self.__getitem__, cid) for cid in keep}
        return Centres({cid: self._cards[cid] for cid in keep}, loaded, sources)

    def __getitem__(self, cid: str) -> CentreContent:
        found = self._loaded.get(cid)
        if found is not None:
            return found
        if cid not in self._cards:
            raise KeyError(cid)
        with self._lock:
            turn = self._reading.setdefault(cid, threading.Lock())
        with turn:  # one reader per centre; others wait for it, not for each other
            found = self._loaded.get(cid)
            if found is None:
                found = self._sources[cid]()
        with self._lock:
            self._loaded.setdefault(cid, found)  # readers without the lock see it or nothing
            self._reading.pop(cid, None)
        return found

    def card(self, cid: str) -> Centre | None:
        """The centre's card (name, city, address, hours), never reading the rest."""
        return self._cards.get(cid)

    def cards(self) -> dict[str, Centre]:
        return dict(self._cards)

    def names(self) -> CentreNames:
        """The index the centre chooser finds a typed town or name in (bot.domain.centre_names),
        built from the cards once for these centres (the loader builds it at load)."""
        if self._names is None:
            from bot.domain.centre_names import CentreNames

            built = CentreNames(self._cards)
            with self._lock:
                if self._names is None:
                    self._names = built
        return self._names

    def is_loaded(self, cid: str) -> bool:
        return cid in self._loaded

    def loaded(self) -> dict[str, CentreContent]:
        """The centres in memory now (nothing is read by asking)."""
        with self._lock:
            return dict(self._loaded)

    def __iter__(self) -> Iterator[str]:
        return iter(self._ids)

    def __len__(self) -> int:
        return len(self._ids)

    def __contains__(self, cid: object) -> bool:
        return cid in self._cards

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Mapping):
            return NotImplemented
        return self is other or (set(self) == set(other) and all(self[k] == other[k] for k in self))

    __hash__ = None  # type: ignore[assignment]  # mutable inside, like the dict it replaces

    def __repr__(self) -> str:
        return f"Centres({len(self)} centres, {len(self._loaded)} in memory)"

    def __reduce__(self) -> tuple[Any, ...]:
        """A pickled content (a worker process) carries every centre, read now."""
        return (Centres.of, (dict(self.items()),))


def card_of(centres: Mapping[str, CentreContent], cid: str) -> Centre | None:
    """A centre's card from `Content.centres`, which a `model_copy` may have made a plain dict."""
    if isinstance(centres, Centres):
        return centres.card(cid)
    found = centres.get(cid)
    return None if found is None else found.centre


def cards_of(centres: Mapping[str, CentreContent]) -> dict[str, Centre]:
    if isinstance(centres, Centres):
        return centres.cards()
    return {cid: c.centre for cid, c in centres.items()}


def names_of(centres: Mapping[str, CentreContent]) -> CentreNames:
    """The name index of `Content.centres` (built once for a `Centres`; a plain dict, which only a
    `model_copy` makes, gets a new one)."""
    return Centres.of(centres).names()


def loaded_of(centres: Mapping[str, CentreContent]) -> dict[str, CentreContent]:
    """The centres already in memory, without reading any."""
    if isinstance(centres, Centres):
        return centres.loaded()
    return dict(centres)


def is_loaded(centres: Mapping[str, CentreContent], cid: str) -> bool:
    return not isinstance(centres, Centres) or centres.is_loaded(cid)
