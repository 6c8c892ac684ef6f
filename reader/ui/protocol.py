"""What the UI asks of the core: the `Services` protocol and the value types its calls return."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol

# The value types live in the core (the CLI reports them too); re-exported here for the UI.
from reader.models import Article, ArticleLoad, PollSummary
from reader.store.feeds import Store

__all__ = ["ArticleLoad", "PollSummary", "ProgressCallback", "Services"]

ProgressCallback = Callable[[int, int, int], None]


class Services(Protocol):
    """The core's operations the UI calls. Blocking methods are only ever called from thread workers."""

    def open_store(self) -> Store:
        """A new Store for the calling thread."""
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
        """The cached article, if any. Fast: fine on the UI thread."""
        ...

    def group_pending(self, progress: Callable[[int, int], None]) -> int:
        """Group items that have no story yet (after an upgrade). Blocking; progress(done, total)."""
        ...

    def fulltext_policy(self, feed_id: int) -> str:
        """ "off" | "on-open" | "prefetch" for a feed."""
        ...
