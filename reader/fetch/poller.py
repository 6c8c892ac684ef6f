"""The poll orchestrator: fetch feeds politely, parse them off the event loop, record each outcome in the store.

For every feed, concurrently (limits live in the PoliteClient):

    fetch (conditional GET, or read a local file; one total deadline for all of the feed's requests)
      -> 304?                      record "not modified", refresh validators (an error if we sent none)
      -> a web page?               autodiscover its feed link, fetch that (it becomes the feed's URL;
                                   the page's URL stays the subscription's name for it)
      -> body hash unchanged?      record "not modified" without parsing
      -> parse in a worker process (ParseError -> an error for that feed)
      -> schedule the next poll (reader.fetch.schedule) -> store.apply_fetches (a batch per transaction)

Any exception while handling one feed becomes a one-line error on that feed; the others carry on.
A poll where every feed answers 304 imports no parser and starts no worker process.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import sys
import time
import weakref
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Protocol, TypeVar

from reader.errors import FetchError, ParseError
from reader.feeds.discover import discover_feeds, looks_like_html
from reader.fetch.client import Budget, HttpResult, HttpStatusError, PoliteClient, local_path, read_local
from reader.fetch.schedule import Due, next_due
from reader.fetch.settings import ClientSettings
from reader.models import Feed, FetchOutcome, ParsedFeed
from reader.textsafe import clean_text

T = TypeVar("T")

WORKER_MEMORY_LIMIT = 1536 * 2**20  # address space of a parse worker: a runaway parse fails, the box survives


# At most this many feeds' results go into one write transaction (it holds the database's write lock).
WRITE_BATCH = 50


class FetchStore(Protocol):
    """What the poller needs from the store: record a batch of results in one transaction."""

    def apply_fetches(self, results: Sequence[tuple[Feed, FetchOutcome]]) -> list[tuple[int, int]]: ...


class WriterStore(FetchStore, Protocol):
    """A store the poller opened for its writer thread (and closes when done)."""

    def close(self) -> None: ...


@dataclass(frozen=True)
class PollSettings:
    client: ClientSettings = field(default_factory=ClientSettings)
    default_interval: int = 1800  # seconds, when a feed has no poll_interval of its own
    parse_workers: int | None = None  # processes; None = one per core; 0 = parse in a thread of this process
    parse_timeout: float = 30.0  # seconds one document may take to parse before it counts as an error
    max_in_flight: int | None = None  # feeds fetched but not yet stored; None = 2 x max_connections


@dataclass(frozen=True)
class PollProgress:
    done: int
    total: int
    new_items: int  # so far in this poll, all feeds
    feed_url: str
    error: str | None


@dataclass(frozen=True)
class PollReport:
    outcomes: tuple[FetchOutcome, ...]  # one per feed, in the order given; `parsed` dropped to save memory
    new_items: int
    updated_items: int
    failures: tuple[tuple[str, str, str], ...]  # (url, title, reason)
    elapsed: float
    requests: int
    conditional_requests: int
    not_modified: int


def utcnow() -> datetime:
    return datetime.now(UTC)


class Poller:
    """Polls feeds into a store. Reuse one across polls to keep the connection pool and parse workers warm."""

    def __init__(
        self,
        store: FetchStore,
        settings: PollSettings | None = None,
        *,
        clock: Callable[[], datetime] = utcnow,
        writer_store: Callable[[], WriterStore] | None = None,
    ) -> None:
        """`writer_store` opens a store for a writer thread: SQLite does its work without the GIL, so writing
        from a thread (with its own connection: connections are per thread) lets the event loop keep
        fetching. Without it, results are written to `store` on the event loop's thread."""
        self.store = store
        self.settings = settings or PollSettings()
        self.clock = clock
        self.client = PoliteClient(self.settings.client)
        self._pool: Executor | None = None
        self._killed_pools: weakref.WeakSet[Executor] = weakref.WeakSet()
        self._pool_starting: asyncio.Future[Executor | None] | None = None
        self._open_writer_store = writer_store
        self._writer: ThreadPoolExecutor | None = None
        self._writer_store: WriterStore | None = None
        self._pending: list[tuple[Feed, FetchOutcome, asyncio.Future[tuple[int, int]]]] = []
        self._flushing = False
        self._flush_task: asyncio.Task[None] | None = None
        if writer_store is not None:
            self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="reader-store")

    async def aclose(self) -> None:
        loop = asyncio.get_running_loop()
        await self.client.aclose()
        if self._writer is not None:
            writer, self._writer = self._writer, None
            await loop.run_in_executor(writer, self._close_writer_store)
            writer.shutdown()
        if self._pool_starting is not None:
            with contextlib.suppress(Exception):
                await self._pool_starting
        if self._pool is not None:
            pool, self._pool = self._pool, None
            await loop.run_in_executor(None, pool.shutdown)

    def _close_writer_store(self) -> None:
        store, self._writer_store = self._writer_store, None
        if store is not None:
            store.close()

    def _store_for_writer(self) -> WriterStore:
        if self._writer_store is None:
            assert self._open_writer_store is not None
            self._writer_store = self._open_writer_store()
        return self._writer_store

    async def in_store_thread(self, fn: Callable[[FetchStore], T]) -> T:
        """Run `fn` with the store this poller writes through, in its thread (what a poll stored is warm there:
        the story pass after a poll runs here)."""
        if self._writer is None:
            return fn(self.store)
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._writer, lambda: fn(self._store_for_writer()))

    def _apply_batch(self, batch: list[tuple[Feed, FetchOutcome]]) -> list[tuple[int, int]]:
        return list(self._store_for_writer().apply_fetches(batch))

    async def _apply(self, feed: Feed, outcome: FetchOutcome) -> tuple[int, int]:
        if self._writer is None:
            return self.store.apply_fetches([(feed, outcome)])[0]
        # Results queue up while the writer thread is busy; it then takes them all in one transaction.
        loop = asyncio.get_running_loop()
        future: asyncio.Future[tuple[int, int]] = loop.create_future()
        self._pending.append((feed, outcome, future))
        if not self._flushing:
            self._flushing = True
            self._flush_task = loop.create_task(self._flush())
        return await future

    async def _flush(self) -> None:
        loop = asyncio.get_running_loop()
        assert self._writer is not None
        try:
            while self._pending:
                batch, self._pending = self._pending[:WRITE_BATCH], self._pending[WRITE_BATCH:]
                pairs = [(f, o) for f, o, _ in batch]
                try:
                    results = await loop.run_in_executor(self._writer, self._apply_batch, pairs)
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

    async def poll(
        self, feeds: Sequence[Feed], progress: Callable[[PollProgress], None] | None = None
    ) -> PollReport:
        started = time.monotonic()
        stats0 = (
            self.client.stats.requests,
            self.client.stats.conditional_requests,
            self.client.stats.not_modified,
        )
        outcomes: list[FetchOutcome | None] = [None] * len(feeds)
        done = new_total = 0
        # Bounds memory: a body and its parsed items live from fetch to store; when parsing or the store is
        # the slower stage, fetching waits instead of piling up thousands of documents.
        in_flight = asyncio.Semaphore(self.settings.max_in_flight or 2 * self.settings.client.max_connections)

        async def one(i: int, feed: Feed) -> None:
            nonlocal done, new_total
            async with in_flight:
                outcome = await self._poll_one(feed)
            outcomes[i] = outcome
            done += 1
            new_total += outcome.new_items
            if progress is not None:
                try:
                    progress(PollProgress(done, len(feeds), new_total, feed.url, outcome.error))
                except Exception:  # a broken progress display must not stop the poll
                    pass

        if any(_first_fetch(f) for f in feeds):
            self._start_workers()  # a body to parse is certain: start them while the requests are in flight
        async with asyncio.TaskGroup() as tg:
            for i, feed in enumerate(feeds):
                tg.create_task(one(i, feed))
        final = tuple(o for o in outcomes if o is not None)
        s = self.client.stats
        return PollReport(
            outcomes=final,
            new_items=sum(o.new_items for o in final),
            updated_items=sum(o.updated_items for o in final),
            failures=tuple(
                (f.url, f.display_title, o.error)
                for f, o in zip(feeds, final, strict=True)
                if o.error is not None
            ),
            elapsed=time.monotonic() - started,
            requests=s.requests - stats0[0],
            conditional_requests=s.conditional_requests - stats0[1],
            not_modified=s.not_modified - stats0[2],
        )

    # ------------------------------------------------------------------ one feed

    async def _poll_one(self, feed: Feed) -> FetchOutcome:
        now = self.clock()
        try:
            outcome = await self._fetch(feed, now)
        except Exception as exc:  # a bug or an odd library exception must cost one feed, not the poll
            outcome = self._failure(feed, now, None, f"internal error: {type(exc).__name__}: {exc}")
        try:
            new, updated = await self._apply(feed, outcome)
        except Exception as exc:
            reason = clean_text(f"could not store the result: {exc}", 300)
            return replace(outcome, parsed=None, error=outcome.error or reason)
        return replace(outcome, parsed=None, new_items=new, updated_items=updated)

    async def _fetch(self, feed: Feed, now: datetime) -> FetchOutcome:
        path = local_path(feed.url)
        if path is not None:
            try:
                body = await asyncio.to_thread(read_local, path, self.settings.client.max_body_bytes)
            except FetchError as exc:
                return self._failure(feed, now, None, str(exc))
            return await self._parsed(feed, now, HttpResult(feed.url, feed.url, 200, {}, body))
        # One total deadline for the feed: every hop, and the feed a web page links to.
        budget = Budget(self.settings.client.deadline)
        try:
            result = await self.client.get(
                feed.url, etag=feed.etag, last_modified=feed.last_modified, budget=budget
            )
        except HttpStatusError as exc:
            return self._failure(feed, now, exc.status, str(exc), exc.headers)
        except FetchError as exc:
            return self._failure(feed, now, None, str(exc))
        if result.status == 304 and not result.conditional:
            # "Not modified" since what? We sent no validators: a broken server (or cache). Nothing changes.
            return self._failure(
                feed, now, 304, "HTTP 304 Not Modified to a request without validators (a broken server)"
            )
        if result.status == 304:
            due = self._schedule(feed, now, 304, feed.ttl_minutes, result.headers)
            return FetchOutcome(
                feed_url=feed.url,
                status=304,
                new_url=result.permanent_redirect,
                # Refresh the validators from the 304 when it carries them; keep ours otherwise.
                etag=result.headers.get("etag") or feed.etag,
                last_modified=result.headers.get("last-modified") or feed.last_modified,
                body_hash=feed.body_hash,
                not_modified=True,
                fetched_at=now,
                next_due=due.at,
                due_reason=due.reason,
            )
        if looks_like_html(result.body, result.headers):
            return await self._discover(feed, now, result, budget)
        return await self._parsed(feed, now, result)

    async def _discover(self, feed: Feed, now: datetime, page: HttpResult, budget: Budget) -> FetchOutcome:
        links = [u for u in discover_feeds(page.body, page.final_url) if u not in (feed.url, page.final_url)]
        if not links:
            return self._failure(feed, now, page.status, "a web page, not a feed, and it links to no feed")
        try:
            result = await self.client.get(links[0], budget=budget)
        except FetchError as exc:
            status = exc.status if isinstance(exc, HttpStatusError) else None
            return self._failure(feed, now, status, f"feed found at {clean_text(links[0], 200)}: {exc}")
        if result.status != 200 or looks_like_html(result.body, result.headers):
            return self._failure(feed, now, result.status, f"the page's feed link {links[0]} is not a feed")
        moved = replace(result, permanent_redirect=result.permanent_redirect or links[0])
        return await self._parsed(feed, now, moved)

    async def _parsed(self, feed: Feed, now: datetime, result: HttpResult) -> FetchOutcome:
        body_hash = hashlib.blake2b(result.body, digest_size=16).hexdigest()
        new_url = result.permanent_redirect
        etag = result.headers.get("etag")
        last_modified = result.headers.get("last-modified")
        if body_hash == feed.body_hash and feed.last_error is None and not new_url:
            # The same bytes as last time: nothing to parse, nothing to store.
            from reader.feeds.parse import sniff_ttl

            ttl = sniff_ttl(result.body)
            due = self._schedule(feed, now, result.status, ttl, result.headers)
            return FetchOutcome(
                ttl_minutes=ttl,
                feed_url=feed.url,
                status=result.status,
                etag=etag,
                last_modified=last_modified,
                body_hash=body_hash,
                not_modified=True,
                fetched_at=now,
                next_due=due.at,
                due_reason=due.reason,
            )
        try:
            parsed = await self._parse(result.body, result.final_url, result.headers, now)
        except ParseError as exc:
            return self._failure(feed, now, result.status, str(exc), result.headers, new_url=new_url)
        due = self._schedule(feed, now, result.status, parsed.ttl_minutes, result.headers)
        return FetchOutcome(
            feed_url=feed.url,
            status=result.status,
            new_url=new_url,
            etag=etag,
            last_modified=last_modified,
            body_hash=body_hash,
            parsed=parsed,
            fetched_at=now,
            warnings=(parsed.warning,) if parsed.warning else (),
            next_due=due.at,
            due_reason=due.reason,
            ttl_minutes=parsed.ttl_minutes,
        )

    def _failure(
        self,
        feed: Feed,
        now: datetime,
        status: int | None,
        reason: str,
        headers: Mapping[str, str] | None = None,
        *,
        new_url: str | None = None,
    ) -> FetchOutcome:
        failures = feed.failures + 1
        due = next_due(
            now,
            interval=feed.poll_interval or self.settings.default_interval,
            status=status,
            error=True,
            failures=failures,
            headers=headers,
        )
        return FetchOutcome(
            feed_url=feed.url,
            status=status,
            error=clean_text(reason, 300) or "unknown error",
            new_url=new_url,
            etag=feed.etag,
            last_modified=feed.last_modified,
            fetched_at=now,
            next_due=due.at,
            due_reason=due.reason,
        )

    def _schedule(
        self, feed: Feed, now: datetime, status: int, ttl: int | None, headers: Mapping[str, str]
    ) -> Due:
        return next_due(
            now,
            interval=feed.poll_interval or self.settings.default_interval,
            status=status,
            error=False,
            failures=0,
            headers=headers,
            ttl_minutes=ttl,
        )

    # ------------------------------------------------------------------ parsing

    def worker_pool(self) -> Executor | None:
        """The worker processes (None when parsing runs in threads): CPU work that could hold the GIL for long
        (feed parsing, page extraction) runs there, so a UI in this process never stalls behind it.
        Starts them if no body of the poll needed parsing (blocking: call it from a thread or after a poll)."""
        return self._parse_pool()

    def _start_workers(self) -> bool:
        """Start the parse workers unless they run (or parsing stays in this process); True while starting.

        They start with the first body that needs parsing (a poll where everything answers 304 starts none),
        or with a poll that includes a feed never fetched before. From a thread: starting them blocks until
        the fork server has imported the parser, and the event loop has requests to send meanwhile.
        """
        if self._pool is not None or not self._wants_workers():
            return False
        if self._pool_starting is None or self._pool_starting.done():
            self._pool_starting = asyncio.ensure_future(asyncio.to_thread(self._parse_pool))
        return True

    def _workers(self) -> int:
        workers = self.settings.parse_workers
        if workers is None:
            workers = (
                len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
            )
        return workers

    def _wants_workers(self) -> bool:
        return self._workers() > 0

    def _parse_pool(self) -> Executor | None:
        workers = self._workers()
        if workers <= 0:
            return None
        if self._pool is None:
            start_resource_tracker()
            # forkserver: forking a process that has threads (Textual, the store's) is unsafe, and spawn
            # re-imports everything per worker; the server preloads the parser once (not the extractor:
            # that would delay the first parse; a worker imports it with its first page).
            import multiprocessing  # with concurrent.futures.process: only when a body needs parsing
            from concurrent.futures import ProcessPoolExecutor

            ctx = multiprocessing.get_context("forkserver")
            ctx.set_forkserver_preload(["reader.feeds.parse"])
            self._pool = ProcessPoolExecutor(
                max_workers=workers, mp_context=ctx, initializer=_worker_init, initargs=(os.getpid(),)
            )
            # Processes start with the first job, not with the executor: start them now, while the first
            # requests are in flight, rather than when the first body arrives.
            self._pool.submit(_warm_up)
        return self._pool

    async def _parse(self, body: bytes, url: str, headers: Mapping[str, str], now: datetime) -> ParsedFeed:
        from concurrent.futures.process import BrokenProcessPool

        loop = asyncio.get_running_loop()
        headers = dict(headers)
        if self._start_workers():
            assert self._pool_starting is not None
            await asyncio.shield(self._pool_starting)
        for _attempt in range(2):
            pool = self._parse_pool()
            if pool is None:
                return await asyncio.to_thread(_parse_job, body, url, headers, now)
            try:
                async with asyncio.timeout(self.settings.parse_timeout):
                    return await loop.run_in_executor(pool, _parse_job, body, url, headers, now)
            except TimeoutError:
                # Tag soup can cost feedparser's loose parser seconds per MB: stop that worker, not the poll.
                self._replace_pool(pool, killed=True)
                raise ParseError(f"parsing took longer than {self.settings.parse_timeout:g} s") from None
            except BrokenProcessPool:
                if pool in self._killed_pools:
                    continue  # we stopped that pool for another feed's sake: try again on a fresh one
                # A worker died (killed, out of memory): replace the pool; this feed gets the blame.
                self._replace_pool(pool, killed=False)
                raise ParseError("the parser crashed on this feed (out of memory?)") from None
        raise ParseError("the parser could not be started")

    def _replace_pool(self, pool: Executor, *, killed: bool) -> None:
        if self._pool is not pool:
            return
        self._pool = None
        if killed:
            self._killed_pools.add(pool)
            # ProcessPoolExecutor cannot cancel a running job; end its processes so the CPU comes back.
            for process in list(getattr(pool, "_processes", {}).values()):
                with contextlib.suppress(Exception):
                    process.terminate()
        pool.shutdown(wait=False, cancel_futures=True)


def _first_fetch(feed: Feed) -> bool:
    """Never fetched successfully over HTTP: its body will certainly need parsing."""
    return (
        feed.body_hash is None
        and feed.etag is None
        and feed.last_modified is None
        and local_path(feed.url) is None
    )


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
    _die_with(parent_pid)
    try:
        import resource

        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        limit = WORKER_MEMORY_LIMIT if hard == resource.RLIM_INFINITY else min(hard, WORKER_MEMORY_LIMIT)
        if soft == resource.RLIM_INFINITY or soft > limit:
            resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    except (ImportError, ValueError, OSError):
        pass


def _die_with(parent_pid: int) -> None:
    """End this worker when the process that started the pool dies, however it dies (SIGKILL included).

    A worker blocks on its job queue, whose write end it holds itself, so it never sees its parent go; and
    it holds the fork server's "alive" pipe, so the fork server (and through it the resource tracker) stays
    too: all of them kept the caller's stdout open and `reader fetch | cat` never ended. A daemon thread
    waits on a pidfd of the parent (or, without pidfds, checks on it every second) and exits the process.
    """
    import threading

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


def _parse_job(body: bytes, url: str, headers: dict[str, str], now: datetime) -> ParsedFeed:
    from reader.feeds.parse import parse_feed  # feedparser and lxml: only where a body is parsed

    try:
        return parse_feed(body, url, headers, now=now)
    except MemoryError:
        raise ParseError("the feed needs too much memory to parse") from None
