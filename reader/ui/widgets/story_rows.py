"""The Stories screen's list: a virtual list that renders only the rows on screen (a thousand stories held cost
nothing to show), one row per story and, beneath an unfolded story, one per outlet's version."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import ClassVar

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.message import Message
from textual.strip import Strip

from reader.models import Story, StoryItem
from reader.ui.text import relative_age, safe
from reader.ui.widgets.headlines import REJOINED_MARK, UNREAD_MARK, fit
from reader.ui.widgets.rowcursor import RowCursorView

StoryRow = tuple[str, Story | StoryItem]  # ("s:ID" or "i:ID", what the row shows)


class StoryRows(RowCursorView):
    """Rows of stories and unfolded items. The screen hands rows down; the list posts Highlighted / Selected
    up, and asks the screen (via `edge`) before Home/End, so they can reach stories not loaded yet."""

    DEFAULT_CSS = """
    StoryRows {
        background: $surface;
        overflow-x: hidden;
        & > .story-rows--cursor { background: $block-cursor-blurred-background; }
        &:focus > .story-rows--cursor {
            background: $block-cursor-background; color: $block-cursor-foreground; text-style: none;
        }
        & > .story-rows--unread { text-style: bold; }
        & > .story-rows--read { color: $text-muted; }
        & > .story-rows--meta { color: $text-muted; }
        & > .story-rows--mark { color: $accent; text-style: bold; }
        &:nocolor > .story-rows--cursor { text-style: reverse; }
    }
    """
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "story-rows--cursor",
        "story-rows--unread",
        "story-rows--read",
        "story-rows--meta",
        "story-rows--mark",
    }
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("down", "cursor_down", "", show=False),
        Binding("up", "cursor_up", "", show=False),
        Binding("pagedown", "page_down", "", show=False),
        Binding("pageup", "page_up", "", show=False),
        Binding("home", "first", "", show=False),
        Binding("end", "last", "", show=False),
        Binding("enter", "select", "", show=False),
    ]

    class Highlighted(Message):
        """The cursor moved."""

    class Selected(Message):
        """Enter (or a click) on a row."""

    class Scrolled(Message):
        """The view moved (the mouse wheel, the scrollbar): the screen may read the next page."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.rows: list[StoryRow] = []
        self.open: set[int] = set()  # unfolded stories (their row shows ▾)
        self.now: Callable[[], datetime] = lambda: datetime.now(UTC)
        # Set by the screen: Home/End beyond the stories held ("first"/"last"); True when it takes over.
        self.edge: Callable[[str], bool] = lambda where: False
        self._styles: dict[str, Style] = {}

    # ------------------------------------------------------------------ data in

    def set_rows(self, rows: list[StoryRow], cursor: int, *, scroll_y: float | None = None) -> None:
        """Show `rows` with the cursor on `cursor`; `scroll_y` keeps the view still (else it follows)."""
        self.rows = rows
        self.virtual_size = Size(self.size.width, len(rows))
        if scroll_y is not None:
            self.set_scroll(None, max(0, scroll_y))
        cursor = max(0, min(cursor, len(rows) - 1))
        changed = cursor != self.cursor
        self.set_reactive(StoryRows.cursor, cursor)
        self._scroll_to_cursor()
        self.refresh()
        if changed:
            self.post_message(self.Highlighted())

    @property
    def highlighted_id(self) -> str | None:
        return self.rows[self.cursor][0] if 0 <= self.cursor < len(self.rows) else None

    def index_of(self, row_id: str) -> int | None:
        return next((n for n, (rid, _) in enumerate(self.rows) if rid == row_id), None)

    # ------------------------------------------------------------------ movement

    def validate_cursor(self, value: int) -> int:
        return max(0, min(value, len(self.rows) - 1))

    def watch_cursor(self, old: int, new: int) -> None:
        self._scroll_to_cursor()
        self.refresh()
        self.post_message(self.Highlighted())

    def action_first(self) -> None:
        if not self.edge("first"):
            self.cursor = 0

    def action_last(self) -> None:
        if not self.edge("last"):
            self.cursor = len(self.rows) - 1

    def action_select(self) -> None:
        if self.rows:
            self.post_message(self.Selected())

    def on_click(self, event: events.Click) -> None:
        index = round(self.scroll_offset.y) + event.y
        if 0 <= index < len(self.rows):
            self.focus()
            self.cursor = index
            self.post_message(self.Selected())

    def watch_scroll_y(self, old: float, new: float) -> None:
        super().watch_scroll_y(old, new)
        if round(old) != round(new):
            self.post_message(self.Scrolled())

    @property
    def visible_rows(self) -> tuple[int, int]:
        """The first and last row on screen."""
        top = round(self.scroll_offset.y)
        return top, top + max(0, self.scrollable_content_region.height - 1)

    # ------------------------------------------------------------------ rendering

    def on_resize(self, event: events.Resize) -> None:
        self.virtual_size = Size(event.size.width, len(self.rows))
        self.call_after_refresh(self._scroll_to_cursor)

    def _style(self, name: str) -> Style:
        style = self._styles.get(name)
        if style is None:
            style = self._styles[name] = self.get_component_rich_style(name)
        return style

    def notify_style_update(self) -> None:
        self._styles.clear()
        super().notify_style_update()

    def on_focus(self) -> None:
        self._styles.clear()

    def on_blur(self) -> None:
        self._styles.clear()

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        index = round(self.scroll_offset.y) + y
        base = self.rich_style
        if not 0 <= index < len(self.rows):
            return Strip.blank(width, base)
        row = self.rows[index][1]
        styles = {
            name: base + self._style(f"story-rows--{name}") for name in ("unread", "read", "meta", "mark")
        }
        if index == self.cursor:
            cursor = self._style("story-rows--cursor")
            styles = {name: style + cursor for name, style in styles.items()}
        if isinstance(row, Story):
            segments = self._story(row, width, styles)
        else:
            segments = self._item(row, width, styles)
        return Strip(segments, width).adjust_cell_length(width, styles["meta"])

    def _story(self, story: Story, width: int, s: dict[str, Style]) -> list[Segment]:
        mark = (
            REJOINED_MARK
            if story.rejoined and story.unread_count
            else (UNREAD_MARK if story.unread_count else " ")
        )
        outlets = f"{story.feed_count} outlet{'s' if story.feed_count != 1 else ''}"
        meta = f" {outlets:>10} {relative_age(story.newest, self.now()):>4} "
        fold = "▾ " if story.id in self.open else "▸ "
        title_w = width - 2 - cell_len(fold) - cell_len(meta) - 1
        title = fit(safe(story.lead_title, 300) or "(untitled)", title_w)
        return [
            Segment(" " + mark, s["mark"]),
            Segment(" ", s["meta"]),
            Segment(fold, s["meta"]),
            Segment(title, s["unread"] if story.unread_count else s["read"]),
            Segment(meta, s["meta"]),
        ]

    def _item(self, it: StoryItem, width: int, s: dict[str, Style]) -> list[Segment]:
        feed_w = min(20, max(8, width // 5))
        age = f" {relative_age(it.date, self.now()):>4} "
        title_w = width - 7 - feed_w - 1 - cell_len(age)
        return [
            Segment("     " + (UNREAD_MARK if not it.read else " "), s["mark"]),
            Segment(" ", s["meta"]),
            Segment(fit(safe(it.feed_title, 100), feed_w) + " ", s["meta"]),
            Segment(fit(safe(it.title, 300) or "(untitled)", title_w), s["read"] if it.read else s["unread"]),
            Segment(age, s["meta"]),
        ]
