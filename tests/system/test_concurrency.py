"""Two places at once: the TUI marking items while `reader fetch` runs from cron, and two fetches together.

All real processes against one SQLite file and feeds on the loopback server. No "database is locked" may reach
the user, no update may be lost, and read/saved marks set during a fetch must survive it.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
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
from httpserver import LoopbackServer, RequestRecord, Route

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
) -> tuple[subprocess.Popen[str], threading.Event]:
    """Start a fetch that stays busy (one feed answers only once the returned event is set) and return once it
    holds the lock."""
    asked, release = threading.Event(), threading.Event()

    def slow(_: RequestRecord) -> Route:
        asked.set()
        release.wait(60)  # set by the test; the bound only stops a hang
        return Route(body=farm.body(0))

    http_server.route("/slow.xml", slow)
    write_config(config, [*farm.urls(), http_server.url("/slow.xml")])
    proc = start_reader(data, config, "fetch", "--all", "--quiet")
    if not asked.wait(60):  # the request is out: the fetch holds the lock
        release.set()
        raise AssertionError(f"the fetch never asked for the slow feed: {proc.communicate()}")
    return proc, release


def test_second_fetch_without_waiting_says_another_is_running(
    tmp_path: Path, http_server: LoopbackServer
) -> None:
    farm, config, data, _ = _setup(tmp_path, http_server, feeds=3, items=20)
    first, release = _hold_the_lock(http_server, farm, data, config)
    try:
        second = run_reader(data, config, "fetch", "--all", "--lock-timeout", "0")
    finally:
        release.set()
    _, err = first.communicate(timeout=60)
    assert first.returncode == 0, err
    assert second.returncode == 1, (second.stdout, second.stderr)
    assert "another fetch is running" in second.stderr
    assert_clean_stderr(second.stderr)
    assert_clean_stderr(err)


def test_the_tui_poll_reports_busy_while_cron_fetches(tmp_path: Path, http_server: LoopbackServer) -> None:
    """ReaderServices.poll (what the TUI's refresh calls) while `reader fetch` holds the lock: busy, no error."""
    farm, config, data, _ = _setup(tmp_path, http_server, feeds=3, items=20)
    cron, release = _hold_the_lock(http_server, farm, data, config)
    try:
        services = ReaderServices(
            resolve_locations(str(config), str(data), {}), load_config(config, must_exist=True)
        )
        summary = services.poll(None, lambda done, total, new: None)
    finally:
        release.set()
    _, err = cron.communicate(timeout=60)
    assert summary.busy and summary.failures == ()
    assert cron.returncode == 0
    assert_clean_stderr(err)


GATED = 4  # feeds whose answers the test releases one by one while it types


def _gated_feeds(server: LoopbackServer, farm: FeedFarm) -> list[threading.Event]:
    """GATED more feeds, each answering only when the test sets its event: the fetch stays running (and stores
    a feed each time one is let through) for as long as the test types, however slow the machine is."""
    gates = [threading.Event() for _ in range(GATED)]

    def handler(k: int, gate: threading.Event):  # type: ignore[no-untyped-def]
        def handle(_: RequestRecord) -> Route:
            gate.wait(120)  # released by the test (and in its `finally`); the bound only stops a hang
            return Route(body=farm.body(k).replace(b"Feed ", b"Gated feed "))

        return handle

    for k, gate in enumerate(gates):
        server.route(f"/gated/{k}.xml", handler(k, gate))
    return gates


@pytest.mark.slow
async def test_real_tui_marks_during_a_cron_fetch(tmp_path: Path, http_server: LoopbackServer) -> None:
    """The real app (make_app over ReaderServices) toggling read/saved with keys while `reader fetch` runs."""
    from reader.ui.app import make_app
    from reader.ui.settings import UISettings

    farm, config, data, db = _setup(tmp_path, http_server, feeds=10, items=60)
    farm.bump()
    gates = _gated_feeds(http_server, farm)
    # The fetch's deadline per feed must outlast the typing (the gates hold the answers, not the machine).
    write_config(
        config, farm.urls() + [http_server.url(f"/gated/{k}.xml") for k in range(GATED)], deadline=300
    )
    services = ReaderServices(
        resolve_locations(str(config), str(data), {}), load_config(config, must_exist=True)
    )
    app = make_app(
        services, UISettings(refresh_on_start=False, auto_refresh=None, state_path=tmp_path / "state.json")
    )
    expected: dict[int, tuple[bool, bool]] = {}
    during = 0
    step = 5  # gate k opens in key round step * (k + 1)
    rounds = step * (GATED + 1)
    try:
        async with app.run_test(size=(140, 40)) as pilot:
            await pilot.pause()
            headlines = app.screen.query_one("HeadlineList")
            cron = start_reader(data, config, "fetch", "--all", "--lock-timeout", "60")
            for n in range(rounds):
                if n % step == 0 and 0 < n // step <= GATED:
                    gates[n // step - 1].set()  # the fetch stores one more feed while the keys go on
                h = headlines.highlighted  # type: ignore[attr-defined]
                assert h is not None
                read, saved = expected.get(h.id, (h.read, h.saved))
                await pilot.press("m", "s", "j")
                expected[h.id] = (not read, not saved)
                during += cron.poll() is None
            for gate in gates:
                gate.set()
            await app.workers.wait_for_complete()
            out, err = cron.communicate(timeout=120)
            errors = [n.message for n in app._notifications if n.severity == "error"]
            assert app.is_running
    finally:
        for gate in gates:
            gate.set()
    assert cron.returncode == 0, err
    assert_clean_stderr(err)
    assert "failed" not in out or ", 0 failed" in out, out
    assert errors == [], errors
    # The last gate opens in round step * GATED: until then the fetch cannot have finished.
    assert during >= step * GATED, f"only {during} of {rounds} key rounds overlapped the fetch"
    print(f"{during} of {rounds} key rounds during the fetch, {len(expected)} items marked")
    have = _marks_in_db(db)
    lost = {i: (want, have.get(i)) for i, want in expected.items() if have.get(i) != want}
    assert lost == {}, f"{len(lost)} of {len(expected)} marks set in the TUI were lost: {lost}"
    with Store.open(db) as store:  # and the gated feeds, stored while the keys were pressed, are all there
        titles = {h.title for h in store.headlines(limit=100_000)}
    assert all(
        f"Gated feed {k} item {farm.first_item()} gen {farm.generation}" in titles for k in range(GATED)
    )
