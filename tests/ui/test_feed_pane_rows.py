"""The feed pane's rows: feeds no longer polled go apart, under "Not polled", and every count agrees with the
view its row opens (All / Unread count them; a tag counts its view's items, those of its feeds not polled too)."""

from __future__ import annotations

from reader.models import Feed
from reader.ui.widgets.feeds import NOT_POLLED, NOT_POLLED_ID, FeedList


def feed(feed_id: int, title: str, unread: int, *, tags: tuple[str, ...] = (), active: bool = True) -> Feed:
    return Feed(
        id=feed_id,
        url=f"https://{feed_id}.example/",
        title=title,
        tags=tags,
        unread_count=unread,
        item_count=unread + 1,
        active=active,
        origin="config",
        last_error="old" if not active else None,
    )


FEEDS = [
    feed(1, "Alpha", 2, tags=("tech",)),
    feed(2, "Beta", 1),
    feed(3, "Gone", 5, tags=("tech",), active=False),
    feed(4, "Saved pages", 0, active=False),
]


def test_feeds_not_polled_follow_the_polled_ones_under_their_own_heading() -> None:
    rows = FeedList._build_rows(FEEDS, 0, set())
    shown = [(r.option_id, r.count, r.indent, r.dim) for r in rows]
    assert shown == [
        ("all", 8, 0, False),
        ("unread", 8, 0, False),
        ("saved", 0, 0, False),
        ("tag:tech", 7, 0, False),  # the #tech view lists Gone's items too
        ("feed:1@tech", 2, 1, False),
        ("group:untagged", 1, 0, False),
        ("feed:2", 1, 1, False),
        (NOT_POLLED_ID, 5, 0, True),
        (f"feed:3@{NOT_POLLED}", 5, 1, True),
        (f"feed:4@{NOT_POLLED}", 0, 1, True),
    ]
    assert rows[6].divider  # a rule between the polled feeds and the others
    assert not any(r.failing for r in rows)  # an old error of a feed not polled is no failure now


def test_the_section_folds_and_a_flat_list_gets_it_too() -> None:
    folded = FeedList._build_rows(FEEDS, 0, {NOT_POLLED})
    assert [r.option_id for r in folded][-2:] == ["feed:2", NOT_POLLED_ID]
    assert folded[-1].option_id == NOT_POLLED_ID and folded[-1].folded and folded[-1].count == 5
    flat = FeedList._build_rows([FEEDS[1], FEEDS[2]], 0, set())  # no polled feed has a tag: no tag groups
    assert [(r.option_id, r.count) for r in flat] == [
        ("all", 6),
        ("unread", 6),
        ("saved", 0),
        ("feed:2", 1),
        (NOT_POLLED_ID, 5),
        (f"feed:3@{NOT_POLLED}", 5),
    ]
    only_idle = FeedList._build_rows([FEEDS[2]], 0, set())
    assert [r.option_id for r in only_idle] == [
        "all",
        "unread",
        "saved",
        NOT_POLLED_ID,
        f"feed:3@{NOT_POLLED}",
    ]
    assert only_idle[2].divider
