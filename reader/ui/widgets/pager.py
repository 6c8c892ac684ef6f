"""Pages of headlines for the virtual list: fetched on demand around the viewport, cached, patched in place."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import replace

from reader.frozen import Frozen, value_type
from reader.models import Headline

PAGE_SIZE = 200
MAX_PAGES = 12  # ~2,400 headlines kept in memory; the rest is fetched again when scrolled back to

FetchPage = Callable[[int, int], list[Headline]]  # (offset, limit) -> headlines, in the view's order
# (item id, limit, after) -> the headlines just after (or before) that item, or None if it is gone
FetchBeside = Callable[[int, int, bool], list[Headline] | None]


@value_type
class Unfolded(Frozen):
    """A row unfolded in place: the row of the view at `base` (the item `lead`) is followed by `rows`, the
    other items of its story. `rows` is shared with the screen, so marks patched here outlive the pager."""

    base: int
    lead: int
    rows: list[Headline]


class HeadlinePager:
    """A window onto a view's headlines. The screen builds it over the store; the list only reads it.

    Indices are the list's rows: the view's rows (`base_total`, in the store's order) with the rows of any
    unfolded stories inserted beneath their lead row.

    A page next to one in memory is read from its neighbour's edge (`fetch_beside`, a keyset: paging on
    through 100,000 rows never counts the rows before); other pages by offset."""

    def __init__(
        self,
        fetch: FetchPage,
        total: int,
        page_size: int = PAGE_SIZE,
        unfolded: Sequence[Unfolded] = (),
        fetch_beside: FetchBeside | None = None,
    ) -> None:
        self._fetch = fetch
        self._fetch_beside = fetch_beside
        self.base_total = total
        self._page_size = page_size
        self._pages: OrderedDict[int, list[Headline]] = OrderedDict()
        self.unfolded = sorted((u for u in unfolded if 0 <= u.base < total), key=lambda u: u.base)
        self.total = total + sum(len(u.rows) for u in self.unfolded)

    def seed_first_page(self, rows: list[Headline]) -> None:
        """The view's first rows, read already (reader/ui/first_page.py); ignored unless a whole page."""
        if len(rows) == min(self._page_size, self.base_total):
            self._pages[0] = rows

    def with_unfolded(self, unfolded: Sequence[Unfolded]) -> HeadlinePager:
        """The same view (its pages already read are shared, nothing is counted again) with other rows
        unfolded."""
        pager = HeadlinePager(self._fetch, self.base_total, self._page_size, unfolded, self._fetch_beside)
        pager._pages = self._pages
        return pager

    def base_index(self, index: int) -> int:
        """The view's row a list row is, or belongs to (an unfolded story's rows: its lead's)."""
        return self._locate(index)[0]

    def _locate(self, index: int) -> tuple[int, Unfolded | None, int]:
        """A list row as (base index, the unfolded story it belongs to, its place among that story's rows):
        (b, None, -1) for the view's row b."""
        shift = 0
        for u in self.unfolded:
            lead_row = u.base + shift
            if index <= lead_row:
                break
            if index <= lead_row + len(u.rows):
                return u.base, u, index - lead_row - 1
            shift += len(u.rows)
        return index - shift, None, -1

    def display_index(self, base: int) -> int:
        """The list row of the view's row `base`."""
        return base + sum(len(u.rows) for u in self.unfolded if u.base < base)

    def unfolded_at(self, index: int) -> Unfolded | None:
        """The unfolded story a list row is the lead of or one of the rows of (None: not unfolded)."""
        base, u, _ = self._locate(index)
        if u is not None:
            return u
        return next((u for u in self.unfolded if u.base == base), None)

    def is_child(self, index: int) -> bool:
        """True for the rows shown beneath an unfolded row (indented)."""
        return self._locate(index)[1] is not None

    def get(self, index: int) -> Headline | None:
        if index < 0 or index >= self.total:
            return None
        if self.unfolded:
            index, u, sub = self._locate(index)
            if u is not None:
                return u.rows[sub]
        number, offset = divmod(index, self._page_size)
        page = self._page(number)
        return page[offset] if offset < len(page) else None

    def _page(self, number: int) -> list[Headline]:
        page = self._pages.get(number)
        if page is None:
            page = self._read(number)
            self._pages[number] = page
            while len(self._pages) > MAX_PAGES:
                self._pages.popitem(last=False)
        else:
            self._pages.move_to_end(number)
        return page

    def _read(self, number: int) -> list[Headline]:
        offset = number * self._page_size
        size = min(self._page_size, self.base_total - offset)
        before, after = self._pages.get(number - 1), self._pages.get(number + 1)
        if self._fetch_beside is not None and size > 0:
            page: list[Headline] | None = None
            if before and len(before) == self._page_size:
                page = self._fetch_beside(before[-1].id, size, True)
            elif after:
                page = self._fetch_beside(after[0].id, size, False)
            if page is not None and len(page) == size:  # else the archive changed under us: by offset
                return page
        return self._fetch(offset, self._page_size)

    def index_of_cached(self, item_id: int) -> int | None:
        """Where a headline already in memory sits (None when it is not cached)."""
        for u in self.unfolded:
            for sub, headline in enumerate(u.rows):
                if headline.id == item_id:
                    return self.display_index(u.base) + 1 + sub
        for number, page in self._pages.items():
            for offset, headline in enumerate(page):
                if headline.id == item_id:
                    return self.display_index(number * self._page_size + offset)
        return None

    def _lists(self) -> list[list[Headline]]:
        return [*self._pages.values(), *(u.rows for u in self.unfolded)]

    def find(self, item_id: int) -> Headline | None:
        """The cached headline with this id, if it is in memory."""
        index = self.index_of_cached(item_id)
        return self.get(index) if index is not None else None

    def patch(self, item_id: int, *, read: bool | None = None, saved: bool | None = None) -> bool:
        """Change a cached headline's marks without re-reading the page; True when it was cached."""
        found = False
        for page in self._lists():
            for offset, headline in enumerate(page):
                if headline.id == item_id:
                    page[offset] = replace(
                        headline,
                        read=headline.read if read is None else read,
                        saved=headline.saved if saved is None else saved,
                    )
                    found = True
        return found

    def cached(self) -> list[Headline]:
        return [h for page in self._lists() for h in page]

    def patch_many(self, item_ids: set[int], *, read: bool) -> int:
        """Mark many cached headlines read or unread in one pass (bulk marks); how many were cached."""
        patched = 0
        for page in self._lists():
            for offset, headline in enumerate(page):
                if headline.id in item_ids and headline.read != read:
                    page[offset] = replace(headline, read=read)
                    patched += 1
        return patched
