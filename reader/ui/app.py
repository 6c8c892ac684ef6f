"""The Textual app: the `make_app` factory, app-wide bindings, theme, keymap and help."""

from __future__ import annotations

import os
import time
from typing import ClassVar

from textual.app import App
from textual.binding import Binding, BindingType
from textual.screen import Screen

from reader.config.keys import BINDING_IDS, DEFAULT_KEYS
from reader.store.feeds import Store
from reader.ui.commands import ReaderCommands
from reader.ui.protocol import Services
from reader.ui.screens.help import HelpScreen, binding_rows
from reader.ui.screens.main import MainScreen
from reader.ui.screens.stories import StoriesScreen, StoryActions
from reader.ui.settings import UISettings
from reader.ui.widgets.feeds import FeedList
from reader.ui.widgets.headlines import HeadlineList

# Set by benchmarks/startup.py: quit as soon as the headline list has painted rows.
BENCH_ENV = "READER_BENCH_EXIT_ON_FIRST_PAINT"


class ReaderApp(App[None]):
    """A calm, keyboard-first feed reader over the store; all blocking work runs in thread workers."""

    CSS_PATH = "app.tcss"
    TITLE = "reader"
    COMMANDS = App.COMMANDS | {ReaderCommands}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit", "Quit", id="quit"),
        Binding("question_mark", "help", "Help", id="help"),
    ]

    def __init__(self, services: Services, settings: UISettings) -> None:
        super().__init__()
        self.services = services
        self.settings = settings
        self.store: Store | None = None
        self.first_paint_at: float | None = None
        if settings.keys:
            self.set_keymap(dict(settings.keys))

    def get_default_screen(self) -> Screen[None]:
        # The UI thread's own Store; workers open theirs through the services.
        self.store = self.services.open_store()
        hook = self._first_paint if os.environ.get(BENCH_ENV) else None
        return MainScreen(self.services, self.settings, self.store, on_first_rows=hook)

    def on_mount(self) -> None:
        unknown = sorted(set(self.settings.keys) - known_binding_ids())
        if unknown:
            self.notify(
                f"[keys] in the config names unknown binding ids: {', '.join(unknown)} (see ? for the ids)",
                markup=False,
                severity="warning",
            )
        theme = self.settings.theme
        if theme:
            if theme in self.available_themes:
                self.theme = theme
            else:
                self.notify(f"Unknown theme {theme!r}; using the default.", markup=False, severity="warning")

    def _first_paint(self) -> None:
        self.first_paint_at = time.time()
        self.exit()

    def on_unmount(self) -> None:
        if self.store is not None:
            self.store.close()

    def action_help(self) -> None:
        keys = self.settings.keys
        sections = [
            ("Reading", binding_rows(self, MainScreen.BINDINGS, keys)),
            ("Stories", binding_rows(self, [*StoryActions.BINDINGS, *StoriesScreen.BINDINGS], keys)),
            ("Headline list", binding_rows(self, HeadlineList.BINDINGS, keys)),
            ("Feed pane", binding_rows(self, FeedList.BINDINGS, keys)),
            (
                "App",
                [
                    *binding_rows(self, ReaderApp.BINDINGS, keys),
                    (self.get_key_display(Binding(self.COMMAND_PALETTE_BINDING, "")), "Command palette"),
                ],
            ),
        ]
        self.push_screen(HelpScreen(sections))


def known_binding_keys() -> dict[str, str]:
    """Every binding id the `[keys]` table may remap, with its default keys (declared in the core)."""
    return dict(DEFAULT_KEYS)


def known_binding_ids() -> set[str]:
    """Every binding id the `[keys]` table may remap."""
    return set(BINDING_IDS)


def make_app(services: Services, settings: UISettings | None = None) -> ReaderApp:
    """The one way to build the app, for the CLI and the tests alike."""
    return ReaderApp(services, settings or UISettings())


def run_app(services: Services, settings: UISettings | None = None) -> int:
    app = make_app(services, settings)
    if os.environ.get(BENCH_ENV):  # benchmarks/startup.py: headless, report the first paint
        app.run(headless=True, size=(140, 40))
        print(f"FIRST_PAINT {app.first_paint_at!r}", flush=True)
    else:
        app.run()
    return app.return_code or 0
