"""The store's side of sync: the outbox of local changes, server ids beside feeds and items, applying a pull.

Marks (read, saved, "mark view read") on items that have a server id append to the outbox in the same
transaction as the change itself (`queue_marks`, `queue_view_read`, called by the item queries), so nothing a
person does waits for the network or is lost when it is down. One pending row per item and field: a newer mark
replaces an older one. Only items that came from (or were matched with) the server have server ids, so
without sync nothing is ever queued.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from reader.config.loader import clean_tag
from reader.models import View, ViewKind
from reader.store.base import StoreBase, _ts, utcnow
from reader.textsafe import plain_text

READ = "read"
STARRED = "starred"
READING_LIST = "user/-/state/com.google/reading-list"
LABEL_PREFIX = "user/-/label/"
_CHUNK = 500  # ids per IN (...) query


@dataclass(frozen=True)
class Subscription:
    """A feed the server carries."""

    server_id: str  # "feed/12"
    url: str
    title: str | None = None
    site_url: str | None = None
    labels: tuple[str, ...] = ()


@dataclass(frozen=True)
class ServerItem:
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


@dataclass(frozen=True)
class OutboxEntry:
    id: int
    kind: str  # item | mark-all | subscribe | unsubscribe
    server_id: int | None = None
    field: str | None = None
    value: bool = False
    stream: str | None = None
    ts: int | None = None
    via: int | None = None
    url: str | None = None
    title: str | None = None
    label: str | None = None


@dataclass
class PullResult:
    new_items: int = 0
    matched: int = 0  # local items given their server id (an archive that turned sync on)
    queued: int = 0  # local state the server lacked, queued while matching
    skipped: int = 0  # items of feeds the subscription list did not name


def _chunks(values: Sequence[Any], size: int = _CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


# ---------------------------------------------------------------------- queueing (inside a mark's transaction)


def _server_ids(c: sqlite3.Connection, item_ids: Sequence[int]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for chunk in _chunks(list(item_ids)):
        marks = ",".join("?" * len(chunk))
        out.extend(
            c.execute(
                f"SELECT id, server_id FROM items WHERE id IN ({marks}) AND server_id IS NOT NULL",
                list(chunk),
            ).fetchall()
        )
    return out


def _queue(
    c: sqlite3.Connection, server_ids: Sequence[int], field: str, value: bool, via: int | None = None
) -> None:
    now = _ts(utcnow())
    c.executemany(
        "DELETE FROM sync_outbox WHERE server_id = ? AND field = ? AND kind = 'item'",
        [(sid, field) for sid in server_ids],
    )
    c.executemany(
        "INSERT INTO sync_outbox (kind, server_id, field, value, via, created) VALUES ('item', ?, ?, ?, ?, ?)",
        [(sid, field, int(value), via, now) for sid in server_ids],
    )


def queue_marks(c: sqlite3.Connection, item_ids: Sequence[int], field: str, value: bool) -> None:
    """Queue read/unread (`field` "read") or star/unstar ("starred") for the items that have server ids."""
    if not item_ids:
        return
    sids = [sid for _, sid in _server_ids(c, item_ids)]
    if sids:
        _queue(c, sids, field, value)


def _view_stream(c: sqlite3.Connection, view: View) -> str | None:
    """The server stream a "mark view read" covers exactly, or None (then items are sent one by one)."""
    if view.search or view.saved_only:
        return None
    if view.kind in (ViewKind.ALL, ViewKind.UNREAD):
        return READING_LIST
    if view.kind is ViewKind.FEED and view.feed_id is not None:
        row = c.execute("SELECT server_id FROM feeds WHERE id = ?", (view.feed_id,)).fetchone()
        return str(row[0]) if row and row[0] else None
    if view.kind is ViewKind.TAG and view.tag:
        return LABEL_PREFIX + view.tag
    return None


def queue_view_read(c: sqlite3.Connection, view: View, item_ids: Sequence[int]) -> None:
    """Queue a "mark view read": one `mark-all-as-read` for the view's stream with `ts` = the newest item id
    marked (so items the server got later stay unread), plus a pending row per item (so a pull never flips
    them back before it is sent). Without a matching stream, the items are queued one by one."""
    if not item_ids:
        return
    sids = [sid for _, sid in _server_ids(c, item_ids)]
    if not sids:
        return
    stream = _view_stream(c, view)
    newest = to_unsigned(max(sids, key=to_unsigned))
    via = None
    if stream is not None and _is_usec_time(newest):
        via = c.execute(
            "INSERT INTO sync_outbox (kind, stream, ts, created) VALUES ('mark-all', ?, ?, ?)",
            (stream, newest, _ts(utcnow())),
        ).lastrowid
    _queue(c, sids, READ, True, via)


def _is_usec_time(item_id: int) -> bool:
    """Whether a server's ids are its crawl times in microseconds (FreshRSS), so that `ts` = the newest id
    seen marks exactly what was seen. Other servers (small or opaque ids) get the items one by one."""
    now_us = int(utcnow().timestamp() * 1_000_000)
    return 1_100_000_000 * 1_000_000 < item_id <= now_us + 86_400 * 1_000_000


def to_unsigned(server_id: int) -> int:
    return server_id + 2**64 if server_id < 0 else server_id


def to_signed(value: int) -> int:
    return value - 2**64 if value >= 2**63 else value


# ---------------------------------------------------------------------- the store methods


class SyncQueries(StoreBase):
    """Outbox, server ids and sync state: what `reader.sync` reads and writes."""

    # ------------------------------------------------------------ state and account

    def sync_value(self, key: str) -> str | None:
        rows = self._read("SELECT value FROM sync_state WHERE key = ?", (key,))
        return str(rows[0][0]) if rows else None

    def set_sync_values(self, **values: str | None) -> None:
        with self._write() as c:
            for key, value in values.items():
                if value is None:
                    c.execute("DELETE FROM sync_state WHERE key = ?", (key,))
                else:
                    c.execute("INSERT OR REPLACE INTO sync_state (key, value) VALUES (?, ?)", (key, value))

    def bind_sync_account(self, account: str) -> bool:
        """Tie the server ids to `account` (endpoint + user). When the archive was synced with another account,
        its server ids and outbox mean nothing there: forget them (items and their state stay). Returns whether
        that happened."""
        with self._write() as c:
            row = c.execute("SELECT value FROM sync_state WHERE key = 'account'").fetchone()
            if row is not None and row[0] == account:
                return False
            reset = row is not None
            if reset:
                c.execute("UPDATE feeds SET server_id = NULL WHERE server_id IS NOT NULL")
                c.execute("UPDATE items SET server_id = NULL WHERE server_id IS NOT NULL")
                c.execute("DELETE FROM sync_outbox")
                c.execute("DELETE FROM sync_forgotten")
            c.execute("INSERT OR REPLACE INTO sync_state (key, value) VALUES ('account', ?)", (account,))
            return reset

    # ------------------------------------------------------------ the outbox

    def pending_changes(self) -> int:
        """Changes waiting for the server, as a person counts them (a "mark view read" is one)."""
        return int(self._read("SELECT COUNT(*) FROM sync_outbox WHERE via IS NULL")[0][0])

    def outbox(self) -> list[OutboxEntry]:
        rows = self._read(
            "SELECT id, kind, server_id, field, value, stream, ts, via, url, title, label "
            "FROM sync_outbox ORDER BY id"
        )
        return [
            OutboxEntry(
                id=r[0],
                kind=r[1],
                server_id=r[2],
                field=r[3],
                value=bool(r[4]),
                stream=r[5],
                ts=r[6],
                via=r[7],
                url=r[8],
                title=r[9],
                label=r[10],
            )
            for r in rows
        ]

    def drop_outbox(self, ids: Sequence[int], *, with_via: bool = False) -> None:
        """Forget sent rows (and, for a mark-all, the item rows it covered)."""
        with self._write() as c:
            for chunk in _chunks(list(ids)):
                marks = ",".join("?" * len(chunk))
                c.execute(f"DELETE FROM sync_outbox WHERE id IN ({marks})", list(chunk))
                if with_via:
                    c.execute(f"DELETE FROM sync_outbox WHERE via IN ({marks})", list(chunk))

    def detach_via(self, mark_all_id: int) -> None:
        """A mark-all the server refused: drop it, and send its items one by one instead."""
        with self._write() as c:
            c.execute("UPDATE sync_outbox SET via = NULL WHERE via = ?", (mark_all_id,))
            c.execute("DELETE FROM sync_outbox WHERE id = ?", (mark_all_id,))

    def via_count(self, mark_all_id: int) -> int:
        return int(self._read("SELECT COUNT(*) FROM sync_outbox WHERE via = ?", (mark_all_id,))[0][0])

    def queue_subscribe(self, url: str, title: str | None, label: str | None) -> None:
        """Queue subscribing to `url` on the server (nothing when the server already carries it)."""
        with self._write() as c:
            row = c.execute("SELECT server_id FROM feeds WHERE url = ?", (url,)).fetchone()
            if row is not None and row[0]:
                return
            c.execute(
                "DELETE FROM sync_outbox WHERE kind IN ('subscribe', 'unsubscribe') AND url = ?", (url,)
            )
            c.execute(
                "INSERT INTO sync_outbox (kind, url, title, label, created) VALUES ('subscribe', ?, ?, ?, ?)",
                (url, title, label, _ts(utcnow())),
            )

    def queue_unsubscribe(self, url: str) -> bool:
        """Queue unsubscribing from `url` on the server; a subscribe still waiting is simply cancelled.
        Call before removing the feed locally. Returns whether anything will be sent."""
        with self._write() as c:
            c.execute("DELETE FROM sync_outbox WHERE kind = 'subscribe' AND url = ?", (url,))
            row = c.execute("SELECT server_id FROM feeds WHERE url = ?", (url,)).fetchone()
            if row is None or not row[0]:
                return False
            c.execute(
                "INSERT INTO sync_outbox (kind, stream, url, created) VALUES ('unsubscribe', ?, ?, ?)",
                (row[0], url, _ts(utcnow())),
            )
            c.execute("UPDATE feeds SET server_id = NULL WHERE url = ?", (url,))
            return True

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
            feeds = c.execute("SELECT id, url, server_id, origin FROM feeds").fetchall()
            by_sid = {r[2]: r for r in feeds if r[2]}
            by_url = {r[1]: r for r in feeds}
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
                    by_url[sub.url] = (feed_id, sub.url, sub.server_id, "user")
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
                    if origin != "config":  # the config file owns its feeds' tags; add, never replace
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
            next_id = int(c.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM items").fetchone()[0])
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
                    )
                )
                fts_rows.append((item_id, it.title, plain_text(it.content or it.summary)))
                known.add(it.server_id)
            if rows:
                c.executemany(
                    """INSERT INTO items (id, feed_id, key, title, link, author, summary, content, published,
                       sort_date, first_seen, last_seen, content_hash, read, read_at, saved, saved_at,
                       server_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                    rows,
                )
                c.executemany("INSERT INTO items_fts (rowid, title, body) VALUES (?, ?, ?)", fts_rows)
            if to_read:
                _queue(c, to_read, READ, True)
            if to_star:
                _queue(c, to_star, STARRED, True)
            result.new_items = len(rows)
            result.queued = len(to_read) + len(to_star)
        return result

    @staticmethod
    def _known_ids(c: sqlite3.Connection, sids: Sequence[int]) -> set[int]:
        known: set[int] = set()
        for chunk in _chunks(list(sids)):
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
    h = hashlib.sha1(usedforsecurity=False)
    for part in (it.title, it.link or "", it.summary or "", it.content or "", it.author or ""):
        h.update(part.encode("utf-8", "surrogatepass"))
        h.update(b"\x00")
    return h.hexdigest()
