"""The topic form: a tracked topic's name and its search (SQLite FTS5 syntax); the core checks both after it
closes (as it checks the config's `[topics]`), and a rejected form comes back with the reason."""

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
class TopicForm(Frozen):
    name: str
    query: str
    replacing: str | None = None  # the topic being edited (None: a new one)


class TopicFormScreen(ModalScreen[TopicForm | None]):
    """Enter (in either field) saves; Esc cancels."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel", id="form.cancel")]

    def __init__(self, form: TopicForm, title: str, error: str | None = None) -> None:
        super().__init__()
        self._form = form
        self._title = title
        self._error = error

    def compose(self) -> ComposeResult:
        with Vertical(id="form-box", classes="modal-box"):
            yield Static(Content(self._title), classes="modal-title")
            yield Static(Content("Name (shown in the feed pane)"), classes="form-label")
            yield Input(self._form.name, placeholder="e.g. exports", id="topic-name", compact=True)
            yield Static(
                Content('Search over titles and full text, e.g. "export controls" OR "entity list"'),
                classes="form-label",
            )
            yield Input(self._form.query, placeholder='"export controls"', id="topic-query", compact=True)
            yield Static(Content(self._error or ""), id="form-error", classes="modal-error")
            yield Static(Content("Enter saves · Tab next field · Esc cancels"), classes="modal-hint")

    def on_mount(self) -> None:
        self.query_one("#form-error", Static).display = bool(self._error)
        self.query_one("#topic-name", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.dismiss(
            TopicForm(
                self.query_one("#topic-name", Input).value,
                self.query_one("#topic-query", Input).value,
                self._form.replacing,
            )
        )

    def action_cancel(self) -> None:
        self.dismiss(None)
