"""The TOML config file → frozen settings; a bad key or value is a ConfigError naming the file, key and line.

The settings live in `model.py`, the value parsers in `values.py`, the key bindings in `keys.py`; their public
names are importable from here too.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any

from reader.config.keys import BINDING_IDS, RESERVED_KEYS, check_key, key_clashes
from reader.config.model import (
    Config,
    FetchSettings,
    FulltextSettings,
    GeneralSettings,
    MiB,
    StoriesSettings,
    default_config,
)
from reader.config.mute import MuteRule, MuteValueError, parse_mute
from reader.config.sites import SiteValueError, parse_sites
from reader.config.sync import SyncSettings, SyncValueError, parse_sync
from reader.config.values import (
    MAX_DURATION,
    MAX_TAGS,
    MIN_POLL_INTERVAL,
    TAG_LIMIT,
    TITLE_LIMIT,
    URL_LIMIT,
    BadValue,
    Validator,
    check_bool,
    check_command,
    check_policy,
    check_poll_interval,
    check_tags,
    check_theme,
    check_title,
    check_user_agent,
    clean_tag,
    clean_tags,
    clean_title,
    duration_between,
    format_duration,
    int_between,
    kind_of,
    normalize_feed_url,
    parse_duration,
    shown,
)
from reader.errors import ConfigError
from reader.models import FeedConfig, SiteRule
from reader.patterns import lazy_pattern

__all__ = [
    "MAX_DURATION",
    "MAX_TAGS",
    "MIN_POLL_INTERVAL",
    "SECTIONS",
    "TAG_LIMIT",
    "TITLE_LIMIT",
    "URL_LIMIT",
    "Config",
    "FetchSettings",
    "FulltextSettings",
    "GeneralSettings",
    "MiB",
    "StoriesSettings",
    "clean_tag",
    "clean_tags",
    "clean_title",
    "default_config",
    "format_duration",
    "load_config",
    "normalize_feed_url",
    "parse_config",
    "parse_duration",
]

_GENERAL: dict[str, Validator] = {
    "poll_interval": check_poll_interval,
    "refresh_on_start": check_bool,
    "auto_refresh": duration_between(MIN_POLL_INTERVAL, 86400, allow_off=True),
    "mark_read_on_open": check_bool,
    "theme": check_theme,
    "retention_days": int_between(0, 36500),
    "headlines_height": int_between(15, 85),
    "article_width": int_between(40, 200),
    "notify_command": check_command,
    "link_identifiers": check_bool,
}
_FETCH: dict[str, Validator] = {
    "max_connections": int_between(1, 256),
    "per_host": int_between(1, 16),
    "connect_timeout": duration_between(1, 300),
    "read_timeout": duration_between(1, 600),
    "deadline": duration_between(1, 3600),
    "max_body_mb": int_between(1, 1024),
    "user_agent": check_user_agent,
}
_FULLTEXT: dict[str, Validator] = {
    "policy": check_policy,
    "first_poll_items": int_between(0, 1000),
    "concurrency": int_between(1, 32),
}
_STORIES: dict[str, Validator] = {
    "group": check_bool,
}
_FEED_KEYS = ("url", "title", "tags", "poll_interval", "fulltext")

SECTIONS: dict[str, tuple[str, ...]] = {
    "general": tuple(_GENERAL),
    "fetch": tuple(_FETCH),
    "fulltext": tuple(_FULLTEXT),
    "stories": tuple(_STORIES),
    "feeds": _FEED_KEYS,
}
_TOP_LEVEL = ("general", "fetch", "fulltext", "stories", "keys", "feeds", "topics", "mute", "sync", "sites")


def _dotted(table: Mapping[str, Any]) -> list[tuple[str, Any]]:
    """[keys] entries with dotted ids flattened: TOML reads `help.close = "x"` as a table `help`."""
    out: list[tuple[str, Any]] = []
    for key, value in table.items():
        if isinstance(value, dict) and value and all(f"{key}.{sub}" in BINDING_IDS for sub in value):
            out.extend((f"{key}.{sub}", v) for sub, v in value.items())
        else:
            out.append((key, value))
    return out


def _unknown(key: str, allowed: tuple[str, ...]) -> str:
    import difflib  # only when there is a mistake to suggest a fix for

    close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
    hint = f"did you mean '{close[0]}'?" if close else "expected one of: " + ", ".join(allowed)
    return f"is unknown ({hint})"


# --- locating keys in the text, for line numbers ---------------------------------------------------------


_header = lazy_pattern(r"^\s*\[(\[)?\s*([^\[\]#]+?)\s*\]")


_key_line = lazy_pattern(r"""^\s*(?:"([^"]*)"|'([^']*)'|([A-Za-z0-9_-]+))\s*=""")


class _Locator:
    """Best-effort map from (table, array index, key) to a line number, by scanning the text."""

    def __init__(self, text: str) -> None:
        self._entries: list[tuple[int, str | None, int | None, str | None]] = []
        counters: dict[str, int] = {}
        table: str | None = None
        index: int | None = None
        for number, line in enumerate(text.split("\n"), start=1):
            header = _header().match(line)
            if header:
                table = ".".join(part.strip().strip("\"'") for part in header.group(2).split("."))
                index = None
                if header.group(1):
                    index = counters[table] = counters.get(table, -1) + 1
                self._entries.append((number, table, index, None))
                continue
            key = _key_line().match(line)
            if key:
                name = key.group(1) if key.group(1) is not None else key.group(2) or key.group(3)
                self._entries.append((number, table, index, name))

    def line(self, table: str | None, index: int | None = None, key: str | None = None) -> int | None:
        """The key's line; else its table's header; else the line where the table is written inline."""
        candidates = [(table, index, key), (table, index, None)]
        if table is None and key is not None:
            candidates += [(key, None, None), (key, 0, None)]  # a top-level name written as [x] or [[x]]
        if table is not None:
            candidates.append((None, None, table.split(".")[0]))  # e.g. feeds = [{...}]
        for wanted in candidates:
            for number, *entry in self._entries:
                if tuple(entry) == wanted and wanted != (None, None, None):
                    return number
        return None


# --- loading ------------------------------------------------------------------------------------------------


class _Loader:
    def __init__(self, text: str, path: str, base_dir: Path | None) -> None:
        self.text = text
        self.path = path
        self.base_dir = base_dir
        self.locator = _Locator(text)

    def error(
        self, reason: str, table: str | None, index: int | None = None, key: str | None = None
    ) -> ConfigError:
        if table is None:
            name = key
        elif index is None:
            name = f"{table}.{key}" if key else table
        else:
            name = f"{table}[{index + 1}].{key}" if key else f"{table}[{index + 1}]"
        return ConfigError(self.path, name, reason, self.locator.line(table, index, key))

    def parse(self) -> dict[str, Any]:
        try:
            return tomllib.loads(self.text)
        except tomllib.TOMLDecodeError as exc:
            message = str(exc)
            match = re.search(r"\(at line (\d+), column (\d+)\)$", message)
            if match:
                reason = f"invalid TOML: {message[: match.start()].strip()} (column {match.group(2)})"
                raise ConfigError(self.path, None, reason, int(match.group(1))) from None
            line = self.text.count("\n") + 1 if "end of document" in message else None
            raise ConfigError(self.path, None, f"invalid TOML: {message}", line) from None
        except RecursionError:
            raise ConfigError(self.path, None, "invalid TOML: nested too deeply") from None

    def section(self, raw: Mapping[str, Any], name: str, spec: dict[str, Validator]) -> dict[str, Any]:
        table = raw.get(name, {})
        if not isinstance(table, dict):
            raise self.error(f"must be a table ([{name}]), not {kind_of(table)}", None, key=name)
        values: dict[str, Any] = {}
        for key, value in table.items():
            if key not in spec:
                raise self.error(_unknown(key, tuple(spec)), name, key=key)
            try:
                values[key] = spec[key](value)
            except BadValue as exc:
                raise self.error(str(exc), name, key=key) from None
        return values

    def keys(self, raw: Mapping[str, Any]) -> Mapping[str, str]:
        table = raw.get("keys", {})
        if not isinstance(table, dict):
            raise self.error(f"must be a table ([keys]), not {kind_of(table)}", None, key="keys")
        out: dict[str, str] = {}
        for binding, value in _dotted(table):
            if binding not in BINDING_IDS:
                import difflib  # only when there is a mistake to suggest a fix for

                close = difflib.get_close_matches(binding, sorted(BINDING_IDS), n=1, cutoff=0.6)
                hint = f"did you mean '{close[0]}'? " if close else ""
                raise self.error(
                    f"is not a binding id ({hint}the ids are listed in the help screen, ?)",
                    "keys",
                    key=binding,
                )
            if not isinstance(value, str):
                raise self.error(
                    f'must be a string like "n" or "j,down", not {kind_of(value)}', "keys", key=binding
                )
            names = [part.strip() for part in value.split(",")]
            if not all(names) or len(value) > 200:
                reason = f'must be key names separated by commas, like "j,down", not {shown(value)}'
                raise self.error(reason, "keys", key=binding)
            for name in names:
                problem = check_key(name)
                if problem is not None:
                    raise self.error(f"names a key that does not exist: {problem}", "keys", key=binding)
            out[binding] = ",".join(names)
        clashes = key_clashes(out)
        if clashes:
            order = list(out)  # report on the binding written last: the one that made the clash
            binding, key, other = max(clashes, key=lambda c: order.index(c[0]))
            if other in RESERVED_KEYS.values():
                reason = f"binds {shown(key)}, which is {other}: the binding would never run"
            else:
                theirs = "as remapped" if other in out else "by default"
                reason = (
                    f"binds {shown(key)}, which '{other}' also uses {theirs}: one key, two actions "
                    f"(remap '{other}' too)"
                )
            raise self.error(reason, "keys", key=binding)
        return MappingProxyType(out)

    def topics(self, raw: Mapping[str, Any]) -> Mapping[str, str]:
        from reader.stories.topics import check_topic_name, check_topic_query

        table = raw.get("topics", {})
        if not isinstance(table, dict):
            raise self.error(f"must be a table ([topics]), not {kind_of(table)}", None, key="topics")
        out: dict[str, str] = {}
        for name, value in table.items():
            problem = check_topic_name(name)
            if problem:
                raise self.error(problem, "topics", key=name)
            if not isinstance(value, str):
                reason = f"must be a search query string like '\"export controls\" OR sanctions', not {kind_of(value)}"
                raise self.error(reason, "topics", key=name)
            problem = check_topic_query(value)
            if problem:
                raise self.error(problem, "topics", key=name)
            out[name] = value.strip()
        return MappingProxyType(out)

    def feeds(self, raw: Mapping[str, Any]) -> tuple[FeedConfig, ...]:
        entries = raw.get("feeds", [])
        if not isinstance(entries, list):
            raise self.error(
                f"must be an array of tables ([[feeds]]), not {kind_of(entries)}", None, key="feeds"
            )
        feeds: list[FeedConfig] = []
        seen: dict[str, int] = {}
        for index, entry in enumerate(entries):
            if not isinstance(entry, dict):
                raise self.error(f"must be a table with a url, not {kind_of(entry)}", "feeds", index)
            feed = self.feed(entry, index)
            if feed.url in seen:
                first = seen[feed.url]
                where = self.locator.line("feeds", first, "url")
                also = f" (first listed at line {where})" if where else f" (first listed as feed {first + 1})"
                raise self.error(
                    f"duplicates another feed's URL{also}: both mean {feed.url}", "feeds", index, "url"
                )
            seen[feed.url] = index
            feeds.append(feed)
        return tuple(feeds)

    def feed(self, entry: Mapping[str, Any], index: int) -> FeedConfig:
        for key in entry:
            if key not in _FEED_KEYS:
                raise self.error(_unknown(key, _FEED_KEYS), "feeds", index, key)
        if "url" not in entry:
            raise self.error("has no url", "feeds", index)

        def check(key: str, validator: Validator) -> Any:
            try:
                return validator(entry[key]) if key in entry else None
            except BadValue as exc:
                raise self.error(str(exc), "feeds", index, key) from None

        return FeedConfig(
            url=check("url", self.url),
            title=check("title", check_title),
            tags=check("tags", check_tags) or (),
            poll_interval=check("poll_interval", check_poll_interval),
            fulltext=check("fulltext", check_policy),
        )

    def url(self, value: object) -> str:
        if not isinstance(value, str):
            raise BadValue(f"must be a string, not {kind_of(value)}")
        try:
            return normalize_feed_url(value, self.base_dir)
        except ValueError as exc:
            raise BadValue(str(exc)) from None

    def load(self, source: Path | None) -> Config:
        raw = self.parse()
        for key in raw:
            if key not in _TOP_LEVEL:
                raise self.error(_unknown(key, _TOP_LEVEL), None, key=key)
        return Config(
            general=GeneralSettings(**self.section(raw, "general", _GENERAL)),
            fetch=FetchSettings(**self.section(raw, "fetch", _FETCH)),
            fulltext=FulltextSettings(**self.section(raw, "fulltext", _FULLTEXT)),
            stories=StoriesSettings(**self.section(raw, "stories", _STORIES)),
            keys=self.keys(raw),
            feeds=self.feeds(raw),
            source=source,
            topics=self.topics(raw),
            mute=self.mute(raw),
            sync=self.sync(raw, source),
            sites=self.sites(raw),
        )

    def sites(self, raw: Mapping[str, Any]) -> tuple[SiteRule, ...]:
        if "sites" not in raw:
            return ()
        try:
            return parse_sites(raw["sites"])
        except SiteValueError as exc:
            raise self.error(exc.reason, "sites" if exc.key else None, key=exc.key or "sites") from None

    def mute(self, raw: Mapping[str, Any]) -> tuple[MuteRule, ...]:
        from reader.stories.topics import check_topic_name, check_topic_query

        if "mute" not in raw:
            return ()

        def url(value: object) -> str:
            try:
                return self.url(value)
            except BadValue as exc:
                raise ValueError(str(exc)) from None

        try:
            return parse_mute(raw["mute"], check_topic_name, check_topic_query, url)
        except MuteValueError as exc:
            raise self.error(exc.reason, "mute" if exc.name else None, key=exc.name or "mute") from None

    def sync(self, raw: Mapping[str, Any], source: Path | None) -> SyncSettings | None:
        if "sync" not in raw:
            return None
        try:
            return parse_sync(raw["sync"], source)
        except SyncValueError as exc:
            raise self.error(exc.reason, "sync" if exc.key else None, key=exc.key or "sync") from None


def parse_config(text: str, *, source: Path | None = None, name: str | None = None) -> Config:
    """Parse config text. `source` names the file (and anchors relative feed paths); `name` overrides it."""
    label = name or (str(source) if source is not None else "<config>")
    base_dir = source.parent if source is not None else None
    return _Loader(text, label, base_dir).load(source)


def load_config(path: Path, *, must_exist: bool) -> Config:
    """Read `path`. Missing: the defaults (with the curated feeds), or an error when the user named the file."""
    label = str(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        if must_exist:
            raise ConfigError(label, None, "file not found") from None
        return default_config()
    except IsADirectoryError:
        raise ConfigError(label, None, "is a directory, not a file") from None
    except OSError as exc:
        raise ConfigError(label, None, f"cannot read the file: {exc.strerror or exc}") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ConfigError(label, None, "is not valid UTF-8 text", line) from None
    return parse_config(text, source=path)
