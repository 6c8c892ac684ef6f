"""The services' story paths: grouping an old archive in chunks under the fetch lock, and waiting for a fetch."""

from __future__ import annotations

from pathlib import Path

from reader.config.loader import Config
from reader.locations import resolve_locations
from reader.models import FetchOutcome, ParsedFeed, ParsedItem
from reader.services import ReaderServices
from reader.store.feeds import Store


def services(tmp_path: Path) -> ReaderServices:
    (tmp_path / "c.toml").write_text("")
    locations = resolve_locations(str(tmp_path / "c.toml"), str(tmp_path / "data"), {})
    return ReaderServices(locations, Config())


def fill(store: Store, feeds: int, per_feed: int) -> None:
    from datetime import UTC, datetime, timedelta

    t0 = datetime(2014, 3, 10, tzinfo=UTC)
    for f in range(feeds):
        feed = store.add_feed(f"https://outlet{f}.example/feed")
        items = tuple(
            ParsedItem(
                key=f"{f}-{n}",
                title=f"Story number {n} about regulator decision {n * 7} in case {n * 13}",
                published=t0 + timedelta(hours=n),
                content_hash=f"{f}-{n}",
            )
            for n in range(per_feed)
        )
        store.apply_fetch(
            feed, FetchOutcome(feed_url=feed.url, status=200, parsed=ParsedFeed(None, None, items))
        )


def test_an_old_archive_is_grouped_in_chunks_with_progress(tmp_path: Path) -> None:
    svc = services(tmp_path)
    with svc.open_store() as store:
        fill(store, 3, 40)
        store._conn.execute("UPDATE items SET story_id = NULL, story_terms = NULL")
        assert store.ungrouped_count() == 120
    seen: list[tuple[int, int]] = []
    assert svc.group_pending(lambda done, total: seen.append((done, total)), chunk=50) == 120
    assert seen[-1] == (120, 120) and all(t == 120 for _, t in seen) and len(seen) >= 3
    with svc.open_store() as store:
        assert store.ungrouped_count() == 0
        # The same news from the three outlets shares a story again.
        ids = [
            r[0] for r in store._conn.execute("SELECT story_id FROM items WHERE key = '0-5' OR key = '2-5'")
        ]
        assert len(ids) == 2 and ids[0] == ids[1]


def test_grouping_an_old_archive_waits_for_a_running_fetch(tmp_path: Path) -> None:
    svc = services(tmp_path)
    with svc.open_store() as store:
        fill(store, 1, 5)
        store._conn.execute("UPDATE items SET story_id = NULL, story_terms = NULL")
    with svc.fetch_lock() as lock:
        lock.acquire(timeout=0)
        assert (
            svc.group_pending(lambda d, t: None, lock_timeout=0) == -1
        )  # a fetch holds the lock: try again later
    assert svc.group_pending(lambda d, t: None) == 5
