"""Pages of headlines for the virtual list: fetched on demand around the viewport, cached, patched in place."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from dataclasses import replace

from reader.models import Headline

PAGE_SIZE = 200
MAX_PAGES = 12  # ~2,400 headlines kept in memory; the rest is fetched again when scrolled back to

FetchPage = Callable[[int, int], list[Headline]]  # (offset, limit) -> headlines, in the view's order
# (item id, limit, after) -> the headlines just after (or before) that item, or None if it is gone
FetchBeside = Callable[[int, int, bool], list[Headline] | None]


class HeadlinePager:
    """A window onto a view's headlines. The screen builds it over the store; the list only reads it.

    A page next to one in memory is read from its neighbour's edge (`fetch_beside`, a keyset: paging on
    through 100,000 rows never counts the rows before); other pages by offset."""

    def __init__(
        self,
        fetch: FetchPage,
        total: int,
        page_size: int = PAGE_SIZE,
        fetch_beside: FetchBeside | None = None,
    ) -> None:
        self._fetch = fetch
        self._fetch_beside = fetch_beside
        self.total = total
        self._page_size = page_size
        self._pages: OrderedDict[int, list[Headline]] = OrderedDict()

    def get(self, index: int) -> Headline | None:
        if index < 0 or index >= self.total:
            return None
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
        size = min(self._page_size, self.total - offset)
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
        for number, page in self._pages.items():
            for offset, headline in enumerate(page):
                if headline.id == item_id:
                    return number * self._page_size + offset
        return None

    def find(self, item_id: int) -> Headline | None:
        """The cached headline with this id, if it is in memory."""
        index = self.index_of_cached(item_id)
        return self.get(index) if index is not None else None

    def patch(self, item_id: int, *, read: bool | None = None, saved: bool | None = None) -> bool:
        """Change a cached headline's marks without re-reading the page; True when it was cached."""
        for page in self._pages.values():
            for offset, headline in enumerate(page):
                if headline.id == item_id:
                    page[offset] = replace(
                        headline,
                        read=headline.read if read is None else read,
                        saved=headline.saved if saved is None else saved,
                    )
                    return True
        return False

    def cached(self) -> list[Headline]:
        return [h for page in self._pages.values() for h in page]

    def patch_many(self, item_ids: set[int], *, read: bool) -> int:
        """Mark many cached headlines read or unread in one pass (bulk marks); how many were cached."""
        patched = 0
        for page in self._pages.values():
            for offset, headline in enumerate(page):
                if headline.id in item_ids and headline.read != read:
                    page[offset] = replace(headline, read=read)
                    patched += 1
        return patched
