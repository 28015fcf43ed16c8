"""Answer accuracy and latency on the own question set, next to two baselines, in one run.

    python bench/answers.py [SET.yaml]

- engine: the real engine (cues, lemmas, BM25, typo tolerance, honest fallback);
- bm25-plain: bm25s over the same items with lower-cased words, no lemmas, always answers the top item;
- rapidfuzz: token-set similarity between the question and each item's title and keywords.
Both baselines answer through the same renderer, so only the choice of item differs.
Latency is per answer, in process, after a warm-up (dictionaries loaded, indexes built).
"""

from __future__ import annotations

import re
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import bm25s
from rapidfuzz import fuzz

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.channels.console import ask_one, render  # noqa: E402
from bot.clock import FixedClock, SystemClock, parse_moment  # noqa: E402
from bot.dialogue import Engine, State  # noqa: E402
from bot.domain.content import LANGS, CentreContent, Content  # noqa: E402
from bot.domain.loader import load_content  # noqa: E402
from tests.evaluation import EVAL_SET, load_items, matches  # noqa: E402

Chooser = Callable[[CentreContent, str], str | None]


def items_of(content: Content, centre: CentreContent) -> list[tuple[str, str, str]]:
    """(key, short text for fuzzy matching, long text for BM25) of every answerable item."""
    out = []
    sections = {
        "recruitment": centre.recruitment,
        "rules": centre.rules,
        "legal": centre.legal,
        "faq": centre.faq,
    }
    for section, entries in sections.items():
        for e in entries:
            short = " ".join([e.title.get(x) for x in LANGS] + [k for x in LANGS for k in e.keywords.get(x)])
            out.append(
                (f"entry:{section}:{e.id}", short, short + " " + " ".join(e.text.get(x) for x in LANGS))
            )
    for g in centre.groups:
        short = " ".join([g.name.get(x) for x in LANGS] + [k for x in LANGS for k in g.keywords.get(x)])
        out.append((f"group:{g.id}", short, short))
    for topic in content.understanding.topics:
        short = " ".join(k for x in LANGS for k in topic.keywords.get(x))
        out.append((f"topic:{topic.id}", short, short))
    return out


def plain_tokens(text: str) -> list[str]:
    return re.findall(r"[^\W_]+", text.lower())


def bm25_chooser(content: Content) -> Chooser:
    indexes = {}
    for cid, centre in content.centres.items():
        docs = items_of(content, centre)
        retriever = bm25s.BM25()
        retriever.index([plain_tokens(long) for _, _, long in docs], show_progress=False)
        indexes[cid] = (retriever, [key for key, _, _ in docs])

    def choose(centre: CentreContent, question: str) -> str | None:
        retriever, keys = indexes[centre.centre.id]
        tokens = plain_tokens(question)
        if not tokens:
            return None
        results, scores = retriever.retrieve([tokens], k=1, show_progress=False)
        return keys[int(results[0][0])] if scores[0][0] > 0 else None

    return choose


def fuzz_chooser(content: Content) -> Chooser:
    tables = {cid: items_of(content, c) for cid, c in content.centres.items()}

    def choose(centre: CentreContent, question: str) -> str | None:
        best = max(tables[centre.centre.id], key=lambda item: fuzz.token_set_ratio(question, item[1]))
        return best[0]

    return choose


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> None:
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else EVAL_SET
    content = load_content(ROOT / "content")
    items = load_items(path)
    clock = FixedClock(SystemClock().now())
    engine = Engine(content, clock)
    real_now = clock.now()
    for item in items[:20]:  # warm-up: dictionaries and indexes
        ask_one(engine, item["centre"], item.get("lang", "pl"), item["q"])

    def score(answer_for: Callable[[dict[str, object]], str]) -> tuple[float, list[float]]:
        passed, times = 0, []
        for item in items:
            clock.set(parse_moment(str(item["now"])) if item.get("now") else real_now)
            start = time.perf_counter()
            answer = answer_for(item)
            times.append((time.perf_counter() - start) * 1000)
            expect, forbid = item.get("expect", []), item.get("forbid", [])
            passed += all(matches(answer, g) for g in expect) and not any(matches(answer, g) for g in forbid)
        return passed / len(items), times

    def via(chooser: Chooser) -> Callable[[dict[str, object]], str]:
        def answer(item: dict[str, object]) -> str:
            centre = content.centres[str(item["centre"])]
            state = State(centre=centre.centre.id, lang=str(item.get("lang", "pl")))
            key = chooser(centre, str(item["q"]))
            outcome = engine.answer_key(state, centre, key, None) if key else None
            return render(outcome.replies)[0] if outcome else ""

        return answer

    rows = [
        (
            "engine",
            score(lambda it: ask_one(engine, str(it["centre"]), str(it.get("lang", "pl")), str(it["q"]))),
        ),
        ("bm25-plain", score(via(bm25_chooser(content)))),
        ("rapidfuzz", score(via(fuzz_chooser(content)))),
    ]
    print(f"{len(items)} questions from {path.name}\n")
    print("| method | accuracy | p50 ms | p99 ms |")
    print("|---|---|---|---|")
    for name, (accuracy, times) in rows:
        p50, p99 = statistics.median(times), percentile(times, 0.99)
        print(f"| {name} | {accuracy:.1%} | {p50:.2f} | {p99:.2f} |")


if __name__ == "__main__":
    main()
