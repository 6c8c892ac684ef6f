"""A modal form of labelled one-line fields (adding a feed, a topic, a site rule): Enter in any field submits,
Tab moves on, Esc cancels. The core checks what was typed after the form closes; a rejected form is opened
again with the reason shown above its hint."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import ClassVar, Generic, TypeVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from reader.frozen import Frozen, value_type

_R = TypeVar("_R")


@value_type
class Field(Frozen):
    id: str  # the Input's id
    label: str
    value: str = ""
    placeholder: str = ""


class FormScreen(ModalScreen[_R | None], Generic[_R]):
    """The fields, their values on submit (`submit` turns them into the result, or None to keep the form
    open), the error line and the hint."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel", id="form.cancel")]

    def __init__(
        self, title: str, fields: Sequence[Field], hint: str, error: str | None = None, focus: str = ""
    ) -> None:
        super().__init__()
        self._title = title
        self._fields = tuple(fields)
        self._hint = hint
        self._error = error
        self._focus = focus or self._fields[0].id

    def compose(self) -> ComposeResult:
        with Vertical(id="form-box", classes="modal-box"):
            yield Static(Content(self._title), classes="modal-title")
            for field in self._fields:
                yield Static(Content(field.label), classes="form-label")
                yield Input(field.value, placeholder=field.placeholder, id=field.id, compact=True)
            yield Static(Content(self._error or ""), id="form-error", classes="modal-error")
            yield Static(Content(self._hint), classes="modal-hint")

    def on_mount(self) -> None:
        self.query_one("#form-error", Static).display = bool(self._error)
        self.query_one(f"#{self._focus}", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        result = self.submit({f.id: self.query_one(f"#{f.id}", Input).value for f in self._fields})
        if result is not None:
            self.dismiss(result)

    def submit(self, values: Mapping[str, str]) -> _R | None:
        """The form's result from the fields' values (by id); None keeps the form open."""
        raise NotImplementedError

    def show_error(self, text: str, field_id: str) -> None:
        """Say what is missing without closing the form, and put the cursor in that field."""
        error = self.query_one("#form-error", Static)
        error.update(Content(text))
        error.display = True
        self.query_one(f"#{field_id}", Input).focus()

    def action_cancel(self) -> None:
        self.dismiss(None)
