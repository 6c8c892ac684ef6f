"""Subscription commands: `feeds`, `add`, `remove`, `import` and `export` (OPML)."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path
from typing import Any

from reader.cli.context import Context, fail
from reader.cli.items import iso
from reader.config.values import BadValue, check_poll_interval, format_duration, normalize_feed_url
from reader.errors import FetchError, ParseError
from reader.models import Feed

# How many skipped OPML entries `import` names one by one before summing up the rest.
SKIPPED_SHOWN = 10


def _feed_json(feed: Feed, ctx: Context) -> dict[str, Any]:
    return {
        "id": feed.id,
        "url": feed.url,
        "title": feed.display_title,
        "tags": list(feed.tags),
        "items": feed.item_count,
        "unread": feed.unread_count,
        # The settings in force (the feed's own, else the config's defaults), and whether they are its own.
        "poll_interval": feed.poll_interval or ctx.config.general.poll_interval,
        "fulltext": ctx.services.policy(feed),
        "own_poll_interval": feed.poll_interval is not None,
        "own_fulltext": feed.fulltext is not None,
        "last_status": feed.last_status,
        "last_error": feed.last_error,
        "failures": feed.failures,
        "last_fetched": iso(feed.last_fetched),
        "next_due": iso(feed.next_due),
        "due_reason": feed.due_reason,
        "origin": feed.origin,
    }


def cmd_feeds(args: argparse.Namespace, ctx: Context) -> int:
    feeds = ctx.store.feeds(with_counts=True)
    if args.json:
        json.dump([_feed_json(f, ctx) for f in feeds], sys.stdout, ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
        return 0
    if not feeds:
        print("No feeds. Add one with `reader add URL` or `reader import FILE.opml`.")
        return 0
    for f in feeds:
        status = (
            "never fetched"
            if f.last_status is None and f.last_error is None
            else (f"error: {f.last_error}" if f.last_error else f"ok ({f.last_status})")
        )
        due = f.next_due.strftime("%Y-%m-%d %H:%M UTC") if f.next_due else "now"
        why = f" ({f.due_reason})" if f.due_reason else ""
        tags = f"  [{', '.join(f.tags)}]" if f.tags else ""
        every = format_duration(f.poll_interval or ctx.config.general.poll_interval)
        print(
            f"{f.display_title}{tags}\n  {f.url}\n  {f.item_count} items, {f.unread_count} unread; {status}; "
            f"next due {due}{why}\n  every {every}, full text {ctx.services.policy(f)}"
        )
    return 0


# Answers that say the URL itself is wrong: the subscription would never work. Anything else (a timeout, a
# refused connection, 429, 5xx) may pass: the feed is added, with a warning, and `reader fetch` retries it.
_TEMPORARY_STATUSES = frozenset({408, 425, 429})


def _try_source(url: str, ctx: Context) -> tuple[str | None, str | None]:
    """(why `url` cannot be subscribed to, a warning) after trying it: a missing file, a directory or a
    server answering 404 (any 4xx that says the URL is wrong) are refusals; a failure that may pass is a
    warning."""
    from reader.fetch.client import local_path

    path = local_path(url)
    if path is not None:
        if not path.exists():
            return f"no such file: {path}", None
        if path.is_dir():
            return f"{path} is a directory, not a feed file", None
        try:
            with path.open("rb"):
                pass
        except OSError as exc:
            return f"cannot read {path}: {exc.strerror or exc}", None
        return None, None
    from reader.fetch.client import HttpStatusError, PoliteClient

    async def go() -> None:
        async with PoliteClient(ctx.config.fetch.client()) as client:
            await client.get(url)

    try:
        asyncio.run(go())
    except HttpStatusError as exc:
        if 400 <= exc.status < 500 and exc.status not in _TEMPORARY_STATUSES:
            return f"{exc} (not added; --no-check adds it anyway)", None
        return None, str(exc)
    except FetchError as exc:
        return None, str(exc)
    return None, None


def cmd_add(args: argparse.Namespace, ctx: Context) -> int:
    store = ctx.store
    given = args.url.strip()
    if "://" not in given and Path(given).exists():
        given = str(Path(given).resolve())  # a bare file name in the working directory
    try:
        url = normalize_feed_url(given, Path.cwd())
    except ValueError as exc:
        return fail(f"cannot add {args.url!r}: the URL {exc}", 2)
    interval = None
    if args.interval is not None:
        try:
            interval = check_poll_interval(args.interval)
        except BadValue as exc:
            return fail(f"--interval {exc}", 2)
    warning = None
    if not args.no_check:
        problem, warning = _try_source(url, ctx)
        if problem is not None:
            return fail(f"cannot add {url}: {problem}", 1)
    existing = store.feed_by_url(url)
    if existing is not None:
        # Adding again changes only what was given: the interval and policy set before stay.
        interval = interval if interval is not None else existing.poll_interval
        fulltext = args.fulltext or existing.fulltext
    else:
        fulltext = args.fulltext
    feed = store.add_feed(url, args.title, args.tag, interval, fulltext)
    if existing is not None and existing.url != url:
        # The URL names a feed we already have under its newer URL (it moved, or it is its web page).
        print(
            f"Already subscribed: {url} is the feed {feed.display_title} <{feed.url}>; its settings updated."
        )
        return 0
    print(
        ("Updated " if existing else "Added ")
        + f"{feed.display_title} <{feed.url}>. Run `reader fetch` to poll it."
    )
    if warning is not None:
        print(f"  (it could not be fetched just now: {warning}; `reader fetch` tries again)")
    return 0


def cmd_remove(args: argparse.Namespace, ctx: Context) -> int:
    store = ctx.store
    feed = store.feed_by_url(args.url)
    if feed is None:
        try:
            feed = store.feed_by_url(normalize_feed_url(args.url, Path.cwd()))
        except ValueError:
            feed = None
    if feed is None:
        return fail(f"no such feed: {args.url}", 1)
    config = ctx.config
    if any(fc.url in (feed.url, feed.source_url) for fc in config.feeds):
        where = (
            str(config.source)
            if config.source
            else "the built-in default list (no config file yet: copy "
            f"config.example.toml to {ctx.locations.config_path} and edit it)"
        )
        return fail(f"{feed.url} is listed in {where}; remove it there", 2)
    store.remove_feed(feed.url)
    print(f"Removed {feed.display_title}. Its saved items are kept.")
    return 0


def cmd_import(args: argparse.Namespace, ctx: Context) -> int:
    from reader.feeds.opml import read_opml

    path = Path(args.file)
    try:
        data = path.read_bytes()
    except OSError as exc:
        return fail(f"cannot read {path}: {exc.strerror}", 1)
    try:
        found = read_opml(data, str(path))
    except ParseError as exc:
        return fail(str(exc), 1)
    added = 0
    for fc in found.feeds:
        if ctx.store.feed_by_url(fc.url) is None:
            added += 1
        ctx.store.add_feed(fc.url, fc.title, fc.tags, fc.poll_interval, fc.fulltext)
    line = f"Imported {len(found.feeds)} feeds from {path} ({added} new)"
    skipped = found.skipped
    if skipped:
        line += f"; skipped {len(skipped)} entr{'y' if len(skipped) == 1 else 'ies'}"
    print(line + ". Run `reader fetch` to poll them.")
    for reason in skipped[:SKIPPED_SHOWN]:
        print(f"  skipped {reason}")
    if len(skipped) > SKIPPED_SHOWN:
        print(f"  ... and {len(skipped) - SKIPPED_SHOWN} more")
    return 0


def cmd_export(args: argparse.Namespace, ctx: Context) -> int:
    from reader.feeds.opml import export_opml

    data = export_opml(ctx.store.feeds())
    if args.file and args.file != "-":
        try:
            Path(args.file).write_bytes(data)
        except OSError as exc:
            return fail(f"cannot write {args.file}: {exc.strerror}", 1)
    else:
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
    return 0
