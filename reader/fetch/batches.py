"""Where a poll's results go: the store, a batch of feeds per write transaction, from a writer thread.

SQLite does its work without the GIL, so writing from a thread (with its own connection: connections are per
thread) lets the event loop keep fetching. Results queue up while the writer is busy; it then takes them all
(up to WRITE_BATCH feeds) in one transaction, which holds the database's write lock only briefly.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Protocol, TypeVar

from reader.models import Feed, FetchOutcome

T = TypeVar("T")

# At most this many feeds' results go into one write transaction (it holds the database's write lock).
WRITE_BATCH = 50


class FetchStore(Protocol):
    """What the poller needs from the store: record a batch of results in one transaction."""

    def apply_fetches(self, results: Sequence[tuple[Feed, FetchOutcome]]) -> list[tuple[int, int]]: ...


class WriterStore(FetchStore, Protocol):
    """A store the poller opened for its writer thread (and closes when done)."""

    def close(self) -> None: ...


class BatchWriter:
    """Applies fetch results to a store: batched in a writer thread when `open_store` is given (it opens the
    thread's own store), else one by one on the caller's thread with `store`."""

    def __init__(self, store: FetchStore, open_store: Callable[[], WriterStore] | None) -> None:
        self.store = store
        self._open_store = open_store
        self._thread: ThreadPoolExecutor | None = None
        self._thread_store: WriterStore | None = None
        self._pending: list[tuple[Feed, FetchOutcome, asyncio.Future[tuple[int, int]]]] = []
        self._flushing = False
        self._flush_task: asyncio.Task[None] | None = None
        if open_store is not None:
            self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="reader-store")

    async def apply(self, feed: Feed, outcome: FetchOutcome) -> tuple[int, int]:
        """Store one feed's outcome; returns (new items, updated items)."""
        if self._thread is None:
            return self.store.apply_fetches([(feed, outcome)])[0]
        loop = asyncio.get_running_loop()
        future: asyncio.Future[tuple[int, int]] = loop.create_future()
        self._pending.append((feed, outcome, future))
        if not self._flushing:
            self._flushing = True
            self._flush_task = loop.create_task(self._flush())
        return await future

    async def in_store_thread(self, fn: Callable[[FetchStore], T]) -> T:
        """Run `fn` with the store results are written through, in its thread."""
        if self._thread is None:
            return fn(self.store)
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._thread, lambda: fn(self._store()))

    async def aclose(self) -> None:
        if self._thread is not None:
            thread, self._thread = self._thread, None
            await asyncio.get_running_loop().run_in_executor(thread, self._close_store)
            thread.shutdown()

    def _store(self) -> WriterStore:
        if self._thread_store is None:
            assert self._open_store is not None
            self._thread_store = self._open_store()
        return self._thread_store

    def _close_store(self) -> None:
        store, self._thread_store = self._thread_store, None
        if store is not None:
            store.close()

    def _apply_batch(self, batch: list[tuple[Feed, FetchOutcome]]) -> list[tuple[int, int]]:
        return list(self._store().apply_fetches(batch))

    async def _flush(self) -> None:
        loop = asyncio.get_running_loop()
        assert self._thread is not None
        try:
            while self._pending:
                batch, self._pending = self._pending[:WRITE_BATCH], self._pending[WRITE_BATCH:]
                pairs = [(f, o) for f, o, _ in batch]
                try:
                    results = await loop.run_in_executor(self._thread, self._apply_batch, pairs)
                except Exception as exc:
                    for _, _, fut in batch:
                        if not fut.done():
                            fut.set_exception(exc)
                    continue
                for (_, _, fut), result in zip(batch, results, strict=True):
                    if not fut.done():
                        fut.set_result(result)
        finally:
            self._flushing = False
