"""The services' reading calls: stored and fetched articles (under the site rules in force), site rules,
and article images. Blocking: thread workers only."""

from __future__ import annotations

import asyncio
import threading
from typing import TYPE_CHECKING

from reader.config.loader import Config
from reader.errors import ReaderError
from reader.models import Article, ArticleLoad, Feed, SiteRule
from reader.store.feeds import Store

if TYPE_CHECKING:
    from reader.fetch.images import FetchedImage, ImageLoad
    from reader.fetch.site_rules import RuleChoice

# Images the viewer fetched lately, kept so that looking at one again (or at the next and back) is at once.
IMAGE_CACHE_ITEMS = 8
IMAGE_CACHE_BYTES = 32 * 1024 * 1024


class ReadingCalls:
    """Articles, site rules and images, over the calling thread's store (`thread_store`)."""

    config: Config
    _images: dict[str, FetchedImage]  # url -> bytes, newest last (IMAGE_CACHE_*)
    _images_lock: threading.Lock

    def thread_store(self) -> Store:
        raise NotImplementedError

    def config_file(self) -> str | None:
        raise NotImplementedError

    def policy(self, feed: Feed) -> str:
        raise NotImplementedError

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
