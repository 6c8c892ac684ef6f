"""Pull: the server's subscriptions, the items we lack, then its read and starred state.

Rules: an item with a local change still waiting keeps the local value (it is pushed next); otherwise the
server's state wins; items the server no longer knows keep their state; saved items are never dropped (a feed
the server dropped is removed like `reader remove`, which keeps saved items).

What it asks for: the unread and starred id sets (always whole), and new items. A first pull, and one a day,
lists every id the server has; otherwise only the newest ids, page by page, until a page brings nothing new
(servers number items in the order they got them). Local items that look read or unstarred on the server but
might instead have been purged there are checked by asking for them; the server answers for those it has.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from reader.store.feeds import Store
from reader.store.outbox import to_unsigned
from reader.sync.client import READ_TAG, READING_LIST, STARRED, GReaderClient

FULL_LISTING_EVERY = timedelta(days=1)
RECENT_PAGE = 1000  # newest ids per page when looking for new items
CHECK_LIMIT = 250  # more doubtful items than one contents call: list every id instead


@dataclass
class PullReport:
    feeds_added: int = 0
    feeds_removed: int = 0
    new_items: int = 0
    matched: int = 0
    queued: int = 0
    read_changed: int = 0
    saved_changed: int = 0
    full_listing: bool = False
    warnings: list[str] = field(default_factory=list)


def pull(
    store: Store, client: GReaderClient, *, now: datetime | None = None, full: bool = False
) -> PullReport:
    report = PullReport()
    subs = client.subscriptions()
    report.feeds_added, gone, report.warnings = store.apply_subscriptions(subs)
    for url in gone:
        if store.remove_feed(url):
            report.feeds_removed += 1
    now = now or datetime.now().astimezone()
    have = store.server_item_ids()
    last_full = store.sync_value("full_listing_at")
    due = last_full is None or now - datetime.fromisoformat(last_full) >= FULL_LISTING_EVERY
    report.full_listing = full or not have or due
    unread = set(client.item_ids(READING_LIST, exclude=READ_TAG))
    starred = set(client.item_ids(STARRED))
    if report.full_listing:
        listed = client.item_ids(READING_LIST)
    else:
        listed = client.item_ids(READING_LIST, page=RECENT_PAGE, stop_at_known=have)
    known = set(listed) | unread | starred
    # Items deleted here (retention, `remove`) come back only when unread or starred on the server.
    skip = have | (store.forgotten_ids() - unread - starred)
    listed_set = set(listed)
    missing = [i for i in listed if i not in skip]
    missing += [i for i in unread | starred if i not in skip and i not in listed_set]
    _fetch(store, client, missing, report)
    if not report.full_listing:
        doubtful = store.state_doubts(known, unread, starred)
        if len(doubtful) > CHECK_LIMIT:  # cheaper to list everything than to fetch each
            everything = client.item_ids(READING_LIST)
            known |= set(everything)
            fetched = set(missing)
            _fetch(store, client, [i for i in everything if i not in skip and i not in fetched], report)
            report.full_listing = True
        else:
            for batch in client.items(doubtful):
                known.update(item.server_id for item in batch)
    if report.new_items:
        store.merge_stories()  # the story pass a poll makes after storing new items
    if report.full_listing:
        store.set_sync_values(full_listing_at=now.isoformat())
    report.read_changed, report.saved_changed = store.apply_server_state(known, unread, starred)
    return report


def _fetch(store: Store, client: GReaderClient, ids: list[int], report: PullReport) -> None:
    """Bring these items, oldest first (local ids then grow with the server's order), batch by batch: each
    batch is stored in its own transaction, so a failure later keeps what came before."""
    for batch in client.items(sorted(set(ids), key=to_unsigned)):
        stored = store.store_server_items(batch)
        report.new_items += stored.new_items
        report.matched += stored.matched
        report.queued += stored.queued
