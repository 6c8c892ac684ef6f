"""[mute] rules in the store: which rules exist, and marking their new matches read as they arrive.

A rule checks items newer than those it already checked (`seen_id`): a new or changed rule starts at the newest
item, so it never reaches back into the archive. A matched item is marked read (queued for the sync server like
any mark) and remembers the rule in `items.muted_by`; saved items are never muted. Nothing is deleted.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

from reader.config.mute import MuteRule
from reader.store.base import StoreBase, _ts, utcnow
from reader.store.outbox import queue_marks

_MATCH = "i.id IN (SELECT rowid FROM items_fts WHERE items_fts MATCH ?)"


class MuteQueries(StoreBase):
    """Mute rules; mixed into `Store`."""

    def sync_mutes(self, rules: Sequence[MuteRule]) -> None:
        """Make the config's rules exist; a new rule, or one whose query or scope changed, starts at the newest
        item; rules no longer listed are forgotten (the items they muted stay as they are)."""
        with self._write() as c:
            newest = c.execute("SELECT COALESCE(MAX(id), 0) FROM items").fetchone()[0]
            for rule in rules:
                c.execute(
                    """INSERT INTO mutes (name, query, scope, seen_id) VALUES (?, ?, ?, ?)
                       ON CONFLICT (name) DO UPDATE SET query = excluded.query, scope = excluded.scope,
                           seen_id = CASE WHEN query = excluded.query AND scope = excluded.scope
                                          THEN seen_id ELSE excluded.seen_id END""",
                    (rule.name, rule.query, rule.scope, newest),
                )
            names = {rule.name for rule in rules}
            gone = [r[0] for r in c.execute("SELECT name FROM mutes") if r[0] not in names]
            c.executemany("DELETE FROM mutes WHERE name = ?", [(n,) for n in gone])

    def apply_mutes(self, rules: Sequence[MuteRule]) -> dict[str, int]:
        """Mark read the unread, unsaved items each rule matches among those it has not checked yet; returns
        rule name -> items muted now (rules that muted nothing are left out)."""
        out: dict[str, int] = {}
        if not rules:
            return out
        with self._write() as c:
            newest = c.execute("SELECT COALESCE(MAX(id), 0) FROM items").fetchone()[0]
            seen = dict(c.execute("SELECT name, seen_id FROM mutes").fetchall())
            now = _ts(utcnow())
            for rule in rules:
                since = seen.get(rule.name)
                if since is None or since >= newest:
                    continue
                where, params = _scope(rule)
                try:
                    ids = [
                        r[0]
                        for r in c.execute(
                            f"SELECT i.id FROM items i WHERE i.id > ? AND i.read = 0 AND i.saved = 0 "
                            f"AND {_MATCH}{where}",
                            (since, rule.query, *params),
                        )
                    ]
                except sqlite3.OperationalError:
                    ids = []  # a query the index rejects matches nothing (configs are checked when loaded)
                for start in range(0, len(ids), 500):
                    chunk = ids[start : start + 500]
                    marks = ",".join("?" * len(chunk))
                    c.execute(
                        f"UPDATE items SET read = 1, read_at = ?, muted_by = ? WHERE id IN ({marks})",
                        (now, rule.name, *chunk),
                    )
                queue_marks(c, ids, "read", True)
                c.execute("UPDATE mutes SET seen_id = ? WHERE name = ?", (newest, rule.name))
                if ids:
                    out[rule.name] = len(ids)
        return out


def _scope(rule: MuteRule) -> tuple[str, list[str]]:
    """The SQL limiting a rule to its tags and feeds (either, when both are given)."""
    parts: list[str] = []
    params: list[str] = []
    if rule.tags:
        parts.append(
            f"i.feed_id IN (SELECT feed_id FROM feed_tags WHERE tag IN ({','.join('?' * len(rule.tags))}))"
        )
        params.extend(rule.tags)
    if rule.feeds:
        marks = ",".join("?" * len(rule.feeds))
        parts.append(f"i.feed_id IN (SELECT id FROM feeds WHERE url IN ({marks}) OR source_url IN ({marks}))")
        params.extend([*rule.feeds, *rule.feeds])
    return (" AND (" + " OR ".join(parts) + ")" if parts else ""), params
