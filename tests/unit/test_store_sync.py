"""The store's side of sync: marks queue in the outbox in the same transaction, one row per item and field."""

from __future__ import annotations

from datetime import UTC, datetime

from reader.models import FetchOutcome, ParsedFeed, ParsedItem, View, ViewKind
from reader.store.feeds import Store

NOW_US = int(datetime.now(UTC).timestamp() * 1_000_000)


def _archive(store: Store, n: int = 4, *, server: bool = True) -> list[int]:
    feed = store.add_feed("https://example.org/feed.xml")
    items = tuple(
        ParsedItem(key=f"k{i}", title=f"Item {i}", link=f"https://example.org/{i}", content_hash=str(i))
        for i in range(n)
    )
    store.apply_fetch(feed, FetchOutcome(feed.url, 200, parsed=ParsedFeed("F", None, items)))
    ids = sorted(i.id for i in store.items())
    if server:
        with store._write() as c:
            c.execute("UPDATE feeds SET server_id = 'feed/7'")
            c.executemany(
                "UPDATE items SET server_id = ? WHERE id = ?", [(NOW_US - 1000 * i, i) for i in ids]
            )
    return ids


def test_without_server_ids_nothing_is_queued(store: Store) -> None:
    ids = _archive(store, server=False)
    store.set_read(ids[:2])
    store.set_saved(ids[0], True)
    store.mark_view_read(View())
    assert store.outbox() == [] and store.pending_changes() == 0


def test_a_newer_mark_replaces_the_older_one(store: Store) -> None:
    ids = _archive(store)
    store.set_read([ids[0]])
    store.set_read([ids[0]], False)
    store.set_saved(ids[0], True)
    rows = store.outbox()
    assert [(r.field, r.value) for r in rows] == [("read", False), ("starred", True)]
    assert store.pending_changes() == 2


def test_mark_view_read_is_one_change_covering_its_items(store: Store) -> None:
    ids = _archive(store)
    feed = store.feeds()[0]
    marked = store.mark_view_read(View(kind=ViewKind.FEED, feed_id=feed.id))
    assert sorted(marked) == ids
    rows = store.outbox()
    (mark_all,) = [r for r in rows if r.kind == "mark-all"]
    assert mark_all.stream == "feed/7" and mark_all.ts == NOW_US - 1000 * min(ids)
    assert sorted(r.via for r in rows if r.kind == "item") == [mark_all.id] * 4
    assert store.pending_changes() == 1
    store.set_read([ids[0]], False)  # undo one: its own row, outside the mark-all
    assert store.pending_changes() == 2 and store.via_count(mark_all.id) == 3


def test_a_search_view_queues_items_one_by_one(store: Store) -> None:
    ids = _archive(store)
    store.mark_view_read(View(search="Item 2"))
    rows = store.outbox()
    assert [r.kind for r in rows] == ["item"] and rows[0].via is None and len(ids) == 4


def test_another_account_forgets_ids_and_outbox_but_not_items(store: Store) -> None:
    ids = _archive(store)
    assert store.bind_sync_account("greader https://a/api me") is False
    store.set_read(ids)
    assert store.bind_sync_account("greader https://a/api me") is False
    assert store.pending_changes() == 4
    assert store.bind_sync_account("greader https://b/api me") is True
    assert store.pending_changes() == 0 and store.server_item_ids() == set() and store.count() == 4
    assert all(i.read for i in store.items())


def test_changes_to_items_deleted_here_still_reach_the_server(store: Store) -> None:
    ids = _archive(store)
    store.set_read(ids)
    store.remove_feed("https://example.org/feed.xml")
    assert store.count() == 0 and store.pending_changes() == 4  # the outbox holds server ids, not rows
    assert len(store.forgotten_ids()) == 4
