"""Keyset pages of stories (the TUI's Stories screen over a whole archive) and editing tracked topics."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from reader.errors import TopicInputError
from reader.models import FetchOutcome, ParsedFeed, ParsedItem
from reader.store.feeds import Store
from reader.stories.topic_edits import delete_topic, save_topic

T0 = datetime(2019, 5, 1, 12, 0, tzinfo=UTC)
WORDS = [
    "apple",
    "basil",
    "cedar",
    "delta",
    "ember",
    "fjord",
    "garnet",
    "harbor",
    "indigo",
    "jasper",
    "kelp",
    "lumen",
]


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store.open(tmp_path / "reader.db")
    feeds = [s.add_feed(f"https://outlet{i}.example/feed.xml") for i in range(2)]
    # 40 distinct stories, an hour apart; every third is carried by both outlets; two share a time (ties).
    for feed_no, feed in enumerate(feeds):
        items = []
        for n in range(40):
            if feed_no == 1 and n % 3:
                continue
            when = T0 + timedelta(hours=n if n != 7 else 6)
            title = f"{WORDS[n % 12]} {WORDS[(n // 12) + 3]} quarterly {n} report zebra{n} yak{n}"
            items.append(
                ParsedItem(key=f"{feed_no}-{n}", title=title, link=None, published=when, content_hash=f"{n}")
            )
        s.apply_fetch(feed, FetchOutcome(feed.url, 200, parsed=ParsedFeed(None, None, tuple(items))))
    s.merge_stories()
    yield s
    s.close()


def walk(store: Store, *, unread_only: bool = False, size: int = 7) -> list[int]:
    page = store.stories_page(unread_only=unread_only, limit=size)
    ids = [s.id for s in page.stories]
    assert not page.more_newer
    while page.more_older:
        page = store.stories_page(unread_only=unread_only, after=page.keys[-1], limit=size)
        assert page.more_newer and len(page.stories) <= size
        ids += [s.id for s in page.stories]
    return ids


def test_pages_walk_every_story_once_in_the_lists_order(store: Store) -> None:
    every = [s.id for s in store.stories(limit=1000)]
    assert len(every) == store.story_count() >= 30
    assert walk(store) == every
    # Backwards from the oldest page: the same stories, the same order.
    page = store.stories_page(oldest=True, limit=7)
    assert not page.more_older and page.more_newer
    back = [s.id for s in page.stories]
    while page.more_newer:
        page = store.stories_page(before=page.keys[0], limit=7)
        back = [s.id for s in page.stories] + back
    assert back == every


def test_unread_pages_skip_read_stories_and_count_outlets(store: Store) -> None:
    every = store.stories(limit=1000)
    read = {s.id for s in every[::2]}
    for sid in read:
        store.mark_story_read(sid)
    assert walk(store, unread_only=True, size=5) == [s.id for s in every if s.id not in read]
    first = store.stories_page(limit=1000).stories
    shared = [s for s in first if s.feed_count == 2]
    assert shared and all(s.item_count >= 2 for s in shared)
    heads = store.story_headlines(shared[0].id)
    assert [h.feed_id for h in heads] != [] and len({h.feed_id for h in heads}) == 2


def test_user_topics_are_edited_and_deleted_config_topics_are_not(store: Store) -> None:
    store.sync_topics({"exports": '"export controls"'})
    topic = save_topic(store, "cedar", "cedar")
    assert topic.origin == "user" and store.topic_query("cedar") == "cedar"
    with pytest.raises(TopicInputError, match="exists already"):
        save_topic(store, "cedar", "delta")
    with pytest.raises(TopicInputError, match="not a valid search"):
        save_topic(store, "broken", '"unclosed')
    changed = save_topic(store, "trees", "cedar OR kelp", replacing="cedar")
    assert changed.name == "trees" and store.topic("cedar") is None
    assert store.topic_query("trees") == "cedar OR kelp"
    with pytest.raises(TopicInputError, match=r"config file's \[topics\] \(/etc/reader.toml\)"):
        save_topic(store, "exports", "x", replacing="exports", config_path="/etc/reader.toml")
    with pytest.raises(TopicInputError, match="config file"):
        delete_topic(store, "exports")
    delete_topic(store, "trees")
    assert [t.name for t in store.topics()] == ["exports"]


def test_renaming_a_topic_keeps_what_was_announced_a_new_query_starts_afresh(store: Store) -> None:
    save_topic(store, "cedar", "cedar")
    assert store.take_topic_matches() == []  # saved after the items arrived: nothing new yet
    save_topic(store, "cedar trees", "cedar", replacing="cedar")
    assert store.take_topic_matches() == []
    store._conn.execute("UPDATE topics SET seen_id = 0")
    save_topic(store, "cedar trees", "cedar", replacing="cedar trees")
    assert [m.name for m in store.take_topic_matches()] == ["cedar trees"]  # same query: kept as it was
