"""Feed health: each feed's last status, error, failure count, and when it is next due and why."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static

from reader.models import Feed
from reader.ui.text import relative_age, safe, short_duration


def _when(moment: datetime | None, now: datetime) -> str:
    if moment is None:
        return "—"
    if moment > now:
        ahead = short_duration(int((moment - now).total_seconds()))
        return "now" if ahead == "now" else "in " + ahead
    ago = relative_age(moment, now)
    return "just now" if ago == "now" else ago + " ago"


class FeedHealthScreen(ModalScreen[None]):
    """A table of feeds, failing ones first. Feed text goes in as `Text` objects, never as markup."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,q", "close", "Close", id="health.close")]

    def __init__(self, feeds: list[Feed], now: Callable[[], datetime], default_interval: int = 1800) -> None:
        super().__init__()
        self._default_interval = default_interval
        self._feeds = sorted(feeds, key=lambda f: (not f.last_error, -f.failures, f.display_title.casefold()))
        self._now = now

    def compose(self) -> ComposeResult:
        failing = sum(1 for f in self._feeds if f.last_error)
        summary = (
            f"{len(self._feeds)} feeds, {failing} failing"
            if failing
            else f"{len(self._feeds)} feeds, all well"
        )
        with Vertical(id="health-box"):
            yield Static(Content.assemble(("Feed health", "bold"), "   ", (summary, "$text-muted")))
            yield DataTable(id="health-table", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("", "Feed", "Status", "Fails", "Every", "Last fetched", "Next due", "Why", "Error")
        now = self._now()
        for f in self._feeds:
            mark = Text("!", style="bold red") if f.last_error else Text("✓", style="green")
            status = (
                str(f.last_status)
                if f.last_status is not None
                else ("—" if f.last_fetched is None else "no reply")
            )
            table.add_row(
                mark,
                Text(safe(f.display_title, 60)),
                Text(status),
                Text(str(f.failures) if f.failures else ""),
                Text(short_duration(f.poll_interval or self._default_interval)),
                Text(_when(f.last_fetched, now)),
                Text(_when(f.next_due, now)),
                Text(safe(f.due_reason, 60)),
                Text(safe(f.last_error, 200), style="red" if f.last_error else ""),
            )
        table.focus()

    def action_close(self) -> None:
        self.dismiss(None)
