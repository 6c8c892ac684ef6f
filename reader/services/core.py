"""The services' core: stores, polling (with full-text prefetch) and sync; `ReaderServices` adds the calls of
`reading.py`, `managing.py` and `stories.py`."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from reader.config.loader import Config
from reader.errors import LockedError, ReaderError
from reader.fetch.lock import FetchLock
from reader.locations import Locations
from reader.models import Feed, FetchOutcome, PollSummary, PrefetchReport
from reader.services.managing import ManagingCalls
from reader.services.reading import ReadingCalls
from reader.services.stories import StoryCalls
from reader.store.feeds import Store, utcnow
from reader.stories.topics import TopicMatches, new_topic_matches

# The fetching and extraction stack (HTTP client, feedparser, readability, lxml) is imported when first used,
# not at start-up: the TUI paints its first headlines from the store alone.
if TYPE_CHECKING:
    from reader.fetch.images import FetchedImage
    from reader.fetch.poller import PollProgress, PollReport, PollSettings
    from reader.sync.engine import SyncReport


@dataclass
class FetchSummary:
    """Everything one `fetch` did."""

    report: PollReport
    prefetch: PrefetchReport = field(default_factory=PrefetchReport)
    purged: int = 0
    merged_stories: int = 0
    topic_matches: list[TopicMatches] = field(default_factory=list)
    muted: dict[str, int] = field(default_factory=dict)  # [mute] rule -> new items it marked read
    notify_error: str | None = None  # why [general] notify_command could not run

    @property
    def failures(self) -> list[tuple[str, str, str]]:
        """(title, url, reason) for each feed that failed."""
        return [(title, url, reason) for url, title, reason in self.report.failures]

    @property
    def offline(self) -> bool:
        outs = self.report.outcomes
        return bool(outs) and all(o.error is not None and o.status is None for o in outs)


def _merge_stories(store: object) -> int:
    return store.merge_stories() if isinstance(store, Store) else 0


def _offset(progress: Callable[[int, int], None], base: int, total: int) -> Callable[[int, int], None]:
    """`progress` for one chunk of a longer run: counts continue from `base` out of `total`."""
    return lambda done, _total: progress(min(base + done, total), total)


class ReaderServices(ReadingCalls, ManagingCalls, StoryCalls):
    """Wires config, locations, store, poller and the readability pass together."""

    def __init__(
        self, locations: Locations, config: Config, *, clock: Callable[[], datetime] = utcnow
    ) -> None:
        self.locations = locations
        self.config = config
        self.clock = clock
        self._synced = False
        self._sync_lock = threading.Lock()
        self._local = threading.local()  # each worker thread's own Store, opened on its first call
        self._images: dict[str, FetchedImage] = {}  # the viewer's images (reading.py: IMAGE_CACHE_*)
        self._images_lock = threading.Lock()

    # ------------------------------------------------------------ stores

    def stories_grouped(self) -> bool:
        return self.config.stories.group

    def _store_at(self, path: Path) -> Store:
        """A Store at `path` that groups stories as the config says."""
        store = Store.open(path)
        store.group_stories = self.config.stories.group
        return store

    def open_store(self) -> Store:
        """A new Store for the calling thread; the first one made syncs the configured feeds."""
        store = self._store_at(self.locations.db_path)
        with self._sync_lock:
            if not self._synced:
                try:
                    # Feed URLs stored before they had one spelling: respell them first, so the configured
                    # feeds match their rows (and keep their items) instead of being added again.
                    from reader.config.values import normalize_feed_url

                    store.respell_feed_urls(normalize_feed_url)
                    store.sync_feeds(self.config.feeds)
                    store.sync_topics(self.config.topics)
                    store.sync_mutes(self.config.mute)
                except ReaderError:
                    store.close()
                    raise
                self._synced = True
        return store

    def config_file(self) -> str | None:
        return str(self.locations.config_path)

    def thread_store(self) -> Store:
        """This thread's Store, opened once and kept: thread workers come from a pool, so blocking calls reuse
        one connection per thread instead of opening (and setting up) one per call."""
        store: Store | None = getattr(self._local, "store", None)
        if store is None:
            store = self._local.store = self.open_store()
        return store

    def fetch_lock(self) -> FetchLock:
        return FetchLock(self.locations.lock_path)

    # ------------------------------------------------------------ polling

    def poll_settings(self) -> PollSettings:
        """The poller's settings from the config's [fetch] and [general] tables."""
        from reader.fetch.poller import PollSettings

        return PollSettings(
            client=self.config.fetch.client(),
            default_interval=self.config.general.poll_interval,
            group_stories=self.config.stories.group,
        )

    def policy(self, feed: Feed) -> str:
        return feed.fulltext or self.config.fulltext.policy

    async def run_fetch(
        self,
        store: Store,
        feeds: Sequence[Feed],
        *,
        fulltext: bool = True,
        progress: Callable[[int, int, int], None] | None = None,
        fulltext_progress: Callable[[int, int], None] | None = None,
    ) -> FetchSummary:
        """Poll `feeds`, store what they carry, prefetch full text, apply retention."""
        from reader.fetch.poller import Poller

        path = store.path
        poller = Poller(
            store, self.poll_settings(), clock=self.clock, writer_store=lambda: self._store_at(path)
        )
        try:

            def on_progress(p: PollProgress) -> None:
                if progress:
                    progress(p.done, p.total, p.new_items)

            report = await poller.poll(feeds, on_progress)
            summary = FetchSummary(report=report)
            if report.new_items:
                # The story pass, in the writer's thread where the poll's story index is already loaded.
                summary.merged_stories = await poller.in_store_thread(_merge_stories)
            if fulltext:
                jobs = self._prefetch_jobs(feeds, report.outcomes)
                if jobs:
                    from reader.fetch.fulltext import prefetch

                    summary.prefetch = await prefetch(
                        poller.client,
                        store,
                        jobs,
                        concurrency=self.config.fulltext.concurrency,
                        executor=poller.worker_pool(),
                        progress=fulltext_progress,
                        sites=self.site_rules(store),
                    )
        finally:
            await poller.aclose()
        if self.config.general.retention_days:
            summary.purged = store.purge(self.config.general.retention_days, self.clock())
            if summary.purged:
                store.drop_empty_stories()
        summary.muted = store.apply_mutes(self.config.mute)  # before topics: a muted item is not announced
        summary.topic_matches = new_topic_matches(store)
        command = self.config.general.notify_command
        if command and summary.topic_matches:
            from reader.notify import run_notify, topic_message

            summary.notify_error = run_notify(command, *topic_message(summary.topic_matches))
        return summary

    def _prefetch_jobs(
        self, feeds: Sequence[Feed], outcomes: Sequence[FetchOutcome]
    ) -> list[tuple[Feed, int | None]]:
        by_url = {f.url: f for f in feeds}
        jobs: list[tuple[Feed, int | None]] = []
        for o in outcomes:
            feed = by_url.get(o.feed_url)
            if feed is None or o.error or not o.new_items or self.policy(feed) != "prefetch":
                continue
            first_poll = feed.last_success is None
            jobs.append((feed, self.config.fulltext.first_poll_items if first_poll else None))
        return jobs

    def poll(
        self,
        feed_ids: Sequence[int] | None,
        progress: Callable[[int, int, int], None],
        *,
        due_only: bool = False,
    ) -> PollSummary:
        """Blocking: one fetch run for the TUI (called from a thread worker). Skips if another is running.

        `due_only` (start-up and automatic refreshes) polls only feeds whose schedule says they are due,
        so leaving the reader open never polls a feed sooner than its interval, server hints or backoff allow.
        """
        lock = self.fetch_lock()
        try:
            lock.acquire(timeout=0)
        except LockedError:
            return PollSummary(total=0, new_items=0, failures=(), busy=True)
        store = self.thread_store()  # this worker thread's own (kept, not one per poll)
        sync_error, sync_pending, synced_new = None, 0, 0
        sync_warnings: tuple[str, ...] = ()
        try:
            if self.config.sync is not None:
                before = store.count()
                sync_error, sync_pending, sync_warnings = self._sync_for_poll(store)
                synced_new = max(0, store.count() - before)
            feeds = store.due_feeds(self.clock()) if due_only else store.feeds()
            feeds = self.local_feeds(store, feeds)
            if feed_ids is not None:
                wanted = set(feed_ids)
                feeds = [f for f in feeds if f.id in wanted]
            summary = asyncio.run(self.run_fetch(store, feeds, progress=progress))
        finally:
            lock.release()
        return PollSummary(
            total=len(feeds),
            new_items=summary.report.new_items + synced_new,
            failures=tuple(summary.failures),
            offline=summary.offline,
            topic_matches=tuple((m.name, m.count) for m in summary.topic_matches),
            muted=sum(summary.muted.values()),
            notify_error=summary.notify_error,
            sync=self.config.sync is not None,
            sync_error=sync_error,
            sync_pending=sync_pending,
            sync_warnings=sync_warnings,
        )

    # ------------------------------------------------------------ sync ([sync]: a Google Reader API server)

    def sync(self, store: Store, *, push_only: bool = False, full: bool = False) -> SyncReport:
        """Blocking: push the outbox, then pull (see reader.sync.engine). The caller holds the fetch lock."""
        from reader.errors import SyncError
        from reader.sync.engine import run_sync

        if self.config.sync is None:
            raise SyncError("no [sync] server is configured")
        report = run_sync(
            store, self.config.sync, push_only=push_only, full=full, user_agent=self.config.fetch.user_agent
        )
        if report.pull is not None and report.pull.new_items:
            report.muted = sum(store.apply_mutes(self.config.mute).values())
        return report

    def local_feeds(self, store: Store, feeds: Sequence[Feed]) -> list[Feed]:
        """The feeds the reader polls itself: with [sync], those the server carries are the server's to poll."""
        if self.config.sync is None:
            return list(feeds)
        server = store.server_feed_ids()
        return [f for f in feeds if f.id not in server]

    def _sync_for_poll(self, store: Store) -> tuple[str | None, int, tuple[str, ...]]:
        """The TUI's refresh with [sync]: sync first; a failure is a message, never an exception."""
        from reader.errors import SyncError

        try:
            report = self.sync(store)
        except SyncError as exc:
            warning = self.config.sync.warning if self.config.sync else None
            return str(exc), store.pending_changes(), (warning,) if warning else ()
        return None, report.pending, tuple(report.warnings)

    def sync_status(self) -> tuple[bool, int]:
        """(sync configured, changes waiting): cheap, for the status bar."""
        if self.config.sync is None:
            return False, 0
        store = self.open_store()
        try:
            return True, store.pending_changes()
        finally:
            store.close()

    # ------------------------------------------------------------ stories

    def group_pending(
        self, progress: Callable[[int, int], None], *, chunk: int = 5000, lock_timeout: float = 5.0
    ) -> int:
        """Blocking (thread worker): group the items that have no story yet (an archive from before stories),
        oldest first, a chunk at a time under the fetch lock (released between chunks, so polls and `reader
        fetch` from cron are never held up for long); `progress(done, total)` after each batch. Returns the
        items grouped; -1 when a fetch kept the lock (the next start-up carries on). Nothing when grouping is
        off ([stories] group = false)."""
        if not self.stories_grouped():
            return 0
        store = self.open_store()
        done = 0
        try:
            total = store.ungrouped_count()
            while True:
                lock = self.fetch_lock()
                try:
                    lock.acquire(timeout=lock_timeout)
                except LockedError:
                    return done or -1
                try:
                    if not store.ungrouped_count():
                        return done
                    done += store.group_pending(_offset(progress, done, total), limit=chunk)
                finally:
                    lock.release()
        finally:
            store.close()
