"""Marks never wait on the database: another process holding the write lock does not freeze the keys."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from uifakes import FakeServices

from reader.store.feeds import Store
from reader.ui.app import ReaderApp
from reader.ui.screens.main import MainScreen

# Another process takes the write lock and holds it until told to let go (at most 60 s: a bound against a
# hang, long enough that a loaded machine never sees it let go on its own mid-test).
LOCKER = """
import sqlite3, sys, select
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("BEGIN IMMEDIATE")
conn.execute("UPDATE feeds SET title = title")
print("locked", flush=True)
select.select([sys.stdin], [], [], 60.0)
conn.execute("COMMIT")
print("released", flush=True)
"""


@pytest.fixture
def locker(services: FakeServices) -> Iterator[subprocess.Popen[str]]:
    proc = subprocess.Popen(
        [sys.executable, "-c", LOCKER, str(services.db_path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "locked"
    yield proc
    proc.kill()
    proc.wait()


def stored_read(db: Path, item_id: int) -> bool:
    with Store.open(db) as store:  # a reader: WAL lets it read while the lock is held
        item = store.item(item_id)
    assert item is not None
    return item.read


async def test_marks_while_another_process_holds_the_write_lock_do_not_freeze_keys(
    make: Callable[..., ReaderApp], services: FakeServices, locker: subprocess.Popen[str]
) -> None:
    app = make()
    async with app.run_test(size=(140, 40)) as pilot:
        await app.workers.wait_for_complete()  # the feed counts, read at start
        screen = app.screen
        assert isinstance(screen, MainScreen)
        first = screen.headlines.highlighted
        assert first is not None and not first.read
        await pilot.press("m")  # the mark waits for the lock in the writer, not here
        await pilot.press("j", "j", "s", "k")
        # Every key was handled while the lock is still held (the locker lets go only when told): had the UI
        # waited on the lock, the keys would still be waiting, or the marks would be stored.
        assert screen.headlines.cursor == 1
        assert screen.headlines.pager.get(0) is not None and screen.headlines.pager.get(0).read  # type: ignore[union-attr]
        second = screen.headlines.pager.get(2)
        assert second is not None and second.saved
        assert "Saved" in screen.status.text
        assert locker.poll() is None
        assert stored_read(services.db_path, first.id) is False
        assert len(screen.pending) == 2  # both marks still on their way
        # n skips the item marked read but not stored yet.
        await pilot.press("k", "n")
        assert screen.open_item is not None and screen.open_item.id != first.id
        assert locker.stdin is not None and locker.stdout is not None
        locker.stdin.write("go\n")
        locker.stdin.flush()
        assert locker.stdout.readline().strip() == "released"
        assert await asyncio.to_thread(screen.writer.flush, 15)
        await pilot.pause()
        assert stored_read(services.db_path, first.id) is True
        with Store.open(services.db_path) as store:
            saved = store.item(second.id)
        assert saved is not None and saved.saved
        assert not screen.pending


async def test_marks_made_before_quit_are_stored(
    make: Callable[..., ReaderApp], services: FakeServices
) -> None:
    app = make()
    async with app.run_test(size=(140, 40)) as pilot:
        await app.workers.wait_for_complete()  # the feed counts, read at start
        screen = app.screen
        assert isinstance(screen, MainScreen)
        first = screen.headlines.highlighted
        assert first is not None and not first.read
        await pilot.press("m", "j")
        marked = screen.headlines.highlighted
        assert marked is not None
        await pilot.press("s")
        await pilot.press("q")
    assert stored_read(services.db_path, first.id) is True
    with Store.open(services.db_path) as store:
        item = store.item(marked.id)
    assert item is not None and item.saved is not marked.saved


async def test_marks_still_locked_out_at_quit_are_kept_and_stored_at_the_next_launch(
    make: Callable[..., ReaderApp],
    services: FakeServices,
    locker: subprocess.Popen[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(MainScreen, "QUIT_WAIT", 0.2)
    app = make()
    async with app.run_test(size=(140, 40)) as pilot:
        screen = app.screen
        assert isinstance(screen, MainScreen)
        first = screen.headlines.highlighted
        assert first is not None and not first.read
        await pilot.press("m")
        await pilot.press("q")
    assert (tmp_path / "pending-marks.json").exists()  # not stored, not lost
    assert stored_read(services.db_path, first.id) is False
    assert locker.stdin is not None and locker.stdout is not None
    locker.stdin.write("go\n")
    locker.stdin.flush()
    assert locker.stdout.readline().strip() == "released"
    again = make()
    async with again.run_test(size=(140, 40)) as pilot:
        screen = again.screen
        assert isinstance(screen, MainScreen)
        assert await asyncio.to_thread(screen.writer.flush, 15)
        assert stored_read(services.db_path, first.id) is True
        row = screen.headlines.pager.get(0)
        assert row is not None and row.id == first.id and row.read
    assert not (tmp_path / "pending-marks.json").exists()


async def test_a_topic_saved_while_another_process_holds_the_write_lock_does_not_freeze_keys(
    make: Callable[..., ReaderApp], services: FakeServices, locker: subprocess.Popen[str]
) -> None:
    from reader.models import ViewKind

    app = make()
    async with app.run_test(size=(140, 40)) as pilot:
        await app.workers.wait_for_complete()
        screen = app.screen
        assert isinstance(screen, MainScreen)
        await pilot.press("slash", *"privacy", "enter")
        await pilot.pause()
        await pilot.press("T", "ctrl+u", *"priv", "enter")  # the write waits for the lock in a worker
        assert screen.headlines.pager.total >= 2
        await pilot.press("j", "k", "j")  # keys are handled while the lock is still held
        assert screen.headlines.cursor == 1
        assert locker.poll() is None
        with Store.open(services.db_path) as store:
            assert store.topics() == []  # not stored yet: the other process still holds the lock
        assert locker.stdin is not None and locker.stdout is not None
        locker.stdin.write("go\n")
        locker.stdin.flush()
        assert locker.stdout.readline().strip() == "released"
        await app.workers.wait_for_complete()
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert screen.view.kind is ViewKind.TOPIC and screen.view.topic == "priv"
        assert "topic:priv" in [o.id for o in screen.feed_list._options]
    with Store.open(services.db_path) as store:
        assert [t.name for t in store.topics()] == ["priv"]
