"""Command palette: every reader action by name, and every theme."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from textual.binding import Binding
from textual.command import DiscoveryHit, Hit, Hits, Provider


class ReaderCommands(Provider):
    """Lists the main screen's actions (named by their binding descriptions) and the themes."""

    def _commands(self) -> list[tuple[str, str, Callable[[], object]]]:
        from reader.ui.screens.main import MainScreen

        app = self.app
        out: list[tuple[str, str, Callable[[], object]]] = []
        main = next((s for s in app.screen_stack if isinstance(s, MainScreen)), None)
        if main is not None:
            seen: set[str] = set()
            for spec in MainScreen.BINDINGS:
                if isinstance(spec, Binding) and spec.description and spec.action not in seen:
                    seen.add(spec.action)
                    out.append((spec.description, "reader action", partial(main.run_action, spec.action)))
        for name in sorted(app.available_themes):
            out.append((f"Theme: {name}", "switch the colour theme", partial(setattr, app, "theme", name)))
        return out

    async def discover(self) -> Hits:
        for name, help_text, callback in self._commands():
            if not name.startswith("Theme:"):
                yield DiscoveryHit(name, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, help_text, callback in self._commands():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), callback, help=help_text)
