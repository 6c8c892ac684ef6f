"""The store's side of a pull: server ids beside feeds and items, the server's subscriptions, items and state.

An archive that turns sync on is matched to the server's items by feed URL plus link or guid (the local item gets
the server id instead of a twin). The outbox (outbox.py) is what wins over the server's state.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from reader.config.values import clean_tag
from reader.frozen import Frozen, value_type
from reader.models import Enclosure
from reader.store.base import _ts, enclosures_json, utcnow
from reader.store.outbox import (
    READ,
    STARRED,
    OutboxEntry,
    OutboxQueries,
    chunks,
    queue_items,
    to_signed,
    to_unsigned,
)
from reader.store.stories import StoryQueries
from reader.store.story_grouping import NewItems
from reader.textsafe import plain_text

__all__ = [
    "OutboxEntry",
    "PullResult",
    "ServerItem",
    "Subscription",
    "SyncQueries",
    "to_signed",
    "to_unsigned",
]


@value_type
class Subscription(Frozen):
    """A feed the server carries."""

    server_id: str  # "feed/12"
    url: str
    title: str | None = None
    site_url: str | None = None
    labels: tuple[str, ...] = ()


@value_type
class ServerItem(Frozen):
    """An item as the server gives it (text already made safe by the client)."""

    server_id: int  # signed 64-bit
    stream: str  # the feed's server id, "feed/12"
    title: str
    link: str | None = None
    author: str | None = None
    summary: str | None = None
    content: str | None = None
    published: datetime | None = None
    read: bool = False
    starred: bool = False
    enclosures: tuple[Enclosure, ...] = ()  # its files (podcast episodes), as the server lists them


@dataclass
class PullResult:
    new_items: int = 0
    matched: int = 0  # local items given their server id (an archive that turned sync on)
    queued: int = 0  # local state the server lacked, queued while matching
    skipped: int = 0  # items of feeds the subscription list did not name


class SyncQueries(OutboxQueries, StoryQueries):
    """Server ids, subscriptions, pulled items and state: what `reader.sync` reads and writes."""

    # ------------------------------------------------------------ feeds

    def server_feed_ids(self) -> set[int]:
        """Local ids of the feeds the server polls for us (the reader does not poll them itself)."""
        return {r[0] for r in self._read("SELECT id FROM feeds WHERE server_id IS NOT NULL")}

    def apply_subscriptions(self, subs: Sequence[Subscription]) -> tuple[int, list[str], list[str]]:
        """Make the server's subscriptions local feeds (folders become tags), linking feeds we already have
        by URL. Returns (feeds added, URLs the server dropped that are to be removed, warnings)."""
        now = _ts(utcnow())
        added = 0
        warnings: list[str] = []
        with self._write() as c:
            pending_unsub = {
                r[0] for r in c.execute("SELECT stream FROM sync_outbox WHERE kind = 'unsubscribe'")
            }
            pending_unsub_urls = {
                r[0] for r in c.execute("SELECT url FROM sync_outbox WHERE kind = 'unsubscribe'")
            }
            pending_sub = {r[0] for r in c.execute("SELECT url FROM sync_outbox WHERE kind = 'subscribe'")}
            feeds = c.execute("SELECT id, url, server_id, origin, source_url FROM feeds").fetchall()
            by_sid = {r[2]: r for r in feeds if r[2]}
            by_url = {r[1]: r for r in feeds}
            for r in feeds:  # a feed we know under its newer URL is also found under the one subscribed to
                if r[4]:
                    by_url.setdefault(r[4], r)
            seen: set[str] = set()
            listed = {sub.server_id for sub in subs}
            for sub in subs:
                if sub.server_id in pending_unsub or sub.url in pending_unsub_urls:
                    continue  # removed here; the push will tell the server
                seen.add(sub.server_id)
                row = by_sid.get(sub.server_id)
                if row is None:
                    local = by_url.get(sub.url)
                    # Ours by URL, unless it is linked to another feed the server still lists.
                    row = local if local is not None and (not local[2] or local[2] not in listed) else None
                if row is None:
                    if sub.url in by_url:  # the URL is taken by another server feed: keep the first
                        continue
                    feed_id = c.execute(
                        "INSERT INTO feeds (url, doc_title, site_url, added_at, origin, server_id) "
                        "VALUES (?, ?, ?, ?, 'user', ?)",
                        (sub.url, sub.title, sub.site_url, now, sub.server_id),
                    ).lastrowid
                    by_url[sub.url] = (feed_id, sub.url, sub.server_id, "user", None)
                    added += 1
                    origin = "user"
                else:
                    feed_id, origin = row[0], row[3]
                    c.execute(
                        "UPDATE feeds SET server_id = ?, doc_title = COALESCE(?, doc_title), "
                        "site_url = COALESCE(?, site_url), active = 1 WHERE id = ?",
                        (sub.server_id, sub.title, sub.site_url, feed_id),
                    )
                c.execute(
                    "UPDATE feeds SET last_status = 200, last_error = NULL, failures = 0, last_fetched = ?, "
                    "last_success = ?, due_reason = 'polled by the sync server' WHERE id = ?",
                    (now, now, feed_id),
                )
                labels = [t for t in (clean_tag(label) for label in sub.labels) if t]
                if labels:
                    have = {
                        r[0] for r in c.execute("SELECT tag FROM feed_tags WHERE feed_id = ?", (feed_id,))
                    }
                    # The config file owns its feeds' tags: add, never replace. A server keeps one folder per
                    # feed, so tags of our own beside the folder it has stay.
                    if origin != "config" and not set(labels) <= have:
                        c.execute("DELETE FROM feed_tags WHERE feed_id = ?", (feed_id,))
                    c.executemany(
                        "INSERT OR IGNORE INTO feed_tags (feed_id, tag) VALUES (?, ?)",
                        [(feed_id, t) for t in labels],
                    )
            dropped = [
                r
                for r in c.execute("SELECT id, url, server_id, origin FROM feeds WHERE server_id IS NOT NULL")
                if r[2] not in seen and r[1] not in pending_sub
            ]
            if dropped and not subs:
                warnings.append(
                    f"the server lists no subscriptions; keeping the {len(dropped)} feeds it used to carry"
                )
                dropped = []
            gone: list[str] = []
            for feed_id, url, _sid, origin in dropped:
                c.execute(
                    "UPDATE feeds SET server_id = NULL, next_due = NULL, due_reason = NULL WHERE id = ?",
                    (feed_id,),
                )
                if origin != "config":  # the config file still lists it: the reader polls it again
                    gone.append(url)
        return added, gone, warnings

    # ------------------------------------------------------------ items

    def server_item_ids(self) -> set[int]:
        return {r[0] for r in self._read("SELECT server_id FROM items WHERE server_id IS NOT NULL")}

    def forgotten_ids(self) -> set[int]:
        """Server ids of items deleted here (retention, `remove`)."""
        return {r[0] for r in self._read("SELECT server_id FROM sync_forgotten")}

    def store_server_items(self, items: Sequence[ServerItem]) -> PullResult:
        """Store items pulled from the server in one transaction. An item that matches a local one of the same
        feed by link or guid (an archive that turned sync on) gets the server id instead of a twin; the local
        read or saved state the server lacks is queued for it."""
        result = PullResult()
        if not items:
            return result
        now = utcnow()
        now_s = _ts(now)
        with self._write() as c:
            feed_of = {
                r[0]: r[1] for r in c.execute("SELECT server_id, id FROM feeds WHERE server_id IS NOT NULL")
            }
            known = self._known_ids(c, [it.server_id for it in items])
            unmatched: dict[int, dict[str, tuple[int, bool, bool]]] = {}
            rows: list[tuple[Any, ...]] = []
            fts_rows: list[tuple[int, str, str]] = []
            # AUTOINCREMENT's high-water mark too: an id once given is never given again, even after deletion.
            next_id = 1 + int(
                c.execute(
                    "SELECT MAX(COALESCE((SELECT MAX(id) FROM items), 0), "
                    "COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'items'), 0))"
                ).fetchone()[0]
            )
            keys_taken: dict[int, set[str]] = {}
            to_read: list[int] = []
            to_star: list[int] = []
            # Oldest first, so local ids grow with the server's order.
            for it in sorted(items, key=lambda i: to_unsigned(i.server_id)):
                if it.server_id in known:
                    continue
                feed_id = feed_of.get(it.stream)
                if feed_id is None:
                    result.skipped += 1
                    continue
                if feed_id not in unmatched:
                    unmatched[feed_id], keys_taken[feed_id] = self._local_index(c, feed_id)
                local = unmatched[feed_id]
                match = None
                if it.link:
                    match = local.get(it.link)
                if match is not None:
                    item_id, was_read, was_saved = match
                    for k in [k for k, v in local.items() if v[0] == item_id]:
                        del local[k]
                    c.execute("UPDATE items SET server_id = ? WHERE id = ?", (it.server_id, item_id))
                    if was_read and not it.read:
                        to_read.append(it.server_id)
                    if was_saved and not it.starred:
                        to_star.append(it.server_id)
                    known.add(it.server_id)
                    result.matched += 1
                    continue
                key = it.link if it.link and it.link not in keys_taken[feed_id] else f"greader:{it.server_id}"
                keys_taken[feed_id].add(key)
                published = it.published if it.published is None or it.published <= now else now
                item_id = next_id + len(rows)
                rows.append(
                    (
                        item_id,
                        feed_id,
                        key,
                        it.title,
                        it.link,
                        it.author,
                        it.summary,
                        it.content,
                        _ts(published),
                        _ts(published) or now_s,
                        now_s,
                        now_s,
                        _content_hash(it),
                        int(it.read),
                        now_s if it.read else None,
                        int(it.starred),
                        now_s if it.starred else None,
                        it.server_id,
                        enclosures_json(it.enclosures),
                    )
                )
                fts_rows.append((item_id, it.title, plain_text(it.content or it.summary)))
                known.add(it.server_id)
            if rows:
                # Stories first (reader.store.stories), so each row goes in once, with its story.
                story_ids, story_terms = self._group_new(
                    c,
                    NewItems(
                        [r[0] for r in rows],
                        [r[1] for r in rows],
                        [r[9] for r in rows],
                        titles=[r[3] for r in rows],
                        texts=[f[2] for f in fts_rows],
                    ),
                )
                c.executemany(
                    """INSERT INTO items (id, feed_id, key, title, link, author, summary, content, published,
                       sort_date, first_seen, last_seen, content_hash, read, read_at, saved, saved_at,
                       server_id, enclosures, story_id, story_terms)
                       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                    [(*r, s, m) for r, s, m in zip(rows, story_ids, story_terms, strict=True)]
                    if story_ids
                    else [(*r, None, None) for r in rows],
                )
                c.executemany("INSERT INTO items_fts (rowid, title, body) VALUES (?, ?, ?)", fts_rows)
            if to_read:
                queue_items(c, to_read, READ, True)
            if to_star:
                queue_items(c, to_star, STARRED, True)
            result.new_items = len(rows)
            result.queued = len(to_read) + len(to_star)
        return result

    @staticmethod
    def _known_ids(c: sqlite3.Connection, sids: Sequence[int]) -> set[int]:
        known: set[int] = set()
        for chunk in chunks(list(sids)):
            marks = ",".join("?" * len(chunk))
            known.update(
                r[0]
                for r in c.execute(f"SELECT server_id FROM items WHERE server_id IN ({marks})", list(chunk))
            )
        return known

    @staticmethod
    def _local_index(
        c: sqlite3.Connection, feed_id: int
    ) -> tuple[dict[str, tuple[int, bool, bool]], set[str]]:
        """A feed's local items without a server id, by link, key and guid; and every key the feed uses."""
        index: dict[str, tuple[int, bool, bool]] = {}
        keys: set[str] = set()
        for item_id, key, guid, link, read, saved, sid in c.execute(
            "SELECT id, key, guid, link, read, saved, server_id FROM items WHERE feed_id = ?", (feed_id,)
        ):
            keys.add(key)
            if sid is not None:
                continue
            entry = (item_id, bool(read), bool(saved))
            for value in (guid, key, link):  # link wins over a guid that looks like a link
                if value:
                    index[value] = entry
        return index, keys

    def state_doubts(self, known: set[int], unread: set[int], starred: set[int]) -> list[int]:
        """Server ids of items that would turn read or unsaved here although the server did not list them
        (read or unstarred there, or purged: only asking tells), leaving out those with a change waiting."""
        pending = set(self._read("SELECT server_id, field FROM sync_outbox WHERE kind = 'item'"))
        out: list[int] = []
        for sid, read, saved in self._read(
            "SELECT server_id, read, saved FROM items WHERE server_id IS NOT NULL AND (read = 0 OR saved = 1)"
        ):
            if sid in known:
                continue
            if (not read and sid not in unread and (sid, READ) not in pending) or (
                saved and sid not in starred and (sid, STARRED) not in pending
            ):
                out.append(sid)
        return out

    def apply_server_state(self, known: set[int], unread: set[int], starred: set[int]) -> tuple[int, int]:
        """The server's read and starred state for the items it knows, except where a local change is still
        waiting to be sent (that one wins). Items the server no longer knows keep their state. Returns
        (items whose read state changed, items whose saved state changed)."""
        now = _ts(utcnow())
        with self._write() as c:
            pending = set(
                c.execute("SELECT server_id, field FROM sync_outbox WHERE kind = 'item'").fetchall()
            )
            read_changes: list[tuple[int, str | None, int]] = []
            saved_changes: list[tuple[int, str | None, int]] = []
            for item_id, sid, read, saved in c.execute(
                "SELECT id, server_id, read, saved FROM items WHERE server_id IS NOT NULL"
            ):
                if sid in known and (sid, READ) not in pending:
                    want = sid not in unread
                    if want != bool(read):
                        read_changes.append((int(want), now if want else None, item_id))
                if (sid in known or sid in starred) and (sid, STARRED) not in pending:
                    want = sid in starred
                    if want != bool(saved):
                        saved_changes.append((int(want), now if want else None, item_id))
            c.executemany("UPDATE items SET read = ?, read_at = ? WHERE id = ?", read_changes)
            c.executemany("UPDATE items SET saved = ?, saved_at = ? WHERE id = ?", saved_changes)
        return len(read_changes), len(saved_changes)


def _content_hash(it: ServerItem) -> str:
    import hashlib  # here: OpenSSL's load is not paid by every command that opens the store

    h = hashlib.sha1(usedforsecurity=False)
    # An item's files count only when it has some: the hash of one without is as it was before files were read.
    for part in (
        it.title,
        it.link or "",
        it.summary or "",
        it.content or "",
        it.author or "",
        *(e.url for e in it.enclosures),
    ):
        h.update(part.encode("utf-8", "surrogatepass"))
        h.update(b"\x00")
    return h.hexdigest()
