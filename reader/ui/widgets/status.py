"""The status bar: the current view on the left, refresh progress and calm notices on the right."""

from __future__ import annotations

from rich.cells import cell_len
from textual.content import Content
from textual.widgets import Static


class StatusBar(Static):
    """One line. The screen sets its parts; it never reads anything itself."""

    DEFAULT_CSS = """
    StatusBar { height: 1; background: $panel; color: $text; padding: 0 1; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("", id=id)
        self._view = ""
        self._activity = ""
        self._notice = ""
        self._notice_is_error = False
        self._updated = ""
        self._reading: str | None = None  # focus mode: what is being read, in place of the view
        self._sync = ""  # e.g. "sync: 3 waiting" (only with a [sync] server)
        self._sync_is_error = False

    def set_view(self, text: str) -> None:
        self._view = text
        self._redraw()

    def set_activity(self, text: str) -> None:
        self._activity = text
        self._redraw()

    def set_updated(self, text: str) -> None:
        """When feeds were last refreshed ("updated 2m ago"); hidden while a refresh runs."""
        if text != self._updated:
            self._updated = text
            self._redraw()

    def set_reading(self, text: str | None) -> None:
        """Focus mode's minimal line: what is being read replaces the view and the last-update time
        (None: back to normal)."""
        if text != self._reading:
            self._reading = text
            self._redraw()

    def set_notice(self, text: str, *, error: bool = False) -> None:
        self._notice = text
        self._notice_is_error = error
        self._redraw()

    def set_sync(self, text: str, *, error: bool = False) -> None:
        """The sync server's state: "synced", "sync: 3 waiting", "sync failed · 3 waiting"."""
        if (text, error) != (self._sync, self._sync_is_error):
            self._sync, self._sync_is_error = text, error
            self._redraw()

    @property
    def text(self) -> str:
        view = self._view if self._reading is None else self._reading
        return "  ".join(p for p in (view, self._activity, self._notice, self._sync, self._tail) if p)

    @property
    def _tail(self) -> str:
        return "" if self._activity or self._reading is not None else self._updated

    def _redraw(self) -> None:
        view = self._view if self._reading is None else self._reading
        right = "  ".join(p for p in (self._activity, self._notice, self._sync, self._tail) if p)
        width = max(0, self.size.width - 2)
        gap = max(2, width - cell_len(view) - cell_len(right))
        notice_style = "$error" if self._notice_is_error else "$text-muted"
        parts: list[str | tuple[str, str]] = [view, " " * gap]
        if self._activity:
            parts.append((self._activity, "$accent"))
            if self._notice:
                parts.append("  ")
        if self._notice:
            parts.append((self._notice, notice_style))
        if self._sync:
            sync_style = "$error" if self._sync_is_error else "$text-muted"
            parts += ["  " if self._activity or self._notice else "", (self._sync, sync_style)]
        if self._tail:
            parts += ["  " if self._notice or self._sync else "", (self._tail, "$text-muted")]
        self.update(Content.assemble(*parts))

    def on_resize(self) -> None:
        self._redraw()
