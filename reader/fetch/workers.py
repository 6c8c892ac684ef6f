"""The parse workers: processes that turn feed bodies into ParsedFeeds, started only when a body needs parsing.

Feed parsing is CPU work that holds the GIL (feedparser, our item pass), so it runs in worker processes and the
event loop keeps fetching meanwhile (and a UI in this process never stalls behind it).

How they start:
- fork, when this process runs a single thread (`reader fetch`): the workers are copies of this process with
  the parser already imported, ready within milliseconds, before the first request is sent (so no connection
  is inherited);
- a fork server otherwise (the TUI runs threads, and forking a process that has threads is unsafe): a fresh
  interpreter that imports the parser once and forks the workers from itself.
Either way each worker dies with the process that started it (SIGKILL included), and has a memory cap.

A parse that takes longer than its time limit costs that feed an error and its worker (replaced), never the poll.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import os
import sys
import threading
import time
import weakref
from collections.abc import Mapping
from concurrent.futures import Executor
from datetime import datetime

from reader.errors import ParseError
from reader.models import ParsedFeed
from reader.startmode import BATCH_YOUNG

WORKER_MEMORY_LIMIT = 1536 * 2**20  # address space of a parse worker: a runaway parse fails, the box survives


class ParseWorkers:
    """A pool of parse processes (or, with `workers=0`, parsing in a thread of this process)."""

    def __init__(self, workers: int | None) -> None:
        self.workers = _default_workers() if workers is None else workers
        self.pool: Executor | None = None
        self._killed: weakref.WeakSet[Executor] = weakref.WeakSet()
        self._starting: asyncio.Future[Executor | None] | None = None

    def start(self) -> None:
        """Start the workers now, if they do not run yet (call it from the event loop's thread).

        In a single-threaded process they are forked at once; otherwise the fork server starts in a thread,
        since starting it blocks until the server has imported the parser, and the event loop has requests
        to send meanwhile."""
        if self.pool is not None or self.workers <= 0:
            return
        if _fork_is_safe():
            self._get_pool()
            return
        if self._starting is None or self._starting.done():
            self._starting = asyncio.ensure_future(asyncio.to_thread(self._get_pool))

    def executor(self) -> Executor | None:
        """The worker processes (None when parsing runs in threads), started if need be. Blocking: call it
        from a thread or after a poll. Page extraction (full text) runs there too."""
        return self._get_pool()

    async def parse(
        self,
        body: bytes,
        url: str,
        headers: Mapping[str, str],
        now: datetime,
        *,
        timeout: float,
        stories: bool = True,
    ) -> ParsedFeed:
        """Parse one body; ParseError when it cannot be parsed, or not within `timeout` seconds. `stories`:
        make what story grouping compares (see `parse_feed`)."""
        from concurrent.futures.process import BrokenProcessPool

        loop = asyncio.get_running_loop()
        plain_headers = dict(headers)
        self.start()
        if self._starting is not None and self.pool is None:
            await asyncio.shield(self._starting)
        for _attempt in range(2):
            pool = self._get_pool()
            if pool is None:
                return await asyncio.to_thread(_parse_job, body, url, plain_headers, now, stories)
            try:
                async with asyncio.timeout(timeout):
                    return await loop.run_in_executor(
                        pool, _parse_job, body, url, plain_headers, now, stories
                    )
            except TimeoutError:
                # Tag soup can cost feedparser's loose parser seconds per MB: stop that worker, not the poll.
                self._replace(pool, killed=True)
                raise ParseError(f"parsing took longer than {timeout:g} s") from None
            except BrokenProcessPool:
                if pool in self._killed:
                    continue  # we stopped that pool for another feed's sake: try again on a fresh one
                # A worker died (killed, out of memory): replace the pool; this feed gets the blame.
                self._replace(pool, killed=False)
                raise ParseError("the parser crashed on this feed (out of memory?)") from None
        raise ParseError("the parser could not be started")

    async def aclose(self) -> None:
        if self._starting is not None:
            with contextlib.suppress(Exception):
                await self._starting
        if self.pool is not None:
            pool, self.pool = self.pool, None
            await asyncio.get_running_loop().run_in_executor(None, pool.shutdown)

    def _get_pool(self) -> Executor | None:
        if self.workers <= 0:
            return None
        if self.pool is None:
            import multiprocessing  # with concurrent.futures.process: only when a body needs parsing
            from concurrent.futures import ProcessPoolExecutor
            from multiprocessing.context import BaseContext

            ctx: BaseContext

            if _fork_is_safe():
                import reader.feeds.parse  # noqa: F401  (imported once here, inherited by every worker)

                # (multiprocessing flushes stdout and stderr before it forks: a worker never writes out a
                # copy of our buffered output.)
                ctx = multiprocessing.get_context("fork")
            else:
                start_resource_tracker()
                # The fork server preloads the parser once (not the extractor: that would delay the first
                # parse; a worker imports it with its first page).
                ctx = multiprocessing.get_context("forkserver")
                ctx.set_forkserver_preload(["reader.feeds.parse"])
            self.pool = ProcessPoolExecutor(
                max_workers=self.workers, mp_context=ctx, initializer=_worker_init, initargs=(os.getpid(),)
            )
            # Processes start with the first job, not with the executor: start them now, while the first
            # requests are in flight, rather than when the first body arrives.
            self.pool.submit(_warm_up)
        return self.pool

    def _replace(self, pool: Executor, *, killed: bool) -> None:
        if self.pool is not pool:
            return
        self.pool = None
        if killed:
            self._killed.add(pool)
            # ProcessPoolExecutor cannot cancel a running job; end its processes so the CPU comes back.
            for process in list(getattr(pool, "_processes", {}).values()):
                with contextlib.suppress(Exception):
                    process.terminate()
        pool.shutdown(wait=False, cancel_futures=True)


def _default_workers() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def _fork_is_safe() -> bool:
    """Forking copies only the calling thread: safe while this process runs no other thread."""
    return hasattr(os, "fork") and threading.active_count() == 1 and sys.platform != "darwin"


def start_resource_tracker() -> None:
    """Start multiprocessing's resource tracker with a real stderr to hand on.

    The tracker passes `sys.stderr.fileno()` to its process; under Textual, stderr is a capture object with
    no real descriptor and starting the parse pool from a worker failed ("bad value(s) in fds_to_keep").
    So, if needed, the process's original stderr (or /dev/null) stands in while the tracker starts.
    """
    from multiprocessing import resource_tracker

    try:
        usable = sys.stderr is not None and sys.stderr.fileno() >= 0
    except Exception:  # io.UnsupportedOperation, ValueError on a closed stream, anything odd
        usable = False
    if usable:
        resource_tracker.ensure_running()
        return
    original = sys.__stderr__
    try:
        original_ok = original is not None and original.fileno() >= 0
    except Exception:
        original_ok = False
    with contextlib.ExitStack() as stack:
        stand_in = original if original_ok else stack.enter_context(open(os.devnull, "w"))
        stack.enter_context(contextlib.redirect_stderr(stand_in))
        resource_tracker.ensure_running()


def _warm_up() -> None:
    """A job that does nothing: submitting it makes the pool start its worker processes."""


def _worker_init(parent_pid: int) -> None:
    _forget_parent_signals()
    _die_with(parent_pid)
    # A parse makes a document's objects and drops them: young collections every 100,000 allocations (as
    # `reader fetch`'s poll has them, reader/startmode.py), and the preloaded modules never scanned again.
    gc.freeze()
    gc.set_threshold(BATCH_YOUNG, *gc.get_threshold()[1:])
    try:
        import resource

        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        limit = WORKER_MEMORY_LIMIT if hard == resource.RLIM_INFINITY else min(hard, WORKER_MEMORY_LIMIT)
        if soft == resource.RLIM_INFINITY or soft > limit:
            resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    except (ImportError, ValueError, OSError):
        pass


def _forget_parent_signals() -> None:
    """A forked worker inherits the event loop's signal set-up: a SIGTERM sent to the worker (when a parse
    overruns) would be written to the parent's wake-up pipe and stop the parent's fetch. SIGTERM and SIGHUP
    go back to their defaults; Ctrl-C is the parent's to handle (it stops the pool; a worker dies with it)."""
    import signal

    with contextlib.suppress(ValueError, OSError):
        signal.set_wakeup_fd(-1)
    for sig, action in (
        (signal.SIGTERM, signal.SIG_DFL),
        (signal.SIGHUP, signal.SIG_DFL),
        (signal.SIGINT, signal.SIG_IGN),
    ):
        with contextlib.suppress(ValueError, OSError):
            signal.signal(sig, action)


def _die_with(parent_pid: int) -> None:
    """End this worker when the process that started the pool dies, however it dies (SIGKILL included).

    A worker blocks on its job queue, whose write end it holds itself, so it never sees its parent go; and
    it holds the fork server's "alive" pipe, so the fork server (and through it the resource tracker) stays
    too: all of them kept the caller's stdout open and `reader fetch | cat` never ended. A daemon thread
    waits on a pidfd of the parent (or, without pidfds, checks on it every second) and exits the process.
    """
    try:
        pidfd: int | None = os.pidfd_open(parent_pid)
    except ProcessLookupError:
        os._exit(1)
    except (AttributeError, OSError):  # no pidfd_open (old kernel, not Linux): poll instead
        pidfd = None

    def watch() -> None:
        if pidfd is not None:
            import select

            select.select([pidfd], [], [])
        else:
            while True:
                try:
                    os.kill(parent_pid, 0)
                except ProcessLookupError:
                    break
                except PermissionError:
                    pass
                time.sleep(1.0)
        os._exit(1)

    threading.Thread(target=watch, name="reader-parent-watch", daemon=True).start()


def _parse_job(
    body: bytes, url: str, headers: dict[str, str], now: datetime, stories: bool = True
) -> ParsedFeed:
    from reader.feeds.parse import parse_feed  # feedparser and lxml: only where a body is parsed

    try:
        return parse_feed(body, url, headers, now=now, stories=stories)
    except MemoryError:
        raise ParseError("the feed needs too much memory to parse") from None
