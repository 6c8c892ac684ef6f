"""What the CLI and the TUI ask of the core: fetch feeds (with full-text prefetch), load articles, open stores."""

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
from reader.models import (
    Article,
    ArticleLoad,
    Feed,
    FetchOutcome,
    Headline,
    PollSummary,
    PrefetchReport,
    SavedPage,
    SiteRule,
    StoryItem,
    StoryPage,
    Topic,
    View,
)
from reader.store.feeds import Store, utcnow
from reader.stories.topics import TopicMatches, new_topic_matches

# The fetching and extraction stack (HTTP client, feedparser, readability, lxml) is imported when first used,
# not at start-up: the TUI paints its first headlines from the store alone.
if TYPE_CHECKING:
    from reader.feeds.manage import FeedChange
    from reader.fetch.images import FetchedImage, ImageLoad
    from reader.fetch.poller import PollProgress, PollReport, PollSettings
    from reader.fetch.site_rules import RuleChoice
    from reader.sync.engine import SyncReport

# Images the viewer fetched lately, kept so that looking at one again (or at the next and back) is at once.
IMAGE_CACHE_ITEMS = 8
IMAGE_CACHE_BYTES = 32 * 1024 * 1024


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


class StoryCalls:
    """Stories and tracked topics as the TUI asks for them. Blocking: thread workers only, each over the
    calling thread's own store (`thread_store`)."""

    def thread_store(self) -> Store:
        raise NotImplementedError

    def config_file(self) -> str | None:
        """The config file's path, for messages about what it defines (None: not known)."""
        return None

    def stories_grouped(self) -> bool:
        """Whether polls group items into stories ([stories] group in the config). Reads no database."""
        return True

    def stories_page(
        self,
        *,
        unread_only: bool = False,
        after: tuple[str, int] | None = None,
        before: tuple[str, int] | None = None,
        oldest: bool = False,
        limit: int = 200,
    ) -> StoryPage:
        """A keyset page of stories, newest first (see `Store.stories_page`)."""
        return self.thread_store().stories_page(
            unread_only=unread_only, after=after, before=before, oldest=oldest, limit=limit
        )

    def story_count(self, *, unread_only: bool = False) -> int:
        return self.thread_store().story_count(unread_only=unread_only)

    def story_items(self, story_id: int) -> list[StoryItem]:
        """A story's items (its outlets' versions), oldest first."""
        return self.thread_store().story_items(story_id)

    def story_of(self, item_id: int) -> int | None:
        return self.thread_store().story_of(item_id)

    def story_headlines(self, story_id: int) -> list[Headline]:
        """A story's items as headline rows, newest first (unfolding one row of a headline list)."""
        return self.thread_store().story_headlines(story_id)

    def topics(self) -> list[Topic]:
        """The tracked topics with their unread counts."""
        return self.thread_store().topics()

    def save_topic(self, name: str, query: str, *, replacing: str | None = None) -> Topic:
        """Save a topic (or rename / change the user's topic `replacing`); raises TopicInputError."""
        from reader.stories.topic_edits import save_topic

        return save_topic(
            self.thread_store(), name, query, replacing=replacing, config_path=self.config_file()
        )

    def delete_topic(self, name: str) -> Topic:
        """Delete the user's topic; raises TopicInputError for a config file's topic."""
        from reader.stories.topic_edits import delete_topic

        return delete_topic(self.thread_store(), name, config_path=self.config_file())


class ReaderServices(StoryCalls):
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
        self._images: dict[str, FetchedImage] = {}  # url -> bytes, newest last (IMAGE_CACHE_*)
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

    # ------------------------------------------------------------ articles

    def cached_article(self, item_id: int) -> Article | None:
        """The stored article when it is current (this extractor, under the site rules in force) or the item
        is saved; else None, and opening the item extracts the page again (`load_article` still gives the
        stored text when the page cannot be fetched)."""
        from reader.extract.pipeline import EXTRACTOR_VERSION
        from reader.extract.site_rules import is_current

        store = self.thread_store()
        cached = store.article_for(item_id)
        if cached is None:
            return None
        item = store.item(item_id)
        if item is None or item.saved:
            return cached
        current = is_current(cached.extractor_version, EXTRACTOR_VERSION, self.site_rules(store), item.link)
        return cached if current else None

    # ------------------------------------------------------------ site rules

    def site_rules(self, store: Store | None = None) -> tuple[SiteRule, ...]:
        """The rules in force: the config file's [sites], then those saved from the TUI."""
        from reader.fetch.site_rules import rules_in_force

        return rules_in_force(self.config.sites, store or self.thread_store())

    def site_rule_for(self, url: str) -> RuleChoice:
        """The rule covering the page at `url`, the host a new rule would name, and whether it is the
        config file's."""
        from reader.fetch.site_rules import rule_choice

        return rule_choice(self.config.sites, self.thread_store(), url)

    def save_site_rule(self, host: str, content: str, remove: str) -> SiteRule | None:
        """Save the user's rule for `host` (empty selectors: delete it); raises SiteRuleError."""
        from reader.fetch.site_rules import save_rule

        return save_rule(
            self.config.sites, self.thread_store(), host, content, remove, config_path=self.config_file()
        )

    def fulltext_policy(self, feed_id: int) -> str:
        feed = self.thread_store().feed_by_id(feed_id)
        return self.policy(feed) if feed else self.config.fulltext.policy

    def load_article(self, item_id: int, *, page: bool = False) -> ArticleLoad:
        """Blocking (thread worker): the cached article, else fetch + extract + cache; on failure the feed's text.

        `page` is the reader asking for the page's own text (the `t` key): it fetches even when full text is
        off for the feed, and returns the page's text even when it looked thin (marked thin, not cached then).
        """
        from reader.extract.pipeline import EXTRACTOR_VERSION
        from reader.extract.site_rules import is_current
        from reader.fetch.client import PoliteClient
        from reader.fetch.fulltext import feed_article, fetch_article

        store = self.thread_store()
        item = store.item(item_id)
        if item is None:
            return ArticleLoad(None, "the item no longer exists")
        cached = store.article_for(item_id)
        sites = self.site_rules(store)
        fresh = cached is not None and (
            item.saved or is_current(cached.extractor_version, EXTRACTOR_VERSION, sites, item.link)
        )
        if cached is not None and fresh and not (page and cached.source == "feed"):
            return ArticleLoad(cached, None, from_cache=True)
        feed = store.feed_by_id(item.feed_id)
        if feed is not None and self.policy(feed) == "off" and not page:
            return ArticleLoad(feed_article(item, "Full text is off for this feed."), None)
        if not item.link:
            return ArticleLoad(feed_article(item, "This item has no link."), "the item has no link")

        async def go() -> Article:
            async with PoliteClient(self.config.fetch.client()) as client:
                return await fetch_article(client, item, fallback=not page, sites=sites)

        try:
            article = asyncio.run(go())
        except ReaderError as exc:
            reason = str(exc)
            store.record_fulltext_failure(item_id, reason)
            if cached is not None:
                return ArticleLoad(cached, None, from_cache=True)
            return ArticleLoad(feed_article(item, f"Full text unavailable: {reason}"), reason)
        if not (page and article.thin):
            store.store_article(item_id, article, item.link)
        return ArticleLoad(article, None)

    # ------------------------------------------------------------ images

    def load_image(self, item_id: int, url: str, fit: tuple[int, int]) -> ImageLoad:
        """Blocking (thread worker): fetch the image at `url` of the item's article (as its full text is
        fetched: the polite client, the private-address guard) and decode it scaled to `fit` pixels. Never
        raises for bad input: the load carries one line saying what went wrong."""
        from reader.fetch.client import PoliteClient
        from reader.fetch.images import ImageLoad, decode_image, fetch_image

        item = self.thread_store().item(item_id)
        if item is None:
            return ImageLoad(url, None, "the item no longer exists")
        with self._images_lock:
            fetched = self._images.pop(url, None)
            if fetched is not None:
                self._images[url] = fetched  # the newest again
        cached = fetched is not None
        if fetched is None:

            async def go() -> FetchedImage:
                async with PoliteClient(self.config.fetch.client()) as client:
                    return await fetch_image(client, url, item.feed_url)

            try:
                fetched = asyncio.run(go())
            except ReaderError as exc:
                return ImageLoad(url, None, str(exc))
            self._keep_image(fetched)
        try:
            decoded = decode_image(fetched, fit)
        except ReaderError as exc:
            return ImageLoad(url, None, str(exc), fetched.seconds, cached)
        return ImageLoad(url, decoded, None, fetched.seconds, cached)

    def _keep_image(self, fetched: FetchedImage) -> None:
        with self._images_lock:
            self._images[fetched.url] = fetched
            while len(self._images) > IMAGE_CACHE_ITEMS or (
                len(self._images) > 1 and sum(len(f.body) for f in self._images.values()) > IMAGE_CACHE_BYTES
            ):
                del self._images[next(iter(self._images))]

    # ------------------------------------------------------------ managing feeds and marks from the TUI
    # Blocking (thread workers): each opens the calling thread's own store.

    def add_feed(
        self,
        url: str,
        title: str | None = None,
        tags: Sequence[str] = (),
        interval: str | None = None,
        fulltext: str | None = None,
    ) -> FeedChange:
        """Subscribe as `reader add` does (checked, then the URL tried once); raises FeedInputError saying
        what is wrong."""
        from reader.feeds.manage import add_feed, check_source

        client = self.config.fetch.client()
        with self.open_store() as store:
            change = add_feed(
                store, url, title, tags, interval, fulltext, try_source=lambda u: check_source(u, client)
            )
            feed = change.feed
            if self.config.sync is not None and feed.url.startswith(("http://", "https://")):
                store.queue_subscribe(feed.url, feed.title, feed.tags[0] if feed.tags else None)
            return change

    # With [sync], each change is queued for the server in the outbox and sent by the next sync (`R`, or the
    # one every refresh starts with), like the marks.

    def save_page(self, url: str, title: str | None = None) -> SavedPage:
        """Blocking: fetch a page that came from no feed and keep it as a saved item (reader.fetch.pages)."""
        from reader.fetch.pages import save_page

        store = self.thread_store()
        return save_page(store, self.config.fetch.client(), url, title, self.site_rules(store))

    def rename_feed(self, feed_id: int, title: str) -> FeedChange:
        from reader.feeds.manage import rename_feed

        with self.open_store() as store:
            change = rename_feed(store, self.config, feed_id, title)
            if self.config.sync is not None:
                store.queue_edit(feed_id, change.feed.display_title, None, None)
            return change

    def retag_feed(self, feed_id: int, tags: Sequence[str]) -> FeedChange:
        from reader.feeds.manage import retag_feed

        with self.open_store() as store:
            before = store.feed_by_id(feed_id)
            change = retag_feed(store, self.config, feed_id, tags)
            old = before.tags[0] if before is not None and before.tags else None
            # The server keeps one folder per feed: the first tag given (tags are kept sorted here).
            given = [t for t in tags if t in change.feed.tags]
            new = given[0] if given else (change.feed.tags[0] if change.feed.tags else None)
            if self.config.sync is not None and new != old:  # the server keeps one folder: the first tag
                store.queue_edit(feed_id, None, new, old)
            return change

    def remove_feed(self, feed_id: int) -> FeedChange:
        from reader.feeds.manage import remove_feed

        with self.open_store() as store:
            server_id = store.feed_server_id(feed_id)  # read before the row goes
            change = remove_feed(store, self.config, feed_id)
            if self.config.sync is not None:
                store.queue_unsubscribe(change.feed.url, server_id)
            return change

    def mark_read_beside(self, view: View, item_id: int, direction: int) -> list[tuple[int, int]]:
        """Mark read the unread items of `view` above (< 0) or below (> 0) an item; (item id, feed id) of
        each (for undo and the counts)."""
        with self.open_store() as store:
            return store.mark_read_beside(view, item_id, direction)

    def mark_read_older(self, view: View, cutoff: datetime) -> list[tuple[int, int]]:
        """Mark read the unread items of `view` dated before `cutoff`; (item id, feed id) of each."""
        with self.open_store() as store:
            return store.mark_read_older(view, cutoff)
