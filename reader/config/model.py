"""The settings the config file describes, as frozen dataclasses with their defaults."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

from reader import USER_AGENT
from reader.config.default_feeds import DEFAULT_FEEDS
from reader.models import FeedConfig, FulltextPolicy

MiB = 1024 * 1024


@dataclass(frozen=True)
class GeneralSettings:
    poll_interval: int = 1800  # seconds; the default for feeds without their own
    refresh_on_start: bool = True
    auto_refresh: int | None = 900  # seconds between TUI re-polls; None = off
    mark_read_on_open: bool = True
    theme: str = "textual-dark"
    retention_days: int = 0  # 0 = keep forever


@dataclass(frozen=True)
class FetchSettings:
    max_connections: int = 64
    per_host: int = 2
    connect_timeout: int = 10
    read_timeout: int = 20
    deadline: int = 60  # total seconds per request, whatever the server's pace
    max_body_mb: int = 10
    user_agent: str = USER_AGENT

    @property
    def max_body_bytes(self) -> int:
        return self.max_body_mb * MiB


@dataclass(frozen=True)
class FulltextSettings:
    policy: FulltextPolicy = "prefetch"
    first_poll_items: int = 5
    concurrency: int = 4


def _no_keys() -> Mapping[str, str]:
    return MappingProxyType({})


@dataclass(frozen=True)
class Config:
    general: GeneralSettings = field(default_factory=GeneralSettings)
    fetch: FetchSettings = field(default_factory=FetchSettings)
    fulltext: FulltextSettings = field(default_factory=FulltextSettings)
    # binding id -> "key[,key]"; read-only view. Left out of the hash (a mappingproxy has none).
    keys: Mapping[str, str] = field(default_factory=_no_keys, hash=False)
    feeds: tuple[FeedConfig, ...] = ()
    source: Path | None = None  # the file read, None for built-in defaults

    def poll_interval_for(self, feed: FeedConfig) -> int:
        return feed.poll_interval if feed.poll_interval is not None else self.general.poll_interval

    def fulltext_for(self, feed: FeedConfig) -> FulltextPolicy:
        return feed.fulltext if feed.fulltext is not None else self.fulltext.policy


def default_config() -> Config:
    """What the reader uses when there is no config file: default settings and the curated feeds."""
    return Config(feeds=DEFAULT_FEEDS)
