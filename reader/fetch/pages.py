"""Save a web page that came from no feed (`reader save-page URL`, the TUI's "Save a page"): the page is fetched,
put through reader mode, and kept as a saved item with its full text, in the "Saved pages" collection.

The collection is a feed row that is never polled (inactive, `origin = 'pages'`), so every view, search, story
grouping, `export-saved` and sync of read state treat saved pages like any other item. A page already in the
archive (same link) is saved where it is. A page that cannot be fetched is still saved, by its address, with the
reason: nothing the reader asked to keep is dropped, and the article's `t` key tries the page again.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Sequence
from datetime import UTC, datetime

from reader.config.values import canonical_http_url
from reader.errors import ReaderError
from reader.fetch.client import PoliteClient
from reader.fetch.settings import ClientSettings
from reader.models import Article, FetchOutcome, Item, ParsedFeed, ParsedItem, SavedPage, SiteRule
from reader.store.feeds import Store
from reader.textsafe import clean_text

PAGES_URL = "reader:saved-pages"  # the collection's feed row (not a URL anything fetches)
PAGES_TITLE = "Saved pages"


def check_page_url(url: str) -> str:
    """The page's address in its canonical spelling; ValueError saying what is wrong."""
    text = url.strip()
    if not text.lower().startswith(("http://", "https://")):
        raise ValueError(f"{clean_text(text, limit=80)!r} is not a web address (http:// or https://)")
    return canonical_http_url(text)


def save_page(
    store: Store,
    settings: ClientSettings,
    url: str,
    title: str | None = None,
    sites: Sequence[SiteRule] = (),
) -> SavedPage:
    """Fetch, extract and keep `url` as a saved item (blocking: run it in a worker thread). `sites`: the
    user's site rules (see `reader.extract.site_rules`)."""
    url = check_page_url(url)
    known = store.item_with_link(url)
    if known is not None:
        item_id = known
        store.set_saved(item_id, True)
        item = store.item(item_id)
        assert item is not None
        return SavedPage(item_id, item.title, existed=True, full_text=item.has_article)
    probe = Item(
        id=0,
        feed_id=0,
        feed_url=url,  # the page is its own source: a page on an intranet host may be saved too
        feed_title=PAGES_TITLE,
        title=title or url,
        link=url,
        author=None,
        summary=None,
        content=None,
        published=None,
        first_seen=datetime.now(UTC),
        read=False,
        saved=True,
    )
    article: Article | None = None
    error: str | None = None
    try:
        article = asyncio.run(_fetch(settings, probe, sites))
    except ReaderError as exc:
        error = str(exc)
    if article is not None and article.source != "page":
        error = article.note or "the page held no readable text"
        article = None
    shown = clean_text(title or (article.title if article else None) or url, limit=500)
    feed = store.collection_feed(PAGES_URL, PAGES_TITLE, "pages")
    body = article.text if article else ""
    parsed = ParsedItem(
        key=url,
        title=shown,
        link=url,
        author=article.byline if article else None,
        published=article.published if article else None,
        content_hash=hashlib.sha256(f"{shown}\n{url}".encode()).hexdigest(),
        search_text=body,
    )
    outcome = FetchOutcome(
        feed_url=PAGES_URL,
        status=200,
        parsed=ParsedFeed(title=PAGES_TITLE, site_url=None, items=(parsed,)),
        due_reason="saved pages are never polled",
    )
    store.apply_fetch(feed, outcome)
    stored = store.item_with_link(url, feed.id)
    if stored is None:
        raise ReaderError(f"could not store {url}")
    item_id = stored
    store.set_saved(item_id, True)
    if article is not None:
        store.store_article(item_id, article, url)
    elif error is not None:
        store.record_fulltext_failure(item_id, error)
    return SavedPage(item_id, shown, existed=False, full_text=article is not None, error=error)


async def _fetch(settings: ClientSettings, probe: Item, sites: Sequence[SiteRule]) -> Article:
    from reader.fetch.fulltext import fetch_article

    async with PoliteClient(settings) as client:
        return await fetch_article(client, probe, fallback=False, sites=sites)
