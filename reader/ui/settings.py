"""The UI's settings: what the config file's `[ui]` and `[keys]` tables decide, plus an injectable clock."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import field
from datetime import UTC, datetime
from pathlib import Path
from types import MappingProxyType

from reader.frozen import Frozen, value_type


def _utcnow() -> datetime:
    return datetime.now(UTC)


@value_type
class UISettings(Frozen):
    """How the reader behaves; every field has a sensible default."""

    refresh_on_start: bool = True
    auto_refresh: int | None = 900  # seconds between automatic polls; None turns it off
    default_interval: int = 1800  # seconds between polls of a feed without a poll_interval of its own
    mark_read_on_open: bool = True
    theme: str | None = None
    headlines_height: int = 40  # percent of the reading column the headline list takes
    article_width: int = 80  # the article text's measure, in columns
    keys: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))  # binding id -> "key[,key]"
    state_path: Path | None = None  # small JSON file remembering the last view and selection
    style_cache: Path | None = None  # parsed styles kept between launches (reader/ui/stylecache.py)
    sync: bool = False  # a [sync] server is configured: refreshes sync with it, the status bar says how
    link_identifiers: bool = (
        True  # bills, rules and cases in articles link to their sources (ui/identifiers.py)
    )
    # The clock relative ages are computed against; tests freeze it so snapshots are stable.
    now: Callable[[], datetime] = field(default=_utcnow)
