"""The only place with SQL: feeds, items, read/saved marks, fetch state, articles and search.

One `Store` wraps one SQLite connection and belongs to the thread that opened it. The database runs in WAL
mode with a busy timeout; every write is a `BEGIN IMMEDIATE` transaction, so a process that reads and then
writes never meets "database is locked" while another process (the TUI, or `reader fetch` from cron) writes.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from reader.errors import StorageError
from reader.models import (
    FULLTEXT_POLICIES,
    Article,
    Feed,
    FeedConfig,
    FetchOutcome,
    FulltextPolicy,
    Headline,
    Item,
    ParsedItem,
    View,
    ViewKind,
)
from reader.store_schema import MIGRATIONS, OUR_TABLES, SCHEMA_VERSION
from reader.textsafe import plain_text

BUSY_TIMEOUT_MS = 15_000
_FTS_TOKEN = re.compile(r"\w+", re.UNICODE)


def utcnow() -> datetime:
    return datetime.now(UTC)


def _ts(dt: datetime | None) -> str | None:
    if dt is None:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC).isoformat(timespec="seconds")


def _dt(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def fts_query(text: str) -> str | None:
    """Turn what a user typed into a safe FTS5 query: every word must match; the last one as a prefix."""
    tokens = _FTS_TOKEN.findall(text)
    if not tokens:
        return None
    quoted = ['"' + t.replace('"', '""') + '"' for t in tokens]
    quoted[-1] += "*"
    return " ".join(quoted)


_FEED_COLUMNS = """
    f.id, f.url, f.title, f.doc_title, f.site_url, f.poll_interval, f.fulltext, f.etag, f.last_modified,
    f.last_status, f.last_error, f.failures, f.last_fetched, f.last_success, f.next_due, f.due_reason,
    f.body_hash, f.origin, f.ttl_minutes
"""

_ITEM_COLUMNS = """
    i.id, i.feed_id, f.url, COALESCE(f.title, f.doc_title, f.url), i.title, i.link, i.author, i.summary,
    i.content, i.published, i.first_seen, i.read, i.saved, i.read_at, i.saved_at,
    EXISTS (SELECT 1 FROM articles a WHERE a.item_id = i.id)
"""


class Store:
    """Feeds, items and their state in one SQLite file."""

    def __init__(self, conn: sqlite3.Connection, path: Path) -> None:
        self._conn = conn
        self.path = path

    # ---------------------------------------------------------------- opening

    @classmethod
    def open(cls, path: Path | str) -> Store:
        """Open (creating if needed) the database at `path` and bring its schema up to date."""
        path = Path(path)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StorageError(f"cannot create the data directory {path.parent}: {exc.strerror}") from exc
        try:
            conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
        except sqlite3.Error as exc:
            raise StorageError(f"cannot open the database {path}: {exc}") from exc
        store = cls(conn, path)
        try:
            store._setup()
        except StorageError:
            conn.close()
            raise
        except sqlite3.Error as exc:
            conn.close()
            raise StorageError(f"cannot use the database {path}: {_describe(exc)}") from exc
        return store

    def _setup(self) -> None:
        c = self._conn
        c.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        mode = c.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if str(mode).lower() != "wal":
            raise StorageError(f"cannot use the database {self.path}: WAL mode unavailable ({mode})")
        c.execute("PRAGMA foreign_keys = ON")
        c.execute("PRAGMA synchronous = NORMAL")
        version = c.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise StorageError(
                f"the database {self.path} was made by a newer version of reader "
                f"(schema {version}, this version knows {SCHEMA_VERSION})"
            )
        if version == 0:
            tables = {r[0] for r in c.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            foreign = tables - OUR_TABLES - {t for t in tables if t.startswith(("items_fts_", "sqlite_"))}
            if foreign:
                raise StorageError(
                    f"the database {self.path} belongs to another program (it has tables "
                    f"{', '.join(sorted(foreign)[:3])}); choose another --data-dir"
                )
        while version < SCHEMA_VERSION:
            with self._write():
                # Re-read inside the lock: another process may have migrated meanwhile.
                version = c.execute("PRAGMA user_version").fetchone()[0]
                if version >= SCHEMA_VERSION:
                    break
                for statement in _split_sql(MIGRATIONS[version]):
                    c.execute(statement)
                c.execute(f"PRAGMA user_version = {version + 1}")
            version += 1

    def close(self) -> None:
        try:
            self._conn.close()
        except sqlite3.Error:
            pass

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction, taken with BEGIN IMMEDIATE so read-then-write never deadlocks."""
        c = self._conn
        try:
            c.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            raise StorageError(f"cannot write to {self.path}: {_describe(exc)}") from exc
        try:
            yield c
        except BaseException:
            try:
                c.execute("ROLLBACK")
            except sqlite3.Error:
                pass
            raise
        try:
            c.execute("COMMIT")
        except sqlite3.Error as exc:
            raise StorageError(f"cannot write to {self.path}: {_describe(exc)}") from exc

    def _read(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        try:
            return self._conn.execute(sql, params).fetchall()
        except sqlite3.Error as exc:
            raise StorageError(f"cannot read {self.path}: {_describe(exc)}") from exc

    def integrity_check(self) -> str:
        return str(self._read("PRAGMA integrity_check")[0][0])

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

    # ---------------------------------------------------------------- reading items

    @staticmethod
    def _view_where(view: View) -> tuple[str, list[Any]]:
        clauses: list[str] = []
        params: list[Any] = []
        if view.kind is ViewKind.UNREAD:
            clauses.append("i.read = 0")
        elif view.kind is ViewKind.SAVED:
            clauses.append("i.saved = 1")
        elif view.kind is ViewKind.FEED:
            clauses.append("i.feed_id = ?")
            params.append(view.feed_id)
        elif view.kind is ViewKind.TAG:
            clauses.append("i.feed_id IN (SELECT feed_id FROM feed_tags WHERE tag = ?)")
            params.append(view.tag)
        if view.unread_only and view.kind is not ViewKind.UNREAD:
            clauses.append("i.read = 0")
        if view.saved_only and view.kind is not ViewKind.SAVED:
            clauses.append("i.saved = 1")
        if view.search:
            query = fts_query(view.search)
            if query is None:
                clauses.append("0")
            else:
                clauses.append("i.id IN (SELECT rowid FROM items_fts WHERE items_fts MATCH ?)")
                params.append(query)
        return (" AND ".join(clauses) or "1"), params

    def headlines(self, view: View | None = None, offset: int = 0, limit: int = 200) -> list[Headline]:
        """One page of headlines for `view`, newest first."""
        where, params = self._view_where(view or View())
        rows = self._read(
            f"""SELECT i.id, i.feed_id, COALESCE(f.title, f.doc_title, f.url), i.title, i.link, i.sort_date,
                       i.read, i.saved
                FROM items i JOIN feeds f ON f.id = i.feed_id
                WHERE {where} ORDER BY i.sort_date DESC, i.id DESC LIMIT ? OFFSET ?""",
            [*params, limit, offset],
        )
        return [
            Headline(
                id=r[0],
                feed_id=r[1],
                feed_title=r[2],
                title=r[3],
                link=r[4],
                date=datetime.fromisoformat(r[5]),
                read=bool(r[6]),
                saved=bool(r[7]),
            )
            for r in rows
        ]

    def count(self, view: View | None = None) -> int:
        where, params = self._view_where(view or View())
        return int(self._read(f"SELECT COUNT(*) FROM items i WHERE {where}", params)[0][0])

    def items(self, view: View | None = None, offset: int = 0, limit: int | None = None) -> list[Item]:
        """Full items for `view`, newest first (the CLI's `list`)."""
        where, params = self._view_where(view or View())
        rows = self._read(
            f"""SELECT {_ITEM_COLUMNS} FROM items i JOIN feeds f ON f.id = i.feed_id
                WHERE {where} ORDER BY i.sort_date DESC, i.id DESC LIMIT ? OFFSET ?""",
            [*params, -1 if limit is None else limit, offset],
        )
        return [self._item(r) for r in rows]

    def item(self, item_id: int) -> Item | None:
        rows = self._read(
            f"SELECT {_ITEM_COLUMNS} FROM items i JOIN feeds f ON f.id = i.feed_id WHERE i.id = ?", (item_id,)
        )
        return self._item(rows[0]) if rows else None

    def position(self, view: View, item_id: int) -> int | None:
        """Where `item_id` sits in `view` (0-based), or None when it is not in it."""
        where, params = self._view_where(view or View())
        rows = self._read(
            f"""SELECT (SELECT COUNT(*) FROM items i WHERE {where}
                        AND (i.sort_date > t.sort_date OR (i.sort_date = t.sort_date AND i.id > t.id)))
                FROM items t WHERE t.id = ? AND t.id IN (SELECT i.id FROM items i WHERE {where})""",
            [*params, item_id, *params],
        )
        return int(rows[0][0]) if rows else None

    @staticmethod
    def _item(r: Sequence[Any]) -> Item:
        first_seen = _dt(r[10])
        assert first_seen is not None
        return Item(
            id=r[0],
            feed_id=r[1],
            feed_url=r[2],
            feed_title=r[3],
            title=r[4],
            link=r[5],
            author=r[6],
            summary=r[7],
            content=r[8],
            published=_dt(r[9]),
            first_seen=first_seen,
            read=bool(r[11]),
            saved=bool(r[12]),
            read_at=_dt(r[13]),
            saved_at=_dt(r[14]),
            has_article=bool(r[15]),
        )

    # ---------------------------------------------------------------- marks

    def set_read(self, ids: Sequence[int], read: bool = True) -> list[int]:
        """Mark items read or unread; returns the ids whose state changed (for undo)."""
        changed: list[int] = []
        now = _ts(utcnow()) if read else None
        with self._write() as c:
            for item_id in ids:
                cur = c.execute(
                    "UPDATE items SET read = ?, read_at = ? WHERE id = ? AND read != ?",
                    (int(read), now, item_id, int(read)),
                )
                if cur.rowcount:
                    changed.append(item_id)
        return changed

    def mark_view_read(self, view: View) -> list[int]:
        """Mark every unread item of `view` read; returns their ids (for undo)."""
        where, params = self._view_where(view or View())
        with self._write() as c:
            ids = [r[0] for r in c.execute(f"SELECT i.id FROM items i WHERE {where} AND i.read = 0", params)]
            c.executemany(
                "UPDATE items SET read = 1, read_at = ? WHERE id = ?", [(_ts(utcnow()), i) for i in ids]
            )
        return ids

    def set_saved(self, item_id: int, saved: bool = True) -> bool:
        """Save or unsave an item; returns whether its state changed."""
        with self._write() as c:
            cur = c.execute(
                "UPDATE items SET saved = ?, saved_at = ? WHERE id = ? AND saved != ?",
                (int(saved), _ts(utcnow()) if saved else None, item_id, int(saved)),
            )
            return bool(cur.rowcount)

    # ---------------------------------------------------------------- articles (full text)

    def store_article(self, item_id: int, article: Article, url: str | None) -> None:
        """Cache the extracted article for an item (replacing an older extraction)."""
        with self._write() as c:
            if c.execute("SELECT 1 FROM items WHERE id = ?", (item_id,)).fetchone() is None:
                return
            c.execute(
                """INSERT OR REPLACE INTO articles (item_id, url, title, byline, published, markdown, text,
                   word_count, reading_minutes, link_density, thin, thin_reason, source, note,
                   extractor_version, extracted_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                (
                    item_id,
                    url,
                    article.title,
                    article.byline,
                    _ts(article.published),
                    article.markdown,
                    article.text,
                    article.word_count,
                    article.reading_minutes,
                    article.link_density,
                    int(article.thin),
                    article.thin_reason,
                    article.source,
                    article.note,
                    article.extractor_version,
                    _ts(utcnow()),
                ),
            )
            c.execute(
                "UPDATE items SET fulltext_state = 'done', fulltext_error = NULL WHERE id = ?", (item_id,)
            )
            if article.source == "page":
                c.execute("UPDATE items_fts SET body = ? WHERE rowid = ?", (article.text, item_id))

    def article_for(self, item_id: int) -> Article | None:
        rows = self._read(
            """SELECT title, byline, published, markdown, text, word_count, reading_minutes, link_density,
                      thin, thin_reason, extractor_version, source, note
               FROM articles WHERE item_id = ?""",
            (item_id,),
        )
        if not rows:
            return None
        r = rows[0]
        return Article(
            title=r[0],
            byline=r[1],
            published=_dt(r[2]),
            markdown=r[3],
            text=r[4],
            word_count=r[5],
            reading_minutes=r[6],
            link_density=r[7],
            thin=bool(r[8]),
            thin_reason=r[9],
            extractor_version=r[10],
            source=r[11],
            note=r[12],
        )

    def record_fulltext_failure(self, item_id: int, reason: str) -> None:
        with self._write() as c:
            c.execute(
                "UPDATE items SET fulltext_state = 'failed', fulltext_error = ? WHERE id = ?",
                (reason, item_id),
            )

    def fulltext_error(self, item_id: int) -> str | None:
        rows = self._read("SELECT fulltext_error FROM items WHERE id = ?", (item_id,))
        return rows[0][0] if rows else None

    def items_to_prefetch(self, feed_id: int, limit: int | None, extractor_version: str) -> list[Item]:
        """Newest items of a feed with a link and no current extraction, not failed before."""
        rows = self._read(
            f"""SELECT {_ITEM_COLUMNS} FROM items i JOIN feeds f ON f.id = i.feed_id
                WHERE i.feed_id = ? AND i.link IS NOT NULL AND i.fulltext_state IS NULL
                  AND NOT EXISTS (SELECT 1 FROM articles a WHERE a.item_id = i.id AND a.extractor_version = ?)
                ORDER BY i.sort_date DESC, i.id DESC LIMIT ?""",
            (feed_id, extractor_version, -1 if limit is None else limit),
        )
        return [self._item(r) for r in rows]

    def skip_prefetch(self, feed_id: int) -> None:
        """Mark a feed's untried items as not to prefetch (used after a new feed's limited first poll)."""
        with self._write() as c:
            c.execute(
                "UPDATE items SET fulltext_state = 'skipped' WHERE feed_id = ? AND fulltext_state IS NULL",
                (feed_id,),
            )

    # ---------------------------------------------------------------- housekeeping

    def purge(self, retention_days: int, now: datetime | None = None) -> int:
        """Delete read, unsaved items older than `retention_days` that their feed no longer carries."""
        if retention_days <= 0:
            return 0
        cutoff = _ts((now or utcnow()) - timedelta(days=retention_days))
        cond = "read = 1 AND saved = 0 AND sort_date < ? AND last_seen < ?"
        with self._write() as c:
            c.execute(
                f"DELETE FROM items_fts WHERE rowid IN (SELECT id FROM items WHERE {cond})", (cutoff, cutoff)
            )
            return c.execute(f"DELETE FROM items WHERE {cond}", (cutoff, cutoff)).rowcount

    # ---------------------------------------------------------------- reading order (the TUI's n / p)

    def next_unread(self, view: View, from_item: int | None, direction: int) -> tuple[int, Headline] | None:
        """The nearest unread headline of `view` after (`direction` > 0) or before (< 0) `from_item` in the
        view's order (newest first), with its position; None when there is none. `from_item` None starts
        from the top (or, going up, the bottom). The item itself need not be in the view (it may have been
        read out of an unread-only view): its date and id are the reference, so the search is exact however
        far away the next unread one is, without paging through the rows in between."""
        where, params = self._view_where(view)
        clauses = [where, "i.read = 0"]
        if from_item is not None:
            ref = self._read("SELECT sort_date, id FROM items WHERE id = ?", (from_item,))
            if not ref:
                return None
            op = "<" if direction > 0 else ">"
            clauses.append(f"(i.sort_date {op} ? OR (i.sort_date = ? AND i.id {op} ?))")
            params = [*params, ref[0][0], ref[0][0], ref[0][1]]
        order = "DESC" if direction > 0 else "ASC"
        rows = self._read(
            f"""SELECT i.id, i.feed_id, COALESCE(f.title, f.doc_title, f.url), i.title, i.link, i.sort_date,
                       i.read, i.saved
                FROM items i JOIN feeds f ON f.id = i.feed_id
                WHERE {" AND ".join(clauses)} ORDER BY i.sort_date {order}, i.id {order} LIMIT 1""",
            params,
        )
        if not rows:
            return None
        r = rows[0]
        headline = Headline(
            id=r[0],
            feed_id=r[1],
            feed_title=r[2],
            title=r[3],
            link=r[4],
            date=datetime.fromisoformat(r[5]),
            read=bool(r[6]),
            saved=bool(r[7]),
        )
        position = self.position(view, headline.id)
        return (position, headline) if position is not None else None


def _split_sql(script: str) -> list[str]:
    # sqlite3.complete_statement tells where a statement ends (semicolons inside strings are fine).
    out: list[str] = []
    buf = ""
    for line in script.splitlines(keepends=True):
        if line.strip().startswith("--"):
            continue
        buf += line
        if sqlite3.complete_statement(buf):
            out.append(buf.strip())
            buf = ""
    if buf.strip():
        out.append(buf.strip())
    return out


def _describe(exc: sqlite3.Error) -> str:
    msg = str(exc)
    if "file is not a database" in msg:
        return "the file is not a SQLite database (corrupt, or another program's file)"
    if "locked" in msg or "busy" in msg:
        return "the database is busy in another process; try again"
    if "readonly" in msg or "unable to open" in msg:
        return f"{msg} (is the data directory writable?)"
    return msg
