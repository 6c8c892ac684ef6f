"""The store: feeds, their fetch state, and what each poll brings (with store_items.py, the only SQL).

One `Store` wraps one SQLite connection and belongs to the thread that opened it. The database runs in WAL
mode with a busy timeout; every write is a `BEGIN IMMEDIATE` transaction, so a process that reads and then
writes never meets "database is locked" while another process (the TUI, or `reader fetch` from cron) writes.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from reader.errors import StorageError
from reader.models import FULLTEXT_POLICIES, Feed, FeedConfig, FetchOutcome, FulltextPolicy, ParsedItem
from reader.store.base import BUSY_TIMEOUT_MS, StoreBase, _dt, _epoch_of, _ts, enclosures_json, utcnow
from reader.store.items import ItemQueries, fts_query
from reader.store.mutes import MuteQueries
from reader.store.site_rules import SiteRuleQueries
from reader.store.stories import StoryQueries
from reader.store.story_grouping import NewItems
from reader.store.story_pages import StoryPages
from reader.store.sync import SyncQueries
from reader.store.topics import TopicQueries
from reader.textsafe import clean_text, plain_text

__all__ = ["BUSY_TIMEOUT_MS", "Store", "StoreBase", "fts_query", "utcnow"]

_FEED_COLUMNS = """
    f.id, f.url, f.title, f.doc_title, f.site_url, f.poll_interval, f.fulltext, f.etag, f.last_modified,
    f.last_status, f.last_error, f.failures, f.last_fetched, f.last_success, f.next_due, f.due_reason,
    f.body_hash, f.origin, f.ttl_minutes, f.source_url, f.active
"""

# Forget what we knew of the server's copy, so the next poll is unconditional and brings every item back.
_FORGET_VALIDATORS = "etag = NULL, last_modified = NULL, body_hash = NULL, next_due = NULL, failures = 0"


class Store(ItemQueries, SyncQueries, StoryQueries, StoryPages, TopicQueries, MuteQueries, SiteRuleQueries):
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
            row = self._find(c, url)
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

        A configured URL matches the feed it names even after the feed moved (a 301) or turned out to be a
        web page linking to the real feed. Feeds that an earlier config listed and this one no longer does
        stop being polled, but keep their items (and ids, read and saved state) until a retention rule or
        `reader remove` says otherwise: a config listing no feeds, or another config file on the same data
        directory, must not wipe an archive. Feeds added with `add` or `import` are left alone.
        """
        wanted = {fc.url for fc in configs}
        # Most starts change nothing: only entries whose row differs are written (one transaction each).
        rows = self._read(
            "SELECT id, url, source_url, title, poll_interval, fulltext, origin, active FROM feeds"
        )
        by_url = {r[1]: r for r in rows}
        by_source = {r[2]: r for r in sorted(rows, key=lambda r: (r[7], -r[0])) if r[2]}
        tags = self._tags()
        for fc in configs:
            row = by_url.get(fc.url) or by_source.get(fc.url)
            same = (
                row is not None
                and (fc.title is None or fc.title == row[3])
                and (row[4], row[5], row[6], row[7]) == (fc.poll_interval, fc.fulltext, "config", 1)
                and (not fc.tags or set(fc.tags) == set(tags.get(row[0], ())))
            )
            if not same:
                self.add_feed(fc.url, fc.title, fc.tags, fc.poll_interval, fc.fulltext, origin="config")
        rows = self._read("SELECT id, url, source_url FROM feeds WHERE origin = 'config' AND active = 1")
        dropped = [(feed_id,) for feed_id, url, source in rows if url not in wanted and source not in wanted]
        if dropped:
            with self._write() as c:
                c.executemany(f"UPDATE feeds SET active = 0, {_FORGET_VALIDATORS} WHERE id = ?", dropped)

    def remove_feed(self, url: str) -> bool:
        """Remove a feed and its unsaved items. Saved items stay (the feed row is kept, inactive, and forgets
        its validators: subscribing again must bring every item back, not a 304)."""
        with self._write() as c:
            row = self._find(c, url)
            if row is None:
                return False
            feed_id = row[0]
            c.execute(
                "DELETE FROM items_fts WHERE rowid IN (SELECT id FROM items WHERE feed_id = ? AND saved = 0)",
                (feed_id,),
            )
            c.execute("DELETE FROM items WHERE feed_id = ? AND saved = 0", (feed_id,))
            if c.execute("SELECT 1 FROM items WHERE feed_id = ? LIMIT 1", (feed_id,)).fetchone():
                c.execute(f"UPDATE feeds SET active = 0, {_FORGET_VALIDATORS} WHERE id = ?", (feed_id,))
            else:
                c.execute("DELETE FROM feeds WHERE id = ?", (feed_id,))
        return True

    @staticmethod
    def _find(c: sqlite3.Connection, url: str) -> tuple[int] | None:
        """The feed `url` names: its own URL, else the URL its subscription named before it moved."""
        row = c.execute("SELECT id FROM feeds WHERE url = ?", (url,)).fetchone()
        if row is None:
            row = c.execute(
                "SELECT id FROM feeds WHERE source_url = ? ORDER BY active DESC, id", (url,)
            ).fetchone()
        return None if row is None else (int(row[0]),)

    def collection_feed(self, url: str, title: str, origin: str) -> Feed:
        """A feed row that holds items from no feed (e.g. saved pages): made inactive, so it is never polled."""
        with self._write() as c:
            c.execute(
                "INSERT OR IGNORE INTO feeds (url, doc_title, added_at, origin, active) VALUES (?, ?, ?, ?, 0)",
                (url, title, _ts(utcnow()), origin),
            )
        feed = self.feed_by_url(url)
        assert feed is not None
        return feed

    def item_with_link(self, link: str, feed_id: int | None = None) -> int | None:
        """The oldest item whose link is `link` (in feed `feed_id` when given), or None."""
        where = "link = ?" + (" AND feed_id = ?" if feed_id is not None else "")
        params = (link,) if feed_id is None else (link, feed_id)
        rows = self._read(f"SELECT id FROM items WHERE {where} ORDER BY id LIMIT 1", params)
        return int(rows[0][0]) if rows else None

    def feeds(self, *, with_counts: bool = False, include_inactive: bool = False) -> list[Feed]:
        """The feeds that are polled, ordered by title; `include_inactive`: also those no longer polled that
        still hold items (their items are listed in every view), marked `active` False."""
        where = (
            "WHERE f.active = 1 OR EXISTS (SELECT 1 FROM items i WHERE i.feed_id = f.id)"
            if include_inactive
            else "WHERE f.active = 1"
        )
        rows = self._read(f"SELECT {_FEED_COLUMNS} FROM feeds f {where} ORDER BY f.id")
        tags = self._tags()
        counts = self.item_counts() if with_counts else {}
        feeds = [self._feed(r, tags.get(r[0], ()), counts.get(r[0], (0, 0))) for r in rows]
        return sorted(feeds, key=lambda f: f.display_title.casefold())

    def feed_by_url(self, url: str) -> Feed | None:
        """The feed at `url`, or the one that moved away from it (a 301, or a page's discovered feed)."""
        rows = self._read(f"SELECT {_FEED_COLUMNS} FROM feeds f WHERE f.url = ?", (url,))
        if not rows:
            rows = self._read(
                f"SELECT {_FEED_COLUMNS} FROM feeds f WHERE f.source_url = ? ORDER BY f.active DESC, f.id",
                (url,),
            )
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
            source_url=r[19],
            active=bool(r[20]),
            item_count=counts[0],
            unread_count=counts[1],
        )

    def set_feed_title(self, feed_id: int, title: str | None) -> None:
        """The user's own title for a feed (None: the feed document's title again)."""
        with self._write() as c:
            c.execute("UPDATE feeds SET title = ? WHERE id = ?", (title, feed_id))

    def set_feed_tags(self, feed_id: int, tags: Sequence[str]) -> None:
        """Replace a feed's tags."""
        with self._write() as c:
            c.execute("DELETE FROM feed_tags WHERE feed_id = ?", (feed_id,))
            c.executemany(
                "INSERT OR IGNORE INTO feed_tags (feed_id, tag) VALUES (?, ?)", [(feed_id, t) for t in tags]
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
        if outcome.new_url and outcome.new_url != feed.url:
            duplicate = self._move(c, feed, outcome.new_url)
            if duplicate is not None and outcome.error is None:
                outcome = replace(
                    outcome,
                    error=clean_text(
                        f"this is the feed {duplicate}, which is subscribed already: remove one of the two",
                        300,
                    ),
                    parsed=None,
                )
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
        parsed = outcome.parsed
        if parsed is None or not ok:
            return (0, 0)
        c.execute(
            "UPDATE feeds SET doc_title = COALESCE(?, doc_title), site_url = COALESCE(?, site_url) "
            "WHERE id = ?",
            (parsed.title, parsed.site_url, feed.id),
        )
        return self._upsert_items(c, feed.id, parsed.items, now)

    @staticmethod
    def _move(c: sqlite3.Connection, feed: Feed, new_url: str) -> str | None:
        """The feed now lives at `new_url` (a permanent redirect, or the feed its web page links to).

        It keeps its row (items, flags, validators) and remembers the URL its subscription names in
        `source_url`, so the config entry or OPML line that names the old URL still finds it. When another
        active feed already has `new_url`, the two subscriptions are one feed: that URL is returned and
        nothing moves. A removed feed kept there for its saved items is folded into this one.
        """
        clash = c.execute("SELECT id, active FROM feeds WHERE url = ?", (new_url,)).fetchone()
        if clash is not None and clash[1]:
            return new_url
        if clash is not None:
            c.execute("UPDATE OR IGNORE items SET feed_id = ? WHERE feed_id = ?", (feed.id, clash[0]))
            c.execute(
                "DELETE FROM items_fts WHERE rowid IN (SELECT id FROM items WHERE feed_id = ?)", (clash[0],)
            )
            c.execute("DELETE FROM feeds WHERE id = ?", (clash[0],))
        c.execute(
            "UPDATE feeds SET source_url = COALESCE(source_url, url), url = ? WHERE id = ?",
            (new_url, feed.id),
        )
        return None

    def _upsert_items(
        self, c: sqlite3.Connection, feed_id: int, items: Sequence[ParsedItem], now: datetime
    ) -> tuple[int, int]:
        known: dict[str, tuple[int, str]] = {}
        links: dict[str, str | None] = {}
        for item_id, key, chash, link in c.execute(
            "SELECT id, key, content_hash, link FROM items WHERE feed_id = ?", (feed_id,)
        ):
            known[key] = (item_id, chash)
            links[key] = link
        now_s = _ts(now)
        new = updated = 0
        seen: list[tuple[str, int]] = []
        rows: list[tuple[Any, ...]] = []
        fts_rows: list[tuple[int, str, str]] = []
        terms: list[str | None] = []  # story grouping's title terms, when the parser made them
        times: list[int] = []  # and the sort dates in epoch seconds (what grouping compares)
        now_t = _epoch_of(now)
        grouping = self.group_stories
        # AUTOINCREMENT's high-water mark too: an id once given is never given again, even after deletion.
        next_id = 1 + int(
            c.execute(
                "SELECT MAX(COALESCE((SELECT MAX(id) FROM items), 0), "
                "COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'items'), 0))"
            ).fetchone()[0]
        )
        # Feeds list newest first; insert oldest first so ids grow with recency among undated items.
        for it in reversed(items):
            # The real date is stored and shown; only the order is clamped, so a future date cannot pin it on top.
            published = it.published
            order_date = published if published is None or published <= now else now
            published_s = _ts(published)
            order_s = published_s if order_date is published else now_s
            body = it.search_text or plain_text(it.content or it.summary)
            if it.key not in known and it.alias in known and links.get(it.alias) == it.link:
                # Stored under its plain guid before the feed gave that guid to another story too: same story
                # (same link), so it keeps its row (id, read and saved state) under its new key.
                adopted = known.pop(it.alias)
                c.execute("UPDATE items SET key = ? WHERE id = ?", (it.key, adopted[0]))
                known[it.key] = adopted
            if it.key in known:
                item_id, chash = known[it.key]
                seen.append((now_s or "", item_id))
                if chash == it.content_hash:
                    continue
                c.execute(
                    """UPDATE items SET guid = ?, title = ?, link = ?, author = ?, summary = ?, content = ?,
                       published = ?, updated = ?, sort_date = COALESCE(?, first_seen), content_hash = ?,
                       enclosures = ?
                       WHERE id = ?""",
                    (
                        it.guid,
                        it.title,
                        it.link,
                        it.author,
                        it.summary,
                        it.content,
                        published_s,
                        _ts(it.updated),
                        order_s,
                        it.content_hash,
                        enclosures_json(it.enclosures),
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
                        published_s,
                        _ts(it.updated),
                        order_s or now_s,
                        now_s,
                        now_s,
                        it.content_hash,
                        enclosures_json(it.enclosures),
                    )
                )
                fts_rows.append((item_id, it.title, body))
                if grouping:
                    terms.append(it.story_terms)
                    times.append(now_t if order_date is None or order_date is now else _epoch_of(order_date))
                known[it.key] = (item_id, it.content_hash)
                new += 1
        if rows:
            # Stories first (reader.store.stories), so each row goes in once, with its story.
            story_ids: list[int] = []
            story_terms: list[str] = []
            if self.group_stories:
                made = (
                    None not in terms
                )  # (by the parse workers; else grouping makes them from title and text)
                story_ids, story_terms = self._group_new(
                    c,
                    NewItems(
                        range(next_id, next_id + len(rows)),
                        [feed_id] * len(rows),
                        [r[11] for r in rows],
                        times,
                        terms,
                        () if made else [r[4] for r in rows],
                        () if made else [f[2] for f in fts_rows],
                    ),
                )
            c.executemany(
                """INSERT INTO items (id, feed_id, key, guid, title, link, author, summary, content, published,
                   updated, sort_date, first_seen, last_seen, content_hash, enclosures, story_id, story_terms)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                [(*r, s, m) for r, s, m in zip(rows, story_ids, story_terms, strict=True)]
                if story_ids
                else [(*r, None, None) for r in rows],
            )
            c.executemany("INSERT INTO items_fts (rowid, title, body) VALUES (?, ?, ?)", fts_rows)
        if seen:
            c.executemany("UPDATE items SET last_seen = ? WHERE id = ?", seen)
        return new, updated

    # ---------------------------------------------------------------- URL spelling (CLI/config work)

    def respell_feed_urls(self, canonical: Callable[[str], str]) -> int:
        """Rewrite stored feed URLs (and the URLs their subscriptions named, `source_url`) to `canonical(url)`
        where that differs and is not taken, so a database made before URLs had one spelling keeps each feed
        (items, flags, validators) under the URL the config now names. Returns how many rows changed."""

        def respelled(url: str | None) -> str | None:
            if url is None:
                return None
            try:
                return canonical(url)
            except ValueError:
                return url

        rows = self._read("SELECT id, url, source_url FROM feeds")
        taken = {url for _, url, _ in rows}
        updates: list[tuple[str, str | None, int]] = []
        for feed_id, url, source in rows:
            new_url, new_source = respelled(url) or url, respelled(source)
            if new_url != url and new_url in taken:
                new_url = url
            if (new_url, new_source) != (url, source):
                updates.append((new_url, new_source, feed_id))
                taken.add(new_url)
        if updates:  # the common case writes nothing (and takes no write lock)
            with self._write() as c:
                for new_url, new_source, feed_id in updates:
                    clash = c.execute(
                        "SELECT 1 FROM feeds WHERE url = ? AND id != ?", (new_url, feed_id)
                    ).fetchone()
                    if clash is None:
                        c.execute(
                            "UPDATE feeds SET url = ?, source_url = ? WHERE id = ?",
                            (new_url, new_source, feed_id),
                        )
        return len(updates)
