"""Mark read…: everything above or below the highlighted item, or older than an age; one key each."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static

CHOICES = (
    ("a", "above", "everything above the highlighted item"),
    ("b", "below", "everything below the highlighted item"),
    ("o", "older", "everything older than an age you type (e.g. 2d)"),
)


class MarkMenuScreen(ModalScreen[str | None]):
    """Returns "above", "below" or "older"; None when cancelled."""

    BINDINGS: ClassVar[list[BindingType]] = [
        *(Binding(key, f"choose('{what}')", what, id=f"mark_menu.{what}") for key, what, _ in CHOICES),
        Binding("escape,q", "choose('')", "Cancel", id="mark_menu.cancel"),
    ]

    def __init__(self, view_title: str) -> None:
        super().__init__()
        self._view_title = view_title

    def compose(self) -> ComposeResult:
        with Vertical(id="markmenu-box", classes="modal-box"):
            yield Static(Content(f"Mark read in {self._view_title}"), classes="modal-title")
            lines: list[str | tuple[str, str]] = []
            for n, (key, _, text) in enumerate(CHOICES):
                lines += ["\n" if n else "", (f" {key} ", "bold $accent"), f" {text}"]
            yield Static(Content.assemble(*lines))
            yield Static(Content("u undoes afterwards · Esc cancels"), classes="modal-hint")

    def action_choose(self, what: str) -> None:
        self.dismiss(what or None)
