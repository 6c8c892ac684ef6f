"""The `[sites]` table: the user's reader-mode rules for sites whose pages the automatic choice gets wrong.

    [sites]
    "lawfaremedia.org" = "div.post-body"                                  # the article's element(s)
    "example.com" = { content = "article .story", remove = ".related, .newsletter" }

A key is a host; its rule covers the host's subdomains too (the most specific host wins). `content` is a
CSS selector of the element(s) holding the article, in page order; `remove` one of elements dropped from the
page first; a plain string is `content`. See `reader/extract/site_rules.py` for how a rule is applied.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from reader.models import SiteRule

SITE_KEYS = ("content", "remove")
_HOST = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*")


class SiteValueError(Exception):
    """A bad [sites] rule: (host key, reason); the loader adds the file and line."""

    def __init__(self, key: str, reason: str) -> None:
        super().__init__(reason)
        self.key = key
        self.reason = reason


def check_host(key: str) -> str | None:
    """None when `key` names a host; else why not."""
    if "://" in key or "/" in key:
        return "must be a host name such as example.com, not a web address"
    host = key.strip().lower().rstrip(".")
    if not host or len(host) > 253 or not _HOST.fullmatch(host):
        return "must be a host name such as example.com (letters, digits, dots and hyphens)"
    return None


def parse_sites(table: object) -> tuple[SiteRule, ...]:
    """Check a `[sites]` table; raise SiteValueError naming the host key and the reason."""
    from reader.extract.site_rules import check_selector

    if not isinstance(table, dict):
        raise SiteValueError("", 'must be a table ([sites]) of host = "CSS selector"')
    rules: dict[str, SiteRule] = {}
    for key, value in table.items():
        problem = check_host(key)
        if problem:
            raise SiteValueError(key, problem)
        host = key.strip().lower().rstrip(".")
        if host in rules:
            raise SiteValueError(key, f"names the same host as the rule for {rules[host].host!r}")
        spec: Mapping[str, Any] = {"content": value} if isinstance(value, str) else value
        if not isinstance(spec, dict):
            raise SiteValueError(
                key, 'must be a CSS selector string, or a table such as { content = "...", remove = "..." }'
            )
        unknown = [k for k in spec if k not in SITE_KEYS]
        if unknown:
            raise SiteValueError(key, f"has an unknown key {unknown[0]!r} (expected content and/or remove)")
        if not spec:
            raise SiteValueError(key, "needs content and/or remove (CSS selectors)")
        selectors: dict[str, str] = {}
        for name in SITE_KEYS:
            if name not in spec:
                continue
            selector = spec[name]
            if not isinstance(selector, str):
                raise SiteValueError(key, f"{name} must be a CSS selector string")
            problem = check_selector(selector)
            if problem:
                raise SiteValueError(key, f"{name} {problem}")
            selectors[name] = selector.strip()
        rules[host] = SiteRule(host=host, content=selectors.get("content"), remove=selectors.get("remove"))
    return tuple(rules.values())
