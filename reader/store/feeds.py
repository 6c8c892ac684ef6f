"""The store: feeds, their fetch state, and what each poll brings (with store_items.py, the only SQL).

One `Store` wraps one SQLite connection and belongs to the thread that opened it. The database runs in WAL
mode with a busy timeout; every write is a `BEGIN IMMEDIATE` transaction, so a process that reads and then
writes never meets "database is locked" while another process (the TUI, or `reader fetch` from cron) writes.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from reader.errors import StorageError
from reader.models import FULLTEXT_POLICIES, Feed, FeedConfig, FetchOutcome, FulltextPolicy, ParsedItem
from reader.store.base import BUSY_TIMEOUT_MS, StoreBase, _dt, _ts, utcnow
from reader.store.items import ItemQueries, fts_query
from reader.store.sync import SyncQueries
from reader.textsafe import plain_text

__all__ = ["BUSY_TIMEOUT_MS", "Store", "StoreBase", "fts_query", "utcnow"]

_FEED_COLUMNS = """
    f.id, f.url, f.title, f.doc_title, f.site_url, f.poll_interval, f.fulltext, f.etag, f.last_modified,
    f.last_status, f.last_error, f.failures, f.last_fetched, f.last_success, f.next_due, f.due_reason,
    f.body_hash, f.origin, f.ttl_minutes
"""


class Store(ItemQueries, SyncQueries):
    """Feeds, items and their state in one SQLite file. Open one per thread with `Store.open(path)`."""

    # ---------------------------------------------------------------- feeds

    def add_feed(
        self,
        url: str,
        title: str | None = None,
        tags: Sequence[str] = (),
        poll_interval: int | None = None,
        fulltext: FulltextPolicy | str | None = None,
        *,
        origin: str = "user",
    ) -> Feed:
        """Add a feed, or update the settings of one that exists (re-activating a removed one).

        `origin` is "config" for feeds the config file lists, "user" for `add` and `import`.
        """
        if fulltext is not None and fulltext not in FULLTEXT_POLICIES:
            raise ValueError(f"unknown full-text policy {fulltext!r}")
        now = _ts(utcnow())
        with self._write() as c:
            row = c.execute("SELECT id FROM feeds WHERE url = ?", (url,)).fetchone()
            if row is None:
                feed_id = c.execute(
                    "INSERT INTO feeds (url, title, poll_interval, fulltext, added_at, origin) "
                    "VALUES (?, ?, ?, ?, ?, ?)",
                    (url, title, poll_interval, fulltext, now, origin),
                ).lastrowid
            else:
                feed_id = row[0]
                c.execute(
                    "UPDATE feeds SET title = COALESCE(?, title), poll_interval = ?, fulltext = ?, active = 1, "
                    "origin = CASE WHEN ? = 'config' THEN 'config' ELSE origin END WHERE id = ?",
                    (title, poll_interval, fulltext, origin, feed_id),
                )
            if tags or row is None:
                c.execute("DELETE FROM feed_tags WHERE feed_id = ?", (feed_id,))
                c.executemany(
                    "INSERT OR IGNORE INTO feed_tags (feed_id, tag) VALUES (?, ?)",
                    [(feed_id, t) for t in tags],
                )
        feed = self.feed_by_id(int(feed_id or 0))
        assert feed is not None
        return feed

    def sync_feeds(self, configs: Sequence[FeedConfig]) -> None:
        """Make the configured feeds exist with their configured settings.

        Feeds that an earlier config listed and this one no longer does are removed (their saved items stay);
        feeds added with `add` or `import` are left alone.
        """
        wanted = {fc.url for fc in configs}
        for fc in configs:
            self.add_feed(fc.url, fc.title, fc.tags, fc.poll_interval, fc.fulltext, origin="config")
        gone = self._read("SELECT url FROM feeds WHERE origin = 'config' AND active = 1")
        for (url,) in gone:
            if url not in wanted:
                self.remove_feed(url)

    def remove_feed(self, url: str) -> bool:
        """Remove a feed and its unsaved items. Saved items stay (the feed row is kept, inactive)."""
        with self._write() as c:
            row = c.execute("SELECT id FROM feeds WHERE url = ?", (url,)).fetchone()
            if row is None:
                return False
            feed_id = row[0]
            c.execute(
                "DELETE FROM items_fts WHERE rowid IN (SELECT id FROM items WHERE feed_id = ? AND saved = 0)",
                (feed_id,),
            )
            c.execute("DELETE FROM items WHERE feed_id = ? AND saved = 0", (feed_id,))
            if c.execute("SELECT 1 FROM items WHERE feed_id = ? LIMIT 1", (feed_id,)).fetchone():
                c.execute("UPDATE feeds SET active = 0 WHERE id = ?", (feed_id,))
            else:
                c.execute("DELETE FROM feeds WHERE id = ?", (feed_id,))
        return True

    def feeds(self, *, with_counts: bool = False, include_inactive: bool = False) -> list[Feed]:
        """All feeds (active ones unless asked), ordered by title."""
        where = "" if include_inactive else "WHERE f.active = 1"
        rows = self._read(f"SELECT {_FEED_COLUMNS} FROM feeds f {where} ORDER BY f.id")
        tags = self._tags()
        counts = self.item_counts() if with_counts else {}
        feeds = [self._feed(r, tags.get(r[0], ()), counts.get(r[0], (0, 0))) for r in rows]
        return sorted(feeds, key=lambda f: f.display_title.casefold())

    def feed_by_url(self, url: str) -> Feed | None:
        rows = self._read(f"SELECT {_FEED_COLUMNS} FROM feeds f WHERE f.url = ?", (url,))
        return self._feed(rows[0], self._tags().get(rows[0][0], ())) if rows else None

    def feed_by_id(self, feed_id: int) -> Feed | None:
        rows = self._read(f"SELECT {_FEED_COLUMNS} FROM feeds f WHERE f.id = ?", (feed_id,))
        return self._feed(rows[0], self._tags().get(rows[0][0], ())) if rows else None

    def due_feeds(self, now: datetime) -> list[Feed]:
        """Active feeds whose next poll is due at `now` (never-polled feeds are due)."""
        return [f for f in self.feeds() if f.next_due is None or f.next_due <= now]

    def item_counts(self) -> dict[int, tuple[int, int]]:
        """feed id -> (items, unread items)."""
        rows = self._read("SELECT feed_id, COUNT(*), SUM(read = 0) FROM items GROUP BY feed_id")
        return {r[0]: (r[1], r[2] or 0) for r in rows}

    def tags(self) -> list[str]:
        return [r[0] for r in self._read("SELECT DISTINCT tag FROM feed_tags ORDER BY tag")]

    def _tags(self) -> dict[int, tuple[str, ...]]:
        out: dict[int, list[str]] = {}
        for feed_id, tag in self._read("SELECT feed_id, tag FROM feed_tags ORDER BY feed_id, tag"):
            out.setdefault(feed_id, []).append(tag)
        return {k: tuple(v) for k, v in out.items()}

    @staticmethod
    def _feed(r: Sequence[Any], tags: tuple[str, ...], counts: tuple[int, int] = (0, 0)) -> Feed:
        return Feed(
            id=r[0],
            url=r[1],
            title=r[2] or r[3],
            site_url=r[4],
            tags=tags,
            poll_interval=r[5],
            fulltext=r[6],
            etag=r[7],
            last_modified=r[8],
            last_status=r[9],
            last_error=r[10],
            failures=r[11],
            last_fetched=_dt(r[12]),
            last_success=_dt(r[13]),
            next_due=_dt(r[14]),
            due_reason=r[15],
            body_hash=r[16],
            origin=r[17],
            ttl_minutes=r[18],
            item_count=counts[0],
            unread_count=counts[1],
        )

    # ---------------------------------------------------------------- fetch results

    def apply_fetch(self, feed: Feed, outcome: FetchOutcome) -> tuple[int, int]:
        """Record one poll of `feed`: its fetch state and, when parsed, its items. Returns (new, updated)."""
        with self._write() as c:
            return self._apply_one(c, feed, outcome)

    def apply_fetches(self, results: Sequence[tuple[Feed, FetchOutcome]]) -> list[tuple[int, int]]:
        """`apply_fetch` for several feeds in one transaction (each commit also flushes the search index,
        so batching is what makes a first poll of hundreds of feeds cheap). If the batch fails, each result
        is applied on its own, so one bad result never costs the others."""
        try:
            with self._write() as c:
                return [self._apply_one(c, feed, outcome) for feed, outcome in results]
        except (StorageError, sqlite3.Error):
            if len(results) == 1:
                raise
        out: list[tuple[int, int]] = []
        for feed, outcome in results:
            try:
                out.append(self.apply_fetch(feed, outcome))
            except (StorageError, sqlite3.Error):
                out.append((0, 0))
        return out

    def _apply_one(self, c: sqlite3.Connection, feed: Feed, outcome: FetchOutcome) -> tuple[int, int]:
        now = outcome.fetched_at or utcnow()
        row = c.execute("SELECT id, failures FROM feeds WHERE id = ?", (feed.id,)).fetchone()
        if row is None:  # removed while we were fetching it
            return (0, 0)
        ok = outcome.error is None
        c.execute(
            """UPDATE feeds SET
                last_status = ?, last_error = ?, failures = ?, last_fetched = ?,
                last_success = CASE WHEN ? THEN ? ELSE last_success END,
                next_due = ?, due_reason = ?,
                etag = CASE WHEN ? THEN ? ELSE etag END,
                last_modified = CASE WHEN ? THEN ? ELSE last_modified END,
                body_hash = COALESCE(?, body_hash),
                ttl_minutes = COALESCE(?, ttl_minutes)
               WHERE id = ?""",
            (
                outcome.status,
                outcome.error,
                0 if ok else row[1] + 1,
                _ts(now),
                ok,
                _ts(now),
                _ts(outcome.next_due),
                outcome.due_reason,
                ok,
                outcome.etag,
                ok,
                outcome.last_modified,
                outcome.body_hash if ok else None,
                outcome.ttl_minutes if ok else None,
                feed.id,
            ),
        )
        if outcome.new_url and outcome.new_url != feed.url:
            clash = c.execute("SELECT id FROM feeds WHERE url = ?", (outcome.new_url,)).fetchone()
            if clash is None:
                c.execute("UPDATE feeds SET url = ? WHERE id = ?", (outcome.new_url, feed.id))
        parsed = outcome.parsed
        if parsed is None or not ok:
            return (0, 0)
        c.execute(
            "UPDATE feeds SET doc_title = COALESCE(?, doc_title), site_url = COALESCE(?, site_url) "
            "WHERE id = ?",
            (parsed.title, parsed.site_url, feed.id),
        )
        return self._upsert_items(c, feed.id, parsed.items, now)

    def _upsert_items(
        self, c: sqlite3.Connection, feed_id: int, items: Sequence[ParsedItem], now: datetime
    ) -> tuple[int, int]:
        known = {
            key: (item_id, chash)
            for item_id, key, chash in c.execute(
                "SELECT id, key, content_hash FROM items WHERE feed_id = ?", (feed_id,)
            )
        }
        now_s = _ts(now)
        new = updated = 0
        seen: list[tuple[str, int]] = []
        rows: list[tuple[Any, ...]] = []
        fts_rows: list[tuple[int, str, str]] = []
        next_id = int(c.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM items").fetchone()[0])
        # Feeds list newest first; insert oldest first so ids grow with recency among undated items.
        for it in reversed(items):
            published = it.published if it.published is None or it.published <= now else now
            body = it.search_text or plain_text(it.content or it.summary)
            if it.key in known:
                item_id, chash = known[it.key]
                seen.append((now_s or "", item_id))
                if chash == it.content_hash:
                    continue
                c.execute(
                    """UPDATE items SET guid = ?, title = ?, link = ?, author = ?, summary = ?, content = ?,
                       published = ?, updated = ?, sort_date = COALESCE(?, first_seen), content_hash = ?
                       WHERE id = ?""",
                    (
                        it.guid,
                        it.title,
                        it.link,
                        it.author,
                        it.summary,
                        it.content,
                        _ts(published),
                        _ts(it.updated),
                        _ts(published),
                        it.content_hash,
                        item_id,
                    ),
                )
                if not c.execute("SELECT 1 FROM articles WHERE item_id = ?", (item_id,)).fetchone():
                    c.execute(
                        "UPDATE items_fts SET title = ?, body = ? WHERE rowid = ?", (it.title, body, item_id)
                    )
                updated += 1
            else:
                # New: ids are assigned here (we hold the write lock) so rows and index go in as batches.
                item_id = next_id + len(rows)
                rows.append(
                    (
                        item_id,
                        feed_id,
                        it.key,
                        it.guid,
                        it.title,
                        it.link,
                        it.author,
                        it.summary,
                        it.content,
                        _ts(published),
                        _ts(it.updated),
                        _ts(published) or now_s,
                        now_s,
                        now_s,
                        it.content_hash,
                    )
                )
                fts_rows.append((item_id, it.title, body))
                known[it.key] = (item_id, it.content_hash)
                new += 1
        if rows:
            c.executemany(
                """INSERT INTO items (id, feed_id, key, guid, title, link, author, summary, content, published,
                   updated, sort_date, first_seen, last_seen, content_hash)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                rows,
            )
            c.executemany("INSERT INTO items_fts (rowid, title, body) VALUES (?, ?, ?)", fts_rows)
        if seen:
            c.executemany("UPDATE items SET last_seen = ? WHERE id = ?", seen)
        return new, updated
