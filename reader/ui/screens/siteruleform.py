"""The site-rule form (`E` on an article): the host a rule covers and its two CSS selectors. The core checks
them after the form closes (as it checks the config's `[sites]`), and a rejected form comes back with the
reason."""

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
class SiteRuleForm(Frozen):
    host: str
    content: str = ""
    remove: str = ""
    existed: bool = False  # the host had a rule (emptying both selectors deletes it)


class SiteRuleFormScreen(ModalScreen[SiteRuleForm | None]):
    """Enter (in any field) saves; Esc cancels."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel", id="form.cancel")]

    def __init__(self, form: SiteRuleForm, title: str, error: str | None = None) -> None:
        super().__init__()
        self._form = form
        self._title = title
        self._error = error

    def compose(self) -> ComposeResult:
        with Vertical(id="form-box", classes="modal-box"):
            yield Static(Content(self._title), classes="modal-title")
            yield Static(Content("Site (covers its subdomains too)"), classes="form-label")
            yield Input(self._form.host, placeholder="example.com", id="rule-host", compact=True)
            yield Static(
                Content("The article's element(s): a CSS selector, e.g. article .story-body"),
                classes="form-label",
            )
            yield Input(
                self._form.content, placeholder="(reader mode chooses)", id="rule-content", compact=True
            )
            yield Static(
                Content("Clutter to drop first: a CSS selector, e.g. .related, .newsletter"),
                classes="form-label",
            )
            yield Input(self._form.remove, placeholder="(nothing)", id="rule-remove", compact=True)
            yield Static(Content(self._error or ""), id="form-error", classes="modal-error")
            hint = "Enter saves and reads the page again · Tab next field · Esc cancels"
            if self._form.existed:
                hint += " · both selectors empty: delete the rule"
            yield Static(Content(hint), classes="modal-hint")

    def on_mount(self) -> None:
        self.query_one("#form-error", Static).display = bool(self._error)
        self.query_one("#rule-content", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.dismiss(
            SiteRuleForm(
                self.query_one("#rule-host", Input).value,
                self.query_one("#rule-content", Input).value,
                self.query_one("#rule-remove", Input).value,
                self._form.existed,
            )
        )

    def action_cancel(self) -> None:
        self.dismiss(None)
