"""Parsed styles kept between launches, as Python keeps compiled modules.

Textual parses every stylesheet (its own widgets' defaults, ours) on every start, tokenising each rule and
the theme's ~150 variables: about as long as the rest of our first paint's work. `CachedStylesheet` keeps
the rules parsed before the first paint in one file in the cache directory, keyed by everything the parse
depends on: the CSS text, where it was read from, its kind and scope, and the theme's variables. The file
starts with the Python version and the installed Textual's identity: rules pickled by another Textual are
never unpickled, nor is a file (or folder) that another user could have written. A missing, stale or unreadable file only means parsing as Textual always does; the file is
rewritten after the first paint, and at exit, when something was parsed afresh.

(Textual is pinned: this overrides `Stylesheet._parse_rules` and follows its `reparse`.)
"""

from __future__ import annotations

import hashlib
import os
import pickle
import sys
import time
from pathlib import Path
from typing import Any

import textual
from textual.css.model import RuleSet
from textual.css.stylesheet import Stylesheet
from textual.css.types import CSSLocation

_Key = tuple[str, str]

STYLE_CACHE_NAME = "styles.pickle"  # in the cache directory


def _installed() -> bytes:
    """This Python and this installation of Textual (a reinstall, of any version, changes it)."""
    package = Path(textual.__file__).parent
    stamps = [(p.stat().st_mtime_ns, p.stat().st_size) for p in (package / "__init__.py", package / "css")]
    return f"reader styles 1; python {sys.version!r}; textual {str(package)!r} {stamps}".encode()


def _forget_stale(path: Path) -> None:
    """Half-written copies left by launches killed while saving (older than a minute: not being written)."""
    now = time.time()
    for stale in path.parent.glob(f".{path.name}.*"):
        try:
            if now - stale.stat().st_mtime > 60:
                stale.unlink()
        except OSError:
            continue


def _ours(path: Path) -> bool:
    """Owned by this user and writable by no one else."""
    st = path.stat()
    return st.st_uid == os.getuid() and not st.st_mode & 0o022


class CachedStylesheet(Stylesheet):
    """Textual's stylesheet, reading parsed rules from `path` before parsing them itself."""

    def __init__(self, path: Path | None, *, variables: dict[str, str] | None = None) -> None:
        super().__init__(variables=variables)
        self._path = path
        self._stored: dict[_Key, list[RuleSet]] = self._load()
        self._fresh: dict[_Key, list[RuleSet]] = {}  # parsed in this run
        self._used: set[_Key] = set()  # read from the file in this run
        self._variables_digest: str | None = None

    def set_variables(self, variables: dict[str, str]) -> None:
        super().set_variables(variables)
        self._variables_digest = None

    def _parse_rules(
        self,
        css: str,
        read_from: CSSLocation,
        is_default_rules: bool = False,
        tie_breaker: int = 0,
        scope: str = "",
    ) -> list[RuleSet]:
        key = self._key(css, read_from, is_default_rules, tie_breaker, scope)
        rules = self._stored.get(key)
        if rules is not None:
            self._used.add(key)
            return rules
        rules = self._fresh.get(key)
        if rules is None:
            rules = super()._parse_rules(css, read_from, is_default_rules, tie_breaker, scope)
            if not any(rule.errors for rule in rules):  # (errors are reported each time, never kept)
                self._fresh[key] = rules
        return rules

    def reparse(self) -> None:
        """Textual's `reparse` (a theme change, a screen's own CSS), through this cache: the same steps, in
        a fresh stylesheet that shares what this one has read and parsed."""
        fresh = CachedStylesheet(None, variables=self._variables)
        fresh._stored, fresh._fresh, fresh._used = self._stored, self._fresh, self._used
        for read_from, (css, is_defaults, tie_breaker, scope) in self.source.items():
            fresh.add_source(
                css, read_from=read_from, is_default_css=is_defaults, tie_breaker=tie_breaker, scope=scope
            )
        try:
            fresh.parse()
        except Exception:
            self._invalid_css.update(fresh._invalid_css)
            raise
        self._rules = fresh.rules
        self._rules_map = None
        self.source = fresh.source
        self._require_parse = False

    def save(self) -> None:
        """Write what was parsed afresh, with what was read and used, for the next launch (rules of CSS
        that changed since are dropped)."""
        if self._path is None or not self._fresh:
            return
        kept = {key: self._stored[key] for key in self._used} | self._fresh
        tmp = self._path.with_name(f".{self._path.name}.{os.getpid()}")
        try:
            self._path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            data = _installed() + b"\n" + pickle.dumps(kept, protocol=pickle.HIGHEST_PROTOCOL)
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)  # ours only, whatever the umask
            with open(fd, "wb") as out:
                out.write(data)
            os.replace(tmp, self._path)
        except (OSError, pickle.PicklingError, TypeError, AttributeError):
            tmp.unlink(missing_ok=True)  # only a cache: the next launch parses again
            return
        self._stored, self._fresh, self._used = kept, {}, set(kept)
        _forget_stale(self._path)

    def _key(self, css: str, read_from: CSSLocation, defaults: bool, tie_breaker: int, scope: str) -> _Key:
        if self._variables_digest is None:
            text = "\n".join(f"{name}={value}" for name, value in sorted(self._variables.items()))
            self._variables_digest = hashlib.blake2b(text.encode(), digest_size=16).hexdigest()
        where = repr((read_from, defaults, tie_breaker, scope))
        digest = hashlib.blake2b(f"{where}\n{css}".encode(), digest_size=16).hexdigest()
        return (digest, self._variables_digest)

    def _load(self) -> dict[_Key, list[RuleSet]]:
        if self._path is None:
            return {}
        try:
            if not _ours(self._path) or not _ours(self._path.parent):
                return {}  # unpickling runs code: only a file that no other user could have written
            header, _, body = self._path.read_bytes().partition(b"\n")
            if header != _installed():
                return {}
            data: Any = pickle.loads(body)
        except Exception:  # missing, unreadable, truncated: parse as usual
            return {}
        return data if isinstance(data, dict) else {}
