"""Stories in the store: grouping items as they are stored, the merge pass, re-grouping, and reading stories.

The scoring itself is pure and lives in `reader.stories.grouping`; this module only fetches candidates through
the `story_terms` inverted index and keeps the tables in step. Grouping runs inside the transaction that stores
the items (the poll's writer thread), never on the UI thread.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from reader.models import Story, StoryItem
from reader.store.base import StoreBase
from reader.stories import grouping as g
from reader.stories.terms import title_terms

_MERGE_CHUNK = 100  # dirty stories handled per write transaction in a merge pass


@dataclass(frozen=True)
class NewItem:
    """An item just inserted, as grouping needs it."""

    id: int
    feed_id: int
    title: str
    sort_date: str  # ISO, UTC


def _epoch(iso: str) -> int:
    dt = datetime.fromisoformat(iso)
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return int(dt.timestamp())


def _placeholders(n: int) -> str:
    return ",".join("?" * n)


class StoryQueries(StoreBase):
    """Grouping and story reads; mixed into `Store`."""

    # ---------------------------------------------------------------- grouping (inside a write transaction)

    def _group_new(self, c: sqlite3.Connection, items: Sequence[NewItem]) -> None:
        """Give each new item a story: the best admissible candidate, or a new story of its own.

        Runs inside the transaction that stores the items, under a savepoint: if grouping fails, the items are
        still stored (without a story; `group_pending` groups them later) and the poll carries on.
        """
        if not items:
            return
        c.execute("SAVEPOINT grouping")
        try:
            self._group_items(c, items)
        except (sqlite3.Error, ValueError, OverflowError):
            c.execute("ROLLBACK TO grouping")
        c.execute("RELEASE grouping")

    def _group_items(self, c: sqlite3.Connection, items: Sequence[NewItem]) -> None:
        docs = self._meta(c, "docs")
        for it in items:
            terms = title_terms(it.title)
            docs += 1
            t = _epoch(it.sort_date)
            weights = self._bump_df(c, terms, docs)
            candidates = self._candidates(c, terms, t, t, exclude=None)
            ok = [cand for cand in candidates if g.admissible(cand, it.feed_id, t, t)]
            story_id = g.best_story(terms, weights, ok)
            if story_id is None:
                story_id = self._new_story(c, it, t)
            else:
                self._join_story(c, story_id, it, t)
            c.execute(
                "UPDATE items SET story_id = ?, story_terms = ? WHERE id = ?",
                (story_id, " ".join(terms), it.id),
            )
            if terms:
                c.executemany(
                    """INSERT INTO story_terms (term, story_id, n, last_t) VALUES (?, ?, 1, ?)
                       ON CONFLICT (term, story_id) DO UPDATE SET n = n + 1, last_t = max(last_t, excluded.last_t)""",
                    [(w, story_id, t) for w in terms],
                )
        c.execute(
            "INSERT INTO story_meta (key, value) VALUES ('docs', ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (docs,),
        )

    @staticmethod
    def _meta(c: sqlite3.Connection, key: str) -> int:
        row = c.execute("SELECT value FROM story_meta WHERE key = ?", (key,)).fetchone()
        return int(row[0]) if row else 0

    @staticmethod
    def _bump_df(c: sqlite3.Connection, terms: Sequence[str], docs: int) -> dict[str, float]:
        if not terms:
            return {}
        c.executemany(
            "INSERT INTO term_df (term, n) VALUES (?, 1) ON CONFLICT (term) DO UPDATE SET n = n + 1",
            [(w,) for w in terms],
        )
        return StoryQueries._weights(c, terms, docs)

    @staticmethod
    def _weights(c: sqlite3.Connection, terms: Iterable[str], docs: int) -> dict[str, float]:
        terms = list(terms)
        df: dict[str, int] = {}
        for i in range(0, len(terms), 500):
            chunk = terms[i : i + 500]
            df.update(
                c.execute(f"SELECT term, n FROM term_df WHERE term IN ({_placeholders(len(chunk))})", chunk)
            )
        return {w: g.idf(df.get(w, 0), docs) for w in terms}

    @staticmethod
    def _candidates(
        c: sqlite3.Connection, terms: Iterable[str], first_t: int, last_t: int, *, exclude: int | None
    ) -> list[g.Candidate]:
        """Stories in the time window sharing a distinctive term, with their counts of the shared terms."""
        counts: dict[int, dict[str, int]] = {}
        for w in terms:
            rows = c.execute(
                "SELECT story_id, n FROM story_terms WHERE term = ? AND last_t >= ? LIMIT ?",
                (w, first_t - g.WINDOW, g.MAX_POSTINGS + 1),
            ).fetchall()
            if len(rows) > g.MAX_POSTINGS:
                continue  # too common in the window to tell stories apart
            for story_id, n in rows:
                if story_id != exclude:
                    counts.setdefault(story_id, {})[w] = n
        if not counts:
            return []
        out: list[g.Candidate] = []
        ids = list(counts)
        for i in range(0, len(ids), 500):
            chunk = ids[i : i + 500]
            for sid, size, feeds, first_feed, f_t, l_t in c.execute(
                f"SELECT id, size, feed_count, first_feed, first_t, last_t FROM stories "
                f"WHERE id IN ({_placeholders(len(chunk))})",
                chunk,
            ):
                if f_t > last_t + g.WINDOW:
                    continue
                out.append(g.Candidate(sid, size, feeds, first_feed, f_t, l_t, counts[sid]))
        return out

    @staticmethod
    def _new_story(c: sqlite3.Connection, it: NewItem, t: int) -> int:
        cur = c.execute(
            """INSERT INTO stories (lead_item, size, feed_count, first_feed, first_t, last_t, newest, dirty)
               VALUES (?, 1, 1, ?, ?, ?, ?, 1)""",
            (it.id, it.feed_id, t, t, it.sort_date),
        )
        return int(cur.lastrowid or 0)

    @staticmethod
    def _join_story(c: sqlite3.Connection, story_id: int, it: NewItem, t: int) -> None:
        new_feed = c.execute(
            "SELECT 1 FROM items WHERE story_id = ? AND feed_id = ? LIMIT 1", (story_id, it.feed_id)
        ).fetchone()
        all_read = not c.execute(
            "SELECT 1 FROM items WHERE story_id = ? AND read = 0 LIMIT 1", (story_id,)
        ).fetchone()
        c.execute(
            """UPDATE stories SET size = size + 1, feed_count = feed_count + ?,
                   lead_item = CASE WHEN ? < first_t THEN ? ELSE lead_item END,
                   first_t = min(first_t, ?), last_t = max(last_t, ?), newest = max(newest, ?), dirty = 1,
                   rejoined = CASE WHEN ? THEN 1 ELSE rejoined END
               WHERE id = ?""",
            (0 if new_feed else 1, t, it.id, t, t, it.sort_date, all_read, story_id),
        )

    # ---------------------------------------------------------------- the merge pass

    def merge_stories(self, max_rounds: int = 6) -> int:
        """Merge each story changed since the last pass into a larger one its items fit; returns merges made.

        Repairs the splits that arrival order causes (two outlets' items seen before the one that links them).
        """
        total = 0
        for _ in range(max_rounds):
            with self._write() as c:
                dirty = [r[0] for r in c.execute("SELECT id FROM stories WHERE dirty = 1 ORDER BY size, id")]
            if not dirty:
                break
            merged = 0
            for i in range(0, len(dirty), _MERGE_CHUNK):
                with self._write() as c:
                    for story_id in dirty[i : i + _MERGE_CHUNK]:
                        merged += self._merge_one(c, story_id)
                    c.execute(
                        f"UPDATE stories SET dirty = 0 WHERE id IN ({_placeholders(len(dirty[i : i + _MERGE_CHUNK]))})",
                        dirty[i : i + _MERGE_CHUNK],
                    )
            total += merged
            if not merged:
                break
        return total

    def _merge_one(self, c: sqlite3.Connection, story_id: int) -> int:
        row = c.execute(
            "SELECT size, feed_count, first_feed, first_t, last_t FROM stories WHERE id = ?", (story_id,)
        ).fetchone()
        if row is None:
            return 0
        size, feeds, first_feed, first_t, last_t = row
        if size > g.MAX_MERGE_ITEMS:
            return 0
        members = [
            r[0].split()
            for r in c.execute(
                "SELECT story_terms FROM items WHERE story_id = ? AND story_terms != ''", (story_id,)
            )
        ]
        if not members:
            return 0
        terms = list(dict.fromkeys(w for m in members for w in m))
        weights = self._weights(c, terms, self._meta(c, "docs"))
        feed = first_feed if feeds <= 1 else -1
        best: int | None = None
        best_score = 0.0
        for cand in self._candidates(c, terms, first_t, last_t, exclude=story_id):
            if cand.size < size or not g.admissible(cand, feed, first_t, last_t):
                continue
            score = g.merge_score(members, weights, cand.counts, cand.size)
            if score > best_score:
                best, best_score = cand.story_id, score
        if best is None or best_score < g.MERGE:
            return 0
        self._absorb(c, best, story_id)
        return 1

    @staticmethod
    def _absorb(c: sqlite3.Connection, into: int, story_id: int) -> None:
        """Move every item of `story_id` into `into` and drop `story_id`."""
        c.execute("UPDATE items SET story_id = ? WHERE story_id = ?", (into, story_id))
        c.execute(
            """INSERT INTO story_terms (term, story_id, n, last_t)
               SELECT term, ?, n, last_t FROM story_terms WHERE story_id = ? AND 1
               ON CONFLICT (term, story_id) DO UPDATE SET n = n + excluded.n, last_t = max(last_t, excluded.last_t)""",
            (into, story_id),
        )
        c.execute("DELETE FROM story_terms WHERE story_id = ?", (story_id,))
        a = c.execute(
            "SELECT size, first_t, last_t, newest, lead_item, rejoined FROM stories WHERE id = ?", (story_id,)
        ).fetchone()
        feeds = c.execute("SELECT COUNT(DISTINCT feed_id) FROM items WHERE story_id = ?", (into,)).fetchone()[
            0
        ]
        c.execute(
            """UPDATE stories SET size = size + ?, feed_count = ?,
                   lead_item = CASE WHEN ? < first_t THEN ? ELSE lead_item END,
                   first_t = min(first_t, ?), last_t = max(last_t, ?), newest = max(newest, ?), dirty = 1,
                   rejoined = max(rejoined, ?)
               WHERE id = ?""",
            (a[0], feeds, a[1], a[4], a[1], a[2], a[3], a[5], into),
        )
        c.execute("DELETE FROM stories WHERE id = ?", (story_id,))

    # ---------------------------------------------------------------- re-grouping (after an upgrade, or asked)

    def ungrouped_count(self) -> int:
        return int(self._read("SELECT COUNT(*) FROM items WHERE story_id IS NULL")[0][0])

    def group_pending(
        self, progress: Callable[[int, int], None] | None = None, *, batch: int = 500, restart: bool = False
    ) -> int:
        """Group every item that has no story yet, oldest first, in short transactions; then merge.

        Resumable: an interrupted run leaves the grouped part grouped. `restart` forgets all stories first
        (a full re-grouping). `progress(done, total)` is called after each batch. Returns items grouped.
        """
        if restart:
            with self._write() as c:
                c.execute("UPDATE items SET story_id = NULL, story_terms = NULL WHERE story_id IS NOT NULL")
                for table in ("stories", "story_terms", "term_df", "story_meta"):
                    c.execute(f"DELETE FROM {table}")
        total = self.ungrouped_count()
        done = 0
        after: tuple[str, int] = ("", 0)  # walk the date index once (no sort of the whole archive per batch)
        while True:
            with self._write() as c:
                rows = c.execute(
                    "SELECT id, feed_id, title, sort_date FROM items WHERE story_id IS NULL "
                    "AND (sort_date > ? OR (sort_date = ? AND id > ?)) ORDER BY sort_date, id LIMIT ?",
                    (after[0], after[0], after[1], batch),
                ).fetchall()
                self._group_new(c, [NewItem(r[0], r[1], r[2] or "", r[3]) for r in rows])
            if rows:
                after = (rows[-1][3], rows[-1][0])
            done += len(rows)
            if progress is not None:
                progress(min(done, total), total)
            if len(rows) < batch:
                break
        self.merge_stories()
        return done

    def drop_empty_stories(self) -> int:
        """Forget stories whose items are all gone (after retention or removing a feed)."""
        with self._write() as c:
            return c.execute(
                "DELETE FROM stories WHERE NOT EXISTS (SELECT 1 FROM items i WHERE i.story_id = stories.id)"
            ).rowcount

    # ---------------------------------------------------------------- reading stories

    def story_ids(self, item_ids: Sequence[int]) -> dict[int, int | None]:
        out: dict[int, int | None] = {}
        ids = list(item_ids)
        for i in range(0, len(ids), 500):
            chunk = ids[i : i + 500]
            out.update(
                self._read(f"SELECT id, story_id FROM items WHERE id IN ({_placeholders(len(chunk))})", chunk)
            )
        return out

    def stories(
        self, *, unread_only: bool = False, limit: int = 200, offset: int = 0, with_items: bool = False
    ) -> list[Story]:
        """A page of stories, newest first, each counted over the items it still has."""
        where = "EXISTS (SELECT 1 FROM items i WHERE i.story_id = s.id"
        where += " AND i.read = 0)" if unread_only else ")"
        rows = self._read(
            f"""SELECT s.id, s.rejoined,
                    (SELECT COUNT(*) FROM items i WHERE i.story_id = s.id),
                    (SELECT COUNT(DISTINCT feed_id) FROM items i WHERE i.story_id = s.id),
                    (SELECT COUNT(*) FROM items i WHERE i.story_id = s.id AND i.read = 0),
                    (SELECT max(sort_date) FROM items i WHERE i.story_id = s.id),
                    COALESCE((SELECT i.id FROM items i WHERE i.id = s.lead_item AND i.story_id = s.id),
                             (SELECT min(i.id) FROM items i WHERE i.story_id = s.id))
                FROM stories s WHERE {where} ORDER BY s.newest DESC, s.id DESC LIMIT ? OFFSET ?""",
            (limit, offset),
        )
        leads = (
            dict(
                self._read(
                    f"SELECT id, title FROM items WHERE id IN ({_placeholders(len(rows))})",
                    [r[6] for r in rows],
                )
            )
            if rows
            else {}
        )
        out: list[Story] = []
        for sid, rejoined, n, feeds, unread, newest, lead in rows:
            items = tuple(self.story_items(sid)) if with_items else ()
            out.append(
                Story(
                    id=sid,
                    lead_title=leads.get(lead, ""),
                    lead_item=lead,
                    item_count=n,
                    feed_count=feeds,
                    unread_count=unread,
                    newest=datetime.fromisoformat(newest),
                    rejoined=bool(rejoined) and unread > 0,
                    items=items,
                )
            )
        return out

    def story_count(self, *, unread_only: bool = False) -> int:
        cond = " AND i.read = 0" if unread_only else ""
        return int(
            self._read(
                f"SELECT COUNT(*) FROM stories s WHERE EXISTS (SELECT 1 FROM items i WHERE i.story_id = s.id{cond})"
            )[0][0]
        )

    def story_items(self, story_id: int) -> list[StoryItem]:
        """The items of a story, oldest first."""
        rows = self._read(
            """SELECT i.id, i.feed_id, COALESCE(f.title, f.doc_title, f.url), i.title, i.link, i.sort_date, i.read
               FROM items i JOIN feeds f ON f.id = i.feed_id WHERE i.story_id = ? ORDER BY i.sort_date, i.id""",
            (story_id,),
        )
        return [
            StoryItem(r[0], r[1], r[2], r[3], r[4], datetime.fromisoformat(r[5]), bool(r[6])) for r in rows
        ]

    def story_of(self, item_id: int) -> int | None:
        rows = self._read("SELECT story_id FROM items WHERE id = ?", (item_id,))
        return rows[0][0] if rows else None

    def mark_story_read(self, story_id: int, read: bool = True) -> list[int]:
        """Mark every item of a story read (or unread); returns the ids that changed (for undo)."""
        with self._write() as c:
            ids = [
                r[0]
                for r in c.execute(
                    "SELECT id FROM items WHERE story_id = ? AND read = ?", (story_id, 0 if read else 1)
                )
            ]
            now = datetime.now(UTC).isoformat(timespec="seconds") if read else None
            c.executemany(
                "UPDATE items SET read = ?, read_at = ? WHERE id = ?", [(int(read), now, i) for i in ids]
            )
            if read:
                c.execute("UPDATE stories SET rejoined = 0 WHERE id = ?", (story_id,))
        return ids
