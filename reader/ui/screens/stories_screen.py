"""The Stories screen: one row per story (lead headline, how many outlets, newest time, unread state), over the
whole archive.

Stories are read a page at a time by keyset queries in a thread worker (never on the UI thread): the newest page
first, the next older one as the highlight nears the end of what is loaded, the oldest page on End, the newest on
Home. At most `MAX_LOADED` stories are held, whatever the archive's size. Enter unfolds a story into its outlets'
versions (Enter on one opens it), m marks the whole story read or unread (u undoes), f shows only unread stories.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import ClassVar, Literal

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Static

from reader.frozen import Frozen, value_type
from reader.models import Story, StoryItem, StoryPage
from reader.ui.protocol import Services
from reader.ui.widgets.story_rows import StoryRow, StoryRows
from reader.ui.writer import PendingMarks

PAGE = 200  # stories per query
MAX_LOADED = 1000  # stories held at once; pages beyond are dropped from the far end and read again if needed
NEAR_EDGE = 30  # rows from the end of what is loaded at which the next page is asked for
PENDING_LOOKUPS = 500  # marks in flight looked up to correct the stories' counts (more: counted once stored)

Mode = Literal["newest", "oldest", "older", "newer", "window"]


@dataclass
class _Window:
    """The stories loaded, newest first, with their keys and whether more lie beyond either end."""

    stories: list[Story]
    keys: list[tuple[str, int]]
    more_newer: bool = False
    more_older: bool = False


class StoriesLoaded(Message):
    """A page of stories read by the worker, with the marks in flight counted in."""

    def __init__(
        self,
        serial: int,
        mode: Mode,
        page: StoryPage,
        total: int | None,
        items: dict[int, list[StoryItem]],
        keep: str | None,
    ) -> None:
        super().__init__()
        self.serial = serial
        self.mode = mode
        self.page = page
        self.total = total
        self.items = items
        self.keep = keep


class StoriesCounted(Message):
    """How many stories the list's filter has (the title says it)."""

    def __init__(self, total: int, unread_only: bool) -> None:
        super().__init__()
        self.total = total
        self.unread_only = unread_only


@value_type
class StoriesPlace(Frozen):
    """Where the Stories screen was left, to open there again: the filter, the first story shown, the row
    highlighted."""

    unread_only: bool
    first: tuple[str, int] | None  # None: the top
    highlighted: str | None
    loaded: int  # stories that were loaded (read as many again)


class StoriesScreen(ModalScreen[int | None]):
    """Every story, newest first. Enter unfolds a story into its items (Enter on an item opens it), m marks the
    story read, u undoes, f shows only unread stories, Escape closes."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "close", "Close", id="stories.close"),
        Binding("m", "mark_read", "Mark story read/unread", id="stories.mark_read"),
        Binding("u", "undo", "Undo", id="stories.undo"),
        Binding("f", "filter_unread", "Unread only", id="stories.filter_unread"),
        Binding("j", "cursor_down", "Down", show=False, id="stories.down"),
        Binding("k", "cursor_up", "Up", show=False, id="stories.up"),
    ]

    def __init__(
        self,
        services: Services,
        now: Callable[[], datetime],
        mark: Callable[[int, bool], None],
        undo: Callable[[], None],
        pending: PendingMarks | None = None,
        place: StoriesPlace | None = None,
    ) -> None:
        super().__init__()
        self._place = place
        self.services = services
        self.pending = pending if pending is not None else PendingMarks()
        self.now = now
        self._mark = mark
        self._undo = undo
        self.unread_only = False
        self.window = _Window([], [])
        self.total: int | None = None  # stories in the list's filter (counted by the worker)
        self.open: dict[int, list[StoryItem]] = {}
        self.loaded = False  # the first page has arrived
        self._serial = 0  # the newest request: older answers are dropped
        self._loading: Mode | None = None
        self.grouped = services.stories_grouped()  # [stories] group in the config (no database read)

    def compose(self) -> ComposeResult:
        with Vertical(id="stories-box"):
            yield Static(id="stories-title")
            yield StoryRows(id="stories-list")

    def on_mount(self) -> None:
        self.options.now = self.now
        self.options.edge = self._edge
        self.options.focus()
        self._show_title()
        place = self._place
        if place is None:
            self.load("newest", count=True)
            return
        self.unread_only = place.unread_only
        if place.first is not None:
            self.window = _Window([], [place.first], more_newer=True)
        self.load("window", keep=place.highlighted, count=True, limit=place.loaded)

    @property
    def place(self) -> StoriesPlace:
        """Where the list is (the main screen opens it there again)."""
        w = self.window
        first = w.keys[0] if w.keys and w.more_newer else None
        story = self._story_id()  # an outlet's row: its story's (unfolded rows are folded again)
        highlighted = f"s:{story}" if story is not None else None
        return StoriesPlace(self.unread_only, first, highlighted, len(w.stories))

    def on_resize(self) -> None:
        self._render_rows()
        self.call_after_refresh(self._show_title)  # at the laid-out width

    @property
    def stories(self) -> list[Story]:
        return self.window.stories

    @property
    def options(self) -> StoryRows:
        return self.query_one("#stories-list", StoryRows)

    def _edge(self, where: str) -> bool:
        """Home/End: the newest or oldest page when it is not the one loaded (True: taken care of)."""
        if where == "last" and self.window.more_older:
            self.load("oldest", keep="last")
            return True
        if where == "first" and self.window.more_newer:
            self.load("newest", keep="first")
            return True
        return False

    # ------------------------------------------------------------------ reading pages (a worker)

    def load(
        self, mode: Mode, *, keep: str | None = None, count: bool = False, limit: int | None = None
    ) -> None:
        """Ask the worker for a page: `newest`/`oldest` replace what is shown, `older`/`newer` extend it at
        an end, `window` reads what is shown again (after marks or a poll), keeping the highlighted row."""
        w = self.window
        key: tuple[str, int] | None = None
        wanted, limit = limit, PAGE
        if mode == "older":
            if not w.keys:
                return
            key = w.keys[-1]
        elif mode == "newer":
            if not w.keys:
                return
            key = w.keys[0]
        elif mode == "window":
            if w.keys and w.more_newer:
                key = (w.keys[0][0], w.keys[0][1] + 1)  # from the first story shown, itself included
            limit = max(PAGE, min(MAX_LOADED, wanted or len(w.keys)))
            if keep is None:
                keep = self._highlighted_id()
        self._serial += 1
        self._loading = mode
        reads = self.pending.reads()
        self._read_page(self._serial, mode, key, limit, keep, reads, set(self.open), count)

    @work(thread=True, group="stories-page", exit_on_error=False, description="reading stories")
    def _read_page(
        self,
        serial: int,
        mode: Mode,
        key: tuple[str, int] | None,
        limit: int,
        keep: str | None,
        reads: dict[int, bool],
        open_ids: set[int],
        count: bool,
    ) -> None:
        svc, unread = self.services, self.unread_only
        if mode == "older" or (mode == "window" and key is not None):
            page = svc.stories_page(unread_only=unread, after=key, limit=limit)
            if mode == "window":
                page = replace(page, more_newer=True)
        elif mode == "newer":
            page = svc.stories_page(unread_only=unread, before=key, limit=limit)
        elif mode == "oldest":
            page = svc.stories_page(unread_only=unread, oldest=True, limit=limit)
        else:
            page = svc.stories_page(unread_only=unread, limit=limit)
        # Marks still on their way to the store are counted in: the list agrees with what was just done.
        touched: set[int] = set()
        if reads and len(reads) <= PENDING_LOOKUPS:
            touched = {s for s in (svc.story_of(i) for i in reads) if s is not None}
        items: dict[int, list[StoryItem]] = {}
        for story in page.stories:
            if story.id in touched or story.id in open_ids:
                items[story.id] = [_overlay(it, reads) for it in svc.story_items(story.id)]
        self.post_message(StoriesLoaded(serial, mode, page, None, items, keep))
        if count:  # after the rows: the first page shows without waiting for the count
            self.post_message(StoriesCounted(svc.story_count(unread_only=unread), unread))

    def on_stories_loaded(self, event: StoriesLoaded) -> None:
        event.stop()
        if event.serial != self._serial:
            return  # a newer request is on its way
        self._loading = None
        page = event.page
        stories = [
            replace(s, unread_count=sum(not it.read for it in event.items[s.id]))
            if s.id in event.items
            else s
            for s in page.stories
        ]
        for sid in list(self.open):
            if sid in event.items:
                self.open[sid] = event.items[sid]
        w = self.window
        keep = event.keep if event.keep is not None else self._highlighted_id()
        shift = 0  # rows added above the highlight (the view is kept still)
        if event.mode == "older":
            w.stories += stories
            w.keys += page.keys
            w.more_older = page.more_older
            if len(w.stories) > MAX_LOADED:
                drop = len(w.stories) - MAX_LOADED
                shift = -sum(1 + len(self.open.get(s.id, ())) for s in w.stories[:drop])
                del w.stories[:drop], w.keys[:drop]
                w.more_newer = True
        elif event.mode == "newer":
            shift = sum(1 + len(self.open.get(s.id, ())) for s in stories)
            w.stories[:0] = stories
            w.keys[:0] = page.keys
            w.more_newer = page.more_newer
            if len(w.stories) > MAX_LOADED:
                del w.stories[MAX_LOADED:], w.keys[MAX_LOADED:]
                w.more_older = True
        else:
            self.window = _Window(stories, list(page.keys), page.more_newer, page.more_older)
        if event.total is not None:
            self.total = event.total
        self.loaded = True
        self._render_rows(keep, shift)

    def on_stories_counted(self, event: StoriesCounted) -> None:
        event.stop()
        if event.unread_only == self.unread_only:
            self.total = event.total
            self._show_title()

    # ------------------------------------------------------------------ rows

    def _render_rows(self, keep: str | None = None, shift: int = 0) -> None:
        """Hand the rows down (cheap: only the rows on screen are ever drawn), the highlight on `keep`."""
        keep = keep or self._highlighted_id()
        scroll = self.options.scroll_y
        rows: list[StoryRow] = []
        for story in self.stories:
            rows.append((f"s:{story.id}", story))
            rows.extend((f"i:{it.id}", it) for it in self.open.get(story.id, []))
        self.options.open = set(self.open)
        index = next((n for n, (rid, _) in enumerate(rows) if rid == keep), None)
        if keep == "last" and rows:
            self.options.set_rows(rows, len(rows) - 1)
        elif index is not None:
            # Rows that came or went above move the view with them: the highlighted row stays put on screen.
            self.options.set_rows(rows, index, scroll_y=scroll + shift)
        else:
            self.options.set_rows(rows, 0, scroll_y=0)
        self._show_title()
        self._page_if_near_edge()

    def _show_title(self) -> None:
        what = "unread stories" if self.unread_only else "stories"
        if not self.loaded:
            counts = "reading…"
        elif self.total is not None:
            counts = f"{self.total:,} {what}"
        else:
            counts = what
        if not self.grouped:  # turned off in the config: say so, rather than an empty list with no reason
            counts += " · grouping is off ([stories] group = false in the config)"
        elif self.loaded and not self.stories:
            counts += (
                " · none yet: stories appear as feeds are polled" if not self.unread_only else " · all read"
            )
        title = self.query_one("#stories-title", Static)
        if (title.size.width or 80) >= 90:
            hints = "Enter unfolds · m marks read · f unread only · Esc closes"
        else:
            hints = "Enter unfolds · m read · f unread · Esc"
        title.update(Content.assemble(("Stories", "bold"), (f"  {counts} · {hints}", "$text-muted")))

    def _highlighted_id(self) -> str | None:
        return self.options.highlighted_id

    def _current(self) -> tuple[str, int] | None:
        option_id = self._highlighted_id()
        if option_id is None:
            return None
        kind, _, value = option_id.partition(":")
        return kind, int(value)

    def on_story_rows_highlighted(self, event: StoryRows.Highlighted) -> None:
        event.stop()
        self._page_if_near_edge()

    def on_story_rows_scrolled(self, event: StoryRows.Scrolled) -> None:
        event.stop()
        self._page_if_near_edge(view=True)

    def _page_if_near_edge(self, *, view: bool = False) -> None:
        """Read the next page before the highlight (`view`: or the rows on screen, when the mouse wheel moved
        them) reaches the end of what is loaded, at either end."""
        rows = self.options
        n = len(rows.rows)
        if not n or self._loading is not None:
            return
        first = last = rows.cursor
        top, bottom = rows.visible_rows
        if view and n > bottom - top + 1:  # the rows overflow the view: it can be scrolled to an end
            first, last = min(first, top), max(last, bottom)
        if self.window.more_older and last >= n - NEAR_EDGE:
            self.load("older")
        elif self.window.more_newer and first < NEAR_EDGE:
            self.load("newer")

    # ------------------------------------------------------------------ actions

    def on_story_rows_selected(self, event: StoryRows.Selected) -> None:
        event.stop()
        current = self._current()
        if current is None:
            return
        kind, value = current
        if kind == "i":
            self.dismiss(value)
            return
        if value in self.open:
            del self.open[value]
            self._render_rows(f"s:{value}")
        else:
            self._unfold(value)

    @work(thread=True, group="stories-unfold", exit_on_error=False, description="reading a story's items")
    def _unfold(self, story_id: int) -> None:
        reads = self.pending.reads()
        items = [_overlay(it, reads) for it in self.services.story_items(story_id)]
        self.app.call_from_thread(self._show_unfolded, story_id, items)

    def _show_unfolded(self, story_id: int, items: list[StoryItem]) -> None:
        if any(s.id == story_id for s in self.stories):
            self.open[story_id] = items
            self._render_rows(f"s:{story_id}")

    def _story_id(self) -> int | None:
        current = self._current()
        if current is None:
            return None
        kind, value = current
        if kind == "s":
            return value
        return next((sid for sid, items in self.open.items() if any(it.id == value for it in items)), None)

    def action_mark_read(self) -> None:
        story_id = self._story_id()
        story = next((s for s in self.stories if s.id == story_id), None)
        if story_id is None or story is None:
            return
        read = story.unread_count > 0
        self._mark(story_id, read)
        self.show_story_marked(story_id, read)

    def show_story_marked(self, story_id: int, read: bool) -> None:
        """The row (and its unfolded items) as the mark left them, at once; the writer stores it."""
        w = self.window
        for n, story in enumerate(w.stories):
            if story.id == story_id:
                w.stories[n] = replace(
                    story,
                    unread_count=0 if read else story.item_count,
                    rejoined=False if read else story.rejoined,
                )
        if story_id in self.open:
            self.open[story_id] = [replace(it, read=read) for it in self.open[story_id]]
        self._render_rows()

    def action_undo(self) -> None:
        self._undo()
        self.load("window")

    def action_filter_unread(self) -> None:
        self.unread_only = not self.unread_only
        self.open.clear()
        self.loaded = False
        self.load("newest", count=True)

    def action_cursor_down(self) -> None:
        self.options.action_cursor_down()

    def action_cursor_up(self) -> None:
        self.options.action_cursor_up()

    def action_close(self) -> None:
        self.dismiss(None)


def _overlay(it: StoryItem, reads: dict[int, bool]) -> StoryItem:
    read = reads.get(it.id)
    return it if read is None or read == it.read else replace(it, read=read)
