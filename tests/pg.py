"""A throwaway PostgreSQL cluster for one test session, from the locally installed binaries.

The cluster lives in a temporary folder, listens only on a Unix socket there (no TCP port to
collide with), runs without fsync (its data is thrown away), and is stopped and deleted at the end.
PostgreSQL refuses to run as root, so as root (CI, these machines) its programs run as the
`postgres` system user through `runuser`; as anyone else they run directly.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import re
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

PORT = 5433  # only names the socket file inside our own folder, so it cannot clash with a server
_BIN_GLOB = "/usr/lib/postgresql/*/bin"
_RUN_AS = "postgres"


class Unavailable(Exception):
    """No cluster can be started here; the message is the one line shown for the skipped tests."""


def find_binaries() -> Path | None:
    """The folder holding initdb and pg_ctl: $PG_BINDIR if set (only there), else the newest of
    Debian's side-by-side versions, else the PATH."""
    if given := os.environ.get("PG_BINDIR"):
        candidates = [Path(given)]
    else:
        candidates = sorted(Path("/").glob(_BIN_GLOB.lstrip("/")), key=_major, reverse=True)
        if on_path := shutil.which("initdb"):
            candidates.append(Path(on_path).parent)
    for folder in candidates:
        if (folder / "initdb").is_file() and (folder / "pg_ctl").is_file():
            return folder
    return None


def _major(folder: Path) -> int:
    match = re.search(r"/(\d+)/bin$", str(folder))
    return int(match.group(1)) if match else 0


class Cluster:
    """initdb + pg_ctl start in a temporary folder; `url(name)` reaches a database over its socket."""

    def __init__(self, binaries: Path) -> None:
        self.binaries = binaries
        self._as_other = os.geteuid() == 0
        if self._as_other:
            try:
                self._owner = pwd.getpwnam(_RUN_AS)
            except KeyError:
                raise Unavailable(f"running as root and there is no {_RUN_AS!r} user to run it") from None
            if shutil.which("runuser") is None:
                raise Unavailable("running as root and runuser is missing")
        # Short path: a Unix socket's path must stay under about 100 bytes.
        self.folder = Path(tempfile.mkdtemp(prefix="pgtest-", dir="/tmp"))
        self.data = self.folder / "data"
        self.log = self.folder / "server.log"
        self.started = False
        self.template_ready = False  # tests/engines.py: the migrated template exists
        self._made = 0

    @property
    def socket_dir(self) -> Path:
        return self.folder

    def url(self, database: str = "postgres") -> str:
        """A libpq-style URL over the Unix socket, the same form an operator would write."""
        return f"postgresql://postgres@/{database}?host={self.folder}&port={PORT}"

    def start(self) -> None:
        if self._as_other:
            os.chown(self.folder, self._owner.pw_uid, self._owner.pw_gid)
        self._run(
            "initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust",
            "-E", "UTF8", "--locale=C", "--no-sync", "--no-instructions",
        )  # fmt: skip
        options = (
            f"-k {self.folder} -p {PORT} -c listen_addresses='' -c fsync=off"
            " -c full_page_writes=off -c synchronous_commit=off -c max_connections=200"
        )
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "-s", "start")
        self.started = True

    def stop(self) -> None:
        if self.started:
            with contextlib.suppress(Unavailable):
                self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "-s", "stop")
            self.started = False
        shutil.rmtree(self.folder, ignore_errors=True)

    def next_name(self) -> str:
        """A database name no other test of this session used."""
        self._made += 1
        return f"test_{os.getpid()}_{self._made}"

    def _run(self, program: str, *args: str) -> None:
        command: Sequence[str] = [str(self.binaries / program), *args]
        if self._as_other:
            command = ["runuser", "-u", _RUN_AS, "--", *command]
        result = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
        if result.returncode != 0:
            detail = (result.stderr or result.stdout).strip().splitlines()
            log = self.log.read_text(errors="replace").strip().splitlines() if self.log.exists() else []
            raise Unavailable(f"{program} failed: {(detail or log or ['no output'])[-1]}")


def start_cluster() -> Cluster:
    """A running cluster, or Unavailable with the one line to show."""
    binaries = find_binaries()
    if binaries is None:
        raise Unavailable(
            "PostgreSQL tests skipped: no PostgreSQL binaries (initdb, pg_ctl) found;"
            " install the postgresql package or set PG_BINDIR"
        )
    cluster = Cluster(binaries)
    try:
        cluster.start()
    except Unavailable as exc:
        cluster.stop()
        raise Unavailable(f"PostgreSQL tests skipped: the throwaway cluster did not start ({exc})") from None
    return cluster
