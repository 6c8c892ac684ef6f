"""`reader fetch`: poll due feeds under the fetch lock, with a progress bar on a terminal and a summary."""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Sequence
from typing import TextIO

from reader.errors import ReaderError
from reader.models import Feed
from reader.services import FetchSummary, ReaderServices
from reader.store.feeds import Store


class Progress:
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


def select_feeds(store: Store, feed_urls: Sequence[str], all_feeds: bool, now_due: bool = True) -> list[Feed]:
    feeds = store.feeds()
    if feed_urls:
        by_url = {f.url: f for f in feeds}
        missing = [u for u in feed_urls if u not in by_url]
        if missing:
            raise ReaderError(f"no such feed: {', '.join(missing)} (see `reader feeds`)")
        return [by_url[u] for u in feed_urls]
    if all_feeds:
        return feeds
    from reader.store.feeds import utcnow

    return store.due_feeds(utcnow())


def run_fetch(
    services: ReaderServices,
    store: Store,
    *,
    feed_urls: Sequence[str],
    all_feeds: bool,
    fulltext: bool,
    quiet: bool,
    lock_timeout: float,
) -> int:
    with services.fetch_lock() as lock:
        lock.acquire(timeout=lock_timeout)
        if services.config.sync is not None:  # cron keeps working: sync first
            from reader.cli.sync import sync_before_fetch

            sync_before_fetch(services, store, quiet)
        feeds = services.local_feeds(store, select_feeds(store, feed_urls, all_feeds))
        total_feeds = len(services.local_feeds(store, store.feeds()))
        if not feeds:
            here = " polled here" if services.config.sync is not None else ""
            print(f"Nothing is due ({total_feeds} feeds{here}). Use --all to poll every feed now.")
            return 0
        progress = Progress(sys.stderr, quiet)
        start = time.monotonic()
        summary = asyncio.run(
            services.run_fetch(
                store, feeds, fulltext=fulltext, progress=progress.feeds, fulltext_progress=progress.pages
            )
        )
        print_summary(summary, len(feeds), time.monotonic() - start, quiet)
    return 0


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
