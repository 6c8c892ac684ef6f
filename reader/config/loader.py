"""The TOML config file → frozen settings; a bad key or value is a ConfigError naming the file, key and line."""

from __future__ import annotations

import difflib
import os
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time
from pathlib import Path
from types import MappingProxyType
from typing import Any, cast
from urllib.parse import urlsplit

from reader import USER_AGENT
from reader.config.default_feeds import DEFAULT_FEEDS
from reader.config.sync import SyncSettings, SyncValueError, parse_sync
from reader.errors import ConfigError
from reader.fetch.settings import ClientSettings
from reader.models import FULLTEXT_POLICIES, FeedConfig, FulltextPolicy
from reader.textsafe import clean_text

MIN_POLL_INTERVAL = 60  # politeness floor: nobody needs a feed more often than once a minute
MAX_DURATION = 365 * 86400
TITLE_LIMIT = 300
TAG_LIMIT = 64
MAX_TAGS = 32
URL_LIMIT = 2048
MiB = 1024 * 1024


@dataclass(frozen=True)
class GeneralSettings:
    poll_interval: int = 1800  # seconds; the default for feeds without their own
    refresh_on_start: bool = True
    auto_refresh: int | None = 900  # seconds between TUI re-polls; None = off
    mark_read_on_open: bool = True
    theme: str = "textual-dark"
    retention_days: int = 0  # 0 = keep forever


_CLIENT = ClientSettings()  # the defaults live with the HTTP client's settings, declared once


@dataclass(frozen=True)
class FetchSettings:
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
    sync: SyncSettings | None = None  # [sync]: a Google Reader API server; None: local only

    def poll_interval_for(self, feed: FeedConfig) -> int:
        return feed.poll_interval if feed.poll_interval is not None else self.general.poll_interval

    def fulltext_for(self, feed: FeedConfig) -> FulltextPolicy:
        return feed.fulltext if feed.fulltext is not None else self.fulltext.policy


def default_config() -> Config:
    """What the reader uses when there is no config file: default settings and the curated feeds."""
    return Config(feeds=DEFAULT_FEEDS)


# --- shared value clean-up (also used by OPML import/export) -------------------------------------------

# XML 1.0 cannot carry these even escaped; clean_text leaves them, so strip them here for OPML's sake.
_NOT_XML = re.compile("[\ud800-\udfff\ufffe\uffff]")


def clean_title(value: str | None) -> str | None:
    """A feed title as one safe line of at most TITLE_LIMIT characters; None when nothing is left."""
    text = clean_text(_NOT_XML.sub("", value or ""), limit=TITLE_LIMIT)
    return text or None


def clean_tag(value: str) -> str:
    """A tag as one safe line; commas and edge slashes go, since OPML's `category` uses them as separators."""
    text = _NOT_XML.sub("", value[: TAG_LIMIT * 4]).replace(",", " ")
    text = clean_text(text, limit=TAG_LIMIT).strip("/ ")
    return clean_text(text)


def clean_tags(values: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """Clean, drop empties and duplicates (first wins), and cap the count."""
    out: list[str] = []
    for value in values:
        tag = clean_tag(value)
        if tag and tag not in out:
            out.append(tag)
    return tuple(out[:MAX_TAGS])


_WINDOWS_DRIVE = re.compile(r"^[A-Za-z]:[\\/]")
_BAD_URL_CHARS = re.compile(r"[\x00-\x20\x7f-\x9f]")


def normalize_feed_url(value: str, base_dir: Path | None = None) -> str:
    """Check a feed location and return its canonical string; raise ValueError with the reason.

    http(s) URLs are kept as written (stripped). `file://` URLs must name a path. Local paths (absolute,
    `~`, or starting with `.`) become absolute `file://` URLs, relative ones resolved against `base_dir`
    (the config file's folder), so the same entry means the same file whatever the working directory.
    """
    url = value.strip()
    if not url:
        raise ValueError("is empty")
    if len(url) > URL_LIMIT:
        raise ValueError(f"is longer than {URL_LIMIT} characters")
    if url.startswith(("/", "~", ".")) or _WINDOWS_DRIVE.match(url):
        path = Path(os.path.expanduser(url))
        if not path.is_absolute():
            path = (base_dir or Path.cwd()) / path
        return Path(os.path.abspath(path)).as_uri()
    if _BAD_URL_CHARS.search(url):
        raise ValueError("contains spaces or control characters")
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme in ("http", "https"):
        if not parts.hostname:
            raise ValueError(f"has no host name: {url!r}")
        return url
    if scheme == "file":
        if not parts.path or parts.path == "/":
            raise ValueError(f"names no file: {url!r}")
        return url
    if not scheme:
        raise ValueError(
            f"is not a URL: {clean_text(url, limit=80)!r} (add https:// or, for a file, ./ or /)"
        )
    raise ValueError(f"has an unsupported scheme {scheme!r} (use http, https or file)")


# --- durations ---------------------------------------------------------------------------------------------

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_DURATION = re.compile(r"(?:[0-9]{1,9}\s*[smhdw]\s*)+|[0-9]{1,12}")
_DURATION_PART = re.compile(r"([0-9]+)\s*([smhdw])")


class _Bad(Exception):
    """A value failed validation; the loader adds the file, key and line."""


def _kind(value: object) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a float"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, datetime | date | time):
        return "a date/time"
    return type(value).__name__


def _show(value: object) -> str:
    return clean_text(repr(value), limit=60)


def _duration_seconds(value: object) -> int:
    expected = 'a duration like "90s", "15m", "2h", "1d" or a number of seconds'
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise _Bad(f"must be {expected}, not {_kind(value)}")
    if isinstance(value, int):
        seconds = value
    else:
        text = value.strip().lower()
        if len(text) > 64 or not _DURATION.fullmatch(text):
            raise _Bad(f"must be {expected}, not {_show(value)}")
        if text.isdigit():
            seconds = int(text)
        else:
            seconds = sum(int(n) * _UNITS[u] for n, u in _DURATION_PART.findall(text))
    if seconds < 0:
        raise _Bad(f"must not be negative (got {seconds})")
    if seconds > MAX_DURATION:
        raise _Bad(f"must be at most {MAX_DURATION // 86400} days")
    return seconds


def parse_duration(value: object, key: str, *, path: str = "<config>") -> int:
    """A duration ("90s", "15m", "2h", "1d", "1h30m", or an int of seconds) as whole seconds."""
    try:
        return _duration_seconds(value)
    except _Bad as exc:
        raise ConfigError(path, key, str(exc)) from None


def format_duration(seconds: int) -> str:
    """The shortest exact spelling of a duration in one unit ("90s", "15m", "2h", "1d")."""
    for unit, size in (("w", 604800), ("d", 86400), ("h", 3600), ("m", 60)):
        if seconds and seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


# --- validators: value -> checked value, raising _Bad ------------------------------------------------------

Validator = Callable[[Any], Any]


def _bool(value: object) -> bool:
    if not isinstance(value, bool):
        raise _Bad(f"must be true or false, not {_kind(value)}")
    return value


def _int(lo: int, hi: int) -> Validator:
    def check(value: object) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise _Bad(f"must be an integer, not {_kind(value)}")
        if not lo <= value <= hi:
            raise _Bad(f"must be between {lo} and {hi} (got {value})")
        return value

    return check


def _duration(lo: int, hi: int, *, allow_off: bool = False) -> Validator:
    def check(value: object) -> int | None:
        if allow_off and (value is False or (isinstance(value, str) and value.strip().lower() == "off")):
            return None
        seconds = _duration_seconds(value)
        if not lo <= seconds <= hi:
            raise _Bad(
                f"must be between {format_duration(lo)} and {format_duration(hi)} (got {_show(value)})"
            )
        return seconds

    return check


def _policy(value: object) -> FulltextPolicy:
    if not isinstance(value, str):
        raise _Bad(f"must be a string, not {_kind(value)}")
    if value not in FULLTEXT_POLICIES:
        choices = ", ".join(f'"{p}"' for p in FULLTEXT_POLICIES)
        raise _Bad(f"must be one of {choices}, not {_show(value)}")
    return cast(FulltextPolicy, value)


def _theme(value: object) -> str:
    if not isinstance(value, str):
        raise _Bad(f"must be a string, not {_kind(value)}")
    if not re.fullmatch(r"[A-Za-z0-9_.-]{1,64}", value):
        raise _Bad(f'must be a theme name like "textual-dark", not {_show(value)}')
    return value


def _user_agent(value: object) -> str:
    if not isinstance(value, str):
        raise _Bad(f"must be a string, not {_kind(value)}")
    if not value.strip():
        return USER_AGENT
    # It goes into an HTTP header: printable ASCII only, or we would send a broken (or injected) header.
    if len(value) > 512 or not re.fullmatch(r"[\x20-\x7e]+", value):
        raise _Bad("must be printable ASCII of at most 512 characters")
    return value.strip()


_GENERAL: dict[str, Validator] = {
    "poll_interval": _duration(MIN_POLL_INTERVAL, 30 * 86400),
    "refresh_on_start": _bool,
    "auto_refresh": _duration(MIN_POLL_INTERVAL, 86400, allow_off=True),
    "mark_read_on_open": _bool,
    "theme": _theme,
    "retention_days": _int(0, 36500),
}
_FETCH: dict[str, Validator] = {
    "max_connections": _int(1, 256),
    "per_host": _int(1, 16),
    "connect_timeout": _duration(1, 300),
    "read_timeout": _duration(1, 600),
    "deadline": _duration(1, 3600),
    "max_body_mb": _int(1, 1024),
    "user_agent": _user_agent,
}
_FULLTEXT: dict[str, Validator] = {
    "policy": _policy,
    "first_poll_items": _int(0, 1000),
    "concurrency": _int(1, 32),
}
_FEED_KEYS = ("url", "title", "tags", "poll_interval", "fulltext")


def _title(value: object) -> str | None:
    if not isinstance(value, str):
        raise _Bad(f"must be a string, not {_kind(value)}")
    return clean_title(value)


def _tags(value: object) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(tag, str) for tag in value):
        raise _Bad('must be an array of strings, like ["privacy", "eu"]')
    if len(value) > MAX_TAGS:
        raise _Bad(f"must hold at most {MAX_TAGS} tags")
    for tag in value:
        if not clean_tag(tag):
            raise _Bad(f"holds an empty tag: {_show(tag)}")
    return clean_tags(value)


_FEED_INTERVAL = _duration(MIN_POLL_INTERVAL, 30 * 86400)
SECTIONS: dict[str, tuple[str, ...]] = {
    "general": tuple(_GENERAL),
    "fetch": tuple(_FETCH),
    "fulltext": tuple(_FULLTEXT),
    "feeds": _FEED_KEYS,
}
_TOP_LEVEL = ("general", "fetch", "fulltext", "keys", "feeds", "sync")
_BINDING_ID = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]{0,63}")
_KEY_NAME = re.compile(r"[^\s,\x00-\x1f\x7f-\x9f]{1,32}")


def _unknown(key: str, allowed: tuple[str, ...]) -> str:
    close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
    hint = f"did you mean '{close[0]}'?" if close else "expected one of: " + ", ".join(allowed)
    return f"is unknown ({hint})"


# --- locating keys in the text, for line numbers ---------------------------------------------------------

_HEADER = re.compile(r"^\s*\[(\[)?\s*([^\[\]#]+?)\s*\]")
_KEY_LINE = re.compile(r"""^\s*(?:"([^"]*)"|'([^']*)'|([A-Za-z0-9_-]+))\s*=""")


class _Locator:
    """Best-effort map from (table, array index, key) to a line number, by scanning the text."""

    def __init__(self, text: str) -> None:
        self._entries: list[tuple[int, str | None, int | None, str | None]] = []
        counters: dict[str, int] = {}
        table: str | None = None
        index: int | None = None
        for number, line in enumerate(text.split("\n"), start=1):
            header = _HEADER.match(line)
            if header:
                table = ".".join(part.strip().strip("\"'") for part in header.group(2).split("."))
                index = None
                if header.group(1):
                    index = counters[table] = counters.get(table, -1) + 1
                self._entries.append((number, table, index, None))
                continue
            key = _KEY_LINE.match(line)
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
            raise self.error(f"must be a table ([{name}]), not {_kind(table)}", None, key=name)
        values: dict[str, Any] = {}
        for key, value in table.items():
            if key not in spec:
                raise self.error(_unknown(key, tuple(spec)), name, key=key)
            try:
                values[key] = spec[key](value)
            except _Bad as exc:
                raise self.error(str(exc), name, key=key) from None
        return values

    def keys(self, raw: Mapping[str, Any]) -> Mapping[str, str]:
        table = raw.get("keys", {})
        if not isinstance(table, dict):
            raise self.error(f"must be a table ([keys]), not {_kind(table)}", None, key="keys")
        out: dict[str, str] = {}
        for binding, value in table.items():
            if not _BINDING_ID.fullmatch(binding):
                raise self.error("is not a binding id (letters, digits, _ . -)", "keys", key=binding)
            if not isinstance(value, str):
                raise self.error(
                    f'must be a string like "n" or "j,down", not {_kind(value)}', "keys", key=binding
                )
            names = [part.strip() for part in value.split(",")]
            if not all(_KEY_NAME.fullmatch(name) for name in names):
                reason = f'must be key names separated by commas, like "j,down", not {_show(value)}'
                raise self.error(reason, "keys", key=binding)
            out[binding] = ",".join(names)
        return MappingProxyType(out)

    def feeds(self, raw: Mapping[str, Any]) -> tuple[FeedConfig, ...]:
        entries = raw.get("feeds", [])
        if not isinstance(entries, list):
            raise self.error(
                f"must be an array of tables ([[feeds]]), not {_kind(entries)}", None, key="feeds"
            )
        feeds: list[FeedConfig] = []
        seen: dict[str, int] = {}
        for index, entry in enumerate(entries):
            if not isinstance(entry, dict):
                raise self.error(f"must be a table with a url, not {_kind(entry)}", "feeds", index)
            feed = self.feed(entry, index)
            if feed.url in seen:
                first = seen[feed.url]
                where = self.locator.line("feeds", first, "url")
                also = f" (first listed at line {where})" if where else f" (first listed as feed {first + 1})"
                raise self.error(f"duplicates another feed's URL{also}", "feeds", index, "url")
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
            except _Bad as exc:
                raise self.error(str(exc), "feeds", index, key) from None

        return FeedConfig(
            url=check("url", self.url),
            title=check("title", _title),
            tags=check("tags", _tags) or (),
            poll_interval=check("poll_interval", _FEED_INTERVAL),
            fulltext=check("fulltext", _policy),
        )

    def url(self, value: object) -> str:
        if not isinstance(value, str):
            raise _Bad(f"must be a string, not {_kind(value)}")
        try:
            return normalize_feed_url(value, self.base_dir)
        except ValueError as exc:
            raise _Bad(str(exc)) from None

    def load(self, source: Path | None) -> Config:
        raw = self.parse()
        for key in raw:
            if key not in _TOP_LEVEL:
                raise self.error(_unknown(key, _TOP_LEVEL), None, key=key)
        return Config(
            general=GeneralSettings(**self.section(raw, "general", _GENERAL)),
            fetch=FetchSettings(**self.section(raw, "fetch", _FETCH)),
            fulltext=FulltextSettings(**self.section(raw, "fulltext", _FULLTEXT)),
            keys=self.keys(raw),
            feeds=self.feeds(raw),
            source=source,
            sync=self.sync(raw, source),
        )

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
