"""Frozen value types shared by the core and the UI. All datetimes are timezone-aware UTC."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Literal

from reader.frozen import Frozen, value_type

FulltextPolicy = Literal["off", "on-open", "prefetch"]
FULLTEXT_POLICIES: tuple[str, ...] = ("off", "on-open", "prefetch")


@value_type
class FeedConfig(Frozen):
    """A feed as the config file (or OPML, or `reader add`) describes it."""

    url: str
    title: str | None = None
    tags: tuple[str, ...] = ()
    poll_interval: int | None = None  # seconds; None means the global default
    fulltext: FulltextPolicy | None = None  # None means the global default


@value_type
class SiteRule(Frozen):
    """A `[sites]` rule: how reader mode reads the pages of one site (`host` and its subdomains)."""

    host: str
    content: str | None = None  # CSS selector(s) of the element(s) holding the article, in page order
    remove: str | None = None  # CSS selector(s) of elements dropped from the page first


@value_type
class Feed(Frozen):
    """A feed row in the store, with its fetch state."""

    id: int
    url: str
    title: str | None
    site_url: str | None = None
    tags: tuple[str, ...] = ()
    poll_interval: int | None = None
    fulltext: FulltextPolicy | None = None
    etag: str | None = None
    last_modified: str | None = None
    last_status: int | None = None
    last_error: str | None = None
    failures: int = 0
    last_fetched: datetime | None = None
    last_success: datetime | None = None
    next_due: datetime | None = None
    due_reason: str | None = None
    body_hash: str | None = None
    item_count: int = 0
    unread_count: int = 0
    origin: str = "user"  # "config" when the config file lists it
    ttl_minutes: int | None = None  # RSS <ttl> from the last full fetch, so a 304 still honours it
    source_url: str | None = (
        None  # the URL the subscription names, when the feed moved or was discovered there
    )
    # False: never polled. The config dropped it, it was removed but holds saved items, or it is a collection
    # of items from no feed (saved pages). Its items stay listed in every view.
    active: bool = True

    @property
    def display_title(self) -> str:
        return self.title or self.url

    @property
    def not_polled_reason(self) -> str | None:
        """Why the reader no longer polls this feed (None: it is polled)."""
        if self.active:
            return None
        if self.origin == "pages":
            return "saved pages are never polled"
        if self.origin == "config":
            return "no longer in the config (add it back there to poll it)"
        return "unsubscribed; kept for its saved items"


@value_type
class Enclosure(Frozen):
    """A file an item carries (RSS <enclosure>, Atom rel="enclosure"): a podcast episode, a PDF, a video."""

    url: str
    type: str | None = None  # its media type as the feed says ("audio/mpeg")
    length: int | None = None  # its size in bytes as the feed says (often missing or wrong)


@value_type
class ParsedItem(Frozen):
    """One entry as parsed from a feed document, before it is stored."""

    key: str  # stable identity within its feed: guid, else link, else hash of title+date
    title: str
    link: str | None = None
    guid: str | None = None
    author: str | None = None
    summary: str | None = None  # HTML or text as the feed gave it (sanitised of control characters)
    content: str | None = None  # the fullest HTML body the feed gave
    published: datetime | None = None
    updated: datetime | None = None
    content_hash: str = ""  # changes when anything shown to the user changes
    search_text: str = ""  # plain text of the body for the search index (made where the item is parsed)
    alias: str | None = (
        None  # the plain key this item may be stored under (its guid before the feed reused it)
    )
    # What story grouping compares (reader.stories.terms.story_terms: the title's terms, then those the lead
    # of the summary or text adds); None: not made yet.
    story_terms: str | None = None
    enclosures: tuple[Enclosure, ...] = ()


@value_type
class ParsedFeed(Frozen):
    """A parsed feed document."""

    title: str | None
    site_url: str | None
    items: tuple[ParsedItem, ...]
    ttl_minutes: int | None = None
    warning: str | None = None  # e.g. feedparser's bozo reason when entries were still usable


@value_type
class Item(Frozen):
    """A stored item, as the UI and CLI see it."""

    id: int
    feed_id: int
    feed_url: str
    feed_title: str
    title: str
    link: str | None
    author: str | None
    summary: str | None
    content: str | None
    published: datetime | None
    first_seen: datetime
    read: bool
    saved: bool
    read_at: datetime | None = None
    saved_at: datetime | None = None
    has_article: bool = False
    muted_by: str | None = None  # the [mute] rule that marked it read as it arrived
    enclosures: tuple[Enclosure, ...] = ()  # files it carries (podcast episodes, documents)

    @property
    def sort_date(self) -> datetime:
        return self.published or self.first_seen


@value_type
class Headline(Frozen):
    """The light row the headline list shows: no bodies."""

    id: int
    feed_id: int
    feed_title: str
    title: str
    link: str | None
    date: datetime
    read: bool
    saved: bool
    has_article: bool = False  # the page's full text is stored (search covers it); else only the feed's text
    others: int = 0  # other feeds (outlets) whose items are in its story, in the whole archive
    rejoined: bool = False  # unread, and came after part of its story had been read (news in a read story)
    from_feed: int = 1  # items of its story from its own feed, itself included (the outlet's follow-ups)


@value_type
class Article(Frozen):
    """A page turned into clean, readable text by the readability pass."""

    title: str | None
    byline: str | None
    published: datetime | None
    markdown: str
    text: str
    word_count: int
    reading_minutes: int
    link_density: float = 0.0
    thin: bool = False  # quality signal: the extraction looks too short or wrong
    thin_reason: str | None = None
    extractor_version: str = ""
    source: Literal["page", "feed"] = "page"  # "feed" when we fell back to the feed's own content
    note: str | None = None  # shown in the article header, e.g. why we fell back


class ViewKind(StrEnum):
    ALL = "all"
    UNREAD = "unread"
    SAVED = "saved"
    FEED = "feed"
    TAG = "tag"
    TOPIC = "topic"  # a tracked topic: `topic_query` holds its full-text query


@value_type
class View(Frozen):
    """Which headlines to show: a kind, an optional feed or tag, search text and an unread filter."""

    kind: ViewKind = ViewKind.ALL
    feed_id: int | None = None
    tag: str | None = None
    search: str | None = None
    unread_only: bool = False
    saved_only: bool = False
    order: str = "newest"  # one of SORT_ORDERS
    fold_stories: bool = False  # one row per story: only its newest item in the view
    muted_only: bool = False  # only items a [mute] rule marked read
    topic: str | None = None  # ViewKind.TOPIC: the topic's name
    topic_query: str | None = None  # ViewKind.TOPIC: its FTS5 query, run as written
    # Items read while an unread-only view is shown stay in it until the reader leaves the view (the TUI):
    # the list does not jump under the cursor, and positions agree with the rows on screen.
    keep: tuple[int, ...] = ()


# How a view's headlines are ordered: newest first (the default), oldest first, or grouped by feed (by title,
# newest first within each).
SORT_ORDERS: tuple[str, ...] = ("newest", "oldest", "feed")


@dataclass
class PrefetchReport:
    """What one full-text prefetch run did, per feed."""

    fetched: int = 0
    failed: int = 0
    failures: dict[str, list[str]] = field(default_factory=dict)  # feed title -> reasons


@value_type
class FetchOutcome(Frozen):
    """What happened when one feed was polled; the store records it on the feed."""

    feed_url: str
    status: int | None  # HTTP status (or 200 for a local file); None when no response came
    error: str | None = None  # one line for the user, None on success
    new_url: str | None = None  # permanent redirect target (301/308)
    etag: str | None = None
    last_modified: str | None = None
    body_hash: str | None = None
    not_modified: bool = False  # 304, or body hash unchanged
    parsed: ParsedFeed | None = None
    next_due: datetime | None = None
    due_reason: str | None = None
    fetched_at: datetime | None = None
    new_items: int = 0
    updated_items: int = 0
    warnings: tuple[str, ...] = field(default_factory=tuple)
    ttl_minutes: int | None = None  # RSS <ttl> of the document fetched (None on a 304 or failure)


@value_type
class PollSummary(Frozen):
    """What one poll run did, as the TUI shows it: new items, which feeds failed and why, offline or busy."""

    new_items: int = 0
    failures: tuple[tuple[str, str, str], ...] = ()  # (title, url, reason)
    offline: bool = False  # every feed failed with a connection-level error
    total: int = 0
    busy: bool = False  # another process was fetching, so this run did nothing
    topic_matches: tuple[tuple[str, int], ...] = ()  # (topic, new matches) announced once after this poll
    muted: int = 0  # new items [mute] rules marked read
    notify_error: str | None = None  # why [general] notify_command could not run
    sync: bool = False  # a [sync] server is configured (and was synced with first)
    sync_error: str | None = None  # why that sync failed (the archive and the outbox are intact)
    sync_pending: int = 0  # local changes still waiting for the server
    sync_warnings: tuple[str, ...] = ()  # e.g. the password sits in a config file others can read


@value_type
class ArticleLoad(Frozen):
    """The full text for one item: the article (cached or freshly extracted), or why it failed."""

    article: Article | None
    error: str | None = None
    from_cache: bool = False


@value_type
class StoryItem(Frozen):
    """One outlet's version of a story."""

    id: int
    feed_id: int
    feed_title: str
    title: str
    link: str | None
    date: datetime
    read: bool


@value_type
class Story(Frozen):
    """Items from one or more feeds that report the same news."""

    id: int
    lead_title: str
    lead_item: int
    item_count: int
    feed_count: int
    unread_count: int
    newest: datetime
    rejoined: bool = False  # items joined after the story had been read
    items: tuple[StoryItem, ...] = ()


@value_type
class StoryPage(Frozen):
    """One page of stories, newest first, with each story's place in the order (for the next page's query)."""

    stories: tuple[Story, ...]
    keys: tuple[tuple[str, int], ...]  # (newest, id) of each story, in step with `stories`
    more_newer: bool  # stories newer than the first one exist (in the list's filter)
    more_older: bool  # stories older than the last one exist


@value_type
class Topic(Frozen):
    """A tracked topic: a saved full-text search (FTS5 query syntax)."""

    name: str
    query: str
    origin: str = "config"
    unread_count: int = 0


@value_type
class SavedPage(Frozen):
    """A page saved by its address (`reader save-page`, the TUI's P): which item holds it and how it went."""

    item_id: int
    title: str
    existed: bool  # it was already in the archive (now saved)
    full_text: bool  # the page's own text is kept (else only its address: see `error`)
    error: str | None = None  # why the page could not be fetched
