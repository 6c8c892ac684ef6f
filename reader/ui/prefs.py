"""Choices made inside the TUI that outlive it: theme, sort order per view, pane sizes (a small JSON file).

The config file is the user's and is never rewritten. A choice made in the app wins over the config's value
until the config's value itself changes: then the config (edited since) wins again. Each choice therefore
records the config value it overrode.
"""

from __future__ import annotations

import json
import os
from dataclasses import field, replace
from pathlib import Path
from typing import Any

from reader.frozen import Frozen, value_type
from reader.models import SORT_ORDERS


@value_type
class Override(Frozen):
    """A value chosen in the app, and the config's value when it was chosen."""

    value: Any
    config: Any


@value_type
class UIPrefs(Frozen):
    theme: Override | None = None
    headlines_height: Override | None = None  # percent of the reading column
    article_width: Override | None = None  # columns
    orders: dict[str, str] = field(default_factory=dict)  # feed-pane row id -> sort order

    def pick(self, name: str, configured: Any) -> Any:
        """The value to use for a setting: the app's choice, unless the config changed since it was made."""
        chosen: Override | None = getattr(self, name)
        if chosen is not None and chosen.config == configured:
            return chosen.value
        return configured

    def choose(self, name: str, value: Any, configured: Any) -> UIPrefs:
        chosen = None if value == configured else Override(value, configured)
        if name == "theme":
            return replace(self, theme=chosen)
        if name == "headlines_height":
            return replace(self, headlines_height=chosen)
        if name == "article_width":
            return replace(self, article_width=chosen)
        raise ValueError(f"not a remembered setting: {name}")

    def with_order(self, view_key: str, order: str) -> UIPrefs:
        orders = dict(self.orders)
        if order == SORT_ORDERS[0]:
            orders.pop(view_key, None)
        else:
            orders[view_key] = order
        return replace(self, orders=orders)


_OVERRIDES = ("theme", "headlines_height", "article_width")


def prefs_path(state_path: Path | None) -> Path | None:
    """Next to the UI state file, in the data directory."""
    return state_path.with_name("ui-prefs.json") if state_path is not None else None


def load_prefs(path: Path | None) -> UIPrefs:
    """The saved choices; none when there is no file or it cannot be read (never an error)."""
    if path is None:
        return UIPrefs()
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(raw, dict):
            return UIPrefs()
    except (OSError, ValueError):
        return UIPrefs()
    values: dict[str, Any] = {}
    for name in _OVERRIDES:
        entry = raw.get(name)
        if isinstance(entry, dict) and "value" in entry:
            values[name] = Override(entry["value"], entry.get("config"))
    orders = raw.get("orders")
    if isinstance(orders, dict):
        values["orders"] = {str(k): v for k, v in orders.items() if isinstance(v, str) and v in SORT_ORDERS}
    return UIPrefs(**values)


def save_prefs(path: Path | None, prefs: UIPrefs) -> None:
    """Write atomically; a failure is ignored (losing a preference must never stop the app)."""
    if path is None:
        return
    data: dict[str, Any] = {"orders": prefs.orders}
    for name in _OVERRIDES:
        chosen: Override | None = getattr(prefs, name)
        if chosen is not None:
            data[name] = {"value": chosen.value, "config": chosen.config}
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, path)
    except OSError:
        return
