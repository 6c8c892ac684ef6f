"""Two places at once: the TUI marking items while `reader fetch` runs from cron, and two fetches together.

All real processes against one SQLite file and feeds on the loopback server. No "database is locked" may reach
the user, no update may be lost, and read/saved marks set during a fetch must survive it.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hostile.procfarm import (
    ROOT,
    FeedFarm,
    assert_clean_stderr,
    reader_env,
    run_reader,
    start_reader,
    write_config,
)
from httpserver import LoopbackServer

from reader.config.loader import load_config
from reader.locations import resolve_locations
from reader.services import ReaderServices
from reader.store.feeds import Store

# What the TUI does to the store while a fetch runs, as its own process: marks items read/unread and
# saved/unsaved through the Store API, one write per key press, and records the last state it set for each
# item. It runs until the stop file appears (and at least MIN_OPS writes), then reports as JSON.
MARKER = r"""
import json, random, sys, time
from pathlib import Path
from reader.errors import StorageError
from reader.store.feeds import Store

db, stop, out, seed, min_ops = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
rng = random.Random(seed)
store = Store.open(db)
ids = [h.id for h in store.headlines(limit=100_000)]
final, times, errors = {}, [], []
print("ready", flush=True)
while len(times) < min_ops or not stop.exists():
    item_id = rng.choice(ids)
    read, saved = final.get(item_id, (False, False))
    try:
        if rng.random() < 0.5:
            read = not read
            store.set_read([item_id], read)
        else:
            saved = not saved
            store.set_saved(item_id, saved)
    except StorageError as exc:
        errors.append(str(exc))
        continue
    final[item_id] = (read, saved)
    times.append(time.time())
store.close()
out.write_text(json.dumps({"final": final, "times": times, "errors": errors}))
"""
MIN_OPS = 200


def _start_marker(tmp_path: Path, db: Path, seed: int) -> tuple[subprocess.Popen[str], Path, Path]:
    stop, out = tmp_path / f"stop-{seed}", tmp_path / f"marks-{seed}.json"
    proc = subprocess.Popen(
        [sys.executable, "-c", MARKER, str(db), str(stop), str(out), str(seed), str(MIN_OPS)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=reader_env(),
        cwd=ROOT,
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "ready"  # blocks until the marker has its ids
    return proc, stop, out


def _finish_marker(proc: subprocess.Popen[str], stop: Path, out: Path) -> dict[str, object]:
    stop.touch()
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert "Traceback" not in err, err
    return json.loads(out.read_text())  # type: ignore[no-any-return]


def _setup(
    tmp_path: Path, server: LoopbackServer, feeds: int, items: int
) -> tuple[FeedFarm, Path, Path, Path]:
    farm = FeedFarm(server, feeds, items)
    config = write_config(tmp_path / "config.toml", farm.urls())
    data = tmp_path / "data"
    first = run_reader(data, config, "fetch", "--all", "--quiet")
    assert first.returncode == 0, first.stderr
    return farm, config, data, data / "reader.db"


def _marks_in_db(db: Path) -> dict[int, tuple[bool, bool]]:
    with Store.open(db) as store:
        return {h.id: (h.read, h.saved) for h in store.headlines(limit=100_000)}


@pytest.mark.slow
def test_tui_marks_survive_two_concurrent_fetches(tmp_path: Path, http_server: LoopbackServer) -> None:
    """The TUI (a process writing marks) while two `reader fetch` run at once: nothing lost, no locked errors."""
    farm, config, data, db = _setup(tmp_path, http_server, feeds=30, items=100)
    farm.bump()  # the fetches below update every stored item and add new ones
    marker, stop, out = _start_marker(tmp_path, db, seed=7)
    started = time.time()
    fetches = [start_reader(data, config, "fetch", "--all", "--lock-timeout", "60") for _ in range(2)]
    results = [p.communicate(timeout=120) for p in fetches]
    ended = time.time()
    report = _finish_marker(marker, stop, out)

    for proc, (stdout, stderr) in zip(fetches, results, strict=True):
        assert proc.returncode == 0, stderr
        assert_clean_stderr(stderr)
        assert "failed" not in stdout or ", 0 failed" in stdout, stdout
    assert report["errors"] == [], "the TUI's writes failed while fetching"
    times = report["times"]
    assert isinstance(times, list) and len(times) >= MIN_OPS
    during = sum(started <= t <= ended for t in times)
    assert during >= 20, f"only {during} mark writes overlapped the fetches; the test proved little"

    final = report["final"]
    assert isinstance(final, dict)
    have = _marks_in_db(db)
    lost = {k: (tuple(v), have.get(int(k))) for k, v in final.items() if have.get(int(k)) != tuple(v)}
    assert lost == {}, f"{len(lost)} of {len(final)} marks lost: {dict(list(lost.items())[:5])}"
    # And no fetch update was lost either: every feed holds the current generation's items.
    with Store.open(db) as store:
        titles = {h.title for h in store.headlines(limit=100_000)}
    first = farm.first_item()
    for i in range(farm.feeds):
        for j in range(first, first + farm.items):
            assert f"Feed {i} item {j} gen {farm.generation}" in titles


def _hold_the_lock(
    http_server: LoopbackServer, farm: FeedFarm, data: Path, config: Path
) -> subprocess.Popen[str]:
    """Start a fetch that stays busy (one feed answers after 2 s) and return once it holds the lock."""
    slow = http_server.url("/slow.xml")
    http_server.serve("/slow.xml", farm.body(0), latency=2.0)
    run = run_reader(data, config, "add", "--no-check", slow)
    assert run.returncode == 0, run.stderr
    proc = start_reader(data, config, "fetch", "--all", "--quiet")
    deadline = time.monotonic() + 30
    while http_server.count("/slow.xml") == 0:  # the request is out: the fetch holds the lock
        assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()
        time.sleep(0.02)
    return proc


def test_second_fetch_without_waiting_says_another_is_running(
    tmp_path: Path, http_server: LoopbackServer
) -> None:
    farm, config, data, _ = _setup(tmp_path, http_server, feeds=3, items=20)
    first = _hold_the_lock(http_server, farm, data, config)
    second = run_reader(data, config, "fetch", "--all", "--lock-timeout", "0")
    _, err = first.communicate(timeout=60)
    assert first.returncode == 0, err
    assert second.returncode == 1, (second.stdout, second.stderr)
    assert "another fetch is running" in second.stderr
    assert_clean_stderr(second.stderr)
    assert_clean_stderr(err)


def test_the_tui_poll_reports_busy_while_cron_fetches(tmp_path: Path, http_server: LoopbackServer) -> None:
    """ReaderServices.poll (what the TUI's refresh calls) while `reader fetch` holds the lock: busy, no error."""
    farm, config, data, _ = _setup(tmp_path, http_server, feeds=3, items=20)
    cron = _hold_the_lock(http_server, farm, data, config)
    services = ReaderServices(
        resolve_locations(str(config), str(data), {}), load_config(config, must_exist=True)
    )
    summary = services.poll(None, lambda done, total, new: None)
    _, err = cron.communicate(timeout=60)
    assert summary.busy and summary.failures == ()
    assert cron.returncode == 0
    assert_clean_stderr(err)


@pytest.mark.slow
async def test_real_tui_marks_during_a_cron_fetch(tmp_path: Path, http_server: LoopbackServer) -> None:
    """The real app (make_app over ReaderServices) toggling read/saved with keys while `reader fetch` runs."""
    from reader.ui.app import make_app
    from reader.ui.settings import UISettings

    farm, config, data, db = _setup(tmp_path, http_server, feeds=10, items=60)
    farm.bump()
    http_server.serve("/slow.xml", farm.body(0), latency=1.5)  # keeps the fetch busy while we type
    assert run_reader(data, config, "add", "--no-check", http_server.url("/slow.xml")).returncode == 0
    services = ReaderServices(
        resolve_locations(str(config), str(data), {}), load_config(config, must_exist=True)
    )
    app = make_app(
        services, UISettings(refresh_on_start=False, auto_refresh=None, state_path=tmp_path / "state.json")
    )
    expected: dict[int, tuple[bool, bool]] = {}
    during = 0
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.pause()
        headlines = app.screen.query_one("HeadlineList")
        cron = start_reader(data, config, "fetch", "--all", "--lock-timeout", "60")
        for _ in range(40):
            h = headlines.highlighted  # type: ignore[attr-defined]
            assert h is not None
            read, saved = expected.get(h.id, (h.read, h.saved))
            await pilot.press("m", "s", "j")
            expected[h.id] = (not read, not saved)
            during += cron.poll() is None
        await app.workers.wait_for_complete()
        _, err = cron.communicate(timeout=60)
        errors = [n.message for n in app._notifications if n.severity == "error"]
        assert app.is_running
    assert cron.returncode == 0, err
    assert_clean_stderr(err)
    assert errors == [], errors
    assert during >= 5, f"only {during} key presses overlapped the fetch"
    print(f"{during} of 40 key rounds during the fetch, {len(expected)} items marked")
    have = _marks_in_db(db)
    lost = {i: (want, have.get(i)) for i, want in expected.items() if have.get(i) != want}
    assert lost == {}, f"{len(lost)} of {len(expected)} marks set in the TUI were lost: {lost}"
