"""The key bindings the `[keys]` table may remap, and the checks on key names and themes (no Textual here).

The UI declares its `Binding`s with these ids and defaults (a UI test keeps both in step); the core needs the
list to reject a config that names an unknown binding id, a key that does not exist, or two actions on one key,
with the same file/key/line error as any other config mistake, from every command.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from types import MappingProxyType

from reader.frozen import Frozen, value_type


@value_type
class BindingSpec(Frozen):
    """One remappable binding: its id, its default keys, and where it is active."""

    id: str
    keys: str  # Textual key names, comma-separated
    scope: (
        str  # "app", a screen ("main", "help", "health", "prompt") or a focused pane ("headlines", "feeds")
    )


BINDINGS: tuple[BindingSpec, ...] = (
    BindingSpec("quit", "q", "app"),
    BindingSpec("help", "question_mark", "app"),
    BindingSpec("down", "j,down", "main"),
    BindingSpec("up", "k,up", "main"),
    BindingSpec("open", "enter", "main"),
    BindingSpec("page_down", "space", "main"),
    BindingSpec("page_up", "b", "main"),
    BindingSpec("next_unread", "n", "main"),
    BindingSpec("prev_unread", "p", "main"),
    BindingSpec("toggle_source", "t", "main"),
    BindingSpec("toggle_saved", "s", "main"),
    BindingSpec("toggle_read", "m", "main"),
    BindingSpec("mark_view_read", "A", "main"),
    BindingSpec("undo", "u", "main"),
    BindingSpec("open_browser", "o", "main"),
    BindingSpec("copy_link", "y", "main"),
    BindingSpec("search", "slash", "main"),
    BindingSpec("filter_unread", "f", "main"),
    BindingSpec("zen", "z", "main"),
    BindingSpec("refresh", "r", "main"),
    BindingSpec("refresh_all", "R", "main"),
    BindingSpec("next_pane", "tab", "main"),
    BindingSpec("previous_pane", "shift+tab", "main"),
    BindingSpec("feed_health", "H,exclamation_mark", "main"),
    BindingSpec("back", "escape", "main"),
    BindingSpec("stories", "S", "main"),
    BindingSpec("next_outlet", "c", "main"),
    BindingSpec("save_topic", "T", "main"),
    BindingSpec("fold_stories", "F", "main"),
    BindingSpec("unfold_story", "x", "main"),
    # Managing feeds, sorting, marking many, numbered links, layout (reader/ui/screens/managing.py, layout.py).
    BindingSpec("add_feed", "a", "main"),
    BindingSpec("rename_feed", "e", "main"),
    BindingSpec("retag_feed", "number_sign", "main"),
    BindingSpec("remove_feed", "D", "main"),
    BindingSpec("save_page", "P", "main"),
    BindingSpec("site_rule", "E", "main"),
    BindingSpec("cycle_sort", "O", "main"),
    BindingSpec("mark_menu", "M", "main"),
    BindingSpec("open_link_n", "l", "main"),
    BindingSpec("copy_link_n", "Y", "main"),
    BindingSpec("view_image", "i", "main"),
    BindingSpec("shrink_headlines", "minus", "main"),
    BindingSpec("grow_headlines", "plus,equals_sign", "main"),
    BindingSpec("narrow_article", "less_than_sign", "main"),
    BindingSpec("widen_article", "greater_than_sign", "main"),
    BindingSpec("down", "down", "headlines"),
    BindingSpec("up", "up", "headlines"),
    BindingSpec("list.page_down", "pagedown", "headlines"),
    BindingSpec("list.page_up", "pageup", "headlines"),
    BindingSpec("list.first", "home", "headlines"),
    BindingSpec("list.last", "end", "headlines"),
    BindingSpec("feeds.toggle_group", "space", "feeds"),
    BindingSpec("help.close", "escape,q,question_mark", "help"),
    BindingSpec("help.down", "j,down", "help"),
    BindingSpec("help.up", "k,up", "help"),
    BindingSpec("health.close", "escape,q", "health"),
    BindingSpec("health.down", "j,down", "health"),
    BindingSpec("health.up", "k,up", "health"),
    BindingSpec("prompt.cancel", "escape", "prompt"),
    BindingSpec("stories.close", "escape,q", "stories"),
    BindingSpec("stories.mark_read", "m", "stories"),
    BindingSpec("stories.undo", "u", "stories"),
    BindingSpec("stories.filter_unread", "f", "stories"),
    BindingSpec("stories.down", "j", "stories"),
    BindingSpec("stories.up", "k", "stories"),
    BindingSpec("form.cancel", "escape", "form"),
    BindingSpec("confirm.yes", "y,enter", "confirm"),
    BindingSpec("confirm.no", "n,escape", "confirm"),
    BindingSpec("mark_menu.above", "a", "mark_menu"),
    BindingSpec("mark_menu.below", "b", "mark_menu"),
    BindingSpec("mark_menu.older", "o", "mark_menu"),
    BindingSpec("mark_menu.cancel", "escape,q", "mark_menu"),
    BindingSpec("number.cancel", "escape", "number"),
    BindingSpec("image.close", "escape,q", "image"),
    BindingSpec("image.open", "o", "image"),
    BindingSpec("image.next", "n,right", "image"),
    BindingSpec("image.previous", "p,left", "image"),
    BindingSpec("search.cancel", "escape", "search"),
    BindingSpec("search.submit", "enter", "search"),
)


def _default_keys() -> Mapping[str, str]:
    keys: dict[str, str] = {}
    for spec in BINDINGS:
        keys.setdefault(spec.id, spec.keys)  # an id in two scopes: the main screen's keys are the ones shown
    return MappingProxyType(keys)


# binding id -> its default keys (what the help screen and hints show unless remapped)
DEFAULT_KEYS: Mapping[str, str] = _default_keys()
BINDING_IDS: frozenset[str] = frozenset(DEFAULT_KEYS)

# Bindings that compete for a key: the app's and the main screen's are always active together, so one key
# there would do two things (one of them never). A focused pane's or a dialog's own bindings may take a key
# from the screen or the app on purpose (space folds a tag group in the feed pane and pages the article
# elsewhere; q closes the help screen), so each of them is checked on its own.
_ACTIVE_TOGETHER: tuple[frozenset[str], ...] = (
    frozenset({"app", "main"}),
    frozenset({"headlines"}),
    frozenset({"feeds"}),
    frozenset({"help"}),
    frozenset({"health"}),
    frozenset({"prompt"}),
    frozenset({"stories"}),
    frozenset({"form"}),
    frozenset({"confirm"}),
    frozenset({"mark_menu"}),
    frozenset({"number"}),
    frozenset({"image"}),
    frozenset({"search"}),
)

# Textual's built-in themes (textual 8.2.8; tests/ui checks this list against the installed Textual).
THEMES: tuple[str, ...] = (
    "ansi-dark",
    "ansi-light",
    "atom-one-dark",
    "atom-one-light",
    "catppuccin-frappe",
    "catppuccin-latte",
    "catppuccin-macchiato",
    "catppuccin-mocha",
    "dracula",
    "flexoki",
    "gruvbox",
    "monokai",
    "nord",
    "rose-pine",
    "rose-pine-dawn",
    "rose-pine-moon",
    "solarized-dark",
    "solarized-light",
    "textual-dark",
    "textual-light",
    "tokyo-night",
)

# Textual's names for keys that are not characters (its `Keys` enum, without modifiers).
NAMED_KEYS: frozenset[str] = frozenset(
    {
        "escape",
        "enter",
        "return",
        "tab",
        "space",
        "backspace",
        "delete",
        "insert",
        "home",
        "end",
        "pageup",
        "pagedown",
        "up",
        "down",
        "left",
        "right",
        "newline",
        *(f"f{n}" for n in range(1, 25)),
    }
)
MODIFIERS: tuple[str, ...] = ("ctrl", "shift", "alt", "meta", "super", "hyper")

# Textual's shorter names for some characters (keys.KEY_NAME_REPLACEMENTS).
_REPLACEMENTS = {
    "solidus": "slash",
    "reverse_solidus": "backslash",
    "commercial_at": "at",
    "hyphen_minus": "minus",
    "plus_sign": "plus",
    "low_line": "underscore",
}
_UNICODE_NAMES = {v: k for k, v in _REPLACEMENTS.items()}


def character_key(char: str) -> str:
    """Textual's key name for a typed character: letters and digits as they are, others by Unicode name."""
    if char.isalnum():
        return char
    try:
        name = unicodedata.name(char).lower().replace("-", "_").replace(" ", "_")
    except ValueError:
        return char
    return _REPLACEMENTS.get(name, name)


_PUNCTUATION_KEYS = frozenset(character_key(c) for c in "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")


def _is_character_name(name: str) -> bool:
    if name in _PUNCTUATION_KEYS:
        return True
    if name != name.lower() or not name.replace("_", "").isalnum():
        return False
    try:
        char = unicodedata.lookup(_UNICODE_NAMES.get(name, name).replace("_", " ").upper())
    except KeyError:
        return False
    return char.isprintable() and not char.isspace()


def check_key(key: str) -> str | None:
    """Why `key` (e.g. "j", "ctrl+r", "question_mark") is not a key Textual can bind; None when it is."""
    if not key:
        return "is empty"
    if len(key) == 1:
        return None if key.isprintable() and not key.isspace() else f"{key!r} is not a printable character"
    *mods, base = key.split("+")
    for mod in mods:
        if mod not in MODIFIERS:
            return f"{mod!r} is not a modifier (use {', '.join(MODIFIERS)})"
    if len(set(mods)) != len(mods):
        return "repeats a modifier"
    if (len(base) == 1 and base.isprintable() and not base.isspace()) or base in NAMED_KEYS:
        return None
    if _is_character_name(base):
        return None
    import difflib  # only when there is a mistake to suggest a fix for

    close = difflib.get_close_matches(base, sorted(NAMED_KEYS | _PUNCTUATION_KEYS), n=1, cutoff=0.6)
    hint = f"did you mean {close[0]!r}?" if close else 'e.g. "j", "down", "ctrl+r", "question_mark"'
    return f"{base!r} is not a key name ({hint})"


# Keys Textual itself binds with priority: whatever else they are bound to never runs.
RESERVED_KEYS: Mapping[str, str] = MappingProxyType(
    {"ctrl+q": "Textual's own quit key", "ctrl+p": "the command palette"}
)


def normal_key(key: str) -> str:
    """One spelling per key, for comparing bindings ("?" and "question_mark" are the same key)."""
    return character_key(key) if len(key) == 1 else key


def key_clashes(keymap: Mapping[str, str]) -> list[tuple[str, str, str]]:
    """(binding id, key, other binding id or reserved use) for each key the remapped bindings give two
    actions at once.

    Only clashes that involve a remapped binding are reported (the defaults are known not to clash).
    """
    clashes: list[tuple[str, str, str]] = []
    reported: set[tuple[str, str]] = set()
    for binding_id, keys in keymap.items():
        for key in (normal_key(k.strip()) for k in keys.split(",")):
            if key in RESERVED_KEYS:
                clashes.append((binding_id, key, RESERVED_KEYS[key]))
                reported.add((binding_id, key))
    for scopes in _ACTIVE_TOGETHER:
        owners: dict[str, list[tuple[str, bool]]] = {}  # key -> [(binding id, remapped)]
        for spec in BINDINGS:
            if spec.scope not in scopes:
                continue
            remapped = spec.id in keymap
            keys = keymap[spec.id] if remapped else spec.keys
            for key in (normal_key(k.strip()) for k in keys.split(",")):
                entry = (spec.id, remapped)
                if entry not in owners.setdefault(key, []):
                    owners[key].append(entry)
        for key, ids in owners.items():
            distinct = {i for i, _ in ids}
            if len(distinct) < 2:
                continue
            for binding_id, remapped in ids:
                if remapped and (binding_id, key) not in reported:
                    other = next(i for i in sorted(distinct) if i != binding_id)
                    reported.add((binding_id, key))
                    clashes.append((binding_id, key, other))
    return clashes
