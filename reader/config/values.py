"""Value parsers and clean-ups shared by the config file, the CLI and OPML: durations, URLs, titles, tags.

A validator takes a raw value and returns the checked one, or raises `BadValue` with the reason; the caller
adds where the value came from (the config loader: file, key and line; the CLI: the flag).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from datetime import date, datetime, time
from pathlib import Path
from typing import Any, cast
from urllib.parse import urlsplit, urlunsplit

from reader import USER_AGENT
from reader.config.keys import THEMES
from reader.errors import ConfigError
from reader.models import FULLTEXT_POLICIES, FulltextPolicy
from reader.patterns import lazy_pattern
from reader.textsafe import clean_text

MIN_POLL_INTERVAL = 60  # politeness floor: nobody needs a feed more often than once a minute
MAX_POLL_INTERVAL = 30 * 86400
MAX_DURATION = 365 * 86400
TITLE_LIMIT = 300
TAG_LIMIT = 64
MAX_TAGS = 32
URL_LIMIT = 2048


class BadValue(Exception):
    """A value failed validation; the caller adds the file, key and line (or the flag)."""


# --- titles and tags (also used by OPML import/export) ---------------------------------------------------


# XML 1.0 cannot carry these even escaped; clean_text leaves them, so strip them here for OPML's sake.
_not_xml = lazy_pattern("[\ud800-\udfff\ufffe\uffff]")


def clean_title(value: str | None) -> str | None:
    """A feed title as one safe line of at most TITLE_LIMIT characters; None when nothing is left."""
    text = clean_text(_not_xml().sub("", value or ""), limit=TITLE_LIMIT)
    return text or None


def clean_tag(value: str) -> str:
    """A tag as one safe line; commas and edge slashes go, since OPML's `category` uses them as separators."""
    text = _not_xml().sub("", value[: TAG_LIMIT * 4]).replace(",", " ")
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


# --- feed URLs ---------------------------------------------------------------------------------------------


_windows_drive = lazy_pattern(r"^[A-Za-z]:[\\/]")


_bad_url_chars = lazy_pattern(r"[\x00-\x20\x7f-\x9f]")


_DEFAULT_PORTS = {"http": 80, "https": 443}


def canonical_http_url(url: str) -> str:
    """One spelling per feed: scheme and host lower-cased, the default port and the fragment dropped, an
    empty path written "/". The path and query are kept as written (servers may treat their case as
    meaningful). Raises ValueError when the URL cannot be split (e.g. a bad port)."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    host = parts.hostname or ""
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    port = parts.port  # ValueError on a bad port
    netloc = host if port is None or port == _DEFAULT_PORTS.get(scheme) else f"{host}:{port}"
    userinfo = parts.netloc.rpartition("@")[0] if "@" in parts.netloc else ""
    if userinfo:
        netloc = f"{userinfo}@{netloc}"
    return urlunsplit((scheme, netloc, parts.path or "/", parts.query, ""))


def normalize_feed_url(value: str, base_dir: Path | None = None) -> str:
    """Check a feed location and return its canonical string; raise ValueError with the reason.

    http(s) URLs get one canonical spelling (`canonical_http_url`), so the same feed written two ways is
    one feed. `file://` URLs must name a path. Local paths (absolute, `~`, or starting with `.`) become
    absolute `file://` URLs, relative ones resolved against `base_dir` (the config file's folder), so the
    same entry means the same file whatever the working directory.
    """
    url = value.strip()
    if not url:
        raise ValueError("is empty")
    if len(url) > URL_LIMIT:
        raise ValueError(f"is longer than {URL_LIMIT} characters")
    if url.startswith(("/", "~", ".")) or _windows_drive().match(url):
        path = Path(os.path.expanduser(url))
        if not path.is_absolute():
            path = (base_dir or Path.cwd()) / path
        return Path(os.path.abspath(path)).as_uri()
    if _bad_url_chars().search(url):
        raise ValueError("contains spaces or control characters")
    try:
        parts = urlsplit(url)
        _ = parts.port  # a bad port raises here
    except ValueError as exc:
        raise ValueError(f"is not a valid URL: {clean_text(url, limit=80)!r} ({exc})") from None
    scheme = parts.scheme.lower()
    if scheme in ("http", "https"):
        if not parts.hostname:
            raise ValueError(f"has no host name: {clean_text(url, limit=80)!r}")
        return canonical_http_url(url)
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


_duration = lazy_pattern(r"(?:[0-9]{1,9}\s*[smhdw]\s*)+|[0-9]{1,12}")


_duration_part = lazy_pattern(r"([0-9]+)\s*([smhdw])")


def kind_of(value: object) -> str:
    """A TOML value's kind in words, for messages."""
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


def shown(value: object) -> str:
    """A value quoted safely for a one-line message."""
    return clean_text(repr(value), limit=60)


def duration_seconds(value: object) -> int:
    """A duration ("90s", "15m", "2h", "1d", "1h30m", or an int of seconds) as whole seconds; BadValue."""
    expected = 'a duration like "90s", "15m", "2h", "1d" or a number of seconds'
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise BadValue(f"must be {expected}, not {kind_of(value)}")
    if isinstance(value, int):
        seconds = value
    else:
        text = value.strip().lower()
        if len(text) > 64 or not _duration().fullmatch(text):
            raise BadValue(f"must be {expected}, not {shown(value)}")
        if text.isdigit():
            seconds = int(text)
        else:
            seconds = sum(int(n) * _UNITS[u] for n, u in _duration_part().findall(text))
    if seconds < 0:
        raise BadValue(f"must not be negative (got {seconds})")
    if seconds > MAX_DURATION:
        raise BadValue(f"must be at most {MAX_DURATION // 86400} days")
    return seconds


def parse_duration(value: object, key: str, *, path: str = "<config>") -> int:
    """A duration ("90s", "15m", "2h", "1d", "1h30m", or an int of seconds) as whole seconds."""
    try:
        return duration_seconds(value)
    except BadValue as exc:
        raise ConfigError(path, key, str(exc)) from None


def format_duration(seconds: int) -> str:
    """The shortest exact spelling of a duration in one unit ("90s", "15m", "2h", "1d")."""
    for unit, size in (("w", 604800), ("d", 86400), ("h", 3600), ("m", 60)):
        if seconds and seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


# --- validators: value -> checked value, raising BadValue ---------------------------------------------------

Validator = Callable[[Any], Any]


def check_bool(value: object) -> bool:
    if not isinstance(value, bool):
        raise BadValue(f"must be true or false, not {kind_of(value)}")
    return value


def int_between(lo: int, hi: int) -> Validator:
    def check(value: object) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise BadValue(f"must be an integer, not {kind_of(value)}")
        if not lo <= value <= hi:
            raise BadValue(f"must be between {lo} and {hi} (got {value})")
        return value

    return check


def duration_between(lo: int, hi: int, *, allow_off: bool = False) -> Validator:
    def check(value: object) -> int | None:
        if allow_off and (value is False or (isinstance(value, str) and value.strip().lower() == "off")):
            return None
        seconds = duration_seconds(value)
        if not lo <= seconds <= hi:
            raise BadValue(
                f"must be between {format_duration(lo)} and {format_duration(hi)} (got {shown(value)})"
            )
        return seconds

    return check


def check_policy(value: object) -> FulltextPolicy:
    if not isinstance(value, str):
        raise BadValue(f"must be a string, not {kind_of(value)}")
    if value not in FULLTEXT_POLICIES:
        choices = ", ".join(f'"{p}"' for p in FULLTEXT_POLICIES)
        raise BadValue(f"must be one of {choices}, not {shown(value)}")
    return cast(FulltextPolicy, value)


def check_theme(value: object) -> str:
    if not isinstance(value, str):
        raise BadValue(f"must be a string, not {kind_of(value)}")
    if value not in THEMES:
        import difflib

        close = difflib.get_close_matches(value, THEMES, n=1, cutoff=0.6)
        hint = f"did you mean {close[0]!r}?" if close else "one of: " + ", ".join(THEMES)
        raise BadValue(f"is not a theme: {shown(value)} ({hint})")
    return value


def check_user_agent(value: object) -> str:
    if not isinstance(value, str):
        raise BadValue(f"must be a string, not {kind_of(value)}")
    if not value.strip():
        return USER_AGENT
    # It goes into an HTTP header: printable ASCII only, or we would send a broken (or injected) header.
    if len(value) > 512 or not re.fullmatch(r"[\x20-\x7e]+", value):
        raise BadValue("must be printable ASCII of at most 512 characters")
    return value.strip()


def check_command(value: object) -> tuple[str, ...]:
    """A command to run, as a list of arguments (or one string, split as a shell would; never run by a shell)."""
    if isinstance(value, str):
        import shlex  # (only for a command given as one string; its import compiles a slow pattern)

        try:
            parts = shlex.split(value)
        except ValueError as exc:
            raise BadValue(f"cannot be split into arguments ({exc})") from None
    elif isinstance(value, list) and all(isinstance(v, str) for v in value):
        parts = list(value)
    else:
        raise BadValue(f'must be a command, like ["notify-send", "reader"], not {kind_of(value)}')
    if not parts or not parts[0].strip():
        return ()  # "" turns it off
    if any("\x00" in p for p in parts):
        raise BadValue("must not contain NUL characters")
    return tuple(parts)


def check_title(value: object) -> str | None:
    if not isinstance(value, str):
        raise BadValue(f"must be a string, not {kind_of(value)}")
    return clean_title(value)


def check_tags(value: object) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(tag, str) for tag in value):
        raise BadValue('must be an array of strings, like ["privacy", "eu"]')
    if len(value) > MAX_TAGS:
        raise BadValue(f"must hold at most {MAX_TAGS} tags")
    for tag in value:
        if not clean_tag(tag):
            raise BadValue(f"holds an empty tag: {shown(tag)}")
    return clean_tags(value)


# A feed's own poll interval: the same limits whether it comes from the config, `reader add` or OPML.
check_poll_interval: Validator = duration_between(MIN_POLL_INTERVAL, MAX_POLL_INTERVAL)
