"""Sort orders (newest, oldest, by feed) agree between pages, positions and next-unread; marking above/below/older."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from reader.models import SORT_ORDERS, FetchOutcome, ParsedFeed, ParsedItem, View, ViewKind
from reader.store.feeds import Store

NOW = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


def fill(store: Store) -> None:
    """Three feeds whose items interleave in time, two of them at the very same instant (ties by id)."""
    for n, title in enumerate(["beta", "Alpha", "gamma"]):
        feed = store.add_feed(f"https://f{n}.example/feed", title)
        items = [
            ParsedItem(
                key=f"{n}-{k}",
                title=f"{title} {k}",
                published=NOW - timedelta(hours=3 * k + n if k != 2 else 100),
                content_hash=f"{n}-{k}",
            )
            for k in range(4)
        ]
        store.apply_fetch(
            feed,
            FetchOutcome(feed.url, 200, parsed=ParsedFeed(title=None, site_url=None, items=tuple(items))),
        )


def python_order(store: Store, view: View) -> list[int]:
    rows = store.headlines(replace_order(view, "newest"), limit=1000)
    if view.order == "oldest":
        return [h.id for h in reversed(rows)]
    if view.order == "feed":
        # Stable sort of the newest-first list by feed title (case-insensitive), then feed id.
        return [h.id for h in sorted(rows, key=lambda h: (h.feed_title.casefold(), h.feed_id))]
    return [h.id for h in rows]


def replace_order(view: View, order: str) -> View:
    from dataclasses import replace

    return replace(view, order=order)


@pytest.mark.parametrize("order", SORT_ORDERS)
def test_pages_positions_and_next_unread_follow_the_order(store: Store, order: str) -> None:
    fill(store)
    view = View(order=order)
    expected = python_order(store, view)
    got = [h.id for h in store.headlines(view, 0, 5)] + [h.id for h in store.headlines(view, 5, 100)]
    assert got == expected
    assert [store.position(view, i) for i in expected] == list(range(len(expected)))
    store.set_read(expected[1:4], True)
    found = store.next_unread(view, expected[0], 1)
    assert found is not None and found[1].id == expected[4] and found[0] == 4
    back = store.next_unread(view, expected[4], -1)
    assert back is not None and back[1].id == expected[0] and back[0] == 0


def test_by_feed_groups_feeds_alphabetically_newest_first_within(store: Store) -> None:
    fill(store)
    rows = store.headlines(View(order="feed"), limit=100)
    titles = [h.feed_title for h in rows]
    assert titles == ["Alpha"] * 4 + ["beta"] * 4 + ["gamma"] * 4
    alpha = [h.date for h in rows[:4]]
    assert alpha == sorted(alpha, reverse=True)


@pytest.mark.parametrize("order", SORT_ORDERS)
def test_mark_above_and_below_in_the_view_order(store: Store, order: str) -> None:
    fill(store)
    view = View(order=order)
    ids = python_order(store, view)
    middle = ids[5]
    below = store.mark_read_beside(view, middle, 1)
    assert sorted(i for i, _ in below) == sorted(ids[6:])
    items = {i.id: i for i in store.items()}
    assert all(items[i].feed_id == f for i, f in below)  # each with its feed, for the counts
    above = store.mark_read_beside(view, middle, -1)
    assert sorted(i for i, _ in above) == sorted(ids[:5])
    item = store.item(middle)
    assert item is not None and not item.read  # the highlighted item itself is left alone
    assert store.mark_read_beside(view, middle, 1) == []  # nothing left to mark: nothing to undo


def test_mark_older_than_stays_in_the_view(store: Store) -> None:
    fill(store)
    feed = store.feed_by_url("https://f1.example/feed")
    assert feed is not None
    view = View(kind=ViewKind.FEED, feed_id=feed.id)
    marked = [i for i, _ in store.mark_read_older(view, NOW - timedelta(hours=8))]
    items = {i.id: i for i in store.items()}
    assert marked and all(
        items[i].feed_id == feed.id and items[i].sort_date < NOW - timedelta(hours=8) for i in marked
    )
    others = [i for i in items.values() if i.feed_id != feed.id]
    assert not any(i.read for i in others)


def test_headlines_say_whether_the_full_text_is_stored(store: Store) -> None:
    from reader.models import Article

    fill(store)
    first = store.headlines(limit=1)[0]
    assert not first.has_article
    article = Article(
        title="t", byline=None, published=None, markdown="x", text="x", word_count=1, reading_minutes=1
    )
    store.store_article(first.id, article, None)
    assert store.headlines(limit=1)[0].has_article


@pytest.mark.parametrize("order", SORT_ORDERS)
@pytest.mark.parametrize("kind", [ViewKind.ALL, ViewKind.UNREAD])
def test_pages_read_from_the_far_end_or_beside_a_neighbour_are_the_pages_by_offset(
    store: Store, order: str, kind: ViewKind
) -> None:
    """End of a long list reads its last page from the other end, and a page next to one in memory is read
    from its neighbour's edge (keyset): both give exactly the rows an OFFSET walk gives, in every order."""
    fill(store)
    store.set_read([h.id for h in store.headlines(View(), 0, 3)], True)
    view = View(kind=kind, order=order)
    expected = python_order(store, view)
    total = store.count(view)
    assert total == len(expected)
    for offset in range(total):
        for limit in (1, 3, 5):
            page = [h.id for h in store.headlines(view, offset, limit, total=total)]
            assert page == expected[offset : offset + limit], (offset, limit)
    for index, item_id in enumerate(expected):
        after = store.headlines_beside(view, item_id, 3, after=True)
        before = store.headlines_beside(view, item_id, 3, after=False)
        assert after is not None and [h.id for h in after] == expected[index + 1 : index + 4]
        assert before is not None and [h.id for h in before] == expected[max(0, index - 3) : index]
    assert store.headlines_beside(view, 10**9, 3, after=True) is None
