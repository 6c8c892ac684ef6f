"""Pull: the server's subscriptions, the items we lack, then its read and starred state.

Rules: an item with a local change still waiting keeps the local value (it is pushed next); otherwise the
server's state wins; items the server no longer knows keep their state; saved items are never dropped (a feed
the server dropped is removed like `reader remove`, which keeps saved items).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from reader.store.feeds import Store
from reader.sync.client import READ_TAG, READING_LIST, STARRED, GReaderClient


@dataclass
class PullReport:
    feeds_added: int = 0
    feeds_removed: int = 0
    new_items: int = 0
    matched: int = 0
    queued: int = 0
    read_changed: int = 0
    saved_changed: int = 0
    warnings: list[str] = field(default_factory=list)


def pull(store: Store, client: GReaderClient) -> PullReport:
    report = PullReport()
    subs = client.subscriptions()
    report.feeds_added, gone, report.warnings = store.apply_subscriptions(subs)
    for url in gone:
        if store.remove_feed(url):
            report.feeds_removed += 1
    all_ids = client.item_ids(READING_LIST)
    unread = client.item_ids(READING_LIST, exclude=READ_TAG)
    starred = client.item_ids(STARRED)
    known = set(all_ids)
    have = store.server_item_ids()
    missing = [i for i in all_ids if i not in have]
    missing += [i for i in starred if i not in have and i not in known]
    for batch in client.items(missing):
        stored = store.store_server_items(batch)
        report.new_items += stored.new_items
        report.matched += stored.matched
        report.queued += stored.queued
    report.read_changed, report.saved_changed = store.apply_server_state(known, set(unread), set(starred))
    return report
