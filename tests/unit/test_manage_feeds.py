"""Managing subscriptions by hand (the CLI's `add`/`remove` and the TUI): one validation, config feeds refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from reader.config.loader import parse_config
from reader.errors import FeedInputError
from reader.feeds import manage
from reader.store.feeds import Store


def test_add_validates_like_the_config_and_cleans(store: Store, tmp_path: Path) -> None:
    change = manage.add_feed(
        store, " https://a.example/feed ", "  My\x1b[31m feed ", ["privacy", " eu ", "eu"], "2h"
    )
    assert not change.existed and change.feed.url == "https://a.example/feed"
    assert change.feed.title == "My feed"  # escape sequences stripped, as in the config
    assert change.feed.tags == ("eu", "privacy") and change.feed.poll_interval == 7200
    again = manage.add_feed(store, "https://a.example/feed")
    assert again.existed and again.message.startswith("Updated")
    for bad, reason in (
        ("", "the URL is empty"),
        ("htp://x", "unsupported scheme"),
        ("example.org/feed", "is not a URL"),
        ("https://", "no host name"),
    ):
        with pytest.raises(FeedInputError, match=reason):
            manage.add_feed(store, bad)
    with pytest.raises(FeedInputError, match="poll interval must be between 1m"):
        manage.add_feed(store, "https://b.example/feed", interval="5s")
    with pytest.raises(FeedInputError, match="full-text policy"):
        manage.add_feed(store, "https://b.example/feed", fulltext="always")
    assert [f.url for f in store.feeds()] == ["https://a.example/feed"]


def test_a_relative_file_is_found_from_the_working_directory(store: Store, tmp_path: Path) -> None:
    (tmp_path / "local.xml").write_text("<rss/>")
    change = manage.add_feed(store, "local.xml", cwd=tmp_path)
    assert change.feed.url == (tmp_path / "local.xml").resolve().as_uri()


def test_rename_retag_remove_and_config_feeds_are_refused(store: Store, tmp_path: Path) -> None:
    source = tmp_path / "config.toml"
    config = parse_config('[[feeds]]\nurl = "https://conf.example/feed"\n', source=source)
    store.sync_feeds(config.feeds)
    mine = manage.add_feed(store, "https://mine.example/feed", tags=["a"]).feed
    assert manage.rename_feed(store, config, mine.id, "Mine").feed.title == "Mine"
    assert manage.retag_feed(store, config, mine.id, ["x", "y"]).feed.tags == ("x", "y")
    assert manage.retag_feed(store, config, mine.id, []).feed.tags == ()
    with pytest.raises(FeedInputError, match=r"empty tag|the tags"):
        manage.retag_feed(store, config, mine.id, [" , "])
    listed = store.feed_by_url("https://conf.example/feed")
    assert listed is not None
    for op in (
        lambda: manage.rename_feed(store, config, listed.id, "x"),
        lambda: manage.retag_feed(store, config, listed.id, ["x"]),
        lambda: manage.remove_feed(store, config, listed.id),
    ):
        with pytest.raises(FeedInputError, match=f"listed in {source}"):
            op()
    removed = manage.remove_feed(store, config, mine.id)
    assert "saved items are kept" in removed.message
    assert [f.url for f in store.feeds()] == ["https://conf.example/feed"]
    with pytest.raises(FeedInputError, match="no longer exists"):
        manage.rename_feed(store, config, mine.id, "again")


def test_a_feed_the_config_dropped_can_lose_its_unsaved_items_but_not_be_renamed(
    store: Store, tmp_path: Path
) -> None:
    from reader.models import FetchOutcome, ParsedFeed, ParsedItem, View, ViewKind

    source = tmp_path / "config.toml"
    before = parse_config('[[feeds]]\nurl = "https://conf.example/feed"\n', source=source)
    store.sync_feeds(before.feeds)
    feed = store.feed_by_url("https://conf.example/feed")
    assert feed is not None
    items = tuple(ParsedItem(key=f"k{n}", title=f"Item {n}", content_hash=f"h{n}") for n in range(3))
    store.apply_fetch(feed, FetchOutcome(feed_url=feed.url, status=200, parsed=ParsedFeed(None, None, items)))
    kept = store.headlines(View(kind=ViewKind.FEED, feed_id=feed.id))[0].id
    store.set_saved(kept)
    after = parse_config("", source=source)
    store.sync_feeds(after.feeds)  # dropped: no longer polled, its items kept
    for op in (
        lambda: manage.rename_feed(store, after, feed.id, "x"),
        lambda: manage.retag_feed(store, after, feed.id, ["x"]),
    ):
        with pytest.raises(
            FeedInputError,
            match=r"which is not polled: no longer in the config \(add it back there to poll it\)",
        ):
            op()
    change = manage.remove_feed(store, after, feed.id)
    assert (
        change.message == "Deleted the unsaved items of https://conf.example/feed; its saved items are kept"
    )
    assert [h.id for h in store.headlines()] == [kept]
    left = store.feed_by_id(feed.id)
    assert left is not None and not left.active and left.origin == "config"
    # Still listed in the config (not yet synced): refused as before, not treated as dropped.
    with pytest.raises(FeedInputError, match=f"listed in {source}"):
        manage.remove_feed(store, before, feed.id)
