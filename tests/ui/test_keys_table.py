"""The core's table of remappable bindings (reader/config/keys.py) matches what the UI declares and Textual knows."""

from __future__ import annotations

from textual.app import App
from textual.binding import Binding
from textual.keys import Keys

from reader.config.keys import BINDINGS, NAMED_KEYS, RESERVED_KEYS, THEMES, character_key, check_key
from reader.ui.app import ReaderApp
from reader.ui.screens.health import FeedHealthScreen
from reader.ui.screens.help import HelpScreen
from reader.ui.screens.main import MainScreen
from reader.ui.screens.prompt import PromptScreen
from reader.ui.widgets.feeds import FeedList
from reader.ui.widgets.headlines import HeadlineList


def test_every_ui_binding_id_is_in_the_core_table_with_its_default_keys() -> None:
    declared = {
        (b.id, b.key, scope)
        for scope, bindings in (
            ("app", ReaderApp.BINDINGS),
            ("main", MainScreen.BINDINGS),
            ("headlines", HeadlineList.BINDINGS),
            ("feeds", FeedList.BINDINGS),
            ("help", HelpScreen.BINDINGS),
            ("health", FeedHealthScreen.BINDINGS),
            ("prompt", PromptScreen.BINDINGS),
        )
        for b in bindings
        if isinstance(b, Binding) and b.id
    }
    assert declared == {(s.id, s.keys, s.scope) for s in BINDINGS}


def test_static_theme_and_key_lists_match_textual() -> None:
    assert set(THEMES) == set(App().available_themes)
    textual_named = {k.value.rpartition("+")[2] for k in Keys if not k.value.startswith("<")}
    textual_named = {k for k in textual_named if len(k) > 1} - {"ctrl-at"}  # an odd internal name
    assert {k for k in textual_named if check_key(k) is not None} == set()
    assert NAMED_KEYS - textual_named <= {"space", "newline"}  # names Textual emits outside the enum
    from textual.keys import _character_to_key

    for char in "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~aZ5é":
        assert character_key(char) == _character_to_key(char)
        assert check_key(character_key(char)) is None


def test_reserved_keys_are_the_ones_textual_binds_with_priority() -> None:
    priority = {b.key for b in App.BINDINGS if isinstance(b, Binding) and b.priority}
    assert set(RESERVED_KEYS) == priority | {App.COMMAND_PALETTE_BINDING}
