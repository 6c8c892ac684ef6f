"""The search prompt: says which view it searches, and can search every feed instead."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Checkbox, Input, Static

from reader.frozen import Frozen, value_type
from reader.ui.widgets.headlines import FEED_TEXT_MARK

__all__ = ["FEED_TEXT_MARK", "SearchRequest", "SearchScreen"]


@value_type
class SearchRequest(Frozen):
    text: str
    everywhere: bool


class SearchScreen(ModalScreen[SearchRequest | None]):
    """Enter searches; Esc cancels; the checkbox (Tab, space) widens the search to every feed."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="search.cancel"),
        # Enter searches from the checkbox too (where it would otherwise tick the box).
        Binding("enter", "submit", "Search", id="search.submit", priority=True),
    ]

    def __init__(self, view_title: str, value: str = "", *, everywhere: bool = False) -> None:
        super().__init__()
        self._view_title = view_title
        self._value = value
        self._everywhere = everywhere

    def compose(self) -> ComposeResult:
        with Vertical(id="search-box", classes="modal-box"):
            yield Static(Content(""), id="search-title", classes="modal-title")
            yield Input(self._value, placeholder="words…", id="search-input", compact=True)
            yield Checkbox(
                "Search every feed instead", self._everywhere, id="search-everywhere", compact=True
            )
            yield Static(
                Content(
                    f"Titles and text. Items whose full text is not fetched yet are searched by the feed's "
                    f"text and marked {FEED_TEXT_MARK}."
                ),
                classes="modal-hint",
            )

    def on_mount(self) -> None:
        self._show_scope()
        self.query_one(Input).focus()

    def _show_scope(self) -> None:
        everywhere = self.query_one(Checkbox).value
        where = "every feed" if everywhere else self._view_title
        self.query_one("#search-title", Static).update(
            Content.assemble(("Search in ", "bold"), (where, "bold"))
        )

    def on_checkbox_changed(self, event: Checkbox.Changed) -> None:
        event.stop()
        self._show_scope()

    def action_submit(self) -> None:
        self.dismiss(SearchRequest(self.query_one(Input).value, self.query_one(Checkbox).value))

    def action_cancel(self) -> None:
        self.dismiss(None)
