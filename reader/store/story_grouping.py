"""Story grouping in the store: each new item gets its story inside the transaction that stores it.

Grouping runs inside the transaction that stores a poll's items (the poll's writer thread), never on the UI
thread: an in-memory index (`reader.stories.index`) of the stories around the new items' publication times is
loaded from the items table (each item keeps its story id and title terms) and kept while the poll runs; each
item's story is written with the item itself, and the rows of the stories it changed at commit. The scoring
is pure and lives in `reader.stories.grouping`; the merge pass and re-grouping are in `story_upkeep`, reading
stories in `stories` and `story_pages`.

`group_stories` ([stories] group in the config) turns it off: items are then stored without a story.
"""

from __future__ import annotations

import functools
import sqlite3
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, NamedTuple

from reader.store.base import StoreBase

# The grouping code (terms, index, rules) is imported by the methods that group, when a write first needs it:
# opening a store to read (the TUI's start-up, `reader list`) never loads it.
if TYPE_CHECKING:
    from reader.stories.index import StoryIndex


class NewItems(NamedTuple):
    """Items just inserted (or about to be), as grouping needs them: one sequence per field, in step (no
    object per item: a poll stores thousands)."""

    ids: Sequence[int]
    feed_ids: Sequence[int]
    sort_dates: Sequence[str]  # ISO, UTC
    # The sort dates in epoch seconds, when the caller has them (else read from `sort_dates`).
    times: Sequence[int] | None = None
    # What grouping compares (`story_terms`), where already made (in the parse workers); else (None, or
    # None for an item) made here from the title and text.
    terms: Sequence[str | None] | None = None
    titles: Sequence[str] = ()  # needed only where `terms` are not made
    texts: Sequence[str | None] = ()  # plain text of its summary or extracted article (likewise)

    def made(self) -> list[str]:
        """What grouping compares, for each item (`story_terms`, made here where the caller has not)."""
        from reader.stories.terms import story_terms

        terms = self.terms if self.terms is not None else [None] * len(self.ids)
        if None not in terms:  # (all made in the parse workers: a poll's case)
            return [m for m in terms if m is not None]
        texts = self.texts or [None] * len(self.ids)
        return [
            m if m is not None else story_terms(title, text)
            for m, title, text in zip(terms, self.titles, texts, strict=True)
        ]


def _epoch(iso: str) -> int:
    dt = datetime.fromisoformat(iso)
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return int(dt.timestamp())


# A sort date in epoch seconds, in SQL (loading the index): unixepoch() where SQLite has it (3.38+), under
# half the cost of strftime('%s') (measured: 1.6 vs 4.2 ms per 10,000 rows).
_EPOCH_SQL = (
    "unixepoch(sort_date)"
    if sqlite3.sqlite_version_info >= (3, 38)
    else "CAST(strftime('%s', sort_date) AS INTEGER)"
)

# The in-memory index covers at most this much publication time and about this many items, unless one batch
# of new items needs more (then it covers what that batch needs).
MAX_INDEX_SPAN = 60 * 86400
MAX_INDEX_ITEMS = 20_000


def _iso(epoch: int) -> str:
    return datetime.fromtimestamp(max(0, min(epoch, 253402300799)), UTC).isoformat(timespec="seconds")


def _placeholders(n: int) -> str:
    return ",".join("?" * n)


# Rows of new one-item stories written by one statement (6 values each: under SQLite's oldest limit of 999
# bound values per statement).
SINGLES_PER_INSERT = 100


@functools.lru_cache(maxsize=8)
def _insert_singles_sql(rows: int) -> str:
    """The statement writing `rows` new one-item stories' rows (story id, lead item, its feed, first and
    last time, newest ISO time: `StoryIndex.new_single_rows`)."""
    values = ",".join(["(?, ?, 1, 1, ?, ?, ?, ?)"] * rows)
    return (
        "INSERT OR IGNORE INTO stories (id, lead_item, size, feed_count, first_feed, first_t, last_t, newest) "
        f"VALUES {values}"
    )


class StoryGrouping(StoreBase):
    """Grouping new items into stories as they are stored; mixed into `Store` (through `StoryQueries`)."""

    # Whether this store groups the items it stores ([stories] group; the services set it from the config).
    group_stories: bool = True

    # ---------------------------------------------------------------- grouping (inside a write transaction)

    _story_index: StoryIndex | None = None
    _story_version: int | None = None

    def _group_new(
        self, c: sqlite3.Connection, items: NewItems, *, stored: bool = False
    ) -> tuple[list[int], list[str]]:
        """Give each new item a story: the best admissible candidate, or a new story of its own.

        Returns (story ids, grouping terms), in step with `items` (both empty when nothing was grouped), for
        rows about to be inserted; the stories' rows are written at the end of the transaction
        (`_before_commit`), once however many feeds it stored. With
        `stored` (items already in the table) it writes the items' stories itself, under a savepoint. If
        grouping fails, the items are still stored (without a story; `group_pending` groups them later) and
        the poll carries on.
        """
        if not items.ids or not self.group_stories:
            return [], []
        if stored:
            c.execute("SAVEPOINT grouping")
        try:
            out = self._group_items(c, items, stored)
        except Exception:  # grouping must never cost a poll its items: they are stored without a story
            self._story_index = None
            self._merge_suspects = None  # the next merge pass looks at every story that gained items
            if stored:
                c.execute("ROLLBACK TO grouping")
            out = [], []
        if stored:
            c.execute("RELEASE grouping")
        return out

    # PRAGMA data_version as read in the current write transaction (None: not read in it yet).
    _txn_version: int | None = None

    def _before_commit(self, c: sqlite3.Connection) -> None:
        index = self._story_index
        self._txn_version = None
        try:
            if index is not None:
                self._write_rows(c, index)
        except Exception:  # the rows are written again by the next merge pass (it then looks at everything)
            self._story_index = None
            self._merge_suspects = None

    @classmethod
    def _write_rows(cls, c: sqlite3.Connection, index: StoryIndex) -> None:
        """The rows of the stories this transaction made or changed: those with more items (`_flush`), then
        the new one-item stories (most), from what the index holds of them: no read of the items just written
        (whose story id sits after their text: an item with a long text costs a walk through its overflow
        pages; measured on 10,000 items with 10 KB of text each, 70 -> 26 ms, and 22 -> 18 ms with short
        ones)."""
        if index.changed:
            cls._flush(c, index)
        values = index.new_single_rows()
        # Many rows to a statement: 10,000 rows cost 7 ms this way against 11 ms one by one (measured).
        per = 6 * SINGLES_PER_INSERT
        for start in range(0, len(values), per):
            chunk = values[start : start + per]
            c.execute(_insert_singles_sql(len(chunk) // 6), chunk)

    def _article_stored(self, c: sqlite3.Connection, item_id: int, text: str) -> None:
        """The extracted text of an item alone in its story (a headline that found no match) may place it:
        it is grouped again with the lead of that text. Never costs the article: on any failure the item
        keeps its story."""
        if not self.group_stories:
            return
        from reader.stories.terms import split_story_terms, story_terms

        row = c.execute(
            "SELECT feed_id, title, sort_date, story_id, story_terms FROM items WHERE id = ?", (item_id,)
        ).fetchone()
        if row is None or row[3] is None or "|" in (row[4] or ""):
            return  # not grouped yet (re-grouping will read the text), or grouped with a text already
        feed_id, title, iso, story_id, _ = row
        made = story_terms(title, text)
        if "|" not in made:
            return
        c.execute("SAVEPOINT regroup_item")
        try:
            if c.execute("SELECT COUNT(*) FROM items WHERE story_id = ?", (story_id,)).fetchone()[0] != 1:
                c.execute("UPDATE items SET story_terms = ? WHERE id = ?", (made, item_id))
            else:
                t = _epoch(iso)
                index = self._index_for(c, t, t)
                if index.remove_single(story_id, item_id):
                    terms, ntitle = split_story_terms(made)
                    new_story, _ = index.group(item_id, feed_id, terms, t, iso, ntitle)
                    c.execute(
                        "UPDATE items SET story_id = ?, story_terms = ? WHERE id = ?",
                        (new_story, made, item_id),
                    )
                    if new_story != story_id:
                        c.execute("DELETE FROM stories WHERE id = ?", (story_id,))
                    if self._merge_suspects is not None:
                        self._merge_suspects.update(index.suspects)
                    index.suspects.clear()
        except Exception:
            self._story_index = None
            c.execute("ROLLBACK TO regroup_item")
        c.execute("RELEASE regroup_item")

    def _after_rollback(self) -> None:
        # The index holds what the rolled-back transaction grouped: it is loaded again from the table.
        self._story_index = None
        self._txn_version = None

    def _group_items(
        self, c: sqlite3.Connection, items: NewItems, stored: bool
    ) -> tuple[list[int], list[str]]:
        times = items.times if items.times is not None else [_epoch(iso) for iso in items.sort_dates]
        self._track_suspects(c, stored)
        index = self._index_for(c, min(times), max(times))
        made = items.made()
        # new rows: the one-item stories' rows are written at commit, all at once
        story_ids = index.group_many(items.ids, items.feed_ids, made, times, items.sort_dates, not stored)
        if stored:
            c.executemany(
                "UPDATE items SET story_id = ?, story_terms = ? WHERE id = ?",
                zip(story_ids, made, items.ids, strict=True),
            )
        if self._merge_suspects is not None:
            self._merge_suspects.update(index.suspects)
        index.suspects.clear()
        return story_ids, made

    # Stories the next merge pass needs to look at (story -> a publication time near it), gathered while
    # grouping; None when they are not known to cover every item since the last pass (then the pass finds
    # the stories of those items in the table). `_suspects_upto`: the last pass's mark they start from.
    _merge_suspects: dict[int, int] | None = None
    _suspects_upto: int = 0

    def _track_suspects(self, c: sqlite3.Connection, stored: bool) -> None:
        if stored:  # re-grouping old items: its merge pass names where it starts
            self._merge_suspects = None
            return
        if self._merge_suspects is not None:
            return
        upto = self._merged_upto(c)
        newest = int(c.execute("SELECT COALESCE(MAX(id), 0) FROM items").fetchone()[0])
        if upto >= newest:  # nothing is waiting for a pass: from here on, grouping records what it needs
            self._merge_suspects, self._suspects_upto = {}, upto

    @staticmethod
    def _merged_upto(c: sqlite3.Connection) -> int:
        row = c.execute("SELECT value FROM story_meta WHERE key = 'merged_upto'").fetchone()
        return int(row[0]) if row else 0

    def _index_for(self, c: sqlite3.Connection, lo: int, hi: int) -> StoryIndex:
        """The in-memory index, loaded for `lo`..`hi` (padded so every candidate story is whole).

        It is rebuilt when another connection has committed since (PRAGMA data_version); a transaction of
        this one that rolls back drops it (`_after_rollback`).
        """
        from reader.stories import grouping as g
        from reader.stories.index import StoryIndex

        # Another connection can only have committed before this transaction began: asked once in it.
        version = self._txn_version
        if version is None:
            version = self._txn_version = int(c.execute("PRAGMA data_version").fetchone()[0])
        index = self._story_index
        pad = g.WINDOW + g.MAX_SPAN
        lo, hi = lo - pad, hi + pad
        if (
            index is not None
            and index.lo is not None
            and index.hi is not None
            and (lo < index.lo or hi > index.hi)
            and (max(hi, index.hi) - min(lo, index.lo) > MAX_INDEX_SPAN or index.docs > MAX_INDEX_ITEMS)
        ):
            index = None  # a walk through a long archive: start afresh around these items (bounded memory)
        if index is None or version != self._story_version:
            if self._story_index is not None:  # what this transaction grouped so far keeps its rows
                self._write_rows(c, self._story_index)
            next_id = 1 + max(
                int(c.execute("SELECT COALESCE(MAX(id), 0) FROM stories").fetchone()[0]),
                int(c.execute("SELECT COALESCE(MAX(story_id), 0) FROM items").fetchone()[0]),
            )
            index = self._story_index = StoryIndex(next_id)
            self._story_version = version
        if index.lo is None or index.hi is None:
            self._load(c, index, lo, hi)
            index.lo, index.hi = lo, hi
        else:
            if lo < index.lo:
                self._load(c, index, lo, index.lo)
                index.lo = lo
            if hi > index.hi:
                self._load(c, index, index.hi, hi)
                index.hi = hi
        return index

    @staticmethod
    def _load(c: sqlite3.Connection, index: StoryIndex, lo: int, hi: int) -> None:
        """Add the grouped items published in [lo, hi) to the index."""
        index.load(
            c.execute(
                f"SELECT id, feed_id, story_id, story_terms, {_EPOCH_SQL}, sort_date FROM items "
                "WHERE sort_date >= ? AND sort_date < ? AND story_id IS NOT NULL",
                (_iso(lo), _iso(hi)),
            )
        )

    @staticmethod
    def _flush(c: sqlite3.Connection, index: StoryIndex) -> None:
        """Write what the index changed: merges, and the changed stories' rows."""
        for into, gone in index.moved:
            c.execute("UPDATE items SET story_id = ? WHERE story_id = ?", (into, gone))
        if index.dropped:
            c.executemany("DELETE FROM stories WHERE id = ?", [(sid,) for sid in index.dropped])
        rows = []
        stories = index.stories
        for sid in index.changed:
            s = stories.get(sid)
            if s is not None and s.changed:
                s.changed = False
                rows.append(
                    (s.id, s.lead_item, s.size, len(s.feeds), s.first_feed, s.first_t, s.last_t, s.newest)
                )
        c.executemany(
            """INSERT OR REPLACE INTO stories (id, lead_item, size, feed_count, first_feed, first_t, last_t, newest)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?)""",
            rows,
        )
        index.changed.clear()
        index.moved.clear()
        index.dropped.clear()
