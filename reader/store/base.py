"""The store's foundation: one SQLite connection per thread, WAL, busy timeout, migrations, write transactions.

Every write is a `BEGIN IMMEDIATE` transaction, so a process that reads and then writes never meets "database is
locked" while another process (the TUI, or `reader fetch` from cron) writes.
"""

from __future__ import annotations

import json
import math
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Self

from reader.errors import StorageError
from reader.models import Enclosure
from reader.store.schema import MIGRATIONS, OUR_TABLES, SCHEMA_VERSION

BUSY_TIMEOUT_MS = 15_000


def utcnow() -> datetime:
    return datetime.now(UTC)


def _ts(dt: datetime | None) -> str | None:
    if dt is None:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC).isoformat(timespec="seconds")


def _epoch_of(dt: datetime) -> int:
    """`dt` in epoch seconds, to the second as `_ts` writes it (naive: UTC)."""
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return math.floor(dt.timestamp())


def enclosures_json(enclosures: Sequence[Enclosure]) -> str | None:
    """An item's files as stored: JSON [[url, type, length], ...], or NULL for none."""
    if not enclosures:
        return None
    return json.dumps([[e.url, e.type, e.length] for e in enclosures], ensure_ascii=False)


def enclosures_from_json(value: str | None) -> tuple[Enclosure, ...]:
    """The stored files back (nothing for NULL, or for a value this reader did not write)."""
    if not value:
        return ()
    try:
        rows = json.loads(value)
        return tuple(
            Enclosure(
                str(url), kind if isinstance(kind, str) else None, size if isinstance(size, int) else None
            )
            for url, kind, size in rows
            if isinstance(url, str)
        )
    except (ValueError, TypeError):
        return ()


def _dt(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


class StoreBase:
    """One SQLite connection, opened and migrated; `_read` and `_write` for the query classes above it."""

    def __init__(self, conn: sqlite3.Connection, path: Path) -> None:
        self._conn = conn
        self.path = path

    # ---------------------------------------------------------------- opening

    @classmethod
    def open(cls, path: Path | str) -> Self:
        """Open (creating if needed) the database at `path` and bring its schema up to date."""
        path = Path(path)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StorageError(f"cannot create the data directory {path.parent}: {exc.strerror}") from exc
        try:
            conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
        except sqlite3.Error as exc:
            raise StorageError(f"cannot open the database {path}: {exc}") from exc
        store = cls(conn, path)
        try:
            store._setup()
        except StorageError:
            conn.close()
            raise
        except sqlite3.Error as exc:
            conn.close()
            raise StorageError(f"cannot use the database {path}: {_describe(exc)}") from exc
        return store

    def _setup(self) -> None:
        c = self._conn
        c.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        mode = c.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if str(mode).lower() != "wal":
            raise StorageError(f"cannot use the database {self.path}: WAL mode unavailable ({mode})")
        c.execute("PRAGMA foreign_keys = ON")
        c.execute("PRAGMA synchronous = NORMAL")
        version = c.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise StorageError(
                f"the database {self.path} was made by a newer version of reader "
                f"(schema {version}, this version knows {SCHEMA_VERSION})"
            )
        if version == 0:
            tables = {r[0] for r in c.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            foreign = tables - OUR_TABLES - {t for t in tables if t.startswith(("items_fts_", "sqlite_"))}
            if foreign:
                raise StorageError(
                    f"the database {self.path} belongs to another program (it has tables "
                    f"{', '.join(sorted(foreign)[:3])}); choose another --data-dir"
                )
        while version < SCHEMA_VERSION:
            with self._write():
                # Re-read inside the lock: another process may have migrated meanwhile.
                version = c.execute("PRAGMA user_version").fetchone()[0]
                if version >= SCHEMA_VERSION:
                    break
                for statement in _split_sql(MIGRATIONS[version]):
                    c.execute(statement)
                c.execute(f"PRAGMA user_version = {version + 1}")
            version += 1

    def close(self) -> None:
        try:
            self._conn.close()
        except sqlite3.Error:
            pass

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction, taken with BEGIN IMMEDIATE so read-then-write never deadlocks."""
        c = self._conn
        try:
            c.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            raise StorageError(f"cannot write to {self.path}: {_describe(exc)}") from exc
        try:
            yield c
            self._before_commit(c)
        except BaseException:
            try:
                c.execute("ROLLBACK")
            except sqlite3.Error:
                pass
            self._after_rollback()
            raise
        try:
            c.execute("COMMIT")
        except sqlite3.Error as exc:
            self._after_rollback()
            raise StorageError(f"cannot write to {self.path}: {_describe(exc)}") from exc

    def _before_commit(self, c: sqlite3.Connection) -> None:
        """What a mixin finishes at the end of every write transaction (the stories' rows); must not raise."""

    def _article_stored(self, c: sqlite3.Connection, item_id: int, text: str) -> None:
        """An item's full text was just extracted (inside the transaction storing it); must not raise."""

    def _after_rollback(self) -> None:
        """A write transaction did not commit: a mixin forgets what it keeps in memory about it."""

    def _read(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        try:
            return self._conn.execute(sql, params).fetchall()
        except sqlite3.Error as exc:
            raise StorageError(f"cannot read {self.path}: {_describe(exc)}") from exc

    def _titles(self, item_ids: Sequence[int]) -> dict[int, str]:
        """The titles of these items (the lead headlines of a page of stories), by item id."""
        if not item_ids:
            return {}
        marks = ",".join("?" * len(item_ids))
        return dict(self._read(f"SELECT id, title FROM items WHERE id IN ({marks})", item_ids))


def _split_sql(script: str) -> list[str]:
    # sqlite3.complete_statement tells where a statement ends (semicolons inside strings are fine).
    out: list[str] = []
    buf = ""
    for line in script.splitlines(keepends=True):
        if line.strip().startswith("--"):
            continue
        buf += line
        if sqlite3.complete_statement(buf):
            out.append(buf.strip())
            buf = ""
    if buf.strip():
        out.append(buf.strip())
    return out


def _describe(exc: sqlite3.Error) -> str:
    msg = str(exc)
    if "file is not a database" in msg:
        return "the file is not a SQLite database (corrupt, or another program's file)"
    if "locked" in msg or "busy" in msg:
        return "the database is busy in another process; try again"
    if "readonly" in msg or "unable to open" in msg:
        return f"{msg} (is the data directory writable?)"
    return msg
