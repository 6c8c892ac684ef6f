"""The poll orchestrator: fetch feeds politely, parse them off the event loop, record each outcome in the store.

For every feed, concurrently (limits live in the PoliteClient):

    fetch (conditional GET, or read a local file; one total deadline for all of the feed's requests)
      -> 304?                      record "not modified", refresh validators (an error if we sent none)
      -> a web page?               autodiscover its feed link, fetch that (it becomes the feed's URL;
                                   the page's URL stays the subscription's name for it)
      -> body hash unchanged?      record "not modified" without parsing
      -> parse in a worker process (reader.fetch.workers; ParseError -> an error for that feed)
      -> schedule the next poll (reader.fetch.schedule)
      -> store it (reader.fetch.batches: a batch of feeds per transaction, from a writer thread)

Any exception while handling one feed becomes a one-line error on that feed; the others carry on.
A poll where every feed answers 304 imports no parser and starts no worker process.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Executor
from dataclasses import field, replace
from datetime import UTC, datetime
from typing import TypeVar

from reader.errors import FetchError, ParseError
from reader.fetch.batches import BatchWriter, FetchStore, WriterStore
from reader.fetch.client import Budget, HttpResult, HttpStatusError, PoliteClient, local_path, read_local
from reader.fetch.schedule import Due, next_due
from reader.fetch.settings import ClientSettings
from reader.fetch.workers import ParseWorkers
from reader.frozen import Frozen, value_type
from reader.models import Feed, FetchOutcome
from reader.textsafe import clean_text

T = TypeVar("T")

__all__ = ["FetchStore", "PollProgress", "PollReport", "PollSettings", "Poller", "WriterStore"]


@value_type
class PollSettings(Frozen):
    client: ClientSettings = field(default_factory=ClientSettings)
    default_interval: int = 1800  # seconds, when a feed has no poll_interval of its own
    parse_workers: int | None = None  # processes; None = one per core; 0 = parse in a thread of this process
    parse_timeout: float = 30.0  # seconds one document may take to parse before it counts as an error
    max_in_flight: int | None = None  # feeds fetched but not yet stored; None = 2 x max_connections
    # Story grouping ([stories] group): the parse workers make what it compares only when it is on (the
    # store that results go to groups them, or not, by its own `group_stories`).
    group_stories: bool = True


@value_type
class PollProgress(Frozen):
    done: int
    total: int
    new_items: int  # so far in this poll, all feeds
    feed_url: str
    error: str | None


@value_type
class PollReport(Frozen):
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
        """`writer_store` opens a store for a writer thread (see reader.fetch.batches); without it, results
        are written to `store` on the event loop's thread."""
        self.store = store
        self.settings = settings or PollSettings()
        self.clock = clock
        self.client = PoliteClient(self.settings.client)
        self.workers = ParseWorkers(self.settings.parse_workers)
        self._writer = BatchWriter(store, writer_store)

    async def aclose(self) -> None:
        await self.client.aclose()
        await self._writer.aclose()
        await self.workers.aclose()

    async def in_store_thread(self, fn: Callable[[FetchStore], T]) -> T:
        """Run `fn` with the store this poller writes through, in its thread (what a poll stored is warm there:
        the story pass after a poll runs here)."""
        return await self._writer.in_store_thread(fn)

    def worker_pool(self) -> Executor | None:
        """The worker processes (None when parsing runs in threads): CPU work that could hold the GIL for long
        (feed parsing, page extraction) runs there, so a UI in this process never stalls behind it.
        Starts them if no body of the poll needed parsing (blocking: call it from a thread or after a poll)."""
        return self.workers.executor()

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
            # A body to parse is certain: start the workers now (with fork, before any connection exists)
            # rather than when the first body arrives.
            self.workers.start()
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
            new, updated = await self._writer.apply(feed, outcome)
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
        from reader.feeds.discover import looks_like_html  # (with html.parser: not for a 304)

        if looks_like_html(result.body, result.headers):
            return await self._discover(feed, now, result, budget)
        return await self._parsed(feed, now, result)

    async def _discover(self, feed: Feed, now: datetime, page: HttpResult, budget: Budget) -> FetchOutcome:
        from reader.feeds.discover import discover_feeds, looks_like_html

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
            parsed = await self.workers.parse(
                result.body,
                result.final_url,
                result.headers,
                now,
                timeout=self.settings.parse_timeout,
                stories=self.settings.group_stories,
            )
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


def _first_fetch(feed: Feed) -> bool:
    """Never fetched successfully over HTTP: its body will certainly need parsing."""
    return (
        feed.body_hash is None
        and feed.etag is None
        and feed.last_modified is None
        and local_path(feed.url) is None
    )
