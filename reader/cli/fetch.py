"""`reader fetch`: poll due feeds under the fetch lock, with a progress line on a terminal and a summary."""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from collections.abc import Sequence
from typing import TextIO

from reader.cli.context import Context
from reader.errors import ReaderError, StorageError
from reader.models import Feed
from reader.services import FetchSummary
from reader.store.feeds import Store


class ProgressLine:
    """A one-line progress bar on a terminal; plain lines otherwise; nothing when quiet."""

    def __init__(self, stream: TextIO, quiet: bool) -> None:
        self.stream = stream
        self.quiet = quiet
        self.tty = stream.isatty()
        self._last = 0.0

    def feeds(self, done: int, total: int, new_items: int) -> None:
        if self.quiet:
            return
        if self.tty:
            now = time.monotonic()
            if done < total and now - self._last < 0.05:
                return
            self._last = now
            width = 30
            filled = int(width * done / total) if total else width
            bar = "#" * filled + "-" * (width - filled)
            self.stream.write(f"\rfeeds [{bar}] {done}/{total}, {new_items} new ")
            if done >= total:
                self.stream.write("\n")
            self.stream.flush()
        else:
            self.stream.write(f"feeds {done}/{total} done, {new_items} new items\n")

    def pages(self, done: int, total: int) -> None:
        if self.quiet:
            return
        if self.tty:
            self.stream.write(f"\rfull text {done}/{total} pages ")
            if done >= total:
                self.stream.write("\n")
            self.stream.flush()
        elif done == total or done % 25 == 0:
            self.stream.write(f"full text {done}/{total} pages\n")


def _canonical(url: str) -> str:
    from reader.config.values import normalize_feed_url

    try:
        return normalize_feed_url(url)
    except ValueError:
        return url


def select_feeds(store: Store, feed_urls: Sequence[str], all_feeds: bool) -> list[Feed]:
    feeds = store.feeds()
    if feed_urls:
        by_url = {f.url: f for f in feeds}
        chosen = [by_url.get(u) or by_url.get(_canonical(u)) for u in feed_urls]
        missing = [u for u, f in zip(feed_urls, chosen, strict=True) if f is None]
        if missing:
            raise ReaderError(f"no such feed: {', '.join(missing)} (see `reader feeds`)")
        return [f for f in chosen if f is not None]
    if all_feeds:
        return feeds
    from reader.store.feeds import utcnow

    return store.due_feeds(utcnow())


def cmd_fetch(args: argparse.Namespace, ctx: Context) -> int:
    """The `fetch` command: 0 when the run completed (some feeds may have failed), 1 when nothing could be
    stored (a damaged database, a full disk): then the feeds' errors are all the same and one line says it."""
    services, store, quiet = ctx.services, ctx.store, args.quiet
    with services.fetch_lock() as lock:
        lock.acquire(timeout=args.lock_timeout)
        feeds = select_feeds(store, args.feed, args.all)
        if not feeds:
            if not quiet:
                total_feeds = len(store.feeds())
                print(f"Nothing is due ({total_feeds} feeds). Use --all to poll every feed now.")
            return 0
        progress = ProgressLine(sys.stderr, quiet)
        start = time.monotonic()
        summary = asyncio.run(
            services.run_fetch(
                store,
                feeds,
                fulltext=not args.no_fulltext,
                progress=progress.feeds,
                fulltext_progress=progress.pages,
            )
        )
        unstored = storage_failure(summary, store.path)
        if unstored is not None:
            raise StorageError(f"nothing could be stored in {store.path}: {unstored}{_hint(unstored)}")
        print_summary(summary, len(feeds), time.monotonic() - start, quiet)
    return 0


# How the poller words a result it could not write (reader/fetch/poller.py, `_poll_one`).
STORE_FAILED = "could not store the result:"


def storage_failure(summary: FetchSummary, db_path: object) -> str | None:
    """Why nothing could be stored, when no feed's result was stored and at least one failed to be written
    (a damaged database, a full disk); None otherwise."""
    errors = [o.error for o in summary.report.outcomes]
    if not errors or any(e is None for e in errors):
        return None
    stored = [e for e in errors if e is not None and e.startswith(STORE_FAILED)]
    if not stored:
        return None
    reason = stored[0][len(STORE_FAILED) :].strip()
    for prefix in (f"cannot write to {db_path}: ", f"cannot read {db_path}: "):
        reason = reason.removeprefix(prefix)
    return reason or "unknown error"


def _hint(reason: str) -> str:
    if "malformed" in reason or "not a database" in reason:
        return " (the database is damaged: restore a backup, or try `sqlite3 reader.db .recover`)"
    if "full" in reason or "I/O" in reason:
        return " (is the disk full?)"
    return ""


def print_summary(
    summary: FetchSummary, polled: int, elapsed: float, quiet: bool, out: TextIO = sys.stdout
) -> None:
    report = summary.report
    failures = summary.failures
    if not quiet or failures:
        line = f"Polled {polled} feeds in {elapsed:.1f} s: {report.new_items} new items"
        if report.updated_items:
            line += f", {report.updated_items} updated"
        line += f", {len(failures)} failed."
        if summary.prefetch.fetched or summary.prefetch.failed:
            line += f" Full text: {summary.prefetch.fetched} pages"
            if summary.prefetch.failed:
                line += f", {summary.prefetch.failed} failed"
            line += "."
        if summary.purged:
            line += f" Purged {summary.purged} old read items."
        print(line, file=out)
    if summary.offline:
        print("No feed could be reached: are you offline? Your archive is intact.", file=out)
    for title, url, reason in failures:
        print(f"  failed: {title} <{url}>: {reason}", file=out)
    for title, reasons in summary.prefetch.failures.items():
        first = reasons[0]
        more = f" (and {len(reasons) - 1} more)" if len(reasons) > 1 else ""
        print(f"  full text failed: {title}: {first}{more}", file=out)
