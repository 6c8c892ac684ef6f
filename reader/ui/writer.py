"""The UI's one writer: read and saved marks go to the store on a thread of their own, in order, retried while
the database is busy, so a key press never waits on another process's write lock.

The UI updates at once (optimistically) and keeps the marks in flight in a `PendingMarks` overlay until the
writer says they landed; on quit the writer drains its queue before the app lets go of the store.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import Literal, TypeVar

from reader.errors import ReaderError
from reader.frozen import Frozen, value_type
from reader.models import Headline, Item
from reader.store.feeds import Store

Field = Literal["read", "saved"]
RETRY_SECONDS = 0.5  # between attempts when the store refused (busy_timeout already waited inside SQLite)


@value_type
class Mark(Frozen):
    """Set `field` to `value` on `ids`; `seq` orders marks so an older one never clears a newer one."""

    field: Field
    ids: tuple[int, ...]
    value: bool
    seq: int


class MarkWriter:
    """A daemon thread with its own Store that applies marks in the order they were made.

    `landed(mark)` runs on the writer thread after each commit; `failed(mark, reason)` when an attempt failed
    (the writer keeps trying: a mark is never dropped while the app runs).
    """

    def __init__(
        self,
        open_store: Callable[[], Store],
        landed: Callable[[Mark], object],
        failed: Callable[[Mark, str], object],
    ) -> None:
        self._open_store = open_store
        self._landed = landed
        self._failed = failed
        self._queue: queue.Queue[Mark | threading.Event | None] = queue.Queue()
        self._seq = 0
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="reader-mark-writer", daemon=True)
        self._started = False
        self._current: Mark | None = None  # the mark being stored right now
        self.unwritten: list[Mark] = []  # what could not be stored by the time close() gave up
        # Marks whose storing began, and that were stored: while they differ a mark is on its way into the
        # database, and a count read meanwhile may or may not include it.
        self.begun_total = 0
        self.landed_total = 0

    def submit(self, field: Field, ids: Iterable[int], value: bool) -> Mark:
        self._seq += 1
        mark = Mark(field, tuple(ids), value, self._seq)
        if not self._started:
            self._started = True
            self._thread.start()
        self._queue.put(mark)
        return mark

    def flush(self, timeout: float | None = None) -> bool:
        """Wait until every mark submitted so far was handled; False on timeout. (Tests and quitting.)"""
        if not self._started:
            return True
        done = threading.Event()
        self._queue.put(done)
        return done.wait(timeout)

    def close(self, timeout: float = 30.0) -> list[Mark]:
        """Store everything queued (waiting up to `timeout` seconds for a busy database), then stop.
        Returns the marks that could not be stored."""
        if not self._started:
            return []
        self._queue.put(None)
        self._thread.join(timeout)
        self._stopping.set()  # a writer still stuck retrying gives up after its current attempt
        if self._thread.is_alive():
            self._thread.join(1.0)
        current = self._current
        if self._thread.is_alive() and current is not None and current not in self.unwritten:
            # Still waiting on the lock: count it as not stored (storing it twice is harmless).
            self.unwritten.append(current)
        while True:
            try:
                left = self._queue.get_nowait()
            except queue.Empty:
                break
            if isinstance(left, Mark):
                self.unwritten.append(left)
        return list(self.unwritten)

    def _run(self) -> None:
        store: Store | None = None
        try:
            while True:
                mark = self._queue.get()
                if mark is None:
                    return
                if isinstance(mark, threading.Event):
                    mark.set()
                    continue
                if self._stopping.is_set():
                    self.unwritten.append(mark)
                    continue
                self._current = mark
                self.begun_total += 1
                while True:
                    try:
                        if store is None:
                            store = self._open_store()
                        _apply(store, mark)
                    except ReaderError as exc:
                        self._failed(mark, str(exc))
                        if self._stopping.wait(RETRY_SECONDS):
                            self.unwritten.append(mark)
                            break
                        continue
                    self.landed_total += 1
                    self._landed(mark)
                    break
                self._current = None
        finally:
            if store is not None:
                store.close()


def _apply(store: Store, mark: Mark) -> None:
    if mark.field == "read":
        store.set_read(mark.ids, mark.value)
    else:
        for item_id in mark.ids:
            store.set_saved(item_id, mark.value)


T = TypeVar("T", Headline, Item)


class PendingMarks:
    """Marks sent to the writer and not stored yet, laid over whatever the UI reads from the store meanwhile."""

    def __init__(self) -> None:
        self._read: dict[int, tuple[int, bool]] = {}
        self._saved: dict[int, tuple[int, bool]] = {}

    def __len__(self) -> int:
        return len(self._read) + len(self._saved)

    def add(self, mark: Mark) -> None:
        table = self._read if mark.field == "read" else self._saved
        for item_id in mark.ids:
            table[item_id] = (mark.seq, mark.value)

    def landed(self, mark: Mark) -> None:
        table = self._read if mark.field == "read" else self._saved
        for item_id in mark.ids:
            if table.get(item_id, (0, False))[0] == mark.seq:
                del table[item_id]

    def reads(self) -> dict[int, bool]:
        return {item_id: value for item_id, (_, value) in self._read.items()}

    def saves(self) -> dict[int, bool]:
        return {item_id: value for item_id, (_, value) in self._saved.items()}

    def read(self, item_id: int) -> bool | None:
        entry = self._read.get(item_id)
        return entry[1] if entry else None

    def apply(self, row: T) -> T:
        """`row` (a headline or an item read from the store) with the marks still in flight."""
        read = self._read.get(row.id)
        saved = self._saved.get(row.id)
        if read is None and saved is None:
            return row
        return replace(
            row,
            read=row.read if read is None else read[1],
            saved=row.saved if saved is None else saved[1],
        )
