"""The settings the config file describes, as frozen dataclasses with their defaults."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import field, replace
from pathlib import Path
from types import MappingProxyType

from reader.config.default_feeds import DEFAULT_FEEDS
from reader.config.mute import MuteRule
from reader.config.sync import SyncSettings
from reader.fetch.settings import ClientSettings
from reader.frozen import Frozen, value_type
from reader.models import FeedConfig, FulltextPolicy, SiteRule

MiB = 1024 * 1024


@value_type
class GeneralSettings(Frozen):
    poll_interval: int = 1800  # seconds; the default for feeds without their own
    refresh_on_start: bool = True
    auto_refresh: int | None = 900  # seconds between TUI re-polls; None = off
    mark_read_on_open: bool = True
    theme: str = "textual-dark"
    retention_days: int = 0  # 0 = keep forever
    headlines_height: int = 40  # percent of the TUI's reading column taken by the headline list
    article_width: int = 80  # the TUI's article measure, in columns
    # Run after a poll with new matches of a tracked topic: the command, then a title and a body as two
    # more arguments (never through a shell); () = off.
    notify_command: tuple[str, ...] = ()
    # Bills, regulations and court cases cited in an article link to their official sources in the TUI.
    link_identifiers: bool = True


_CLIENT = ClientSettings()  # the defaults live with the HTTP client's settings, declared once


@value_type
class FetchSettings(Frozen):
    max_connections: int = _CLIENT.max_connections
    per_host: int = _CLIENT.per_host
    connect_timeout: int = int(_CLIENT.connect_timeout)
    read_timeout: int = int(_CLIENT.read_timeout)
    deadline: int = int(_CLIENT.deadline)  # total seconds per feed, whatever the server's pace
    max_body_mb: int = _CLIENT.max_body_bytes // MiB
    user_agent: str = _CLIENT.user_agent

    @property
    def max_body_bytes(self) -> int:
        return self.max_body_mb * MiB

    def client(self) -> ClientSettings:
        """The HTTP client's settings, as this [fetch] table sets them."""
        return replace(
            _CLIENT,
            max_connections=self.max_connections,
            per_host=self.per_host,
            connect_timeout=float(self.connect_timeout),
            read_timeout=float(self.read_timeout),
            deadline=float(self.deadline),
            max_body_bytes=self.max_body_bytes,
            user_agent=self.user_agent or _CLIENT.user_agent,
        )


@value_type
class FulltextSettings(Frozen):
    policy: FulltextPolicy = "prefetch"
    first_poll_items: int = 5
    concurrency: int = 4


@value_type
class StoriesSettings(Frozen):
    # Group the items of every feed into stories as polls store them (the Stories view, folded rows,
    # "Also covered by", `reader stories`, the `story` of `reader list --json`). Off: items are stored
    # without a story (and `reader stories --regroup` or the TUI groups them once it is turned on again).
    group: bool = True


def _no_keys() -> Mapping[str, str]:
    return MappingProxyType({})


@value_type
class Config(Frozen):
    general: GeneralSettings = field(default_factory=GeneralSettings)
    fetch: FetchSettings = field(default_factory=FetchSettings)
    fulltext: FulltextSettings = field(default_factory=FulltextSettings)
    stories: StoriesSettings = field(default_factory=StoriesSettings)
    # binding id -> "key[,key]"; read-only view. Left out of the hash (a mappingproxy has none).
    keys: Mapping[str, str] = field(default_factory=_no_keys, hash=False)
    feeds: tuple[FeedConfig, ...] = ()
    source: Path | None = None  # the file read, None for built-in defaults
    # tracked topics: name -> full-text query (FTS5 syntax); read-only view, left out of the hash
    topics: Mapping[str, str] = field(default_factory=_no_keys, hash=False)
    mute: tuple[MuteRule, ...] = ()  # [mute]: rules marking matching items read as they arrive
    sync: SyncSettings | None = None  # [sync]: a Google Reader API server; None: local only
    sites: tuple[SiteRule, ...] = ()  # [sites]: reader-mode rules per site (see extract/site_rules.py)

    def poll_interval_for(self, feed: FeedConfig) -> int:
        return feed.poll_interval if feed.poll_interval is not None else self.general.poll_interval

    def fulltext_for(self, feed: FeedConfig) -> FulltextPolicy:
        return feed.fulltext if feed.fulltext is not None else self.fulltext.policy


def default_config() -> Config:
    """What the reader uses when there is no config file: default settings and the curated feeds."""
    return Config(feeds=DEFAULT_FEEDS)
