"""Keeping stories right after grouping: the merge pass after each poll, re-grouping an archive (after an
upgrade, or asked), and forgetting stories whose items are gone."""

from __future__ import annotations

from collections.abc import Callable

from reader.store.story_grouping import (
    MAX_INDEX_ITEMS,
    MAX_INDEX_SPAN,
    NewItems,
    StoryGrouping,
    _epoch,
    _placeholders,
)


class StoryUpkeep(StoryGrouping):
    """The merge pass and re-grouping; mixed into `Store` (through `StoryQueries`)."""

    # ---------------------------------------------------------------- the merge pass

    def merge_stories(self, max_rounds: int = 6, *, since: int | None = None) -> int:
        """The pass after a poll: merge each story that gained items since the last pass (items with ids
        above `since`, default: where the last pass stopped) into a larger one its items fit, and write
        the merged stories' rows. Returns merges made.

        Repairs the splits that arrival order causes (two outlets' items seen before the one that links them).
        When this store grouped every item since the last pass, it looks only at the stories those items
        could have joined (a merge needs an item linking the two stories); otherwise at every story that
        gained items. Nothing when grouping is off (`group_stories`).
        """
        if not self.group_stories:
            return 0
        with self._write() as c:
            upto = self._merged_upto(c)
            newest = int(c.execute("SELECT COALESCE(MAX(id), 0) FROM items").fetchone()[0])
            suspects = self._merge_suspects
            if since is None and suspects is not None and upto == self._suspects_upto:
                spans = sorted((t, t, sid) for sid, t in suspects.items())
                mark_changed = False
            else:
                rows = c.execute(
                    "SELECT story_id, min(sort_date), max(sort_date) FROM items "
                    "WHERE id > ? AND story_id IS NOT NULL GROUP BY story_id",
                    (
                        since
                        if since is not None
                        else upto
                        if suspects is None
                        else min(upto, self._suspects_upto),
                    ),
                ).fetchall()
                spans = sorted((_epoch(r[1]), _epoch(r[2]), r[0]) for r in rows)
                spans += sorted((t, t, sid) for sid, t in (suspects or {}).items())
                spans.sort()
                mark_changed = True  # rows may be missing (written by an older version after its pass)
            merged = 0
            # In stretches of publication time, so the index in memory stays small however long the archive.
            start = 0
            while start < len(spans):
                end = start
                while (
                    end < len(spans)
                    and spans[end][0] - spans[start][0] <= MAX_INDEX_SPAN // 3
                    and end - start < MAX_INDEX_ITEMS // 4
                ):
                    end += 1
                chunk = spans[start:end]
                index = self._index_for(c, chunk[0][0], max(t for _, t, _ in chunk))
                dirty = [sid for _, _, sid in chunk if index.story(sid) is not None]
                if mark_changed:
                    for sid in dirty:
                        index.stories[sid].changed = True
                        index.changed.add(sid)
                merged += index.merge_pass(dirty, max_rounds)
                self._flush(c, index)
                start = end
            index_now = self._story_index
            if index_now is not None:
                index_now.suspects.clear()  # merges made what grouping recorded moot
            c.execute(
                "INSERT INTO story_meta (key, value) VALUES ('merged_upto', ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (newest,),
            )
            self._merge_suspects, self._suspects_upto = {}, newest
        return merged

    # ---------------------------------------------------------------- re-grouping (after an upgrade, or asked)

    def ungrouped_count(self) -> int:
        return int(self._read("SELECT COUNT(*) FROM items WHERE story_id IS NULL")[0][0])

    def group_pending(
        self,
        progress: Callable[[int, int], None] | None = None,
        *,
        batch: int = 500,
        restart: bool = False,
        limit: int | None = None,
    ) -> int:
        """Group every item that has no story yet, oldest first, in short transactions; then merge.

        Resumable: an interrupted run leaves the grouped part grouped; `limit` stops after about that many. `restart` forgets all stories first
        (a full re-grouping). `progress(done, total)` is called after each batch. Returns items grouped (none
        when grouping is off: `group_stories`).
        """
        if not self.group_stories:
            return 0
        from reader.stories.terms import LEAD_CHARS

        if limit is not None:
            batch = max(1, min(batch, limit))
        if restart:
            self._story_index = None
            with self._write() as c:
                c.execute("UPDATE items SET story_id = NULL, story_terms = NULL WHERE story_id IS NOT NULL")
                c.execute("DELETE FROM stories")
        total = self.ungrouped_count()
        done = 0
        first_id: int | None = None
        after: tuple[str, int] = ("", 0)  # walk the date index once (no sort of the whole archive per batch)
        while True:
            with self._write() as c:
                rows = c.execute(
                    "SELECT id, feed_id, title, sort_date FROM items WHERE story_id IS NULL "
                    "AND (sort_date > ? OR (sort_date = ? AND id > ?)) ORDER BY sort_date, id LIMIT ?",
                    (after[0], after[0], after[1], batch),
                ).fetchall()
                # The searchable text: the extracted article where there is one, else the feed's summary
                # or content as plain text; its lead is all grouping reads.
                texts = dict(
                    c.execute(
                        f"SELECT rowid, substr(body, 1, {4 * LEAD_CHARS}) FROM items_fts "
                        f"WHERE rowid IN ({_placeholders(len(rows))})",
                        [r[0] for r in rows],
                    ).fetchall()
                    if rows
                    else ()
                )
                self._group_new(
                    c,
                    NewItems(
                        [r[0] for r in rows],
                        [r[1] for r in rows],
                        [r[3] for r in rows],
                        titles=[r[2] or "" for r in rows],
                        texts=[texts.get(r[0]) for r in rows],
                    ),
                    stored=True,
                )
            if rows:
                after = (rows[-1][3], rows[-1][0])
                low = min(r[0] for r in rows)
                first_id = low if first_id is None else min(first_id, low)
            done += len(rows)
            if progress is not None:
                progress(min(done, total), total)
            if len(rows) < batch or (limit is not None and done >= limit):
                break
        if first_id is not None:
            self.merge_stories(since=first_id - 1)
        return done

    def drop_empty_stories(self) -> int:
        """Forget stories whose items are all gone (after retention or removing a feed)."""
        with self._write() as c:
            return c.execute(
                "DELETE FROM stories WHERE NOT EXISTS (SELECT 1 FROM items i WHERE i.story_id = stories.id)"
            ).rowcount
