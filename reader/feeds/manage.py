"""Managing subscriptions by hand, for the CLI and the TUI alike: one validation and one set of rules.

Feeds listed in the config file are the config file's: renaming, retagging or removing one here would be undone
at the next start (the config is synced then), so those are refused with a message saying where to edit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from reader.config.loader import Config, check_feed_fields
from reader.errors import FeedInputError
from reader.models import Feed
from reader.store.feeds import Store
from reader.textsafe import clean_text


@dataclass(frozen=True)
class FeedChange:
    """What a change did: the feed as it is now, and whether it already existed (add) or was kept (remove)."""

    feed: Feed
    existed: bool = False
    message: str = ""


def _shown(text: str) -> str:
    return repr(clean_text(text, 120))


def resolve_location(given: str, cwd: Path | None = None) -> str:
    """A feed location as typed: an existing relative file path becomes absolute, the rest is left as is
    (validation follows)."""
    text = given.strip()
    base = cwd or Path.cwd()
    if text and "://" not in text and not text.startswith(("/", "~", ".")):
        candidate = base / text
        if candidate.exists():
            return str(candidate.resolve())
    return text


def add_feed(
    store: Store,
    url: str,
    title: str | None = None,
    tags: Sequence[str] = (),
    interval: str | int | None = None,
    fulltext: str | None = None,
    *,
    cwd: Path | None = None,
) -> FeedChange:
    """Subscribe (or update the settings of an existing subscription). Raises FeedInputError naming the field."""
    given = resolve_location(url, cwd)
    try:
        fields = check_feed_fields(
            given,
            title if title else None,
            list(tags),
            interval if interval not in (None, "") else None,
            fulltext or None,
            base_dir=cwd or Path.cwd(),
        )
    except ValueError as exc:
        raise FeedInputError(f"cannot add {_shown(url)}: {exc}") from None
    url = fields["url"]
    existing = store.feed_by_url(url)
    feed = store.add_feed(
        url,
        fields.get("title"),
        fields.get("tags", ()),
        fields.get("poll_interval"),
        fields.get("fulltext"),
    )
    if existing is not None and existing.url != url:
        # The URL names a feed we already have under its newer URL (it moved, or it is its web page).
        message = (
            f"Already subscribed: {url} is the feed {feed.display_title} <{feed.url}>; its settings updated"
        )
        return FeedChange(feed, True, message)
    verb = "Updated" if existing is not None else "Added"
    return FeedChange(feed, existing is not None, f"{verb} {feed.display_title} <{feed.url}>")


def _user_feed(store: Store, config: Config, feed_id: int, doing: str) -> Feed:
    feed = store.feed_by_id(feed_id)
    if feed is None:
        raise FeedInputError("that feed no longer exists")
    if feed.origin == "config" or any(fc.url in (feed.url, feed.source_url) for fc in config.feeds):
        where = (
            str(config.source) if config.source else "the built-in default list (copy config.example.toml)"
        )
        raise FeedInputError(f"cannot {doing} {feed.display_title}: it is listed in {where}; edit it there")
    return feed


def rename_feed(store: Store, config: Config, feed_id: int, title: str) -> FeedChange:
    """Give a feed a title of one's own; an empty title goes back to the feed's own."""
    feed = _user_feed(store, config, feed_id, "rename")
    try:
        fields = check_feed_fields(title=title)
    except ValueError as exc:
        raise FeedInputError(f"cannot rename {feed.display_title}: {exc}") from None
    store.set_feed_title(feed.id, fields["title"])
    renamed = store.feed_by_id(feed.id)
    assert renamed is not None
    return FeedChange(renamed, True, f"Renamed to {renamed.display_title}")


def retag_feed(store: Store, config: Config, feed_id: int, tags: Sequence[str]) -> FeedChange:
    """Replace a feed's tags (an empty list untags it)."""
    feed = _user_feed(store, config, feed_id, "retag")
    try:
        fields = check_feed_fields(tags=list(tags))
    except ValueError as exc:
        raise FeedInputError(f"cannot retag {feed.display_title}: {exc}") from None
    store.set_feed_tags(feed.id, fields["tags"])
    changed = store.feed_by_id(feed.id)
    assert changed is not None
    shown = ", ".join(changed.tags) if changed.tags else "no tags"
    return FeedChange(changed, True, f"{changed.display_title}: {shown}")


def remove_feed(store: Store, config: Config, feed_id: int) -> FeedChange:
    """Unsubscribe: the feed and its unsaved items go; saved items stay."""
    feed = _user_feed(store, config, feed_id, "remove")
    store.remove_feed(feed.url)
    return FeedChange(feed, False, f"Removed {feed.display_title}; its saved items are kept")


def split_tags(text: str) -> list[str]:
    """Tags typed on one line, separated by commas."""
    return [t.strip() for t in text.split(",") if t.strip()]
