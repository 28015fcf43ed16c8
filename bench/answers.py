"""Answer quality and speed on the own set and both public sets, every method side by side, in one run.

    python bench/answers.py

- engine: the real engine (cues, lemmas, BM25 fused with the multilingual embedding model);
- engine, words only: the same engine without the semantic layer;
- bm25-plain: bm25s over the same items with lower-cased words, always answers the top item;
- rapidfuzz: token-set similarity between the question and each item's title and keywords.
The baselines answer through the same renderer, so only the choice of item differs. Crisis recall
is the share of messages whose expected answer holds 112 that get it; false positives are the
share of the other messages that get it. Latency is per answer, in process, warm; the cold first
answer is a fresh process (`python -m bot ask`), see also bench/startup.py.
"""

from __future__ import annotations

import re
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import bm25s
from rapidfuzz import fuzz

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.channels.console import ask_one, render  # noqa: E402
from bot.clock import FixedClock, SystemClock, parse_moment  # noqa: E402
from bot.conversation.dialogue import Engine, State  # noqa: E402
from bot.domain import knowledge  # noqa: E402
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


SETS = {
    "own": EVAL_SET,
    "public 1": ROOT.parent / "shared" / "eval" / "dev_questions.yaml",
    "public 2": ROOT.parent / "shared" / "eval" / "dev_questions_2.yaml",
}


@dataclass
class Row:
    accuracy: float
    recall: float | None  # None: the set has no crisis messages
    false_positives: float
    times: list[float]


def cold_first_answer() -> float:
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "bot", "ask", "--centre", "gliwice", "godziny otwarcia"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    )
    return time.perf_counter() - start


def main() -> None:
    content = load_content(ROOT / "content")
    words_only = content.model_copy()  # another content object: its own knowledge, without vectors
    knowledge.prepare(content)
    knowledge.prepare(words_only, semantic=False)
    clock = FixedClock(SystemClock().now())
    engines = {"engine": Engine(content, clock), "engine, words only": Engine(words_only, clock)}
    real_now = clock.now()

    def score(items: list[dict[str, object]], answer_for: Callable[[dict[str, object]], str]) -> Row:
        passed, times, hits, crisis, alarms, calm = 0, [], 0, 0, 0, 0
        for item in items:
            clock.set(parse_moment(str(item["now"])) if item.get("now") else real_now)
            start = time.perf_counter()
            answer = answer_for(item)
            times.append((time.perf_counter() - start) * 1000)
            expect, forbid = item.get("expect", []), item.get("forbid", [])
            assert isinstance(expect, list) and isinstance(forbid, list)
            passed += all(matches(answer, g) for g in expect) and not any(matches(answer, g) for g in forbid)
            first_line = answer.split("\n", 1)[0]  # the crisis reply comes first, or not at all
            if "112" in expect:
                crisis += 1
                hits += "112" in first_line
            else:
                calm += 1
                alarms += "112" in first_line
        return Row(passed / len(items), hits / crisis if crisis else None, alarms / max(calm, 1), times)

    def via(chooser: Chooser) -> Callable[[dict[str, object]], str]:
        engine = engines["engine"]

        def answer(item: dict[str, object]) -> str:
            centre = content.centres[str(item["centre"])]
            state = State(centre=centre.centre.id, lang=str(item.get("lang", "pl")))
            key = chooser(centre, str(item["q"]))
            outcome = engine.answer_key(state, centre, key, None) if key else None
            return render(outcome.replies)[0] if outcome else ""

        return answer

    def asked(engine: Engine) -> Callable[[dict[str, object]], str]:
        return lambda it: ask_one(engine, str(it["centre"]), str(it.get("lang", "pl")), str(it["q"]))

    methods = {
        **{name: asked(engine) for name, engine in engines.items()},
        "bm25-plain": via(bm25_chooser(content)),
        "rapidfuzz": via(fuzz_chooser(content)),
    }
    for engine in engines.values():  # warm-up: analysers, model, first-call caches
        for item in load_items(EVAL_SET)[:20]:
            ask_one(engine, item["centre"], item.get("lang", "pl"), item["q"])
    cold = statistics.median(cold_first_answer() for _ in range(3))
    for set_name, path in SETS.items():
        if not path.exists():
            continue
        items = load_items(path)
        print(f"\n{set_name}: {len(items)} questions ({path.name})\n")
        print("| method | accuracy | crisis recall | crisis false positives | p50 ms | p99 ms |")
        print("|---|---:|---:|---:|---:|---:|")
        for name, answer_for in methods.items():
            row = score(items, answer_for)
            p50, p99 = statistics.median(row.times), percentile(row.times, 0.99)
            print(
                f"| {name} | {row.accuracy:.1%} | {'–' if row.recall is None else f'{row.recall:.0%}'} "
                f"| {row.false_positives:.1%} "
                f"| {p50:.2f} | {p99:.2f} |"
            )
    print(f"\ncold first answer (fresh process, python -m bot ask, median of 3): {cold:.2f} s")


if __name__ == "__main__":
    main()
