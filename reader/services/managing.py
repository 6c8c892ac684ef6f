"""The services' calls that change the feed list and mark many items at once (from the TUI). Blocking: thread
workers only; each opens the calling thread's own store."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from reader.config.loader import Config
from reader.models import SavedPage, SiteRule, View
from reader.store.feeds import Store

if TYPE_CHECKING:
    from reader.feeds.manage import FeedChange


class ManagingCalls:
    """Subscribe, save a page, rename, retag, remove; mark read above, below or older."""

    config: Config

    def open_store(self) -> Store:
        raise NotImplementedError

    def thread_store(self) -> Store:
        raise NotImplementedError

    def site_rules(self, store: Store | None = None) -> tuple[SiteRule, ...]:
        raise NotImplementedError

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
