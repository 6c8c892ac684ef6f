"""Paging through stories for the TUI: keyset pages in the stories' order (newest first), from either end, so
an archive of 100,000 stories is reached page by page and never read at once; and a story's items as headlines
(for unfolding one row of a headline list)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from reader.models import Headline, Story, StoryPage
from reader.store.base import StoreBase
from reader.store.items import _HEADLINE_COLUMNS, _headline

# A story's figures, counted over the items it still has (items are deleted by retention and by removing feeds).
_STORY_COLUMNS = """s.id, s.newest,
    (SELECT max(read_at) FROM items i WHERE i.story_id = s.id AND i.read = 1),
    (SELECT min(first_seen) FROM items i WHERE i.story_id = s.id AND i.read = 0),
    (SELECT COUNT(*) FROM items i WHERE i.story_id = s.id),
    (SELECT COUNT(DISTINCT feed_id) FROM items i WHERE i.story_id = s.id),
    (SELECT COUNT(*) FROM items i WHERE i.story_id = s.id AND i.read = 0),
    (SELECT max(sort_date) FROM items i WHERE i.story_id = s.id),
    COALESCE((SELECT i.id FROM items i WHERE i.id = s.lead_item AND i.story_id = s.id),
             (SELECT min(i.id) FROM items i WHERE i.story_id = s.id))"""

StoryKey = tuple[str, int]  # (stories.newest, stories.id): a story's place in the list


class StoryPages(StoreBase):
    """Keyset pages of stories; mixed into `Store`."""

    def stories_page(
        self,
        *,
        unread_only: bool = False,
        after: StoryKey | None = None,
        before: StoryKey | None = None,
        oldest: bool = False,
        limit: int = 200,
    ) -> StoryPage:
        """Up to `limit` stories, newest first: the newest page; or those just older than `after`; or those
        just newer than `before`; or (`oldest`) the oldest page. Each page is one walk of `stories_by_newest`
        from its key, however deep in the archive."""
        where = "EXISTS (SELECT 1 FROM items i WHERE i.story_id = s.id" + (
            " AND i.read = 0)" if unread_only else ")"
        )
        if unread_only:
            # A story with an unread item is no older than the oldest unread item (one probe of the
            # unread index): the walk from the oldest end skips the read past instead of testing it.
            where += " AND s.newest >= (SELECT min(sort_date) FROM items WHERE read = 0)"
        params: list[Any] = []
        backwards = oldest or before is not None  # walk towards newer stories, then turn the page round
        if after is not None:
            where += " AND (s.newest, s.id) < (?, ?)"
            params += list(after)
        elif before is not None:
            where += " AND (s.newest, s.id) > (?, ?)"
            params += list(before)
        order = "s.newest ASC, s.id ASC" if backwards else "s.newest DESC, s.id DESC"
        rows = self._read(
            f"SELECT {_STORY_COLUMNS} FROM stories s WHERE {where} ORDER BY {order} LIMIT ?",
            [*params, limit + 1],
        )
        more = len(rows) > limit  # more stories beyond the page, in the walk's direction
        rows = rows[:limit]
        if backwards:
            rows.reverse()
        leads = self._titles([r[8] for r in rows])
        stories = tuple(
            Story(
                id=sid,
                lead_title=leads.get(lead) or "",
                lead_item=lead,
                item_count=n,
                feed_count=feeds,
                unread_count=unread,
                newest=datetime.fromisoformat(newest),
                # Read, then joined by items that arrived after the last read: marked in the list.
                rejoined=bool(last_read and first_unread and first_unread >= last_read),
            )
            for sid, _key, last_read, first_unread, n, feeds, unread, newest, lead in rows
        )
        keys = tuple((str(r[1]), int(r[0])) for r in rows)
        if oldest:
            return StoryPage(stories, keys, more_newer=more, more_older=False)
        if before is not None:
            return StoryPage(stories, keys, more_newer=more, more_older=True)
        return StoryPage(stories, keys, more_newer=after is not None, more_older=more)

    def story_headlines(self, story_id: int) -> list[Headline]:
        """A story's items as headline rows, newest first (its outlets' versions, for unfolding a row)."""
        rows = self._read(
            f"""SELECT {_HEADLINE_COLUMNS} FROM items i JOIN feeds f ON f.id = i.feed_id
                WHERE i.story_id = ? ORDER BY i.sort_date DESC, i.id DESC""",
            (story_id,),
        )
        return [_headline(r) for r in rows]
