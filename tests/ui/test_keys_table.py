"""The core's table of remappable bindings (reader/config/keys.py) matches what the UI declares and Textual knows."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

from textual.app import App
from textual.binding import Binding
from textual.keys import Keys

from reader.config.keys import BINDINGS, NAMED_KEYS, RESERVED_KEYS, THEMES, character_key, check_key


def _ui_bindings() -> set[tuple[str, str, str]]:
    """(id, keys, class) for every Binding with an id declared by any class in the reader.ui package."""
    import reader.ui

    found: set[tuple[str, str, str]] = set()
    for info in pkgutil.walk_packages(reader.ui.__path__, "reader.ui."):
        module = importlib.import_module(info.name)
        for cls in vars(module).values():
            if inspect.isclass(cls) and cls.__module__ == module.__name__:
                for b in vars(cls).get("BINDINGS", []):
                    if isinstance(b, Binding) and b.id:
                        found.add((b.id, b.key, cls.__name__))
    return found


def test_every_ui_binding_id_is_in_the_core_table_with_its_default_keys() -> None:
    """The config rejects ids it does not know: a binding the UI declares must be listed in the core table
    (reader/config/keys.py), with the same default keys."""
    declared = {(binding_id, keys) for binding_id, keys, _ in _ui_bindings()}
    table = {(s.id, s.keys) for s in BINDINGS}
    assert declared - table == set(), "add these bindings to reader/config/keys.py"
    assert table - declared == set(), "reader/config/keys.py lists bindings the UI no longer declares"
    # And the scopes used for clash checks match where the bindings live.
    scopes = {
        "ReaderApp": "app",
        "MainScreen": "main",
        "HeadlineList": "headlines",
        "FeedList": "feeds",
        "HelpScreen": "help",
        "FeedHealthScreen": "health",
        "PromptScreen": "prompt",
        "FormScreen": "form",
        "ConfirmScreen": "confirm",
        "MarkMenuScreen": "mark_menu",
        "NumberPromptScreen": "number",
        "ImageViewerScreen": "image",
        "SearchScreen": "search",
        "StoryActions": "main",  # the main screen's story keys (a base class of MainScreen)
        "StoriesScreen": "stories",
    }
    placed = {(i, k, scopes.get(c, c)) for i, k, c in _ui_bindings()}
    assert {(s.id, s.keys, s.scope) for s in BINDINGS} <= placed


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
