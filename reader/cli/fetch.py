"""`reader fetch`: poll due feeds under the fetch lock, with a progress line on a terminal and a summary."""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
import time
from collections.abc import Coroutine, Sequence
from datetime import datetime
from typing import Any, TextIO

from reader import startmode
from reader.cli.context import Context
from reader.errors import ReaderError, StorageError
from reader.models import Feed
from reader.services import FetchSummary
from reader.store.feeds import Store, utcnow
from reader.textsafe import clean_text


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


def select_feeds(
    store: Store, feed_urls: Sequence[str], all_feeds: bool, now: datetime
) -> tuple[list[Feed], list[tuple[Feed, str]]]:
    """The feeds to poll, and those named with --feed that must wait (with why).

    `--all` polls every feed now, whatever its schedule. Naming a feed polls it before its interval is up,
    but not while the server's Retry-After (429/503) is still in force: that is the server's limit, not ours.
    """
    if all_feeds and not feed_urls:
        return store.feeds(), []
    if not feed_urls:
        return store.due_feeds(now), []
    named: list[Feed] = []
    missing: list[str] = []
    for url in feed_urls:
        feed = store.feed_by_url(url) or store.feed_by_url(_canonical(url))
        if feed is None:
            missing.append(url)
        elif feed not in named:
            named.append(feed)
    if missing:
        raise ReaderError(f"no such feed: {', '.join(missing)} (see `reader feeds`)")
    # A feed no longer polled (dropped from the config, unsubscribed, Saved pages) is never asked for anything.
    idle = [(f, why) for f in named if (why := f.not_polled_reason) is not None]
    named = [f for f in named if f.active]
    if all_feeds:
        return named, idle
    held: list[tuple[Feed, str | None]] = [*idle, *((f, _retry_after_in_force(f, now)) for f in named)]
    return [f for f, why in held if why is None], [(f, why) for f, why in held if why is not None]


def _retry_after_in_force(feed: Feed, now: datetime) -> str | None:
    if feed.last_status not in (429, 503) or feed.next_due is None or feed.next_due <= now:
        return None
    return (
        f"the server asked to wait (HTTP {feed.last_status}) until "
        f"{feed.next_due.strftime('%Y-%m-%d %H:%M UTC')}; `--all` polls it anyway"
    )


class Terminated(ReaderError):
    """SIGTERM arrived during a fetch."""


def cmd_fetch(args: argparse.Namespace, ctx: Context) -> int:
    """The `fetch` command: 0 when the run completed (some feeds may have failed), 1 when nothing could be
    stored (a damaged database, a full disk): then the feeds' errors are all the same and one line says it."""
    services, store, quiet = ctx.services, ctx.store, args.quiet
    with services.fetch_lock() as lock:
        lock.acquire(timeout=args.lock_timeout)
        if services.config.sync is not None:  # cron keeps working: sync first
            from reader.cli.sync import sync_before_fetch

            sync_before_fetch(services, store, quiet)
        feeds, held = select_feeds(store, args.feed, args.all, utcnow())
        feeds = services.local_feeds(store, feeds)  # with [sync], the server polls the feeds it carries
        if not quiet:
            for feed, why in held:
                print(f"Not polled: {feed.display_title} <{feed.url}>: {why}")
        if not feeds:
            if not held and not quiet:
                total_feeds = len(services.local_feeds(store, store.feeds()))
                here = " polled here" if services.config.sync is not None else ""
                print(f"Nothing is due ({total_feeds} feeds{here}). Use --all to poll every feed now.")
            return 0
        progress = ProgressLine(sys.stderr, quiet)
        start = time.monotonic()
        with startmode.batch():
            summary = asyncio.run(
                _until_sigterm(
                    services.run_fetch(
                        store,
                        feeds,
                        fulltext=not args.no_fulltext,
                        progress=progress.feeds,
                        fulltext_progress=progress.pages,
                    )
                )
            )
        unstored = storage_failure(summary, store.path)
        if unstored is not None:
            raise StorageError(f"nothing could be stored in {store.path}: {unstored}{_hint(unstored)}")
        print_summary(summary, len(feeds), time.monotonic() - start, quiet)
    return 0


async def _until_sigterm(work: Coroutine[Any, Any, FetchSummary]) -> FetchSummary:
    """Run `work`; on SIGTERM cancel it (its cleanup runs: the HTTP client and parse workers are closed,
    what was stored stays stored) and raise Terminated, so the lock is released and the exit is non-zero."""
    loop = asyncio.get_running_loop()
    task = asyncio.ensure_future(work)
    terminated = False

    def on_sigterm() -> None:
        nonlocal terminated
        terminated = True
        task.cancel()

    try:
        loop.add_signal_handler(signal.SIGTERM, on_sigterm)
    except (NotImplementedError, RuntimeError, ValueError):  # not the main thread, or no signals here
        return await task
    try:
        return await task
    except asyncio.CancelledError:
        if terminated:
            raise Terminated("fetch stopped by SIGTERM; the feeds stored so far are kept") from None
        raise
    finally:
        loop.remove_signal_handler(signal.SIGTERM)


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
    summary: FetchSummary, polled: int, elapsed: float, quiet: bool, out: TextIO | None = None
) -> None:
    # The stdout of the call, not of import time (tests call `main()` in-process with stdout redirected).
    out = sys.stdout if out is None else out
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
        if summary.muted:
            muted = ", ".join(f"{clean_text(name)} {n}" for name, n in sorted(summary.muted.items()))
            line += f" Muted {sum(summary.muted.values())} ({muted})."
        if summary.purged:
            line += f" Purged {summary.purged} old read items."
        print(line, file=out)
    if summary.offline:
        print("No feed could be reached: are you offline? Your archive is intact.", file=out)
    for title, url, reason in failures:
        print(f"  failed: {title} <{url}>: {reason}", file=out)
    for match in summary.topic_matches:
        more = f" ({match.count} new)" if match.count > 1 else " (1 new)"
        print(f"Topic {clean_text(match.name)}{more}:", file=out)
        for title in match.titles:
            print(f"  {clean_text(title)}", file=out)
        if match.count > len(match.titles):
            print(f"  ... and {match.count - len(match.titles)} more (reader list --topic NAME)", file=out)
    if summary.notify_error:
        print(summary.notify_error, file=sys.stderr)
    for title, reasons in summary.prefetch.failures.items():
        first = reasons[0]
        more = f" (and {len(reasons) - 1} more)" if len(reasons) > 1 else ""
        print(f"  full text failed: {title}: {first}{more}", file=out)
