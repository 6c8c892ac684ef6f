"""Managing subscriptions by hand, for the CLI and the TUI alike: one validation and one set of rules.

Feeds listed in the config file are the config file's: renaming, retagging or removing one here would be undone
at the next start (the config is synced then), so those are refused with a message saying where to edit.

A feed no longer polled (the config dropped it, it was unsubscribed but holds saved items, or it is Saved pages)
can have its unsaved items deleted like any feed's; renaming or retagging it is refused with why it is not polled
and how to poll it again (its settings are the config's, or a new subscription's, once it is polled again).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from reader.config.model import Config
from reader.config.values import (
    BadValue,
    check_policy,
    check_poll_interval,
    check_tags,
    check_title,
    normalize_feed_url,
)
from reader.errors import FeedInputError, FetchError
from reader.frozen import Frozen, value_type
from reader.models import Feed
from reader.store.feeds import Store
from reader.textsafe import clean_text

if TYPE_CHECKING:
    from reader.fetch.settings import ClientSettings


@value_type
class FeedChange(Frozen):
    """What a change did: the feed as it is now, whether it already existed, one line saying so, and (add) a
    warning when the feed could not be fetched just now."""

    feed: Feed
    existed: bool = False
    message: str = ""
    warning: str | None = None


@value_type
class SourceCheck(Frozen):
    """What trying a new feed's URL once said: `problem` refuses it (the URL itself is wrong), `warning` adds
    it anyway (the failure may pass); `overridable` when the refusal came from a server (it may be wrong)."""

    problem: str | None = None
    warning: str | None = None
    overridable: bool = False


# Answers that say the URL itself is wrong: the subscription would never work. Anything else (a timeout, a
# refused connection, 429, 5xx) may pass: the feed is added, with a warning, and the next poll retries it.
_TEMPORARY_STATUSES = frozenset({408, 425, 429})


def check_source(url: str, client: ClientSettings | None) -> SourceCheck:
    """Try a feed's URL once. A missing file, a directory or a server answering 404 (any 4xx that says the URL
    is wrong) are refusals; a failure that may pass is a warning. `client` None tries files only. Blocking."""
    from reader.fetch.client import local_path

    path = local_path(url)
    if path is not None:
        if not path.exists():
            return SourceCheck(f"no such file: {path}")
        if path.is_dir():
            return SourceCheck(f"{path} is a directory, not a feed file")
        try:
            with path.open("rb"):
                pass
        except OSError as exc:
            return SourceCheck(f"cannot read {path}: {exc.strerror or exc}")
        return SourceCheck()
    if client is None:
        return SourceCheck()
    from reader.fetch.client import HttpStatusError, PoliteClient

    async def go() -> None:
        async with PoliteClient(client) as polite:
            await polite.get(url)

    try:
        asyncio.run(go())
    except HttpStatusError as exc:
        if 400 <= exc.status < 500 and exc.status not in _TEMPORARY_STATUSES:
            return SourceCheck(str(exc), overridable=True)
        return SourceCheck(warning=str(exc))
    except FetchError as exc:
        return SourceCheck(warning=str(exc))
    return SourceCheck()


def _shown(text: str) -> str:
    return repr(clean_text(text, 120))


def resolve_location(given: str, cwd: Path | None = None) -> str:
    """A feed location as typed: an existing relative file path becomes absolute, the rest is left as is
    (validation follows)."""
    text = given.strip()
    base = cwd or Path.cwd()
    if text and "://" not in text and (base / text).exists():
        return str((base / text).resolve())  # a bare file name in the working directory
    return text


def _checked(field: str, label: str, validate: Callable[[Any], Any], value: Any) -> Any:
    try:
        return validate(value)
    except (BadValue, ValueError) as exc:
        raise FeedInputError(f"{label} {exc}", field=field, reason=str(exc)) from None


def add_feed(
    store: Store,
    url: str,
    title: str | None = None,
    tags: Sequence[str] = (),
    interval: str | int | None = None,
    fulltext: str | None = None,
    *,
    cwd: Path | None = None,
    try_source: Callable[[str], SourceCheck] | None = None,
) -> FeedChange:
    """Subscribe (or update the settings given for an existing subscription), as `reader add` does: the URL,
    title, tags, interval and policy checked with the config file's own rules, then (`try_source`) the URL
    tried once. Raises FeedInputError naming the field and the reason."""
    given = resolve_location(url, cwd)
    try:
        feed_url = normalize_feed_url(given, cwd or Path.cwd())
    except ValueError as exc:
        raise FeedInputError(
            f"cannot add {_shown(url)}: the URL {exc}", field="url", reason=str(exc)
        ) from None
    seconds = _checked("interval", "the poll interval", check_poll_interval, interval) if interval else None
    policy = _checked("fulltext", "the full-text policy", check_policy, fulltext) if fulltext else None
    own_title = _checked("title", "the title", check_title, title) if title else None
    own_tags = _checked("tags", "the tags", check_tags, list(tags)) if tags else ()
    warning = None
    if try_source is not None:
        tried = try_source(feed_url)
        if tried.problem is not None:
            raise FeedInputError(
                f"cannot add {feed_url}: {tried.problem}",
                field="source",
                reason=tried.problem,
                overridable=tried.overridable,
            )
        warning = tried.warning
    existing = store.feed_by_url(feed_url)
    if existing is not None:
        # Adding again changes only what was given: the interval and policy set before stay.
        seconds = seconds if seconds is not None else existing.poll_interval
        policy = policy or existing.fulltext
    feed = store.add_feed(feed_url, own_title, own_tags, seconds, policy)
    if existing is not None and existing.url != feed_url:
        # The URL names a feed we already have under its newer URL (it moved, or it is its web page).
        message = f"Already subscribed: {feed_url} is the feed {feed.display_title} <{feed.url}>; its settings updated"
        return FeedChange(feed, True, message, warning)
    verb = "Updated" if existing is not None else "Added"
    return FeedChange(feed, existing is not None, f"{verb} {feed.display_title} <{feed.url}>", warning)


def _user_feed(store: Store, config: Config, feed_id: int, doing: str, *, idle_ok: bool = False) -> Feed:
    """The feed `doing` may change; FeedInputError when the config owns it (or, unless `idle_ok`, when it is
    no longer polled)."""
    feed = store.feed_by_id(feed_id)
    if feed is None:
        raise FeedInputError("that feed no longer exists")
    listed = any(fc.url in (feed.url, feed.source_url) for fc in config.feeds)
    if listed or (feed.origin == "config" and feed.active):
        where = str(config.source) if config.source else "the built-in default list"
        raise FeedInputError(f"cannot {doing} {feed.display_title}: it is listed in {where}; edit it there")
    if not feed.active and not idle_ok:
        raise FeedInputError(
            f"cannot {doing} {feed.display_title}, which is not polled: {feed.not_polled_reason}"
        )
    return feed


def rename_feed(store: Store, config: Config, feed_id: int, title: str) -> FeedChange:
    """Give a feed a title of one's own; an empty title goes back to the feed's own."""
    feed = _user_feed(store, config, feed_id, "rename")
    own = _checked("title", f"cannot rename {feed.display_title}: the title", check_title, title)
    store.set_feed_title(feed.id, own)
    renamed = store.feed_by_id(feed.id)
    assert renamed is not None
    return FeedChange(renamed, True, f"Renamed to {renamed.display_title}")


def retag_feed(store: Store, config: Config, feed_id: int, tags: Sequence[str]) -> FeedChange:
    """Replace a feed's tags (an empty list untags it)."""
    feed = _user_feed(store, config, feed_id, "retag")
    own = _checked("tags", f"cannot retag {feed.display_title}: the tags", check_tags, list(tags))
    store.set_feed_tags(feed.id, own)
    changed = store.feed_by_id(feed.id)
    assert changed is not None
    shown = ", ".join(changed.tags) if changed.tags else "no tags"
    return FeedChange(changed, True, f"{changed.display_title}: {shown}")


def remove_feed(store: Store, config: Config, feed_id: int) -> FeedChange:
    """Unsubscribe: the feed and its unsaved items go; saved items stay. A feed no longer polled loses its
    unsaved items the same way."""
    feed = _user_feed(store, config, feed_id, "remove", idle_ok=True)
    store.remove_feed(feed.url)
    if not feed.active:
        return FeedChange(
            feed, False, f"Deleted the unsaved items of {feed.display_title}; its saved items are kept"
        )
    return FeedChange(feed, False, f"Removed {feed.display_title}; its saved items are kept")


def split_tags(text: str) -> list[str]:
    """Tags typed on one line, separated by commas."""
    return [t.strip() for t in text.split(",") if t.strip()]
