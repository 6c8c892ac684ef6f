"""What the UI asks of the core: the `Services` protocol and the value types its calls return."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

# The value types live in the core (the CLI reports them too); re-exported here for the UI.
from reader.feeds.manage import FeedChange
from reader.models import (
    Article,
    ArticleLoad,
    Headline,
    PollSummary,
    SavedPage,
    SiteRule,
    StoryItem,
    StoryPage,
    Topic,
    View,
)
from reader.store.feeds import Store

if TYPE_CHECKING:
    from reader.fetch.images import ImageLoad
    from reader.fetch.site_rules import RuleChoice

__all__ = ["ArticleLoad", "FeedChange", "PollSummary", "ProgressCallback", "Services"]

ProgressCallback = Callable[[int, int, int], None]


class Services(Protocol):
    """The core's operations the UI calls. Blocking methods are only ever called from thread workers."""

    def open_store(self) -> Store:
        """A new Store for the calling thread."""
        ...

    def thread_store(self) -> Store:
        """The calling thread's own Store, opened on first use and kept (for thread workers)."""
        ...

    def poll(
        self, feed_ids: Sequence[int] | None, progress: ProgressCallback, *, due_only: bool = False
    ) -> PollSummary:
        """Poll feeds (None: all; `due_only`: only those whose schedule says so). Blocking;
        `progress(done, total, new_items)` runs on the worker thread."""
        ...

    def load_article(self, item_id: int, *, page: bool = False) -> ArticleLoad:
        """The cached article at once if stored, else fetch + extract + store. Blocking."""
        ...

    def cached_article(self, item_id: int) -> Article | None:
        """The cached article when current (this extractor and site rules) or saved, else None. Blocking (a
        read that may wait on the database): from workers."""
        ...

    def load_image(self, item_id: int, url: str, fit: tuple[int, int]) -> ImageLoad:
        """Fetch image `url` of the item's article and decode it scaled to fit `fit` (pixels); the load
        says why when there is no picture. Blocking."""
        ...

    def site_rule_for(self, url: str) -> RuleChoice:
        """The site rule covering the page at `url` (see `reader.fetch.site_rules`). Blocking."""
        ...

    def save_site_rule(self, host: str, content: str, remove: str) -> SiteRule | None:
        """Save the user's rule for a site (empty selectors: delete it); raises SiteRuleError. Blocking."""
        ...

    def config_file(self) -> str | None:
        """The config file's path, for messages about what it defines (None: not known)."""
        ...

    def stories_grouped(self) -> bool:
        """Whether polls group items into stories ([stories] group in the config). Reads no database."""
        ...

    def group_pending(self, progress: Callable[[int, int], None]) -> int:
        """Group items that have no story yet (after an upgrade). Blocking; progress(done, total)."""
        ...

    def fulltext_policy(self, feed_id: int) -> str:
        """ "off" | "on-open" | "prefetch" for a feed. Blocking: from workers."""
        ...

    # Managing feeds and marking many items (blocking; thread workers only).

    def add_feed(
        self,
        url: str,
        title: str | None = None,
        tags: Sequence[str] = (),
        interval: str | None = None,
        fulltext: str | None = None,
    ) -> FeedChange:
        """Subscribe, validated as `reader add` is; raises FeedInputError with the reason."""
        ...

    def save_page(self, url: str, title: str | None = None) -> SavedPage:
        """Fetch a page no feed carries and keep it saved, with its full text (or its address and why not);
        raises ValueError for an address that is not a web page's."""
        ...

    def rename_feed(self, feed_id: int, title: str) -> FeedChange:
        """A title of one's own ("" goes back to the feed's); raises FeedInputError."""
        ...

    def retag_feed(self, feed_id: int, tags: Sequence[str]) -> FeedChange:
        """Replace a feed's tags; raises FeedInputError."""
        ...

    def remove_feed(self, feed_id: int) -> FeedChange:
        """Unsubscribe (saved items stay); raises FeedInputError for feeds the config file lists."""
        ...

    def mark_read_beside(self, view: View, item_id: int, direction: int) -> list[tuple[int, int]]:
        """Mark read the unread items above (< 0) or below (> 0) an item in the view's order; (item id,
        feed id) of each."""
        ...

    def mark_read_older(self, view: View, cutoff: datetime) -> list[tuple[int, int]]:
        """Mark read the view's unread items dated before `cutoff`; (item id, feed id) of each."""
        ...

    # Stories and tracked topics (blocking; thread workers only).

    def stories_page(
        self,
        *,
        unread_only: bool = False,
        after: tuple[str, int] | None = None,
        before: tuple[str, int] | None = None,
        oldest: bool = False,
        limit: int = 200,
    ) -> StoryPage:
        """A keyset page of stories, newest first: the newest page, the one after (older than) or before
        (newer than) a story's key, or the oldest page."""
        ...

    def story_count(self, *, unread_only: bool = False) -> int:
        """How many stories (with unread items)."""
        ...

    def story_items(self, story_id: int) -> list[StoryItem]:
        """A story's items (its outlets' versions), oldest first."""
        ...

    def story_of(self, item_id: int) -> int | None:
        """The story an item belongs to (None: not grouped yet)."""
        ...

    def story_headlines(self, story_id: int) -> list[Headline]:
        """A story's items as headline rows, newest first."""
        ...

    def topics(self) -> list[Topic]:
        """The tracked topics with their unread counts."""
        ...

    def save_topic(self, name: str, query: str, *, replacing: str | None = None) -> Topic:
        """Save a topic, or rename / change the user's topic `replacing`; raises TopicInputError."""
        ...

    def delete_topic(self, name: str) -> Topic:
        """Delete the user's topic; raises TopicInputError for one the config file defines."""
        ...
