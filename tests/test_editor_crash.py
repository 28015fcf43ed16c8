"""SIGKILL while the editor publishes: the file is the old one or the new one, never a mix, and the
content still loads (the bot keeps answering from valid content). On a copy of content/."""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
from pathlib import Path

from bot.domain.loader import load_content
from tests.conftest import CONTENT_DIR
from tests.data import PROJECT

KILLS_AFTER = (1, 3, 7, 15, 40)  # writes completed before each kill: different moments of a write


def child(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.editor_publish_main", *args],
        cwd=PROJECT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )  # fmt: skip


def test_a_kill_during_writes_leaves_the_old_or_the_new_file(tmp_path: Path) -> None:
    root = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, root)
    target = root / "gliwice/faq.yaml"
    old = target.read_bytes()
    # The new version is a large valid edit, so the kill lands inside a write more often.
    new = old + b"\n".join(b"# padding line %d" % i for i in range(20_000)) + b"\n"
    (tmp_path / "old.yaml").write_bytes(old)
    (tmp_path / "new.yaml").write_bytes(new)
    for after in KILLS_AFTER:
        process = child("--loop", str(target), str(tmp_path / "old.yaml"), str(tmp_path / "new.yaml"))
        assert process.stdout is not None
        for _ in range(after):
            assert process.stdout.readline(), "the publishing process ended early"
        process.send_signal(signal.SIGKILL)
        assert process.wait() == -signal.SIGKILL
        process.stdout.close()
        assert target.read_bytes() in (old, new)
    target.write_bytes(old)
    assert "gliwice" in load_content(root).centres  # leftover temporary files are never read


def test_a_kill_during_a_full_publish_leaves_valid_content(tmp_path: Path) -> None:
    root = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, root)
    target = root / "gliwice/faq.yaml"
    old = target.read_bytes()
    process = child("--publish", str(root), str(tmp_path / "bot.sqlite3"))
    assert process.stdout is not None
    assert process.stdout.readline() == "start\n"
    process.send_signal(signal.SIGKILL)
    assert process.wait() == -signal.SIGKILL
    process.stdout.close()
    now = target.read_bytes()
    assert now == old or b"Published by the crash test." in now
    load_content(root)  # whatever the moment, check-content's loader accepts the folder
