"""Issue 10: indexes and vectors are built off the event loop, cached on disk by hash, and never fatal."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from bot.clock import FixedClock
from bot.conversation.dialogue import Dialogue, Engine, Incoming
from bot.domain import knowledge
from bot.domain.content import Content
from bot.domain.semantic import VectorCache
from storage import connect


class CountingEmbedder:
    """A stand-in model: a stable pseudo-random unit vector per text, counting what it embeds."""

    version = "counting-1"
    dim = 8

    def __init__(self, gate: threading.Event | None = None) -> None:
        self.embedded: list[str] = []
        self.gate = gate

    def limit(self, question: str) -> str:
        return question

    def embed(self, texts: Sequence[str], query: bool) -> NDArray[np.float32]:
        if self.gate is not None and texts != ["warm-up"]:
            assert self.gate.wait(timeout=30), "the test never released the build"
        self.embedded += list(texts)
        rows = []
        for text in texts:
            seed = sum(text.encode()) + len(text) * 7 + (1 if query else 0)
            vector = np.random.default_rng(seed).standard_normal(self.dim).astype(np.float32)
            rows.append(vector / np.linalg.norm(vector))
        return np.vstack(rows) if rows else np.zeros((0, self.dim), np.float32)


def test_vectors_are_cached_by_text_and_model(tmp_path: Path) -> None:
    model = CountingEmbedder()
    first = VectorCache(tmp_path).vectors(model, [("a", True), ("b", False)])
    assert model.embedded == ["a", "b"]
    again = VectorCache(tmp_path).vectors(model, [("a", True), ("b", False), ("c", True)])
    assert model.embedded == ["a", "b", "c"]  # only the new text was embedded
    assert np.allclose(first, again[:2])


def test_a_changed_text_is_embedded_again(tmp_path: Path) -> None:
    model = CountingEmbedder()
    VectorCache(tmp_path).vectors(model, [("Godziny otwarcia", True)])
    VectorCache(tmp_path).vectors(model, [("Godziny pracy biura", True)])
    assert model.embedded == ["Godziny otwarcia", "Godziny pracy biura"]


def test_a_corrupt_cache_file_is_rebuilt_not_fatal(tmp_path: Path) -> None:
    model = CountingEmbedder()
    VectorCache(tmp_path).vectors(model, [("a", True)])
    for path in tmp_path.glob("vectors-*.npz"):
        path.write_bytes(b"not a numpy file at all")
    rows = VectorCache(tmp_path).vectors(model, [("a", True)])
    assert rows.shape == (1, model.dim)
    assert model.embedded == ["a", "a"]
    assert VectorCache(tmp_path).vectors(model, [("a", True)]).shape == (1, model.dim)
    assert model.embedded == ["a", "a"]  # the rebuilt file is good again


def test_an_unwritable_cache_folder_only_costs_time(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("a file where the folder should be")
    rows = VectorCache(blocker / "cache").vectors(CountingEmbedder(), [("a", True)])
    assert rows.shape == (1, 8)


def test_knowledge_covers_every_centre_without_eviction(content: Content, tmp_path: Path) -> None:
    built = knowledge.prepare(content.model_copy(), CountingEmbedder(), VectorCache(tmp_path))
    assert set(built.centres) == set(content.centres)
    assert all(c.semantic is not None and len(c.semantic.keys) > 0 for c in built.centres.values())


async def test_answers_go_on_while_new_content_is_being_built(
    content: Content, clock: FixedClock, tmp_path: Path
) -> None:
    """A reload builds the new knowledge in a worker thread; users are answered meanwhile."""
    db = await connect(tmp_path / "bot.sqlite3")
    try:
        dialogue = Dialogue(Engine(content, clock), db)
        await dialogue.prepare()
        gate = threading.Event()
        newer = content.model_copy(
            update={"centres": {k: v.model_copy() for k, v in content.centres.items()}}
        )
        build = asyncio.ensure_future(
            asyncio.to_thread(knowledge.prepare, newer, CountingEmbedder(gate), VectorCache(tmp_path))
        )
        await asyncio.sleep(0)  # the build has started and is waiting on the gate
        await dialogue.handle("telegram", "1", Incoming(button="c:gliwice"))
        replies = await dialogue.handle("telegram", "1", Incoming(text="godziny otwarcia"))
        assert "16:30" in replies[0].text
        assert not build.done()  # answered while the build was still blocked
        gate.set()
        assert set((await build).centres) == set(content.centres)
    finally:
        await db.close()


def test_the_shipped_model_embeds_questions_and_passages() -> None:
    """The real model, both ways (a cold cache embeds passages; every question is a query)."""
    from bot.domain.semantic import E5Embedder

    model = E5Embedder()
    passages = model.embed(["Godziny otwarcia biura", "Zwierzęta w mieszkaniu"], query=False)
    questions = model.embed([model.limit("o której otwieracie?"), model.limit("x " * 2000)], query=True)
    assert model.limit("o której otwieracie?") == "o której otwieracie?"  # a real question fits whole
    assert passages.shape == (2, model.dim) and questions.shape == (2, model.dim)
    assert np.allclose(np.linalg.norm(passages, axis=1), 1.0, atol=1e-3)
    assert float(questions[0] @ passages[0]) > float(questions[0] @ passages[1])
