"""Tracked topics in the store: saved FTS5 queries, their unread counts, and new matches announced once."""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping

from reader.models import Topic
from reader.store.base import StoreBase
from reader.stories.topics import TopicMatches

_MATCH = "i.id IN (SELECT rowid FROM items_fts WHERE items_fts MATCH ?)"


class TopicQueries(StoreBase):
    """Topics; mixed into `Store`."""

    def sync_topics(self, topics: Mapping[str, str]) -> None:
        """Make the config's topics exist with their queries; forget config topics it no longer lists."""
        with self._write() as c:
            newest = c.execute("SELECT COALESCE(MAX(id), 0) FROM items").fetchone()[0]
            for name, query in topics.items():
                c.execute(
                    """INSERT INTO topics (name, query, origin, seen_id) VALUES (?, ?, 'config', ?)
                       ON CONFLICT (name) DO UPDATE SET query = excluded.query, origin = 'config',
                           seen_id = CASE WHEN query = excluded.query THEN seen_id ELSE excluded.seen_id END""",
                    (name, query, newest),
                )
            known = [r[0] for r in c.execute("SELECT name FROM topics WHERE origin = 'config'")]
            c.executemany("DELETE FROM topics WHERE name = ?", [(n,) for n in known if n not in topics])

    def save_topic(self, name: str, query: str) -> None:
        """Save a topic of the user's own (from the TUI's search); replaces one of the same name."""
        with self._write() as c:
            newest = c.execute("SELECT COALESCE(MAX(id), 0) FROM items").fetchone()[0]
            c.execute(
                "INSERT OR REPLACE INTO topics (name, query, origin, seen_id) VALUES (?, ?, 'user', ?)",
                (name, query, newest),
            )

    def delete_topic(self, name: str) -> bool:
        with self._write() as c:
            return bool(c.execute("DELETE FROM topics WHERE name = ?", (name,)).rowcount)

    def update_topic(self, name: str, new_name: str, query: str) -> bool:
        """Rename a topic and/or change its query (False when there is no such topic). A changed query
        starts announcing from the newest item (what it matched before is not news); a rename alone keeps
        what was already announced."""
        with self._write() as c:
            newest = c.execute("SELECT COALESCE(MAX(id), 0) FROM items").fetchone()[0]
            return bool(
                c.execute(
                    """UPDATE topics SET name = ?, query = ?,
                           seen_id = CASE WHEN query = ? THEN seen_id ELSE ? END
                       WHERE name = ?""",
                    (new_name, query, query, newest, name),
                ).rowcount
            )

    def topic(self, name: str) -> Topic | None:
        """A topic without its count."""
        rows = self._read("SELECT name, query, origin FROM topics WHERE name = ?", (name,))
        return Topic(name=rows[0][0], query=rows[0][1], origin=rows[0][2]) if rows else None

    def topic_query(self, name: str) -> str | None:
        rows = self._read("SELECT query FROM topics WHERE name = ?", (name,))
        return str(rows[0][0]) if rows else None

    def topics(self, *, with_counts: bool = True) -> list[Topic]:
        out: list[Topic] = []
        for name, query, origin in self._read("SELECT name, query, origin FROM topics ORDER BY name"):
            unread = 0
            if with_counts:
                unread = self._count_matches(query, "i.read = 0")
            out.append(Topic(name=name, query=query, origin=origin, unread_count=unread))
        return out

    def _count_matches(self, query: str, cond: str, params: tuple[int, ...] = ()) -> int:
        try:
            rows = self._conn.execute(
                f"SELECT COUNT(*) FROM items i WHERE {cond} AND {_MATCH}", (*params, query)
            ).fetchall()
        except sqlite3.OperationalError:
            return 0  # a query the index rejects matches nothing (configs are checked when loaded)
        return int(rows[0][0])

    def take_topic_matches(self, sample: int = 3) -> list[TopicMatches]:
        """Matches of each topic among items newer than those already announced; marks them announced."""
        out: list[TopicMatches] = []
        with self._write() as c:
            newest = c.execute("SELECT COALESCE(MAX(id), 0) FROM items").fetchone()[0]
            for name, query, seen in c.execute(
                "SELECT name, query, seen_id FROM topics ORDER BY name"
            ).fetchall():
                if seen >= newest:
                    continue
                try:
                    count = c.execute(
                        f"SELECT COUNT(*) FROM items i WHERE i.id > ? AND i.muted_by IS NULL AND {_MATCH}",
                        (seen, query),
                    ).fetchone()[0]
                    titles = [
                        r[0]
                        for r in c.execute(
                            f"SELECT i.title FROM items i WHERE i.id > ? AND i.muted_by IS NULL AND {_MATCH} "
                            "ORDER BY i.sort_date DESC, i.id DESC LIMIT ?",
                            (seen, query, sample),
                        )
                    ]
                except sqlite3.OperationalError:
                    count, titles = 0, []
                c.execute("UPDATE topics SET seen_id = ? WHERE name = ?", (newest, name))
                if count:
                    out.append(TopicMatches(name, int(count), tuple(titles)))
        return out
