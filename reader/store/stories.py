"""Reading stories: a page of stories with their figures (`reader stories`), a story's items, an item's story,
and marking a whole story read. Grouping is in `story_grouping`, the merge pass and re-grouping in
`story_upkeep`, the Stories screen's keyset pages in `story_pages`."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from reader.models import Story, StoryItem
from reader.store.story_grouping import NewItems, _placeholders
from reader.store.story_upkeep import StoryUpkeep

__all__ = ["NewItems", "StoryQueries"]


class StoryQueries(StoryUpkeep):
    """Grouping, the merge pass and story reads; mixed into `Store`."""

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
            f"""SELECT s.id,
                    (SELECT max(read_at) FROM items i WHERE i.story_id = s.id AND i.read = 1),
                    (SELECT min(first_seen) FROM items i WHERE i.story_id = s.id AND i.read = 0),
                    (SELECT COUNT(*) FROM items i WHERE i.story_id = s.id),
                    (SELECT COUNT(DISTINCT feed_id) FROM items i WHERE i.story_id = s.id),
                    (SELECT COUNT(*) FROM items i WHERE i.story_id = s.id AND i.read = 0),
                    (SELECT max(sort_date) FROM items i WHERE i.story_id = s.id),
                    COALESCE((SELECT i.id FROM items i WHERE i.id = s.lead_item AND i.story_id = s.id),
                             (SELECT min(i.id) FROM items i WHERE i.story_id = s.id))
                FROM stories s WHERE {where} ORDER BY s.newest DESC, s.id DESC LIMIT ? OFFSET ?""",
            (limit, offset),
        )
        leads = self._titles([r[7] for r in rows])
        out: list[Story] = []
        for sid, last_read, first_unread, n, feeds, unread, newest, lead in rows:
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
                    # Read, then joined by items that arrived after the last read: "+" in the list.
                    rejoined=bool(last_read and first_unread and first_unread >= last_read),
                    items=items,
                )
            )
        return out

    def story_count(self, *, unread_only: bool = False) -> int:
        if unread_only:  # from the unread items (few, indexed), not by probing every story
            return int(
                self._read(
                    "SELECT COUNT(DISTINCT story_id) FROM items WHERE read = 0 AND story_id IS NOT NULL"
                )[0][0]
            )
        # The stories that still have items: the distinct ids of the story index, read in its order.
        return int(
            self._read(
                "SELECT COUNT(*) FROM (SELECT DISTINCT story_id FROM items WHERE story_id IS NOT NULL)"
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
        return ids
