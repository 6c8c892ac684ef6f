"""Killing `reader fetch` (cron's timeout, a user's kill) leaves nothing behind holding the caller's output,
and SIGTERM stops a fetch cleanly. Real subprocesses, a real loopback server, a real SQLite file."""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from feedbuild import rss
from httpserver import LoopbackServer

from reader.fetch.lock import FetchLock
from reader.store.feeds import Store

HANG_GUARD = 30.0  # seconds: only so a regression fails instead of hanging the suite


@pytest.fixture
def fetch(tmp_path: Path, http_server: LoopbackServer) -> Iterator[subprocess.Popen[bytes]]:
    """`reader fetch --all` in its own session, stopped once one feed is stored (parse workers running) and
    the other is still being fetched."""
    fast = http_server.serve("/fast.xml", rss(3))
    slow = http_server.serve("/slow.xml", rss(3), latency=HANG_GUARD + 10)
    config = tmp_path / "config.toml"
    config.write_text(f'[fulltext]\npolicy = "off"\n[[feeds]]\nurl = "{fast}"\n[[feeds]]\nurl = "{slow}"\n')
    cmd = [sys.executable, "-m", "reader", "--config", str(config), "--data-dir", str(tmp_path / "data")]
    proc = subprocess.Popen(
        [*cmd, "fetch", "--all"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
        env={**os.environ, "NO_COLOR": "1"},
    )
    try:
        assert proc.stderr is not None
        for line in proc.stderr:  # progress lines, one per feed: the first says the fast feed is stored
            if line.startswith(b"feeds 1/2"):
                break
        else:
            pytest.fail("the fetch ended before storing its first feed")
        yield proc
    finally:
        for pid in _session(proc.pid):
            os.kill(pid, signal.SIGKILL)
        proc.kill()
        proc.wait()


def _session(sid: int) -> list[int]:
    """Live (not zombie) processes of session `sid`."""
    out = subprocess.run(["ps", "-o", "pid=,stat=", "-s", str(sid)], capture_output=True, text=True).stdout
    return [int(pid) for pid, stat in (line.split() for line in out.splitlines()) if not stat.startswith("Z")]


def _read_to_eof(stream: object) -> bytes:
    fd = stream.fileno()  # type: ignore[attr-defined]
    data = b""
    while True:
        ready, _, _ = select.select([fd], [], [], HANG_GUARD)
        assert ready, "something still holds the fetch's stdout open"
        chunk = os.read(fd, 65536)
        if not chunk:
            return data
        data += chunk


@pytest.mark.slow
def test_sigkill_leaves_no_worker_fork_server_or_tracker_holding_stdout(
    fetch: subprocess.Popen[bytes],
) -> None:
    os.kill(fetch.pid, signal.SIGKILL)
    # Every process that held the output (workers, fork server, resource tracker) has let go of it:
    # `(reader fetch & kill -9 $!) | cat` ends.
    _read_to_eof(fetch.stdout)
    assert fetch.wait() == -signal.SIGKILL


@pytest.mark.slow
def test_sigterm_stops_the_fetch_cleanly(fetch: subprocess.Popen[bytes], tmp_path: Path) -> None:
    os.kill(fetch.pid, signal.SIGTERM)
    _read_to_eof(fetch.stdout)
    assert fetch.stderr is not None
    err = _read_to_eof(fetch.stderr).decode()
    assert fetch.wait() == 1
    assert "stopped by SIGTERM" in err and "Traceback" not in err
    with Store.open(tmp_path / "data" / "reader.db") as store:
        assert store.count() == 3  # the feed stored before the signal stays stored
    FetchLock(tmp_path / "data" / "fetch.lock").acquire(timeout=0)  # released
