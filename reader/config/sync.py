"""The `[sync]` table: which Google Reader API server to sync with, as whom, and where the password comes from.

    [sync]
    kind = "greader"                               # the only kind so far
    url = "https://host/api/greader.php"           # the API endpoint
    user = "me"
    password_command = "pass show reader/freshrss" # first line of its output; or
    # password = "..."                             # (then the file should be readable by you alone)
    # READER_SYNC_PASSWORD in the environment works too
    timeout = "30s"                                # the longest any one request may take
    # ca_file = "~/freshrss-ca.pem"                # trust this certificate (a self-signed server), besides
                                                   # the system's; relative to the config file

The password is only looked up when a sync runs (`SyncSettings.resolve_password`), never printed, and kept
out of every repr. Plain http is refused except to loopback addresses.
"""

from __future__ import annotations

import ipaddress
import os
import re
import stat
import subprocess
from collections.abc import Mapping
from dataclasses import field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from reader.errors import SyncError
from reader.frozen import Frozen, value_type

PASSWORD_ENV = "READER_SYNC_PASSWORD"
KINDS = ("greader",)
SYNC_KEYS = ("kind", "url", "user", "password", "password_command", "timeout", "ca_file")
PASSWORD_COMMAND_TIMEOUT = 60.0


class SyncValueError(Exception):
    """A bad [sync] value: (key, reason); the loader adds the file and line."""

    def __init__(self, key: str | None, reason: str) -> None:
        super().__init__(reason)
        self.key = key
        self.reason = reason


@value_type
class SyncSettings(Frozen):
    kind: str
    url: str  # the API endpoint, without a trailing slash
    user: str
    password_command: str | None = field(default=None, repr=False)
    password: str | None = field(default=None, repr=False)
    timeout: float = 30.0
    ca_file: str | None = (
        None  # a PEM file of certificates to trust besides the system's (self-signed servers)
    )
    warning: str | None = None  # said once when a sync runs, e.g. a password in a file others can read

    @property
    def host(self) -> str:
        """What messages name the server by: host[:port] (never the user or password)."""
        parts = urlsplit(self.url)
        return parts.netloc.rpartition("@")[2] or self.url

    @property
    def account(self) -> str:
        """Which account server ids belong to: the endpoint and the user."""
        return f"{self.kind} {self.url} {self.user}"

    def resolve_password(self, env: Mapping[str, str] | None = None) -> str:
        """The password: `password_command`'s first line, else $READER_SYNC_PASSWORD, else `password`."""
        env = os.environ if env is None else env
        if self.password_command:
            return _run_password_command(self.password_command)
        value = env.get(PASSWORD_ENV)
        if value:
            return value
        if self.password:
            return self.password
        raise SyncError(
            f"no password for the sync server {self.host}: set password_command in [sync] or "
            f"{PASSWORD_ENV} in the environment"
        )


def _run_password_command(command: str) -> str:
    try:
        proc = subprocess.run(
            command,
            shell=True,
            capture_output=True,
            text=True,
            timeout=PASSWORD_COMMAND_TIMEOUT,
            stdin=subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired:
        raise SyncError(
            f"[sync] password_command did not finish within {PASSWORD_COMMAND_TIMEOUT:g} s"
        ) from None
    except OSError as exc:
        raise SyncError(f"[sync] password_command could not run: {exc.strerror or exc}") from None
    # Its output is the secret: never quote it, not even in an error.
    if proc.returncode != 0:
        raise SyncError(f"[sync] password_command failed (exit status {proc.returncode})")
    line = proc.stdout.split("\n", 1)[0].rstrip("\r")
    if not line:
        raise SyncError("[sync] password_command printed nothing")
    return line


def _is_loopback(host: str) -> bool:
    if host.lower() in ("localhost", "localhost.") or host.lower().endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _string(table: Mapping[str, Any], key: str, *, required: bool = False) -> str | None:
    if key not in table:
        if required:
            raise SyncValueError(None, f'needs {key} = "..."')
        return None
    value = table[key]
    if not isinstance(value, str):
        raise SyncValueError(key, "must be a string")
    return value


def _url(value: str) -> str:
    url = value.strip()
    if not url or re.search(r"[\x00-\x20\x7f-\x9f]", url) or len(url) > 2048:
        raise SyncValueError("url", 'must be the API endpoint, like "https://host/api/greader.php"')
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise SyncValueError("url", "is not a valid URL") from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname:
        raise SyncValueError("url", 'must be an http(s) URL, like "https://host/api/greader.php"')
    if "@" in parts.netloc:
        raise SyncValueError("url", "must not hold a user or password (use user and password_command)")
    if parts.query or parts.fragment:
        raise SyncValueError("url", "must not have a query or fragment: give the API endpoint itself")
    if scheme == "http" and not _is_loopback(parts.hostname):
        raise SyncValueError(
            "url",
            "uses plain http, which would send the password in the clear: use https "
            "(plain http is allowed only to this machine, e.g. 127.0.0.1)",
        )
    del port
    return url.rstrip("/")


def parse_sync(table: object, source: Path | None) -> SyncSettings:
    """Check a `[sync]` table; raise SyncValueError naming the key and the reason (never a secret's value)."""
    if not isinstance(table, dict):
        raise SyncValueError(None, "must be a table ([sync])")
    for key in table:
        if key not in SYNC_KEYS:
            raise SyncValueError(key, "is unknown (expected one of: " + ", ".join(SYNC_KEYS) + ")")
    kind = _string(table, "kind") or "greader"
    if kind not in KINDS:
        raise SyncValueError("kind", 'must be "greader" (the Google Reader API)')
    url = _url(_string(table, "url", required=True) or "")
    user = _string(table, "user", required=True) or ""
    if not user.strip() or len(user) > 256 or re.search(r"[\x00-\x1f\x7f-\x9f]", user):
        raise SyncValueError("user", "must be a user name on one line")
    password = _string(table, "password")
    command = _string(table, "password_command")
    if password is not None and command is not None:
        raise SyncValueError("password", "give either password or password_command, not both")
    if command is not None and not command.strip():
        raise SyncValueError("password_command", "is empty")
    if password is not None and "\n" in password:
        raise SyncValueError("password", "must be on one line")
    timeout = table.get("timeout", 30)
    if isinstance(timeout, str):
        from reader.config.values import parse_duration

        try:
            timeout = parse_duration(timeout, "sync.timeout")
        except Exception:
            raise SyncValueError("timeout", 'must be a duration like "30s"') from None
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or not 0.1 <= timeout <= 600:
        raise SyncValueError("timeout", 'must be a duration between 0.1 s and 10 minutes, like "30s"')
    ca_file = _ca_file(_string(table, "ca_file"), source, url)
    warning = None
    if password and source is not None:
        try:
            mode = source.stat().st_mode
        except OSError:
            mode = 0
        if mode & (stat.S_IRGRP | stat.S_IROTH):
            warning = (
                f"{source} holds the sync password and others can read it: run `chmod 600 {source}`, "
                f"or use password_command or {PASSWORD_ENV}"
            )
    return SyncSettings(
        kind=kind,
        url=url,
        user=user.strip(),
        password_command=command,
        password=password,
        timeout=float(timeout),
        ca_file=ca_file,
        warning=warning,
    )


def _ca_file(value: str | None, source: Path | None, url: str) -> str | None:
    if value is None:
        return None
    if not url.lower().startswith("https://"):
        raise SyncValueError("ca_file", "only applies to an https url")
    path = Path(value).expanduser()
    if not path.is_absolute() and source is not None:
        path = source.parent / path
    if not path.is_file():
        raise SyncValueError(
            "ca_file", f"{path} is not a file (a PEM certificate the server uses, or its CA)"
        )
    return str(path)
