"""Tracked topics: saved full-text searches (SQLite FTS5 query syntax) checked once, then run by the store."""

from __future__ import annotations

import sqlite3
from typing import Protocol

from reader.frozen import Frozen, value_type
from reader.textsafe import clean_text

NAME_LIMIT = 64
QUERY_LIMIT = 1000


@value_type
class TopicMatches(Frozen):
    """A topic's matches that arrived since it was last announced."""

    name: str
    count: int
    titles: tuple[str, ...]  # a few of the newest


class TopicStore(Protocol):
    def take_topic_matches(self) -> list[TopicMatches]: ...


def check_topic_name(name: str) -> str | None:
    """Why `name` cannot name a topic, or None."""
    if not name.strip():
        return "a topic needs a name"
    if len(name) > NAME_LIMIT:
        return f"a topic name may be at most {NAME_LIMIT} characters"
    if clean_text(name) != name:
        return "a topic name may not contain control characters"
    return None


def check_topic_query(query: str) -> str | None:
    """Why `query` is not a usable full-text query (FTS5 syntax), or None. Checked against an empty index."""
    if not query.strip():
        return 'is empty: write a search such as \'"export controls" OR "entity list"\''
    if len(query) > QUERY_LIMIT:
        return f"is longer than {QUERY_LIMIT} characters"
    conn = sqlite3.connect(":memory:")
    try:
        conn.execute("CREATE VIRTUAL TABLE t USING fts5(title, body)")
        conn.execute("SELECT rowid FROM t WHERE t MATCH ?", (query,)).fetchall()
    except sqlite3.Error as exc:
        return f"is not a valid search ({exc}); quote phrases and use AND, OR, NOT"
    finally:
        conn.close()
    return None


def new_topic_matches(store: TopicStore) -> list[TopicMatches]:
    """Each topic's matches since the last announcement (each match is announced once)."""
    return store.take_topic_matches()
