"""Type a number (newsboat's way of picking link N): it is taken as soon as no longer number could match."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from reader.ui.text import safe


class NumberPromptScreen(ModalScreen[int | None]):
    """Returns a number from 1 to `count`, or None (Esc)."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel", id="number.cancel")]

    def __init__(
        self, title: str, count: int, choices: list[str] | None = None, *, noun: str = "link"
    ) -> None:
        super().__init__()
        self._title = title
        self._noun = noun
        self._count = count
        self._choices = choices or []  # shown numbered under the input (feed text: plain strings only)

    def compose(self) -> ComposeResult:
        with Vertical(id="number-box", classes="modal-box"):
            span = f"1–{self._count}" if self._count > 1 else "there is one"
            yield Static(Content(f"{self._title} ({span})"), classes="modal-title")
            yield Input(
                placeholder="number", restrict=r"[0-9]*", max_length=6, id="number-input", compact=True
            )
            yield Static(Content(""), id="number-error", classes="modal-error")
            if self._choices:
                with VerticalScroll(id="number-choices"):
                    lines: list[str | tuple[str, str]] = []
                    for n, choice in enumerate(self._choices, 1):
                        lines += [
                            "\n" if n > 1 else "",
                            (f"{n:>3} ", "bold"),
                            (safe(choice, 300), "$text-muted"),
                        ]
                    yield Static(Content.assemble(*lines))

    def on_mount(self) -> None:
        self.query_one("#number-error", Static).display = False
        self.query_one(Input).focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        if not event.value:
            return
        number = int(event.value)
        if 1 <= number <= self._count and number * 10 > self._count:
            self.dismiss(number)  # no longer number can be meant

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        number = int(event.value) if event.value else 0
        if 1 <= number <= self._count:
            self.dismiss(number)
            return
        error = self.query_one("#number-error", Static)
        error.update(Content(f"There is no {self._noun} {event.value or 'without a number'}."))
        error.display = True
        event.input.value = ""

    def action_cancel(self) -> None:
        self.dismiss(None)
