"""`reader sync`, the sync before `reader fetch`, and telling the server about `add` / `import` / `remove`.

Every failure is one short line on stderr naming the server and the reason (never the password), followed by
how many changes are kept for the next sync; `reader sync` then exits 1. Nothing local is lost.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, TextIO

from reader.errors import LockedError, ReaderError, SyncError

if TYPE_CHECKING:  # the parser imports this module: keep it light
    from reader.cli.context import Context
    from reader.models import Feed
    from reader.services import ReaderServices
    from reader.store.feeds import Store

SYNC_HELP = """Sync with the Google Reader API server named in [sync] (FreshRSS, Miniflux, Inoreader, ...):
send the changes made here (read, unread, saved, subscriptions), then bring the server's subscriptions, new
items and read/starred state. A change made here and not yet sent wins over the server's state. Exits 1 with
one line saying why when the server cannot be reached or refuses the login; your changes are kept."""

_warned: set[str] = set()


def add_sync_parser(sub: Any) -> None:
    s = sub.add_parser("sync", help="sync with the [sync] server (push, then pull)", description=SYNC_HELP)
    s.add_argument("--push-only", action="store_true", help="only send the changes made here")
    s.add_argument(
        "--full",
        action="store_true",
        help="list every item id the server has (done by itself on the first sync and once a day)",
    )
    s.add_argument("--quiet", "-q", action="store_true", help="print nothing unless something fails")
    s.add_argument(
        "--lock-timeout",
        type=float,
        default=120.0,
        metavar="SECONDS",
        help="how long to wait for a running fetch or sync to finish (default 120)",
    )


def _warn(warnings: Sequence[str], err: TextIO) -> None:
    for warning in warnings:
        if warning not in _warned:  # once per run
            _warned.add(warning)
            print(f"reader: warning: {warning}", file=err)


def _failed(exc: SyncError, store: Store) -> None:
    """One line: what failed and why, and how many changes wait for the next sync."""
    kept = ""
    try:
        pending = store.pending_changes()
    except ReaderError:
        pending = 0
    if pending:
        kept = (
            f" {pending} change{'s are' if pending != 1 else ' is'} kept and will be sent at the next sync."
        )
    print(f"reader: {str(exc).rstrip('.')}.{kept}", file=sys.stderr)


def cmd_sync(args: argparse.Namespace, ctx: Context) -> int:
    """The `sync` command: 0 when it worked, 1 with one line when it failed, 2 without a [sync] table."""
    services, store = ctx.services, ctx.store
    settings = services.config.sync
    if settings is None:
        where = services.config.source or services.locations.config_path
        print(
            f"reader: no [sync] table in {where}: add one with kind, url and user to sync with a server",
            file=sys.stderr,
        )
        return 2
    with services.fetch_lock() as lock:
        lock.acquire(timeout=args.lock_timeout)
        try:
            report = services.sync(store, push_only=args.push_only, full=args.full)
        except SyncError as exc:
            _failed(exc, store)
            return 1
    _warn(report.warnings, sys.stderr)
    if not args.quiet:
        print(report.summary())
    return 0


def sync_before_fetch(services: ReaderServices, store: Store, quiet: bool) -> bool:
    """`reader fetch` with [sync]: sync first (the fetch lock is held). A failure is reported and the fetch of
    the local feeds goes on. Returns whether the sync worked."""
    try:
        report = services.sync(store)
    except SyncError as exc:
        _failed(exc, store)
        return False
    _warn(report.warnings, sys.stderr)
    if not quiet:
        print(report.summary())
    return True


def subscribe_on_server(services: ReaderServices, store: Store, feeds: Sequence[Feed]) -> None:
    """After `add` / `import`: queue subscribing on the server, then try to send it now."""
    for feed in feeds:
        if feed.url.startswith(("http://", "https://")):
            store.queue_subscribe(feed.url, feed.title, feed.tags[0] if feed.tags else None)
    send_now(services, store)


def send_now(services: ReaderServices, store: Store) -> None:
    """Push the outbox now, if no fetch or sync is running; when that fails the changes wait in the outbox."""
    settings = services.config.sync
    if settings is None or not store.pending_changes():
        return
    lock = services.fetch_lock()
    try:
        lock.acquire(timeout=5)
    except LockedError:
        print(f"A fetch is running; {settings.host} will be told at the next sync.")
        return
    try:
        report = services.sync(store, push_only=True)
    except SyncError as exc:
        _failed(exc, store)
        return
    finally:
        lock.release()
    _warn(report.warnings, sys.stderr)
    if report.sent:
        print(f"Sent to {settings.host}.")
