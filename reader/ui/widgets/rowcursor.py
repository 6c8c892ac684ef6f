"""A virtual list of one-line rows with a cursor: what the headline list and the Stories list share."""

from __future__ import annotations

from textual.reactive import reactive
from textual.scroll_view import ScrollView


class RowCursorView(ScrollView, can_focus=True):
    """Rows drawn by the subclass; the cursor moves by row and by page and stays in view."""

    cursor: reactive[int] = reactive(0, always_update=True, init=False)

    def _scroll_to_cursor(self, center: bool = False) -> None:
        height = self.scrollable_content_region.height
        top = round(self.scroll_offset.y)
        if center:
            self.scroll_to(y=max(0, self.cursor - height // 2), animate=False, immediate=True)
        elif self.cursor < top:
            self.scroll_to(y=self.cursor, animate=False, immediate=True)
        elif height and self.cursor >= top + height:
            self.scroll_to(y=self.cursor - height + 1, animate=False, immediate=True)

    def action_cursor_down(self) -> None:
        self.cursor += 1

    def action_cursor_up(self) -> None:
        self.cursor -= 1

    def action_page_down(self) -> None:
        self.cursor += max(1, self.scrollable_content_region.height - 1)

    def action_page_up(self) -> None:
        self.cursor -= max(1, self.scrollable_content_region.height - 1)
