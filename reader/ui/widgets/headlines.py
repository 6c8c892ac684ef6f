"""The virtual headline list: renders only the rows on screen, asking its pager for pages as it scrolls."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import ClassVar

from rich.cells import cell_len, chop_cells
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.message import Message
from textual.strip import Strip

from reader.models import Headline
from reader.ui.text import display_title, relative_age, safe
from reader.ui.widgets.pager import HeadlinePager
from reader.ui.widgets.rowcursor import RowCursorView

UNREAD_MARK = "●"
REJOINED_MARK = "+"  # unread news in a story already read (as on the Stories screen)
SAVED_MARK = "★"
CHILD_MARK = "  └ "  # before a row shown beneath its story's unfolded row
FEED_TEXT_MARK = "◌"  # in search results: searched by the feed's text (the full text is not fetched yet)


def fit(text: str, width: int) -> str:
    """`text` cut (with an ellipsis) or padded to exactly `width` cells."""
    if width <= 0:
        return ""
    if cell_len(text) > width:
        text = chop_cells(text, width - 1)[0] + "…"
    return text + " " * (width - cell_len(text))


def _empty_pager() -> HeadlinePager:
    return HeadlinePager(lambda offset, limit: [], 0)


class HeadlineList(RowCursorView):
    """Headlines of one view, newest first. Only visible rows are rendered, so size never slows it down."""

    DEFAULT_CSS = """
    HeadlineList {
        background: $surface;
        overflow-x: hidden;
        & > .headline-list--cursor { background: $block-cursor-blurred-background; }
        &:focus > .headline-list--cursor {
            background: $block-cursor-background; color: $block-cursor-foreground; text-style: none;
        }
        & > .headline-list--unread { text-style: bold; }
        & > .headline-list--read { color: $text-muted; }
        & > .headline-list--meta { color: $text-muted; }
        & > .headline-list--saved { color: $warning; }
        & > .headline-list--empty { color: $text-muted; text-style: italic; }
        &:nocolor > .headline-list--cursor { text-style: reverse; }
    }
    """
    COMPONENT_CLASSES = {
        "headline-list--cursor",
        "headline-list--unread",
        "headline-list--read",
        "headline-list--meta",
        "headline-list--saved",
        "headline-list--empty",
    }
    # Paging keys that only make sense with the list focused; j/k/arrows are screen bindings ("down", "up")
    # that act on whichever pane has focus.
    BINDINGS: ClassVar[list[BindingType]] = [
        # Same ids as the screen's j/k bindings, so a remap of "down"/"up" moves both together.
        Binding("down", "cursor_down", "", show=False, id="down"),
        Binding("up", "cursor_up", "", show=False, id="up"),
        Binding("pagedown", "page_down", "Page down", show=False, id="list.page_down"),
        Binding("pageup", "page_up", "Page up", show=False, id="list.page_up"),
        Binding("home", "first", "First", show=False, id="list.first"),
        Binding("end", "last", "Last", show=False, id="list.last"),
    ]

    class Highlighted(Message):
        """The cursor moved onto a headline."""

        def __init__(self, headline: Headline | None) -> None:
            super().__init__()
            self.headline = headline

    class Selected(Message):
        """The user opened a headline (Enter or a click)."""

        def __init__(self, headline: Headline) -> None:
            super().__init__()
            self.headline = headline

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.pager = _empty_pager()
        self.now: Callable[[], datetime] = lambda: datetime.now(UTC)
        self.empty_text = "No headlines."
        self._styles: dict[str, Style] = {}
        self.mark_feed_text = False  # search views: mark rows matched only by their feed text

    # ------------------------------------------------------------------ data in

    def set_pager(self, pager: HeadlinePager, cursor: int = 0, *, keep_screen_row: int | None = None) -> None:
        """Show a new pager. `keep_screen_row` keeps the cursor at that row of the viewport (refreshes)."""
        self.pager = pager
        self.virtual_size = Size(self.size.width, pager.total)
        cursor = max(0, min(cursor, pager.total - 1))
        if keep_screen_row is not None:
            self.set_scroll(None, max(0, cursor - keep_screen_row))
        self.set_reactive(HeadlineList.cursor, cursor)
        if keep_screen_row is None:
            self._scroll_to_cursor(center=True)
        self.refresh()

    @property
    def highlighted(self) -> Headline | None:
        return self.pager.get(self.cursor)

    @property
    def cursor_screen_row(self) -> int:
        return self.cursor - round(self.scroll_offset.y)

    def refresh_headline(self, item_id: int) -> None:
        index = self.pager.index_of_cached(item_id)
        if index is not None:
            self.refresh_line(index)  # a line of the list: refresh_line itself subtracts the scroll offset

    # ------------------------------------------------------------------ movement

    def validate_cursor(self, value: int) -> int:
        return max(0, min(value, self.pager.total - 1))

    def watch_cursor(self, old: int, new: int) -> None:
        self._scroll_to_cursor()
        self.refresh()
        self.post_message(self.Highlighted(self.pager.get(new)))

    def action_first(self) -> None:
        self.cursor = 0

    def action_last(self) -> None:
        self.cursor = self.pager.total - 1

    def move_to(self, index: int) -> None:
        self.cursor = index

    def on_click(self, event: events.Click) -> None:
        index = round(self.scroll_offset.y) + event.y
        headline = self.pager.get(index)
        if headline is None:
            return
        self.focus()
        self.cursor = index
        self.post_message(self.Selected(headline))

    # ------------------------------------------------------------------ rendering

    def on_resize(self, event: events.Resize) -> None:
        self.virtual_size = Size(event.size.width, self.pager.total)
        # A smaller list must still show the highlighted row (once the new height is laid out).
        self.call_after_refresh(self._scroll_to_cursor)

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        index = round(self.scroll_offset.y) + y
        base = self.rich_style
        if self.pager.total == 0:
            if y == 1:
                text = fit("  " + self.empty_text, width)
                return Strip([Segment(text, base + self._style("headline-list--empty"))])
            return Strip.blank(width, base)
        headline = self.pager.get(index)
        if headline is None:
            return Strip.blank(width, base)
        child = bool(self.pager.unfolded) and self.pager.is_child(index)
        return Strip(self._row(headline, index == self.cursor, width, base, child=child), width)

    def _style(self, name: str) -> Style:
        """A component style, looked up once per style change (per row and key it cost milliseconds)."""
        style = self._styles.get(name)
        if style is None:
            style = self._styles[name] = self.get_component_rich_style(name)
        return style

    def notify_style_update(self) -> None:
        self._styles.clear()
        super().notify_style_update()

    def on_focus(self) -> None:
        self._styles.clear()  # the cursor's colours depend on focus

    def on_blur(self) -> None:
        self._styles.clear()

    def _row(
        self, h: Headline, is_cursor: bool, width: int, base: Style, *, child: bool = False
    ) -> list[Segment]:
        """One row; `child`: another outlet's version shown beneath its story's unfolded row (indented)."""
        row_style = base + self._style("headline-list--read" if h.read else "headline-list--unread")
        meta = base + self._style("headline-list--meta")
        star = base + self._style("headline-list--saved")
        if is_cursor:
            cursor = self._style("headline-list--cursor")
            row_style, meta, star = row_style + cursor, meta + cursor, star + cursor
        age = relative_age(h.date, self.now())
        age_w = 6
        feed_w = min(22, width // 4) if width >= 60 else 0
        title_w = width - 4 - feed_w - age_w - (1 if feed_w else 0)
        segments = [
            Segment(" " + (" " if h.read else REJOINED_MARK if h.rejoined else UNREAD_MARK), row_style),
            Segment((SAVED_MARK if h.saved else " ") + " ", star),
        ]
        if self.mark_feed_text:  # search results: which were matched in the feed's text only
            title_w -= 2
            segments.append(Segment((FEED_TEXT_MARK if not h.has_article else " ") + " ", meta))
        if child:
            title_w -= cell_len(CHILD_MARK)
            segments.append(Segment(CHILD_MARK, meta))
        segments.append(Segment(fit(display_title(h.title, 300) or "(untitled)", title_w), row_style))
        if feed_w:
            # The outlet's own versions of the story ("(3)": its follow-ups, which a folded row hides too),
            # then the other outlets' ("+2").
            more = (
                ""
                if child
                else (f" ({h.from_feed})" if h.from_feed > 1 else "") + (f" +{h.others}" if h.others else "")
            )
            name = (
                fit(safe(h.feed_title, 100), max(1, feed_w - len(more))) if more else safe(h.feed_title, 100)
            )
            segments.append(Segment(" " + fit(name + more, feed_w), meta))
        segments.append(Segment(age.rjust(age_w - 1) + " ", meta))
        return segments
