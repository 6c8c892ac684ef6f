"""The help screen: every key, generated from the bindings (so remapped keys show as remapped)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

from rich.cells import cell_len
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static


def binding_rows(
    app: App[Any], bindings: Iterable[BindingType], keymap: Mapping[str, str]
) -> list[tuple[str, str]]:
    """(keys, description) for each binding id, with the keymap's keys where it remaps one."""
    rows: dict[str, tuple[list[str], str]] = {}
    for spec in bindings:
        if not isinstance(spec, Binding) or not spec.description:
            continue
        for binding in Binding.make_bindings([spec]):
            ident = binding.id or binding.action
            keys = keymap.get(binding.id, "") if binding.id else ""
            key_list = [k.strip() for k in keys.split(",") if k.strip()] or [binding.key]
            shown = [
                app.get_key_display(
                    Binding(k, binding.action, key_display=binding.key_display if not keys else None)
                )
                for k in key_list
            ]
            entry = rows.setdefault(ident, ([], binding.description))
            entry[0].extend(s for s in shown if s not in entry[0])
    return [(" / ".join(keys), description) for keys, description in rows.values()]


class HelpScreen(ModalScreen[None]):
    """Lists every key, section by section; any of Escape, q or ? closes it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark", "close", "Close", id="help.close"),
        Binding("j,down", "scroll_down", "Down", show=False, id="help.down"),
        Binding("k,up", "scroll_up", "Up", show=False, id="help.up"),
    ]

    def __init__(self, sections: list[tuple[str, list[tuple[str, str]]]]) -> None:
        super().__init__()
        self._sections = sections

    def compose(self) -> ComposeResult:
        key_w = max((cell_len(k) for _, rows in self._sections for k, _ in rows), default=8) + 2
        with VerticalScroll(id="help-box"):
            yield Static(
                Content.assemble(
                    ("Keys", "bold"),
                    ("   Esc closes this; every key can be remapped in [keys]", "$text-muted"),
                )
            )
            for title, rows in self._sections:
                lines: list[str | tuple[str, str]] = [(title, "bold $accent")]
                for keys, description in rows:
                    lines += ["\n", (keys.ljust(key_w), "bold"), description]
                yield Static(Content.assemble(*lines), classes="help-section")

    def action_close(self) -> None:
        self.dismiss(None)

    def action_scroll_down(self) -> None:
        self.query_one("#help-box", VerticalScroll).scroll_down()

    def action_scroll_up(self) -> None:
        self.query_one("#help-box", VerticalScroll).scroll_up()
