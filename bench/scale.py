"""Many centres (issue 15): start-up, memory and per-question cost with thousands of centres.

    python bench/scale.py [--centres 2500] [--questions 200]

Generates synthetic centres (copies of Gliwice under other ids) in a temporary folder, then
measures each step in a FRESH process: loading content with an empty parse cache (cold) and
with a warm one, `python -m bot ask` end to end (content, lazy indexes, one centre built, one
answer), and in one process the first question to many different centres (each centre's index
built on first use from the disk cache) and warm questions (CPU per question). The database side
(2 million users, audiences, outbox) is `bench/scale_db.py`.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def generate(folder: Path, centres: int) -> Path:
    """The shipped shared files plus `centres` copies of Gliwice named c0000, c0001, …"""
    root = folder / "content"
    shutil.copytree(ROOT / "content", root, ignore=shutil.ignore_patterns("gliwice", "wodzislaw"))
    template = ROOT / "content" / "gliwice"
    text = (template / "centre.yaml").read_text(encoding="utf-8")
    for number in range(centres):
        cid = f"c{number:04d}"
        shutil.copytree(template, root / cid)
        (root / cid / "centre.yaml").write_text(text.replace("id: gliwice", f"id: {cid}"), "utf-8")
    return root


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child_load(root: Path) -> dict[str, float]:
    started = time.perf_counter()
    from bot.domain.loader import load_content

    content = load_content(root)
    loaded = time.perf_counter()
    from bot.domain import knowledge

    knowledge.prepare(content)
    return {
        "load_s": loaded - started,
        "prepare_s": time.perf_counter() - loaded,
        "rss_mb": rss_mb(),
        "centres": len(content.centres),
    }


def child_questions(root: Path, questions: int) -> dict[str, float]:
    from bot.clock import FixedClock, parse_moment
    from bot.conversation.dialogue import Engine
    from bot.conversation.outcome import Incoming, State
    from bot.domain import knowledge
    from bot.domain.loader import load_content

    content = load_content(root)
    built = knowledge.prepare(content)
    engine = Engine(content, FixedClock(parse_moment("2026-12-02T10:00:00")))
    ids = sorted(content.centres)
    rng = random.Random(7)
    asked = ["godziny otwarcia", "ile kosztuje mieszkanie", "czy mogę mieć psa", "jak złożyć wniosek"]

    def one(cid: str, text: str) -> float:
        start = time.process_time()
        engine.respond(State(centre=cid, lang="pl"), Incoming(text=text))
        return time.process_time() - start

    firsts = [one(cid, "godziny otwarcia") for cid in rng.sample(ids, min(50, len(ids)))]
    before = rss_mb()
    hot = rng.sample(ids, min(20, len(ids)))
    warm = [one(rng.choice(hot), rng.choice(asked)) for _ in range(questions)]
    return {
        "first_question_p50_ms": statistics.median(firsts) * 1000,
        "first_question_max_ms": max(firsts) * 1000,
        "warm_cpu_p50_ms": statistics.median(warm) * 1000,
        "warm_cpu_p95_ms": sorted(warm)[int(len(warm) * 0.95) - 1] * 1000,
        "centres_in_memory": len(built.centres.ready()),
        "rss_after_50_centres_mb": before,
    }


def in_fresh_process(*args: str, env: dict[str, str]) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", *args], env=env, cwd=ROOT, capture_output=True, text=True
    )
    if out.returncode != 0:
        raise SystemExit(out.stderr[-3000:])
    found: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return found


def ask_wall(root: Path, env: dict[str, str]) -> tuple[float, float]:
    command = [sys.executable, "-m", "bot", "ask", "--centre", "c0007", "godziny otwarcia"]
    start = time.perf_counter()
    proc = subprocess.Popen(
        command,
        cwd=ROOT,
        env={**env, "CONTENT_DIR": str(root)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    _, status, usage = os.wait4(proc.pid, 0)
    if status != 0:
        raise SystemExit("ask failed")
    return time.perf_counter() - start, usage.ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--centres", type=int, default=2500)
    parser.add_argument("--questions", type=int, default=200)
    parser.add_argument("--child", nargs="+")
    args = parser.parse_args()
    if args.child:
        kind, root = args.child[0], Path(args.child[1])
        result = child_load(root) if kind == "load" else child_questions(root, int(args.child[2]))
        print(json.dumps(result))
        return
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        root = generate(Path(tmp), args.centres)
        print(f"{args.centres} synthetic centres written in {time.perf_counter() - started:.1f} s")
        env = {**os.environ, "BOT_CACHE_DIR": str(Path(tmp) / "cache"), "PYTHONPATH": str(ROOT)}
        # Vectors and word indexes of the template's texts are shared by every copy (same text,
        # same hash), as real centres share most of their texts with each other.
        cold = in_fresh_process("load", str(root), env=env)
        warm = in_fresh_process("load", str(root), env=env)
        first_wall, first_rss = ask_wall(root, env)  # the model embeds one centre's texts
        wall, rss = ask_wall(root, env)
        questions = in_fresh_process("questions", str(root), str(args.questions), env=env)
    print("\n| step (fresh process) | value |\n|---|---:|")
    print(f"| load content, empty parse cache | {cold['load_s']:.1f} s |")
    print(f"| load content, warm parse cache | {warm['load_s']:.1f} s |")
    print(f"| prepare knowledge (lazy), warm | {warm['prepare_s']:.1f} s |")
    print(f"| peak RSS after load + prepare | {warm['rss_mb']:.0f} MB |")
    print(f"| `python -m bot ask`, empty vector cache | {first_wall:.1f} s, {first_rss:.0f} MB |")
    print(f"| `python -m bot ask`, warm caches | {wall:.1f} s, {rss:.0f} MB |")
    print(
        f"| first question to a centre, p50 / max | {questions['first_question_p50_ms']:.0f} / "
        f"{questions['first_question_max_ms']:.0f} ms CPU |"
    )
    print(
        f"| warm question CPU p50 / p95 | {questions['warm_cpu_p50_ms']:.0f} / "
        f"{questions['warm_cpu_p95_ms']:.0f} ms |"
    )
    print(f"| RSS after 50 centres asked | {questions['rss_after_50_centres_mb']:.0f} MB |")
    print(f"| centres in memory after the run | {questions['centres_in_memory']:.0f} |")


if __name__ == "__main__":
    main()
