"""Many centres (issue 15): start-up, memory and per-question cost with thousands of centres.

    python bench/scale.py [--centres 2500] [--questions 200]

Generates synthetic centres (copies of Gliwice under other ids) in a temporary folder, then
measures each step in a FRESH process: a start (content loaded, knowledge prepared) with empty
caches (cold) and with filled ones (warm), wall, CPU and resident memory; `python -m bot ask` end
to end; and in one process, through `Dialogue.handle` as a door calls it, every centre chosen
(read and indexed on first use) and asked once, the memory after 1, 100 and all centres, and
questions to centres already open. The database side (2 million users, audiences, outbox) is
`bench/scale_db.py`.
"""

from __future__ import annotations

import argparse
import asyncio
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


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def rss_mb() -> float:
    """Resident memory now (Linux), not the peak: what the process holds after a step."""
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def cpu_s() -> float:
    """CPU of this process (every thread) and of the worker processes it waited for."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def child_load(root: Path) -> dict[str, float]:
    """A start: content loaded (every centre checked, only cards kept) and knowledge prepared."""
    started, cpu = time.perf_counter(), cpu_s()
    from bot.domain.loader import load_content

    content = load_content(root)
    loaded, loaded_cpu, loaded_rss = time.perf_counter(), cpu_s(), rss_mb()
    from bot.domain import knowledge

    knowledge.prepare(content)
    return {
        "load_s": loaded - started,
        "load_cpu_s": loaded_cpu - cpu,
        "rss_after_load_mb": loaded_rss,
        "prepare_s": time.perf_counter() - loaded,
        "prepare_cpu_s": cpu_s() - loaded_cpu,
        "rss_after_start_mb": rss_mb(),
        "centres": len(content.centres),
    }


def child_questions(root: Path, questions: int, tmp: Path) -> dict[str, float]:
    return asyncio.run(_questions(root, questions, tmp))


async def _questions(root: Path, questions: int, tmp: Path) -> dict[str, float]:
    """Every centre chosen and asked once through `Dialogue.handle`, as users would, after a start;
    the memory after 1, 100 and all of them; then questions to centres open (the last 100)."""
    from bot import callbacks
    from bot.clock import FixedClock, parse_moment
    from bot.conversation.dialogue import Dialogue, Engine, Incoming
    from bot.domain.loader import load_content
    from storage import connect

    content = load_content(root)
    db = await connect(tmp / "bench.sqlite3")
    dialogue = Dialogue(Engine(content, FixedClock(parse_moment("2026-12-02T10:00:00"))), db)
    await dialogue.prepare()
    ids = sorted(content.centres)
    rng = random.Random(7)
    rng.shuffle(ids)
    asked = ["godziny otwarcia", "ile kosztuje mieszkanie", "czy mogę mieć psa", "jak złożyć wniosek"]

    async def timed(user: str, incoming: Incoming) -> float:
        start = time.perf_counter()
        await dialogue.handle("terminal", user, incoming)
        return time.perf_counter() - start

    # Before choosing: a town typed with a typo, found among the cards (the copies all share
    # Gliwice's name and town, so every centre matches: the chooser's worst case).
    towns = ["gliwce", "Гливиці", "w Gliwicach"]
    typed = [await timed(f"new{n}", Incoming(text=rng.choice(towns))) for n in range(50)]
    opens, firsts, memory = [], [], {}
    for number, cid in enumerate(ids, 1):
        opens.append(await timed(cid, Incoming(button=callbacks.make(callbacks.CENTRE, cid))))
        firsts.append(await timed(cid, Incoming(text=rng.choice(asked))))
        if number in (1, 100, len(ids)):
            memory[f"rss_after_{number}_centres_mb"] = rss_mb()
    recent = rng.choices(ids[-100:], k=questions)
    warm = [await timed(cid, Incoming(text=rng.choice(asked))) for cid in recent]
    await db.close()
    return {
        "typed_p50_ms": statistics.median(typed) * 1000,
        "typed_p95_ms": quantile(typed, 0.95) * 1000,
        "open_p50_ms": statistics.median(opens) * 1000,
        "open_p95_ms": quantile(opens, 0.95) * 1000,
        "open_max_ms": max(opens) * 1000,
        "first_p50_ms": statistics.median(firsts) * 1000,
        "first_p95_ms": quantile(firsts, 0.95) * 1000,
        "warm_p50_ms": statistics.median(warm) * 1000,
        "warm_p95_ms": quantile(warm, 0.95) * 1000,
        **memory,
        "centres_asked": len(ids),
    }


def quantile(values: list[float], share: float) -> float:
    return sorted(values)[max(0, int(len(values) * share) - 1)]


def in_fresh_process(*args: str | Path, env: dict[str, str]) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", *map(str, args)],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
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
        if kind == "load":
            result = child_load(root)
        else:
            result = child_questions(root, int(args.child[2]), Path(args.child[3]))
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
        questions = in_fresh_process("questions", str(root), str(args.questions), tmp, env=env)
        again = in_fresh_process("questions", str(root), str(args.questions), tmp, env=env)
    print("\n| step (fresh process) | wall | CPU | RSS after |\n|---|---:|---:|---:|")
    for name, run in (("empty caches (cold)", cold), ("filled caches (warm)", warm)):
        print(
            f"| load content, {name} | {run['load_s']:.1f} s | {run['load_cpu_s']:.1f} s | "
            f"{run['rss_after_load_mb']:.0f} MB |"
        )
        print(
            f"| prepare knowledge, {name} | {run['prepare_s']:.1f} s | {run['prepare_cpu_s']:.1f} s | "
            f"{run['rss_after_start_mb']:.0f} MB |"
        )
    print(f"| `python -m bot ask`, empty vector cache | {first_wall:.1f} s | | {first_rss:.0f} MB peak |")
    print(f"| `python -m bot ask`, warm caches | {wall:.1f} s | | {rss:.0f} MB peak |")
    # First run: parsed content on disk, word indexes not yet (built on first use); second run,
    # a restart: everything on disk.
    for name, q in (("indexes not on disk yet", questions), ("a restart, all on disk", again)):
        print(f"\n| through `Dialogue.handle`, {name} | p50 | p95 | max |\n|---|---:|---:|---:|")
        print(f"| a town typed before choosing | {q['typed_p50_ms']:.0f} ms | {q['typed_p95_ms']:.0f} ms | |")
        print(
            f"| choose a centre not open yet | {q['open_p50_ms']:.0f} ms | {q['open_p95_ms']:.0f} ms | "
            f"{q['open_max_ms']:.0f} ms |"
        )
        print(f"| its first question | {q['first_p50_ms']:.0f} ms | {q['first_p95_ms']:.0f} ms | |")
        print(f"| a question to an open centre | {q['warm_p50_ms']:.0f} ms | {q['warm_p95_ms']:.0f} ms | |")
        rss = [f"{k.split('_')[2]}: {v:.0f} MB" for k, v in q.items() if k.startswith("rss_after_")]
        sizes = ", ".join(rss)
        print(f"\nRSS after centres opened and asked ({sizes})")

if __name__ == "__main__":
    main()
