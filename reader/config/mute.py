"""The `[mute]` table: rules that mark matching items read as they arrive (kept, never deleted).

    [mute]
    sponsored = 'title:(sponsored OR "partner content")'          # every feed
    deals = { query = 'title:deal*', tags = ["platforms"] }         # only feeds with one of these tags
    podcasts = { query = 'podcast', feeds = ["https://example.org/feed.xml"] }

A rule's query is a full-text search in the `[topics]` syntax (SQLite FTS5: quote phrases, AND, OR, NOT,
prefix*; `title:` limits it to titles). Rules apply to items stored after the rule first appears; items you
saved are never muted.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from reader.config.values import clean_tags
from reader.frozen import Frozen, value_type

MUTE_KEYS = ("query", "tags", "feeds")


class MuteValueError(Exception):
    """A bad [mute] rule: (rule name, reason); the loader adds the file and line."""

    def __init__(self, name: str, reason: str) -> None:
        super().__init__(reason)
        self.name = name
        self.reason = reason


@value_type
class MuteRule(Frozen):
    name: str
    query: str
    tags: tuple[str, ...] = ()  # only feeds with one of these tags (none: every feed)
    feeds: tuple[str, ...] = ()  # only these feeds (normalised URLs)

    @property
    def scope(self) -> str:
        """What the rule covers, as stored beside it (a changed scope starts the rule afresh)."""
        return "\n".join(["tags", *self.tags, "feeds", *self.feeds])


def parse_mute(
    table: object,
    check_name: Callable[[str], str | None],
    check_query: Callable[[str], str | None],
    check_url: Callable[[object], str],
) -> tuple[MuteRule, ...]:
    """Check a `[mute]` table; raise MuteValueError naming the rule and the reason."""
    if not isinstance(table, dict):
        raise MuteValueError("", "must be a table ([mute]) of name = search query")
    rules: list[MuteRule] = []
    for name, value in table.items():
        problem = check_name(name)
        if problem:
            raise MuteValueError(name, problem.replace("topic", "rule"))
        spec: Mapping[str, Any] = {"query": value} if isinstance(value, str) else value
        if not isinstance(spec, dict):
            raise MuteValueError(name, "must be a search query string, or a table with query, tags and feeds")
        for key in spec:
            if key not in MUTE_KEYS:
                raise MuteValueError(name, f"has an unknown key {key!r} (expected: {', '.join(MUTE_KEYS)})")
        query = spec.get("query")
        if not isinstance(query, str):
            raise MuteValueError(name, "needs query = \"...\" (a search such as 'title:sponsored')")
        problem = check_query(query)
        if problem:
            raise MuteValueError(name, problem)
        tags = clean_tags(_strings(name, "tags", spec.get("tags", [])))
        try:
            feeds = tuple(check_url(u) for u in _strings(name, "feeds", spec.get("feeds", [])))
        except ValueError as exc:
            raise MuteValueError(name, f"feeds: {exc}") from None
        rules.append(MuteRule(name=name, query=query.strip(), tags=tags, feeds=feeds))
    return tuple(rules)


def _strings(name: str, key: str, value: object) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise MuteValueError(name, f"{key} must be a list of non-empty strings")
    return tuple(v.strip() for v in value)
