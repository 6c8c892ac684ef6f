"""The SQLite store: schema, identity, marks, fetch state, search, retention and bad database files."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from reader.errors import StorageError
from reader.models import (
    Article,
    Enclosure,
    FeedConfig,
    FetchOutcome,
    ParsedFeed,
    ParsedItem,
    View,
    ViewKind,
)
from reader.store.feeds import Store, fts_query
from reader.store.schema import SCHEMA_VERSION

NOW = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


def pitem(
    n: int, *, title: str | None = None, chash: str | None = None, day: int | None = None
) -> ParsedItem:
    return ParsedItem(
        key=f"g:item-{n}",
        guid=f"item-{n}",
        title=title or f"Item {n}",
        link=f"https://example.org/{n}",
        summary=f"<p>Summary of item {n} about <b>antitrust</b></p>",
        published=NOW - timedelta(days=day if day is not None else n),
        content_hash=chash or f"h{n}",
    )


def outcome(url: str, items: list[ParsedItem], **kw: object) -> FetchOutcome:
    base: dict[str, object] = dict(
        feed_url=url,
        status=200,
        parsed=ParsedFeed(title="Doc title", site_url="https://example.org", items=tuple(items)),
        etag='"v1"',
        last_modified="Sun, 01 Nov 2026 10:00:00 GMT",
        body_hash="abc",
        fetched_at=NOW,
        next_due=NOW + timedelta(minutes=30),
        due_reason="interval 30m",
    )
    base.update(kw)
    return FetchOutcome(**base)  # type: ignore[arg-type]


@pytest.fixture
def store(tmp_path: Path) -> Store:
    s = Store.open(tmp_path / "data" / "reader.db")
    yield s  # type: ignore[misc]
    s.close()


def test_open_sets_wal_foreign_keys_and_version(tmp_path: Path) -> None:
    s = Store.open(tmp_path / "r.db")
    c = s._conn
    assert c.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert c.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert c.execute("PRAGMA busy_timeout").fetchone()[0] >= 5000
    assert c.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    s.close()
    # Reopening an up-to-date database migrates nothing and keeps data.
    s = Store.open(tmp_path / "r.db")
    s.add_feed("https://a.example/feed")
    s.close()
    s = Store.open(tmp_path / "r.db")
    assert [f.url for f in s.feeds()] == ["https://a.example/feed"]
    s.close()


def test_repoll_never_duplicates_and_edits_update_in_place(store: Store) -> None:
    feed = store.add_feed("https://a.example/feed", tags=["privacy"])
    assert store.apply_fetch(feed, outcome(feed.url, [pitem(1), pitem(2)])) == (2, 0)
    assert store.apply_fetch(feed, outcome(feed.url, [pitem(1), pitem(2)])) == (0, 0)
    assert store.apply_fetch(feed, outcome(feed.url, [pitem(1, title="Edited", chash="x"), pitem(2)])) == (
        0,
        1,
    )
    items = store.items()
    assert [i.title for i in items] == ["Edited", "Item 2"]
    assert store.count() == 2


def test_an_item_s_files_are_stored_and_follow_its_edits(store: Store, tmp_path: Path) -> None:
    from dataclasses import replace

    feed = store.add_feed("https://pod.example/feed")
    episode = Enclosure("https://cdn.example/ep1.mp3", "audio/mpeg", 42_000_000)
    store.apply_fetch(feed, outcome(feed.url, [replace(pitem(1), enclosures=(episode,)), pitem(2)]))
    by_title = {i.title: i for i in store.items()}
    assert by_title["Item 1"].enclosures == (episode,) and by_title["Item 2"].enclosures == ()
    notes = Enclosure("https://cdn.example/ep1.pdf", "application/pdf", None)
    edited = replace(pitem(1), enclosures=(episode, notes), content_hash="h1+pdf")
    assert store.apply_fetch(feed, outcome(feed.url, [edited, pitem(2)])) == (0, 1)
    item = store.item(by_title["Item 1"].id)
    assert item is not None and item.enclosures == (episode, notes)
    # A value this reader did not write (another tool, a damaged row) reads as no files, not an error.
    with sqlite3.connect(tmp_path / "data" / "reader.db") as raw:
        raw.execute("UPDATE items SET enclosures = '{not json' WHERE id = ?", (item.id,))
    again = store.item(item.id)
    assert again is not None and again.enclosures == ()


def test_same_guid_in_two_feeds_are_two_items(store: Store) -> None:
    a = store.add_feed("https://a.example/feed")
    b = store.add_feed("https://b.example/feed")
    store.apply_fetch(a, outcome(a.url, [pitem(1)]))
    store.apply_fetch(b, outcome(b.url, [pitem(1)]))
    assert store.count() == 2


def test_fetch_state_validators_failures_and_title(store: Store) -> None:
    feed = store.add_feed("https://a.example/feed")
    store.apply_fetch(feed, outcome(feed.url, [pitem(1)]))
    f = store.feed_by_url(feed.url)
    assert f is not None
    assert (f.etag, f.last_status, f.failures, f.title) == ('"v1"', 200, 0, "Doc title")
    assert f.next_due == NOW + timedelta(minutes=30) and f.due_reason == "interval 30m"
    # Two failures: counted, validators and last success kept.
    for _ in range(2):
        store.apply_fetch(f, FetchOutcome(feed_url=f.url, status=500, error="HTTP 500", fetched_at=NOW))
    f2 = store.feed_by_url(feed.url)
    assert f2 is not None
    assert (f2.failures, f2.last_error, f2.etag, f2.last_success) == (2, "HTTP 500", '"v1"', NOW)
    # Success resets the count and clears the error.
    store.apply_fetch(f2, outcome(f2.url, [], not_modified=True, parsed=None, status=304))
    f3 = store.feed_by_url(feed.url)
    assert f3 is not None and (f3.failures, f3.last_error) == (0, None)


def test_configured_title_wins_over_document_title(store: Store) -> None:
    feed = store.add_feed("https://a.example/feed", title="My title")
    store.apply_fetch(feed, outcome(feed.url, [pitem(1)]))
    got = store.feed_by_url(feed.url)
    assert got is not None and got.title == "My title"


def test_permanent_redirect_moves_the_feed_and_keeps_items(store: Store) -> None:
    feed = store.add_feed("http://old.example/feed")
    store.apply_fetch(feed, outcome(feed.url, [pitem(1)], new_url="https://new.example/feed"))
    moved = store.feed_by_url("https://new.example/feed")
    assert moved is not None and moved.id == feed.id and moved.url == "https://new.example/feed"
    # The old URL still names it (a config entry or OPML line written before the move).
    assert moved.source_url == "http://old.example/feed" and store.feed_by_url(moved.source_url) == moved
    assert store.count(View(kind=ViewKind.FEED, feed_id=feed.id)) == 1


def test_views_marks_and_undo(store: Store) -> None:
    a = store.add_feed("https://a.example/feed", tags=["privacy", "eu"])
    b = store.add_feed("https://b.example/feed", tags=["ai"])
    store.apply_fetch(a, outcome(a.url, [pitem(1), pitem(2)]))
    store.apply_fetch(b, outcome(b.url, [pitem(3)]))
    ids = [h.id for h in store.headlines()]
    assert len(ids) == 3
    # Newest first by published date.
    assert [h.title for h in store.headlines()] == ["Item 1", "Item 2", "Item 3"]
    assert store.set_read([ids[0]]) == [ids[0]]
    assert store.set_read([ids[0]]) == []  # no change, nothing to undo
    assert store.count(View(kind=ViewKind.UNREAD)) == 2
    assert store.count(View(kind=ViewKind.TAG, tag="privacy")) == 2
    assert store.count(View(kind=ViewKind.TAG, tag="privacy", unread_only=True)) == 1
    changed = store.mark_view_read(View(kind=ViewKind.TAG, tag="privacy"))
    assert changed == [ids[1]]
    assert store.count(View(kind=ViewKind.UNREAD)) == 1
    store.set_read(changed, False)  # undo
    assert store.count(View(kind=ViewKind.UNREAD)) == 2
    assert store.set_saved(ids[2]) is True
    saved = store.headlines(View(kind=ViewKind.SAVED))
    assert [h.id for h in saved] == [ids[2]] and saved[0].saved
    it = store.item(ids[2])
    assert it is not None and it.saved and it.saved_at is not None
    assert store.position(View(), ids[2]) == 2
    assert store.position(View(kind=ViewKind.SAVED), ids[0]) is None
    counts = {f.url: (f.item_count, f.unread_count) for f in store.feeds(with_counts=True)}
    assert counts == {a.url: (2, 1), b.url: (1, 1)}


def test_paging_is_stable(store: Store) -> None:
    feed = store.add_feed("https://a.example/feed")
    store.apply_fetch(feed, outcome(feed.url, [pitem(n) for n in range(250)]))
    first = store.headlines(offset=0, limit=100)
    second = store.headlines(offset=100, limit=100)
    assert len(first) == len(second) == 100
    assert first[-1].date >= second[0].date
    assert not {h.id for h in first} & {h.id for h in second}


def test_search_titles_and_article_text(store: Store) -> None:
    feed = store.add_feed("https://a.example/feed")
    store.apply_fetch(feed, outcome(feed.url, [pitem(1, title="Senate passes privacy bill"), pitem(2)]))
    assert [h.title for h in store.headlines(View(search="privacy"))] == ["Senate passes privacy bill"]
    assert store.count(View(search="antitru")) == 2  # prefix of a summary word
    item2 = next(h for h in store.headlines() if h.title == "Item 2")
    art = Article(
        title="t",
        byline=None,
        published=None,
        markdown="# x",
        text="The spectrum auction rules",
        word_count=4,
        reading_minutes=1,
        extractor_version="1",
    )
    store.store_article(item2.id, art, "https://example.org/2")
    assert [h.id for h in store.headlines(View(search="spectrum auction"))] == [item2.id]
    assert store.article_for(item2.id) == art
    # Hostile search text is quoted, never FTS syntax.
    assert store.count(View(search='" OR * NEAR( ) AND -')) == 0
    assert fts_query("   ") is None


def test_saved_items_survive_retention_and_feed_removal(store: Store) -> None:
    feed = store.add_feed("https://a.example/feed")
    store.apply_fetch(feed, outcome(feed.url, [pitem(1, day=100), pitem(2, day=100), pitem(3, day=100)]))
    ids = [h.id for h in store.headlines()]
    store.set_read(ids)
    store.set_saved(ids[0])
    later = NOW + timedelta(days=365)
    assert store.purge(30, now=later) == 2
    assert [h.id for h in store.headlines()] == [ids[0]]
    assert store.remove_feed(feed.url)
    assert store.feeds() == []  # inactive
    assert [h.id for h in store.headlines(View(kind=ViewKind.SAVED))] == [ids[0]]


def test_retention_keeps_items_the_feed_still_carries(store: Store) -> None:
    feed = store.add_feed("https://a.example/feed")
    store.apply_fetch(feed, outcome(feed.url, [pitem(1, day=100)]))
    store.set_read([h.id for h in store.headlines()])
    # The item is old, but its feed carried it at NOW: 30 days after NOW it was seen 30 days ago.
    assert store.purge(60, now=NOW + timedelta(days=30)) == 0


def test_corrupt_file_is_a_clear_storage_error(tmp_path: Path) -> None:
    bad = tmp_path / "reader.db"
    bad.write_bytes(b"this is not sqlite at all" * 100)
    with pytest.raises(StorageError, match="not a SQLite database"):
        Store.open(bad)


def test_foreign_sqlite_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "reader.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE moz_places (id INTEGER)")
    conn.commit()
    conn.close()
    with pytest.raises(StorageError, match="another program"):
        Store.open(path)


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    Store.open(tmp_path / "r.db").close()
    conn = sqlite3.connect(tmp_path / "r.db")
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 5}")
    conn.commit()
    conn.close()
    with pytest.raises(StorageError, match="newer version"):
        Store.open(tmp_path / "r.db")


def test_unwritable_data_dir_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(StorageError, match="cannot create the data directory"):
        Store.open(blocker / "sub" / "reader.db")


def test_future_dates_never_sort_above_now(store: Store, tmp_path: Path) -> None:
    # Issue 9: the real date is kept (and shown); only the order key is clamped to the time of storing.
    feed = store.add_feed("https://a.example/feed")
    ahead = NOW + timedelta(days=3)
    future = ParsedItem(key="g:f", title="From the future", published=ahead, content_hash="f")
    store.apply_fetch(feed, outcome(feed.url, [future, pitem(1, day=0)]))
    heads = store.headlines()
    by_title = {h.title: h for h in heads}
    assert by_title["From the future"].date == ahead  # the headline shows the real date
    item = store.item(by_title["From the future"].id)
    assert item is not None and item.published == ahead
    with sqlite3.connect(tmp_path / "data" / "reader.db") as conn:
        (sort_date,) = conn.execute("SELECT sort_date FROM items WHERE id = ?", (item.id,)).fetchone()
    assert datetime.fromisoformat(sort_date) == NOW
    # Ordered as if published when stored: an item published after that comes above it, not under it for days.
    later = ParsedItem(key="g:l", title="Later", published=NOW + timedelta(hours=1), content_hash="l")
    store.apply_fetch(feed, outcome(feed.url, [later, future], fetched_at=NOW + timedelta(hours=2)))
    assert [h.title for h in store.headlines()][:2] == ["Later", "From the future"]


def test_sync_feeds_follows_the_config_and_leaves_added_feeds(store: Store) -> None:
    store.add_feed("https://mine.example/feed")
    store.sync_feeds(
        [FeedConfig("https://a.example/feed", tags=("ai",)), FeedConfig("https://b.example/feed")]
    )
    assert {f.url for f in store.feeds()} == {
        "https://mine.example/feed",
        "https://a.example/feed",
        "https://b.example/feed",
    }
    store.sync_feeds([FeedConfig("https://a.example/feed", title="A", tags=("ai",))])
    feeds = {f.url: f for f in store.feeds()}
    assert set(feeds) == {"https://mine.example/feed", "https://a.example/feed"}
    assert feeds["https://a.example/feed"].title == "A" and feeds["https://a.example/feed"].origin == "config"
    assert feeds["https://mine.example/feed"].origin == "user"


def test_next_unread_is_exact_far_away_both_ways_and_ties_break_by_id(store: Store) -> None:
    a = store.add_feed("https://a.example/feed")
    b = store.add_feed("https://b.example/feed")
    # 6,000 items in a, all read except two far apart; b's item shares a date with a's first unread one.
    store.apply_fetch(a, outcome(a.url, [pitem(n, day=0) if n == 10 else pitem(n) for n in range(6000)]))
    store.apply_fetch(b, outcome(b.url, [pitem(10_000, day=0)]))
    heads = store.headlines(limit=10_000)
    store.set_read([h.id for h in heads], True)
    far, tie = heads[5_500], next(h for h in heads if h.title == "Item 10000")
    near = next(h for h in heads if h.title == "Item 10")
    store.set_read([far.id, near.id], False)
    view = View()
    first = store.next_unread(view, heads[0].id, 1)
    assert first is not None and first[1].id == near.id and first[0] == store.position(view, near.id)
    assert not first[1].read
    found = store.next_unread(view, near.id, 1)
    assert found == (5_500, store.headlines(offset=5_500, limit=1)[0]) and found[1].id == far.id
    assert store.next_unread(view, far.id, 1) is None
    back = store.next_unread(view, far.id, -1)
    assert back is not None and back[1].id == near.id
    assert store.next_unread(view, near.id, -1) is None
    # From nowhere: the first unread going down, the last going up.
    assert store.next_unread(view, None, 1) == first
    last = store.next_unread(view, None, -1)
    assert last is not None and last[1].id == far.id
    # The reference item need not be in the view (read items leave an unread-only view).
    store.set_read([tie.id], False)
    feed_view = View(kind=ViewKind.FEED, feed_id=a.id, unread_only=True)
    in_feed = store.next_unread(feed_view, tie.id, 1)
    assert in_feed is not None and in_feed[1].feed_id == a.id and in_feed[0] in (0, 1)
    assert store.next_unread(view, 999_999, 1) is None  # a vanished reference item


def test_sync_feeds_writes_nothing_when_the_config_did_not_change(store: Store) -> None:
    configs = [
        FeedConfig(f"https://{n}.example/feed", title=f"F{n}", tags=("t",), poll_interval=3600)
        for n in range(5)
    ]
    store.sync_feeds(configs)
    before = store._conn.total_changes
    store.sync_feeds(configs)
    assert store._conn.total_changes == before
    store.sync_feeds([*configs[:4], FeedConfig("https://4.example/feed", title="Renamed", tags=("t",))])
    assert {f.url: f.title for f in store.feeds()}["https://4.example/feed"] == "Renamed"


def test_feeds_not_polled_are_listed_with_their_counts_only_while_they_hold_items(store: Store) -> None:
    kept = store.add_feed("https://kept.example/feed", origin="config")
    dropped = store.add_feed("https://dropped.example/feed", origin="config")
    empty = store.add_feed("https://empty.example/feed", origin="config")  # never brought an item
    gone = store.add_feed("https://gone.example/feed")
    for feed in (kept, dropped, gone):
        store.apply_fetch(feed, outcome(feed.url, [pitem(n) for n in range(3)]))
    dropped_ids = [h.id for h in store.headlines(View(kind=ViewKind.FEED, feed_id=dropped.id))]
    store.set_read(dropped_ids[:1])
    gone_ids = [h.id for h in store.headlines(View(kind=ViewKind.FEED, feed_id=gone.id))]
    store.set_saved(gone_ids[0])
    store.sync_feeds([FeedConfig(url=kept.url)])  # the config drops two feeds
    store.remove_feed(gone.url)  # unsubscribed: its saved item stays
    polled = store.feeds(with_counts=True)
    assert [(f.url, f.active) for f in polled] == [(kept.url, True)]
    every = {f.url: f for f in store.feeds(with_counts=True, include_inactive=True)}
    assert set(every) == {kept.url, dropped.url, gone.url}  # not the empty one
    assert (every[kept.url].active, every[kept.url].item_count, every[kept.url].unread_count) == (True, 3, 3)
    assert (every[dropped.url].active, every[dropped.url].item_count, every[dropped.url].unread_count) == (
        False,
        3,
        2,
    )
    assert (every[gone.url].active, every[gone.url].item_count) == (False, 1)
    assert (
        every[dropped.url].not_polled_reason is not None and "config" in every[dropped.url].not_polled_reason
    )
    assert (
        every[gone.url].not_polled_reason is not None and "unsubscribed" in every[gone.url].not_polled_reason
    )
    assert every[kept.url].not_polled_reason is None
    # Their counts add up to what the All and Unread views list; none of them is due for a poll.
    assert sum(f.item_count for f in every.values()) == store.count(View())
    assert sum(f.unread_count for f in every.values()) == store.count(View(kind=ViewKind.UNREAD))
    assert [f.url for f in store.due_feeds(NOW + timedelta(days=30))] == [kept.url]
    assert store.feed_by_id(empty.id) is not None  # kept (its id, for a config listing it again), not listed
