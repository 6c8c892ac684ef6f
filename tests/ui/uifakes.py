"""A fake `Services` over a real SQLite store, and fixed demo data for the UI tests, snapshots and tmux runs."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from reader.config.model import Config
from reader.feeds import manage
from reader.feeds.manage import FeedChange
from reader.fetch.pages import save_page
from reader.models import Article, FetchOutcome, ParsedFeed, ParsedItem, SavedPage, View
from reader.services import StoryCalls
from reader.store.feeds import Store
from reader.ui.protocol import ArticleLoad, PollSummary

if TYPE_CHECKING:
    from reader.fetch.images import ImageLoad

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)

FEEDS: list[tuple[str, str, tuple[str, ...]]] = [
    ("https://techpolicy.example/feed", "Tech Policy Press", ("policy",)),
    ("https://eff.example/rss", "EFF Deeplinks", ("policy", "privacy")),
    ("https://lawfare.example/feed", "Lawfare", ("security",)),
    ("https://broken.example/feed.xml", "Broken Feed", ("security",)),
    ("https://blog.example/atom", "A Small Blog", ()),
]

TOPICS = [
    "The EU AI Act enters its second phase",
    "What the new privacy framework means for data brokers",
    "Antitrust remedies in search: a primer",
    "Encryption backdoors are back on the table",
    "A close reading of the platform transparency rules",
    "Section 230 after the latest ruling",
    "Facial recognition bans spread to more cities",
    "Open source and export controls",
    "Spectrum auctions, explained",
    "Who audits the auditors? Algorithmic accountability",
    "Children's online safety bills compared",
    "Net neutrality, one more time",
]

ARTICLE = Article(
    title="The EU AI Act enters its second phase",
    byline="Jane Doe",
    published=NOW - timedelta(hours=2),
    markdown=(
        "The second phase of the **AI Act** starts today. Providers of general-purpose models must now "
        "publish summaries of their training data and keep technical documentation up to date.\n\n"
        "## What changes\n\n"
        "- Transparency duties for general-purpose models\n"
        "- Codes of practice, drafted with industry and civil society\n"
        "- Penalties of up to 3% of worldwide turnover\n\n"
        "> Regulation is a process, not an event.\n\n"
        "Read the [official text](https://eur-lex.example/ai-act) or the "
        "[commentary](javascript:alert(1)) (that second link must not act).\n"
    ),
    text="The second phase of the AI Act starts today.",
    word_count=640,
    reading_minutes=3,
    extractor_version="test-1",
)


def parsed_item(
    feed_no: int, n: int, *, title: str | None = None, hours_ago: float | None = None
) -> ParsedItem:
    when = NOW - timedelta(hours=hours_ago if hours_ago is not None else 5 * n + feed_no)
    return ParsedItem(
        key=f"f{feed_no}-{n}",
        guid=f"f{feed_no}-{n}",
        title=title or f"{TOPICS[(n + feed_no) % len(TOPICS)]} ({feed_no}.{n})",
        link=f"https://example.org/{feed_no}/{n}",
        author="A. Writer",
        summary=f"<p>Summary of item {n}. <b>Bold</b> &amp; <a href='https://example.org'>a link</a>.</p>"
        f"<p>Second paragraph with [brackets] and *stars*.</p>",
        published=when,
        content_hash=f"h{feed_no}-{n}",
    )


def outcome(url: str, items: Sequence[ParsedItem], *, error: str | None = None) -> FetchOutcome:
    return FetchOutcome(
        feed_url=url,
        status=None if error else 200,
        error=error,
        parsed=None if error else ParsedFeed(title=None, site_url=None, items=tuple(items)),
        fetched_at=NOW - timedelta(minutes=10),
        next_due=NOW + timedelta(minutes=20 if not error else 120),
        due_reason="backoff after 3 failures" if error else "interval 30m",
    )


def build_archive(path: Path, per_feed: int = 8) -> dict[str, int]:
    """Feeds with tags, items over a few days, some read and saved, one article cached, one failing feed."""
    ids: dict[str, int] = {}
    with Store.open(path) as store:
        for feed_no, (url, title, tags) in enumerate(FEEDS):
            feed = store.add_feed(url, title, tags)
            ids[f"feed{feed_no}"] = feed.id
            if "broken" in url:
                store.apply_fetch(feed, outcome(url, [parsed_item(feed_no, n) for n in range(2)]))
                for _ in range(3):
                    store.apply_fetch(feed, outcome(url, [], error="HTTP 503 Service Unavailable"))
                continue
            store.apply_fetch(feed, outcome(url, [parsed_item(feed_no, n) for n in range(per_feed)]))
        items = store.headlines(limit=1000)
        ids["newest"] = items[0].id
        store.set_read([h.id for h in items[3::3]], True)
        store.set_saved(items[1].id, True)
        store.set_saved(items[5].id, True)
        ids["saved"] = items[1].id
        store.store_article(items[0].id, ARTICLE, items[0].link)
        ids["with_article"] = items[0].id
        store.merge_stories()  # what the end of a poll does: stories get their rows
    return ids


class ManagingCalls:
    """The feed-management and bulk-mark calls, done by the real core over the real store."""

    db_path: Path
    config: Config = Config()

    def add_feed(
        self,
        url: str,
        title: str | None = None,
        tags: Sequence[str] = (),
        interval: str | None = None,
        fulltext: str | None = None,
    ) -> FeedChange:
        with Store.open(self.db_path) as store:  # files are tried; no network here
            return manage.add_feed(
                store,
                url,
                title,
                tags,
                interval,
                fulltext,
                try_source=lambda u: manage.check_source(u, None),
            )

    def save_page(self, url: str, title: str | None = None) -> SavedPage:
        with Store.open(self.db_path) as store:
            return save_page(store, self.config.fetch.client(), url, title)

    def rename_feed(self, feed_id: int, title: str) -> FeedChange:
        with Store.open(self.db_path) as store:
            return manage.rename_feed(store, self.config, feed_id, title)

    def retag_feed(self, feed_id: int, tags: Sequence[str]) -> FeedChange:
        with Store.open(self.db_path) as store:
            return manage.retag_feed(store, self.config, feed_id, tags)

    def remove_feed(self, feed_id: int) -> FeedChange:
        with Store.open(self.db_path) as store:
            return manage.remove_feed(store, self.config, feed_id)

    def mark_read_beside(self, view: View, item_id: int, direction: int) -> list[tuple[int, int]]:
        with Store.open(self.db_path) as store:
            return store.mark_read_beside(view, item_id, direction)

    def mark_read_older(self, view: View, cutoff: datetime) -> list[tuple[int, int]]:
        with Store.open(self.db_path) as store:
            return store.mark_read_older(view, cutoff)


@dataclass
class FakeServices(ManagingCalls, StoryCalls):
    """Services over a real store file. poll() adds `pending` items; load_article() returns canned results."""

    db_path: Path
    articles: dict[int, Article | str] = field(default_factory=dict)  # item id -> article, or an error
    pending: list[tuple[str, ParsedItem]] = field(default_factory=list)  # (feed url, item) added on poll
    offline: bool = False
    failing: dict[str, str] = field(default_factory=dict)  # feed url -> error on poll
    policy: str = "on-open"
    article_gate: threading.Event | None = None  # when set, load_article waits for it
    article_started: threading.Event = field(default_factory=threading.Event)  # set as load_article begins
    polls: list[Sequence[int] | None] = field(default_factory=list)
    due_only: list[bool] = field(default_factory=list)
    page_loads: list[int] = field(default_factory=list)  # load_article(page=True): the reader asked with `t`
    loads: list[int] = field(default_factory=list)
    images: dict[str, bytes | str] = field(default_factory=dict)  # url -> the image's bytes, or an error
    _local: threading.local = field(default_factory=threading.local)

    def open_store(self) -> Store:
        return Store.open(self.db_path)

    def thread_store(self) -> Store:
        return self._store()

    def _store(self) -> Store:
        store: Store | None = getattr(self._local, "store", None)
        if store is None:
            store = self._local.store = Store.open(self.db_path)
        return store

    def poll(
        self,
        feed_ids: Sequence[int] | None,
        progress: Callable[[int, int, int], None],
        *,
        due_only: bool = False,
    ) -> PollSummary:
        self.polls.append(None if feed_ids is None else list(feed_ids))
        self.due_only.append(due_only)
        with Store.open(self.db_path) as store:
            feeds = [f for f in store.feeds() if feed_ids is None or f.id in feed_ids]
            new = 0
            failures: list[tuple[str, str, str]] = []
            for done, feed in enumerate(feeds, 1):
                error = "connection refused" if self.offline else self.failing.get(feed.url)
                items = [it for url, it in self.pending if url == feed.url]
                if error:
                    store.apply_fetch(feed, outcome(feed.url, [], error=error))
                    failures.append((feed.display_title, feed.url, error))
                else:
                    added, _ = store.apply_fetch(feed, outcome(feed.url, items))
                    new += added
                progress(done, len(feeds), new)
            self.pending = [(u, it) for u, it in self.pending if all(f.url != u for f in feeds)]
            # What the end of a real poll does: the stories' merge pass, and each topic's new matches.
            store.merge_stories()
            matches = tuple((m.name, m.count) for m in store.take_topic_matches())
        return PollSummary(
            new,
            tuple(failures),
            offline=self.offline and bool(feeds),
            total=len(feeds),
            topic_matches=matches,
        )

    def load_article(self, item_id: int, *, page: bool = False) -> ArticleLoad:
        self.loads.append(item_id)
        if page:
            self.page_loads.append(item_id)
        self.article_started.set()
        if self.article_gate is not None:
            self.article_gate.wait(10)
        with Store.open(self.db_path) as store:
            cached = store.article_for(item_id)
            if cached is not None and not (page and cached.source == "feed"):
                return ArticleLoad(cached, None, True)
            canned = self.articles.get(item_id, "no canned article")
            if isinstance(canned, str):
                store.record_fulltext_failure(item_id, canned)
                return ArticleLoad(None, canned, False)
            item = store.item(item_id)
            store.store_article(item_id, canned, item.link if item else None)
            return ArticleLoad(canned, None, False)

    def cached_article(self, item_id: int) -> Article | None:
        return self._store().article_for(item_id)

    def load_image(self, item_id: int, url: str, fit: tuple[int, int]) -> ImageLoad:
        """The canned bytes decoded by the real core (an error string is the load's error)."""
        from reader.errors import ReaderError
        from reader.fetch.images import FetchedImage, ImageLoad, decode_image, sniff

        canned = self.images.get(url, "HTTP 404 not found")
        if isinstance(canned, str):
            return ImageLoad(url, None, canned)
        try:
            return ImageLoad(url, decode_image(FetchedImage(url, url, sniff(canned) or "?", canned), fit))
        except ReaderError as exc:
            return ImageLoad(url, None, str(exc))

    def group_pending(self, progress: Callable[[int, int], None]) -> int:
        with Store.open(self.db_path) as store:
            return store.group_pending(progress)

    def fulltext_policy(self, feed_id: int) -> str:
        return self.policy


def screen_lines(app: object) -> list[str]:
    """The text on screen right now, one string per row (what a person would read)."""
    from textual.app import App

    assert isinstance(app, App)
    return ["".join(seg.text for seg in strip) for strip in app.screen._compositor.render_strips()]


def screen_text(app: object) -> str:
    return "\n".join(screen_lines(app))


def record_polls(services: Any) -> list[object]:
    """Wrap `services.poll` (the real services' or a fake's) so that each call is recorded: the list to give
    `until_polled`."""
    polls: list[object] = []
    real_poll = services.poll

    def recorded_poll(*args: Any, **kwargs: Any) -> PollSummary:
        polls.append(args)
        return real_poll(*args, **kwargs)  # type: ignore[no-any-return]

    services.poll = recorded_poll
    return polls


async def until_polled(pilot: object, polls: Sequence[object], count: int = 1) -> None:
    """Wait until `polls` (the calls a services' poll() recorded) holds `count` calls and the screen has handled
    the last one's result.

    The start-up refresh begins after the first paint, so the workers running at one moment (what
    `workers.wait_for_complete()` waits for) may not include it yet; this waits on the app's own events (worker
    completion, then an idle message queue) until the poll was asked for and its result handled.
    """
    from textual.pilot import Pilot

    assert isinstance(pilot, Pilot)
    app = pilot.app
    for _ in range(1000):
        await app.workers.wait_for_complete()
        await pilot.pause()
        if len(polls) >= count and not getattr(app.screen, "polling", True):
            await app.workers.wait_for_complete()  # what handling the result started (feed counts)
            await pilot.pause()
            return
    raise AssertionError(f"{len(polls)} of {count} polls ran, or the screen never handled the result")
