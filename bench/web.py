"""Load on the web chat: many concurrent browser sessions against a local `python -m bot web`.

    python bench/web.py [--sessions 200] [--seconds 60]

The server runs in its own process on 127.0.0.1 (a free port, a temporary SQLite file) with the
per-session and per-address limits raised, since every simulated visitor shares one address and
sends as fast as it can. Each session opens the page (cookie + CSRF token), then posts questions
and button presses one after another, as the page's script does. Reports answers per second,
p50/p95 latency, errors (any non-200 answer or failed request) and the server's memory.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
CSRF = re.compile(r'name="csrf" value="([^"]+)"')
MESSAGES = [
    {"text": "kiedy jesteście otwarci?"},
    {"button": "m:fees"},
    {"text": "1800 zł"},
    {"text": "czy mogę mieć psa?"},
    {"button": "m:flats"},
    {"text": "як подати заяву?"},
    {"text": "who can live in a training flat?"},
    {"button": "m:main"},
]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def wait_ready(url: str, deadline: float) -> None:
    async with httpx.AsyncClient() as client:
        while time.monotonic() < deadline:
            try:
                if (await client.get(f"{url}/healthz")).status_code == 200:
                    return
            except httpx.TransportError:
                await asyncio.sleep(0.1)
    raise SystemExit("the server did not start")


async def session(url: str, stop: float, latencies: list[float], errors: list[str]) -> None:
    async with httpx.AsyncClient(base_url=url, timeout=30) as client:
        try:
            page = await client.get("/chat/gliwice")
            match = CSRF.search(page.text)
            if page.status_code != 200 or match is None:
                errors.append(f"page {page.status_code}")
                return
            csrf, step = match.group(1), 0
            while time.monotonic() < stop:
                data = {"csrf": csrf, "lang": "pl", **MESSAGES[step % len(MESSAGES)]}
                started = time.perf_counter()
                answer = await client.post("/chat/gliwice", data=data, headers={"accept": "application/json"})
                latencies.append(time.perf_counter() - started)
                if answer.status_code != 200 or not answer.json().get("entries"):
                    errors.append(f"post {answer.status_code}")
                step += 1
        except httpx.HTTPError as exc:
            errors.append(type(exc).__name__)


async def load(url: str, sessions: int, seconds: float) -> tuple[list[float], list[str], float]:
    latencies: list[float] = []
    errors: list[str] = []
    started = time.monotonic()
    stop = started + seconds
    await asyncio.gather(*(session(url, stop, latencies, errors) for _ in range(sessions)))
    return latencies, errors, time.monotonic() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=60.0)
    args = parser.parse_args()
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory() as folder:
        env = {
            **os.environ,
            "WEB_HOST": "127.0.0.1",
            "WEB_PORT": str(port),
            "DATABASE_PATH": str(Path(folder) / "bot.sqlite3"),
            "WEB_CHAT_PER_MINUTE": "1000000",
            "WEB_ADDRESS_PER_MINUTE": "100000000",
            "LOG_LEVEL": "WARNING",
            "TELEGRAM_BOT_TOKEN": "",
        }
        server = subprocess.Popen([sys.executable, "-m", "bot", "web"], cwd=ROOT, env=env)
        try:
            asyncio.run(wait_ready(url, time.monotonic() + 30))
            # Warm-up: the first answer builds the engine's indexes; that is start-up, not load.
            asyncio.run(load(url, 1, 2.0))
            before = rss_mib(server.pid)
            latencies, errors, elapsed = asyncio.run(load(url, args.sessions, args.seconds))
            after = rss_mib(server.pid)
        finally:
            server.terminate()
            server.wait(timeout=10)
    if not latencies:
        print(f"no answers measured; errors: {sorted(set(errors))[:5]}", file=sys.stderr)
        return 1
    ordered = sorted(latencies)
    p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
    print(f"web chat: {args.sessions} concurrent sessions for {elapsed:.0f} s")
    print(f"  answers: {len(latencies)} ({len(latencies) / elapsed:.0f}/s)")
    print(f"  latency: p50 {statistics.median(ordered) * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms")
    print(f"  errors: {len(errors)}")
    print(f"  server memory (RSS): {before:.0f} MiB before, {after:.0f} MiB after")
    return 0 if not errors else 1


if __name__ == "__main__":
    sys.exit(main())
