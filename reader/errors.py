"""The exception hierarchy: every error the core raises on purpose is a ReaderError."""

from __future__ import annotations


class ReaderError(Exception):
    """Base class: a message meant for the user, never a traceback."""


class ConfigError(ReaderError):
    """A config file is unreadable or holds a bad key or value."""

    def __init__(self, path: str, key: str | None, reason: str, line: int | None = None) -> None:
        self.path = path
        self.key = key
        self.reason = reason
        self.line = line
        where = path if line is None else f"{path}:{line}"
        what = f" key '{key}'" if key else ""
        super().__init__(f"config error in {where}:{what} {reason}".replace(":  ", ": "))


class FetchError(ReaderError):
    """A feed or page could not be retrieved."""


class TLSSetupError(FetchError):
    """The CA certificates to verify servers with could not be loaded (a bad SSL_CERT_FILE or SSL_CERT_DIR)."""


class ImageError(ReaderError):
    """An image was fetched but cannot be shown here (not an image, an SVG, corrupt, too many pixels)."""


class ParseError(ReaderError):
    """A document could not be parsed into anything usable."""


class ExtractError(ReaderError):
    """A page could not be turned into an article."""


class StorageError(ReaderError):
    """The database could not be opened, read or written."""


class LockedError(StorageError):
    """Another process holds the fetch lock past the timeout."""


class FeedInputError(ReaderError):
    """What the user gave for a feed (address, title, tags, interval, policy) is not acceptable, or its
    address does not lead to a feed (`field` "source"; `overridable` when only a server said so)."""

    def __init__(self, message: str, *, field: str = "", reason: str = "", overridable: bool = False) -> None:
        super().__init__(message)
        self.field = field
        self.reason = reason or message
        self.overridable = overridable


class TopicInputError(ReaderError):
    """A tracked topic's name or query is not acceptable, or the topic cannot be changed from here (the
    config file's `[topics]` defines it)."""


class SyncError(ReaderError):
    """A sync with the server failed (unreachable, refused, or an answer we cannot use); nothing local is lost."""


class SyncAuthError(SyncError):
    """The server refused the login (wrong user or password)."""


class SiteRuleError(ReaderError):
    """A site rule given in the TUI is not acceptable (a bad host or selector), or the config file's
    `[sites]` holds the host's rule (edited there, not here)."""
