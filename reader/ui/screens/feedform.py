"""The add-a-feed form: address, title and tags; the core validates (as `reader add` does) after it closes."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from reader.frozen import Frozen, value_type


@value_type
class FeedForm(Frozen):
    url: str
    title: str = ""
    tags: str = ""  # comma-separated
    interval: str = ""  # e.g. "2h"; empty: the default
    fulltext: str = ""  # off | on-open | prefetch; empty: the default


class FeedFormScreen(ModalScreen[FeedForm | None]):
    """Enter (in any field) subscribes; Esc cancels. A rejected form comes back with the reason shown."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel", id="form.cancel")]

    def __init__(self, form: FeedForm | None = None, error: str | None = None) -> None:
        super().__init__()
        self._form = form or FeedForm("")
        self._error = error

    def compose(self) -> ComposeResult:
        with Vertical(id="form-box", classes="modal-box"):
            yield Static(Content("Add a feed"), classes="modal-title")
            yield Static(Content("Address (https://…, or a file: ./feed.xml)"), classes="form-label")
            yield Input(
                self._form.url, placeholder="https://example.org/feed.xml", id="form-url", compact=True
            )
            yield Static(Content("Title (optional: the feed's own title otherwise)"), classes="form-label")
            yield Input(self._form.title, placeholder="", id="form-title", compact=True)
            yield Static(Content("Tags (optional, separated by commas)"), classes="form-label")
            yield Input(self._form.tags, placeholder="e.g. privacy, eu", id="form-tags", compact=True)
            yield Static(
                Content("Poll every (optional, e.g. 2h; the default otherwise)"), classes="form-label"
            )
            yield Input(self._form.interval, placeholder="e.g. 2h", id="form-interval", compact=True)
            yield Static(Content("Full text: off, on-open or prefetch (optional)"), classes="form-label")
            yield Input(
                self._form.fulltext, placeholder="the default policy", id="form-fulltext", compact=True
            )
            yield Static(Content(self._error or ""), id="form-error", classes="modal-error")
            yield Static(Content("Enter subscribes · Tab next field · Esc cancels"), classes="modal-hint")

    def on_mount(self) -> None:
        self.query_one("#form-error", Static).display = bool(self._error)
        self.query_one("#form-url", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        url = self.query_one("#form-url", Input).value
        if not url.strip():
            error = self.query_one("#form-error", Static)
            error.update(Content("Type the feed's address first."))
            error.display = True
            self.query_one("#form-url", Input).focus()
            return
        self.dismiss(
            FeedForm(
                url,
                self.query_one("#form-title", Input).value,
                self.query_one("#form-tags", Input).value,
                self.query_one("#form-interval", Input).value.strip(),
                self.query_one("#form-fulltext", Input).value.strip(),
            )
        )

    def action_cancel(self) -> None:
        self.dismiss(None)
