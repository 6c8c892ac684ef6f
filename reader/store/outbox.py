"""The outbox: local changes waiting for the sync server, queued in the same transaction as the change.

Marks (read, saved, "mark view read") on items that have a server id append here (`queue_marks`,
`queue_view_read`, called by the item queries), so nothing a person does waits for the network or is lost when
it is down. One pending row per item and field: a newer mark replaces an older one. Only items that came from
(or were matched with) the server have server ids, so without sync nothing is ever queued. Item rows keep the
server id, not the local row, so a change to an item deleted here before the next sync still reaches the server.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from typing import Any

from reader.frozen import Frozen, value_type
from reader.models import View, ViewKind
from reader.store.base import StoreBase, _ts, utcnow

READ = "read"
STARRED = "starred"
READING_LIST = "user/-/state/com.google/reading-list"
LABEL_PREFIX = "user/-/label/"
_CHUNK = 500  # ids per IN (...) query


@value_type
class OutboxEntry(Frozen):
    id: int
    kind: str  # item | mark-all | subscribe | unsubscribe | edit
    server_id: int | None = None
    field: str | None = None  # item: read | starred; edit: the folder the feed leaves (its old first tag)
    value: bool = False
    stream: str | None = None
    ts: int | None = None
    via: int | None = None
    url: str | None = None
    title: str | None = None
    label: str | None = None


# ---------------------------------------------------------------------- queueing (inside a mark's transaction)


def chunks(values: Sequence[Any], size: int = _CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _server_ids(c: sqlite3.Connection, item_ids: Sequence[int]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for chunk in chunks(list(item_ids)):
        marks = ",".join("?" * len(chunk))
        out.extend(
            c.execute(
                f"SELECT id, server_id FROM items WHERE id IN ({marks}) AND server_id IS NOT NULL",
                list(chunk),
            ).fetchall()
        )
    return out


def queue_items(
    c: sqlite3.Connection, server_ids: Sequence[int], field: str, value: bool, via: int | None = None
) -> None:
    now = _ts(utcnow())
    c.executemany(
        "DELETE FROM sync_outbox WHERE server_id = ? AND field = ? AND kind = 'item'",
        [(sid, field) for sid in server_ids],
    )
    c.executemany(
        "INSERT INTO sync_outbox (kind, server_id, field, value, via, created) VALUES ('item', ?, ?, ?, ?, ?)",
        [(sid, field, int(value), via, now) for sid in server_ids],
    )


def queue_marks(c: sqlite3.Connection, item_ids: Sequence[int], field: str, value: bool) -> None:
    """Queue read/unread (`field` "read") or star/unstar ("starred") for the items that have server ids."""
    if not item_ids:
        return
    sids = [sid for _, sid in _server_ids(c, item_ids)]
    if sids:
        queue_items(c, sids, field, value)


def _view_stream(c: sqlite3.Connection, view: View) -> str | None:
    """The server stream a "mark view read" covers exactly, or None (then items are sent one by one)."""
    if view.search or view.saved_only:
        return None
    if view.kind in (ViewKind.ALL, ViewKind.UNREAD):
        return READING_LIST
    if view.kind is ViewKind.FEED and view.feed_id is not None:
        row = c.execute("SELECT server_id FROM feeds WHERE id = ?", (view.feed_id,)).fetchone()
        return str(row[0]) if row and row[0] else None
    if view.kind is ViewKind.TAG and view.tag:
        return LABEL_PREFIX + view.tag
    return None


def queue_view_read(c: sqlite3.Connection, view: View, item_ids: Sequence[int]) -> None:
    """Queue a "mark view read": one `mark-all-as-read` for the view's stream with `ts` = the newest item id
    marked (so items the server got later stay unread), plus a pending row per item (so a pull never flips
    them back before it is sent). Without a matching stream, the items are queued one by one."""
    if not item_ids:
        return
    sids = [sid for _, sid in _server_ids(c, item_ids)]
    if not sids:
        return
    stream = _view_stream(c, view)
    newest = to_unsigned(max(sids, key=to_unsigned))
    via = None
    if stream is not None and _is_usec_time(newest):
        via = c.execute(
            "INSERT INTO sync_outbox (kind, stream, ts, created) VALUES ('mark-all', ?, ?, ?)",
            (stream, newest, _ts(utcnow())),
        ).lastrowid
    queue_items(c, sids, READ, True, via)


def _is_usec_time(item_id: int) -> bool:
    """Whether a server's ids are its crawl times in microseconds (FreshRSS), so that `ts` = the newest id
    seen marks exactly what was seen. Other servers (small or opaque ids) get the items one by one."""
    now_us = int(utcnow().timestamp() * 1_000_000)
    return 1_100_000_000 * 1_000_000 < item_id <= now_us + 86_400 * 1_000_000


def to_unsigned(server_id: int) -> int:
    return server_id + 2**64 if server_id < 0 else server_id


def to_signed(value: int) -> int:
    return value - 2**64 if value >= 2**63 else value


# ---------------------------------------------------------------------- the store methods


class OutboxQueries(StoreBase):
    """The outbox and the sync state (which account the server ids belong to)."""

    # ------------------------------------------------------------ state and account

    def sync_value(self, key: str) -> str | None:
        rows = self._read("SELECT value FROM sync_state WHERE key = ?", (key,))
        return str(rows[0][0]) if rows else None

    def set_sync_values(self, **values: str | None) -> None:
        with self._write() as c:
            for key, value in values.items():
                if value is None:
                    c.execute("DELETE FROM sync_state WHERE key = ?", (key,))
                else:
                    c.execute("INSERT OR REPLACE INTO sync_state (key, value) VALUES (?, ?)", (key, value))

    def bind_sync_account(self, account: str) -> bool:
        """Tie the server ids to `account` (endpoint + user). When the archive was synced with another account,
        its server ids and outbox mean nothing there: forget them (items and their state stay). Returns whether
        that happened."""
        with self._write() as c:
            row = c.execute("SELECT value FROM sync_state WHERE key = 'account'").fetchone()
            if row is not None and row[0] == account:
                return False
            reset = row is not None
            if reset:
                c.execute("UPDATE feeds SET server_id = NULL WHERE server_id IS NOT NULL")
                c.execute("UPDATE items SET server_id = NULL WHERE server_id IS NOT NULL")
                c.execute("DELETE FROM sync_outbox")
                c.execute("DELETE FROM sync_forgotten")
            c.execute("INSERT OR REPLACE INTO sync_state (key, value) VALUES ('account', ?)", (account,))
            return reset

    # ------------------------------------------------------------ the outbox

    def pending_changes(self) -> int:
        """Changes waiting for the server, as a person counts them (a "mark view read" is one)."""
        return int(self._read("SELECT COUNT(*) FROM sync_outbox WHERE via IS NULL")[0][0])

    def outbox(self) -> list[OutboxEntry]:
        rows = self._read(
            "SELECT id, kind, server_id, field, value, stream, ts, via, url, title, label "
            "FROM sync_outbox ORDER BY id"
        )
        return [
            OutboxEntry(
                id=r[0],
                kind=r[1],
                server_id=r[2],
                field=r[3],
                value=bool(r[4]),
                stream=r[5],
                ts=r[6],
                via=r[7],
                url=r[8],
                title=r[9],
                label=r[10],
            )
            for r in rows
        ]

    def drop_outbox(self, ids: Sequence[int], *, with_via: bool = False) -> None:
        """Forget sent rows (and, for a mark-all, the item rows it covered)."""
        with self._write() as c:
            for chunk in chunks(list(ids)):
                marks = ",".join("?" * len(chunk))
                c.execute(f"DELETE FROM sync_outbox WHERE id IN ({marks})", list(chunk))
                if with_via:
                    c.execute(f"DELETE FROM sync_outbox WHERE via IN ({marks})", list(chunk))

    def detach_via(self, mark_all_id: int) -> None:
        """A mark-all the server refused: drop it, and send its items one by one instead."""
        with self._write() as c:
            c.execute("UPDATE sync_outbox SET via = NULL WHERE via = ?", (mark_all_id,))
            c.execute("DELETE FROM sync_outbox WHERE id = ?", (mark_all_id,))

    def via_count(self, mark_all_id: int) -> int:
        return int(self._read("SELECT COUNT(*) FROM sync_outbox WHERE via = ?", (mark_all_id,))[0][0])

    def queue_subscribe(self, url: str, title: str | None, label: str | None) -> None:
        """Queue subscribing to `url` on the server (nothing when the server already carries it)."""
        with self._write() as c:
            row = c.execute("SELECT server_id FROM feeds WHERE url = ?", (url,)).fetchone()
            if row is not None and row[0]:
                return
            c.execute(
                "DELETE FROM sync_outbox WHERE kind IN ('subscribe', 'unsubscribe') AND url = ?", (url,)
            )
            c.execute(
                "INSERT INTO sync_outbox (kind, url, title, label, created) VALUES ('subscribe', ?, ?, ?, ?)",
                (url, title, label, _ts(utcnow())),
            )

    def queue_edit(self, feed_id: int, title: str | None, label: str | None, old_label: str | None) -> bool:
        """Queue a rename (`title`) and/or a move to folder `label` (None with `old_label`: out of its folder;
        both None: the folder is unchanged) of a feed the server carries; a subscribe still waiting for it is
        updated instead. Returns whether anything will be sent."""
        with self._write() as c:
            row = c.execute("SELECT url, server_id FROM feeds WHERE id = ?", (feed_id,)).fetchone()
            if row is None:
                return False
            url, stream = row
            if not stream:
                moved = label is not None or old_label is not None
                return (
                    c.execute(
                        "UPDATE sync_outbox SET title = COALESCE(?, title), "
                        "label = CASE WHEN ? THEN ? ELSE label END WHERE kind = 'subscribe' AND url = ?",
                        (title, moved, label, url),
                    ).rowcount
                    > 0
                )
            waiting = c.execute(
                "SELECT title, label, field FROM sync_outbox WHERE kind = 'edit' AND stream = ?", (stream,)
            ).fetchone()
            if waiting is not None:  # one edit per feed: what this one does not change, the waiting one keeps
                title = title if title is not None else waiting[0]
                if label is None and old_label is None:
                    label = waiting[1]
                old_label = waiting[2]  # the folder the server still has it in
                c.execute("DELETE FROM sync_outbox WHERE kind = 'edit' AND stream = ?", (stream,))
            c.execute(
                "INSERT INTO sync_outbox (kind, stream, url, title, label, field, created) "
                "VALUES ('edit', ?, ?, ?, ?, ?, ?)",
                (stream, url, title, label, old_label, _ts(utcnow())),
            )
            return True

    def link_feed_to_server(self, url: str, server_id: str) -> None:
        """The server carries the feed at `url` as `server_id` (it may list it under another address)."""
        with self._write() as c:
            if c.execute("SELECT 1 FROM feeds WHERE server_id = ?", (server_id,)).fetchone() is None:
                c.execute(
                    "UPDATE feeds SET server_id = ? WHERE url = ? AND server_id IS NULL", (server_id, url)
                )

    def feed_server_id(self, feed_id: int) -> str | None:
        rows = self._read("SELECT server_id FROM feeds WHERE id = ?", (feed_id,))
        return str(rows[0][0]) if rows and rows[0][0] else None

    def queue_unsubscribe(self, url: str, server_id: str | None = None) -> bool:
        """Queue unsubscribing from `url` on the server (its feed `server_id`, read from the feed's row unless
        given: the row may be gone once removed); a subscribe still waiting is simply cancelled.
        Returns whether anything will be sent."""
        with self._write() as c:
            c.execute("DELETE FROM sync_outbox WHERE kind = 'subscribe' AND url = ?", (url,))
            row = (
                (server_id,)
                if server_id
                else c.execute("SELECT server_id FROM feeds WHERE url = ?", (url,)).fetchone()
            )
            if row is None or not row[0]:
                return False
            c.execute(
                "INSERT INTO sync_outbox (kind, stream, url, created) VALUES ('unsubscribe', ?, ?, ?)",
                (row[0], url, _ts(utcnow())),
            )
            c.execute("UPDATE feeds SET server_id = NULL WHERE url = ?", (url,))
            return True
