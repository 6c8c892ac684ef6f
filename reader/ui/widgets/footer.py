"""The key footer, recomposed only when the keys it shows change (not on every focus change)."""

from __future__ import annotations

from collections.abc import Hashable

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer


class KeyFooter(Footer):
    """Textual's Footer rebuilds all its key widgets whenever the focused widget changes, which costs a
    restyle of every key (100+ ms with a long article open). Moving between panes mostly leaves the
    shown keys as they were: then nothing is rebuilt."""

    _shown: Hashable = None

    def _signature(self, screen: Screen[object]) -> Hashable:
        keys = tuple(
            (binding.key, binding.action, binding.description, enabled, tooltip)
            for (_, binding, enabled, tooltip) in screen.active_bindings.values()
            if binding.show or binding.key == self.app.COMMAND_PALETTE_BINDING
        )
        return (keys, self.show_command_palette, self.compact)

    def bindings_changed(self, screen: Screen[object]) -> None:
        attached = self._bindings_ready and self.is_attached and screen is self.screen
        if attached and self._signature(screen) == self._shown:
            return
        super().bindings_changed(screen)

    def on_mount(self) -> None:
        super().on_mount()
        # Mounted after the screen (just after the first paint): the screen's first "bindings changed" has
        # gone by, so the keys are read now.
        self.call_after_refresh(self.bindings_changed, self.screen)

    def compose(self) -> ComposeResult:
        if self._bindings_ready:
            self._shown = self._signature(self.screen)
        yield from super().compose()
