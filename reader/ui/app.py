"""The Textual app: the `make_app` factory, app-wide bindings, theme, keymap and help."""

from __future__ import annotations

import os
from typing import ClassVar

from textual.app import App
from textual.binding import Binding, BindingType
from textual.driver import Driver
from textual.screen import Screen

from reader.config.keys import BINDING_IDS, DEFAULT_KEYS
from reader.startmode import end as end_start_mode
from reader.store.feeds import Store
from reader.ui.commands import ReaderCommands
from reader.ui.messages import TerminalGone
from reader.ui.prefs import UIPrefs, load_prefs, prefs_path, save_prefs
from reader.ui.protocol import Services
from reader.ui.screens.main import MainScreen
from reader.ui.screens.stories import StoryActions
from reader.ui.settings import UISettings
from reader.ui.stylecache import CachedStylesheet
from reader.ui.widgets.feeds import FeedList
from reader.ui.widgets.headlines import HeadlineList


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
        super().__init__(driver_class=terminal_driver())
        self.stylesheet = CachedStylesheet(settings.style_cache, variables=self.get_css_variables())
        self.services = services
        self.settings = settings
        self.store: Store | None = None
        self.prefs: UIPrefs = load_prefs(prefs_path(settings.state_path))
        self._theme_ready = False
        if settings.keys:
            self.set_keymap(dict(settings.keys))

    def get_default_screen(self) -> Screen[None]:
        # The UI thread's own Store; workers open theirs through the services.
        self.store = self.services.open_store()
        self._main = MainScreen(self.services, self.settings, self.store)
        return self._main

    def on_ready(self) -> None:
        """The first screen is on the terminal: the start-up workers (counts, grouping, a first poll) go."""
        self._main.first_paint.set()
        end_start_mode()
        self._save_styles()

    def _save_styles(self) -> None:
        """Keep the styles parsed afresh (a first launch, a new Textual) for the next launch."""
        if isinstance(self.stylesheet, CachedStylesheet):
            self.stylesheet.save()

    def on_mount(self) -> None:
        unknown = sorted(set(self.settings.keys) - known_binding_ids())
        if unknown:
            self.notify(
                f"[keys] in the config names unknown binding ids: {', '.join(unknown)} (see ? for the ids)",
                markup=False,
                severity="warning",
            )
        # The theme chosen in the app (palette) outlives it, unless the config's theme was changed since.
        theme = self.prefs.pick("theme", self.settings.theme)
        if theme and theme not in self.available_themes and theme != self.settings.theme:
            theme = self.settings.theme
        if theme:
            if theme in self.available_themes:
                self.theme = theme
            else:
                self.notify(f"Unknown theme {theme!r}; using the default.", markup=False, severity="warning")
        self._theme_ready = True

    def watch_theme(self, name: str) -> None:
        if self._theme_ready:
            configured = self.settings.theme
            self.set_prefs(self.prefs.choose("theme", name, configured))

    def set_prefs(self, prefs: UIPrefs) -> None:
        """Keep and save the app's remembered choices (a small file in the data directory)."""
        self.prefs = prefs
        save_prefs(prefs_path(self.settings.state_path), prefs)

    def on_terminal_gone(self, event: TerminalGone) -> None:
        """The terminal closed under us (no SIGHUP came): quit as `q` does, saving state."""
        self.exit(return_code=0)

    def on_unmount(self) -> None:
        self._save_styles()  # (with those of the widgets mounted after the first paint)
        if self.store is not None:
            self.store.close()

    def action_help(self) -> None:
        from reader.ui.screens.help import HelpScreen, binding_rows
        from reader.ui.screens.stories_screen import StoriesScreen

        keys = self.settings.keys
        sections = [
            ("Reading", binding_rows(self, MainScreen.BINDINGS, keys)),
            ("Stories", binding_rows(self, StoryActions.BINDINGS, keys)),
            ("Stories screen (S)", binding_rows(self, StoriesScreen.BINDINGS, keys)),
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


def terminal_driver() -> type[Driver] | None:
    """Our driver on POSIX terminals (None: Textual's choice, e.g. on Windows or when TEXTUAL_DRIVER is set)."""
    if os.name != "posix" or os.environ.get("TEXTUAL_DRIVER"):
        return None
    from reader.ui.driver import ReaderDriver

    return ReaderDriver


def make_app(services: Services, settings: UISettings | None = None) -> ReaderApp:
    """The one way to build the app, for the CLI and the tests alike."""
    return ReaderApp(services, settings or UISettings())


def run_app(services: Services, settings: UISettings | None = None) -> int:
    app = make_app(services, settings)
    app.run()
    return app.return_code or 0
