"""Reading items: views, headlines, search, marks, reading order, cached articles and retention (SQL only)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from reader.models import Article, Headline, Item, View, ViewKind
from reader.patterns import lazy_pattern
from reader.store.base import StoreBase, _dt, _ts, enclosures_from_json, utcnow
from reader.store.outbox import STARRED, queue_marks, queue_view_read

_fts_token = lazy_pattern(r"\w+", re.UNICODE)


def fts_query(text: str) -> str | None:
    """Turn what a user typed into a safe FTS5 query: every word must match; the last one as a prefix."""
    tokens = _fts_token().findall(text)
    if not tokens:
        return None
    quoted = ['"' + t.replace('"', '""') + '"' for t in tokens]
    quoted[-1] += "*"
    return " ".join(quoted)


_ITEM_COLUMNS = """
    i.id, i.feed_id, f.url, COALESCE(f.title, f.doc_title, f.url), i.title, i.link, i.author, i.summary,
    i.content, i.published, i.first_seen, i.read, i.saved, i.read_at, i.saved_at,
    EXISTS (SELECT 1 FROM articles a WHERE a.item_id = i.id), i.muted_by, i.enclosures
"""


# The light row the headline list shows (no bodies), and how a row becomes a Headline. Its date is the real
# one (published, even when in the future), else sort_date; the order stays on sort_date.
_HEADLINE_COLUMNS = """
    i.id, i.feed_id, COALESCE(f.title, f.doc_title, f.url), i.title, i.link,
    COALESCE(i.published, i.sort_date), i.read, i.saved,
    EXISTS (SELECT 1 FROM articles a WHERE a.item_id = i.id AND a.source = 'page'),
    CASE WHEN i.story_id IS NULL THEN 0 ELSE (SELECT COUNT(DISTINCT o.feed_id) FROM items o
         WHERE o.story_id = i.story_id AND o.feed_id != i.feed_id) END,
    i.read = 0 AND i.story_id IS NOT NULL
        AND i.first_seen >= (SELECT MAX(o.read_at) FROM items o WHERE o.story_id = i.story_id),
    CASE WHEN i.story_id IS NULL THEN 1 ELSE (SELECT COUNT(*) FROM items o
         WHERE o.story_id = i.story_id AND o.feed_id = i.feed_id) END
"""

# In a folded view, how many rows a set of items makes: its stories, and each item not grouped yet.
_FOLDED_ROWS = "COUNT(DISTINCT i.story_id) + COUNT(*) - COUNT(i.story_id)"

# The feed's name as the "by feed" order sorts it (the feed pane sorts the same way, ignoring case).
_FEED_KEY = "lower(COALESCE(f.title, f.doc_title, f.url))"


def order_by(order: str, *, reverse: bool = False) -> str:
    """The ORDER BY terms of a sort order (see `SORT_ORDERS`), or of its reverse."""
    asc, desc = ("DESC", "ASC") if reverse else ("ASC", "DESC")
    if order == "oldest":
        return f"i.sort_date {asc}, i.id {asc}"
    if order == "feed":
        return f"{_FEED_KEY} {asc}, f.id {asc}, i.sort_date {desc}, i.id {desc}"
    return f"i.sort_date {desc}, i.id {desc}"


def from_clause(order: str) -> str:
    """Items joined to their feeds. By feed, the feeds come first (SQLite's CROSS JOIN fixes the loop order),
    walked by their name index, each feed's items by `items_by_feed`: no sort of the whole archive."""
    if order == "feed":
        return "feeds f CROSS JOIN items i ON f.id = i.feed_id"
    return "items i JOIN feeds f ON f.id = i.feed_id"


def comes_before(order: str, ref: Sequence[Any]) -> tuple[str, list[Any]]:
    """A condition true for rows that come before the reference row in `order`. `ref` is the reference's
    (sort_date, id, feed_id, feed key), as `ItemQueries._order_ref` reads it."""
    return _beside(order, ref, before=True)


def comes_after(order: str, ref: Sequence[Any]) -> tuple[str, list[Any]]:
    """Rows that come after the reference row in `order` (the reference itself excluded)."""
    return _beside(order, ref, before=False)


def _beside(order: str, ref: Sequence[Any], *, before: bool) -> tuple[str, list[Any]]:
    # Row values, so SQLite walks a range of items_by_date (or a feed's items_by_feed) instead of testing rows.
    sd, item_id, feed_id, key = ref
    newer, older = ("(i.sort_date, i.id) > (?, ?)", "(i.sort_date, i.id) < (?, ?)")
    if order == "oldest":
        return (older if before else newer), [sd, item_id]
    if order == "feed":
        lt = "<" if before else ">"
        within = newer if before else older  # newest first within a feed
        # The first term bounds the walk over feeds_by_name; the rest picks the rows on the right side.
        cond = (
            f"{_FEED_KEY} {lt}= ? AND ({_FEED_KEY} {lt} ? OR ({_FEED_KEY} = ? AND f.id {lt} ?) "
            f"OR (f.id = ? AND {within}))"
        )
        return cond, [key, key, key, feed_id, feed_id, sd, item_id]
    return (newer if before else older), [sd, item_id]


def _headline(r: Sequence[Any]) -> Headline:
    return Headline(
        id=r[0],
        feed_id=r[1],
        feed_title=r[2],
        title=r[3],
        link=r[4],
        date=datetime.fromisoformat(r[5]),
        read=bool(r[6]),
        saved=bool(r[7]),
        has_article=bool(r[8]),
        others=int(r[9] or 0),
        rejoined=bool(r[10]),
        from_feed=int(r[11] or 1),
    )


class ItemQueries(StoreBase):
    """The item half of the store: everything the headline list, the article pane and `reader list` read."""

    # ---------------------------------------------------------------- reading items

    @staticmethod
    def _view_where(view: View) -> tuple[str, list[Any]]:
        clauses: list[str] = []
        params: list[Any] = []
        unread = "i.read = 0"
        if view.keep and (view.unread_only or view.kind is ViewKind.UNREAD):
            unread = f"(i.read = 0 OR i.id IN ({', '.join('?' * len(view.keep))}))"
        if view.kind is ViewKind.UNREAD:
            clauses.append(unread)
            params.extend(view.keep if unread != "i.read = 0" else ())
        elif view.kind is ViewKind.SAVED:
            clauses.append("i.saved = 1")
        elif view.kind is ViewKind.FEED:
            clauses.append("i.feed_id = ?")
            params.append(view.feed_id)
        elif view.kind is ViewKind.TAG:
            clauses.append("i.feed_id IN (SELECT feed_id FROM feed_tags WHERE tag = ?)")
            params.append(view.tag)
        elif view.kind is ViewKind.TOPIC:
            clauses.append("i.id IN (SELECT rowid FROM items_fts WHERE items_fts MATCH ?)")
            params.append(view.topic_query or '""')
        if view.unread_only and view.kind is not ViewKind.UNREAD:
            clauses.append(unread)
            params.extend(view.keep if unread != "i.read = 0" else ())
        if view.saved_only and view.kind is not ViewKind.SAVED:
            clauses.append("i.saved = 1")
        if view.muted_only:
            clauses.append("i.muted_by IS NOT NULL")
        if view.search:
            query = fts_query(view.search)
            if query is None:
                clauses.append("0")
            else:
                clauses.append("i.id IN (SELECT rowid FROM items_fts WHERE items_fts MATCH ?)")
                params.append(query)
        if view.fold_stories:
            # One row per story: hide an item when a newer item of its story is in the view too.
            inner = " AND ".join(clauses).replace("i.", "j.") or "1"
            clauses.append(
                "(i.story_id IS NULL OR NOT EXISTS (SELECT 1 FROM items j WHERE j.story_id = i.story_id "
                "AND (j.sort_date > i.sort_date OR (j.sort_date = i.sort_date AND j.id > i.id)) "
                f"AND {inner}))"
            )
            params = [*params, *params]
        return (" AND ".join(clauses) or "1"), params

    def headlines(
        self, view: View | None = None, offset: int = 0, limit: int = 200, *, total: int | None = None
    ) -> list[Headline]:
        """One page of headlines for `view`, in its order. With the view's `total` (as `count` gave it), a
        page in the second half is read from the other end, in the reverse order: SQLite walks OFFSET rows
        one by one, so the last page of 100,000 costs what the first does."""
        view = view or View()
        where, params = self._view_where(view)
        reverse = total is not None and offset > total // 2
        if total is not None and reverse:
            end = min(offset + limit, total)
            offset, limit = total - end, max(0, end - offset)
        rows = self._read(
            f"""SELECT {_HEADLINE_COLUMNS}
                FROM {from_clause(view.order)}
                WHERE {where} ORDER BY {order_by(view.order, reverse=reverse)} LIMIT ? OFFSET ?""",
            [*params, limit, offset],
        )
        page = [_headline(r) for r in rows]
        return page[::-1] if reverse else page

    def headlines_beside(self, view: View, item_id: int, limit: int, *, after: bool) -> list[Headline] | None:
        """The `limit` headlines of `view` just after (or just before) `item_id` in the view's order, in that
        order: a page next to one already read, found by its neighbour's place (keyset), not by counting
        rows from the top. None when the item is gone."""
        ref = self._order_ref(item_id)
        if ref is None:
            return None
        where, params = self._view_where(view)
        cond, ref_params = (comes_after if after else comes_before)(view.order, ref)
        rows = self._read(
            f"""SELECT {_HEADLINE_COLUMNS}
                FROM {from_clause(view.order)}
                WHERE {where} AND {cond} ORDER BY {order_by(view.order, reverse=not after)} LIMIT ?""",
            [*params, *ref_params, limit],
        )
        page = [_headline(r) for r in rows]
        return page if after else page[::-1]

    def count(self, view: View | None = None) -> int:
        view = view or View()
        if view.fold_stories:
            return self._folded_count(view)
        where, params = self._view_where(view)
        return int(self._read(f"SELECT COUNT(*) FROM items i WHERE {where}", params)[0][0])

    def _folded_count(self, view: View) -> int:
        """One row per story: as many rows as stories with an item in the view, plus the items not grouped,
        counted from the story indexes instead of testing every item against its story's newer items."""
        where, params = self._view_where(replace(view, fold_stories=False, keep=()))
        if where not in ("1", "i.read = 0"):
            # A narrower view (a feed, a tag, saved, a search): its own index picks the few rows first.
            where, params = self._view_where(replace(view, fold_stories=False))
            return int(self._read(f"SELECT {_FOLDED_ROWS} FROM items i WHERE {where}", params)[0][0])
        # Every item, or every unread one: the distinct story ids, walking a story index in order.
        sql = f"""SELECT (SELECT COUNT(*) FROM (SELECT DISTINCT i.story_id FROM items i
                                               WHERE {where} AND i.story_id IS NOT NULL))
                      + (SELECT COUNT(*) FROM items i WHERE {where} AND i.story_id IS NULL)"""
        total = int(self._read(sql, [*params, *params])[0][0])
        if view.keep and where == "i.read = 0":
            # Items read in this unread-only view stay listed: their stories with nothing unread left are
            # rows too (an item not grouped is its own row).
            marks = ", ".join("?" * len(view.keep))
            sql = f"""SELECT COUNT(DISTINCT COALESCE(i.story_id, -i.id)) FROM items i
                      WHERE i.id IN ({marks}) AND i.read = 1 AND (i.story_id IS NULL OR NOT EXISTS
                          (SELECT 1 FROM items j WHERE j.story_id = i.story_id AND j.read = 0))"""
            total += int(self._read(sql, list(view.keep))[0][0])
        return total

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
        """Where `item_id` sits in `view` (0-based, in the view's order), or None when it is not in it."""
        where, params = self._view_where(view or View())
        # Two indexed lookups: the item's place (if it is in the view), then how many rows sort above it.
        refs = self._read(
            f"SELECT i.sort_date, i.id, i.feed_id, {_FEED_KEY} FROM items i JOIN feeds f ON f.id = i.feed_id "
            f"WHERE i.id = ? AND {where}",
            [item_id, *params],
        )
        if not refs:
            return None
        before, ref_params = comes_before(view.order, refs[0])
        if view.fold_stories and view.order == "newest":
            # Newest first, a story's row is its newest item in the view: the rows above are the stories
            # with any item of the view above (and the items not grouped), counted without testing each
            # item against its story's newer items.
            where, params = self._view_where(replace(view, fold_stories=False))
            rows = self._read(
                f"SELECT {_FOLDED_ROWS} FROM items i WHERE {where} AND {before}", [*params, *ref_params]
            )
            return int(rows[0][0])
        source = from_clause(view.order) if view.order == "feed" else "items i"
        rows = self._read(f"SELECT COUNT(*) FROM {source} WHERE {where} AND {before}", [*params, *ref_params])
        return int(rows[0][0])

    def _order_ref(self, item_id: int) -> tuple[Any, ...] | None:
        """What an item's place in any order is decided by: (sort_date, id, feed_id, feed key)."""
        rows = self._read(
            f"SELECT i.sort_date, i.id, i.feed_id, {_FEED_KEY} FROM items i JOIN feeds f ON f.id = i.feed_id "
            "WHERE i.id = ?",
            (item_id,),
        )
        return tuple(rows[0]) if rows else None

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
            muted_by=r[16],
            enclosures=enclosures_from_json(r[17]),
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
            queue_marks(c, changed, "read", read)  # sync: only items with a server id
        return changed

    def mark_view_read(self, view: View) -> list[int]:
        """Mark every unread item of `view` read; returns their ids (for undo)."""
        where, params = self._view_where(view or View())
        with self._write() as c:
            ids = [r[0] for r in c.execute(f"SELECT i.id FROM items i WHERE {where} AND i.read = 0", params)]
            c.executemany(
                "UPDATE items SET read = 1, read_at = ? WHERE id = ?", [(_ts(utcnow()), i) for i in ids]
            )
            queue_view_read(c, view or View(), ids)  # sync: only items with a server id
        return ids

    def set_saved(self, item_id: int, saved: bool = True) -> bool:
        """Save or unsave an item; returns whether its state changed."""
        with self._write() as c:
            cur = c.execute(
                "UPDATE items SET saved = ?, saved_at = ? WHERE id = ? AND saved != ?",
                (int(saved), _ts(utcnow()) if saved else None, item_id, int(saved)),
            )
            if cur.rowcount:
                queue_marks(c, [item_id], STARRED, saved)  # sync: only items with a server id
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
                if not article.thin:
                    self._article_stored(c, item_id, article.text)

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
            ref = self._order_ref(from_item)
            if ref is None:
                return None
            cond, ref_params = (comes_after if direction > 0 else comes_before)(view.order, ref)
            clauses.append(cond)
            params = [*params, *ref_params]
        rows = self._read(
            f"""SELECT {_HEADLINE_COLUMNS}
                FROM {from_clause(view.order)}
                WHERE {" AND ".join(clauses)} ORDER BY {order_by(view.order, reverse=direction < 0)} LIMIT 1""",
            params,
        )
        if not rows:
            return None
        headline = _headline(rows[0])
        position = self.position(view, headline.id)
        return (position, headline) if position is not None else None

    # ---------------------------------------------------------------- marking many (the TUI's "mark read…")

    def mark_read_beside(self, view: View, item_id: int, direction: int) -> list[tuple[int, int]]:
        """Mark read every unread item of `view` above (`direction` < 0) or below (> 0) `item_id` in the view's
        order, the item itself excluded; returns (item id, feed id) of each (for undo and the counts)."""
        ref = self._order_ref(item_id)
        if ref is None:
            return []
        where, params = self._view_where(view)
        cond, ref_params = (comes_after if direction > 0 else comes_before)(view.order, ref)
        return self._mark_where(f"{where} AND {cond}", [*params, *ref_params])

    def mark_read_older(self, view: View, cutoff: datetime) -> list[tuple[int, int]]:
        """Mark read every unread item of `view` dated before `cutoff`; returns (item id, feed id) of each."""
        where, params = self._view_where(view)
        return self._mark_where(f"{where} AND i.sort_date < ?", [*params, _ts(cutoff)])

    def _mark_where(self, where: str, params: list[Any]) -> list[tuple[int, int]]:
        with self._write() as c:
            marked = [
                (int(r[0]), int(r[1]))
                for r in c.execute(
                    f"SELECT i.id, i.feed_id FROM items i JOIN feeds f ON f.id = i.feed_id "
                    f"WHERE {where} AND i.read = 0",
                    params,
                )
            ]
            now = _ts(utcnow())
            c.executemany(
                "UPDATE items SET read = 1, read_at = ? WHERE id = ?", [(now, i) for i, _ in marked]
            )
        return marked
