"""Subscription commands: `feeds`, `add`, `remove`, `import` and `export` (OPML)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from reader.cli.context import Context, fail
from reader.cli.items import iso
from reader.config.values import format_duration, normalize_feed_url
from reader.errors import FeedInputError, ParseError
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
        # False: no longer polled (dropped from the config, unsubscribed but holding saved items, Saved pages);
        # listed while it holds items, since they are in every view.
        "active": feed.active,
        "not_polled": feed.not_polled_reason,
    }


def cmd_feeds(args: argparse.Namespace, ctx: Context) -> int:
    everything = ctx.store.feeds(with_counts=True, include_inactive=True)
    # The polled feeds first; with --all, those no longer polled that still hold items (said so on each).
    idle = [f for f in everything if not f.active]
    feeds = [f for f in everything if f.active] + (idle if args.all else [])
    if args.json:
        json.dump([_feed_json(f, ctx) for f in feeds], sys.stdout, ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
        return 0
    if not feeds and not idle:
        print("No feeds. Add one with `reader add URL` or `reader import FILE.opml`.")
        return 0
    for f in feeds:
        if not f.active:
            tags = f"  [{', '.join(f.tags)}]" if f.tags else ""
            where = "" if f.origin == "pages" else f"\n  {f.url}"
            print(
                f"{f.display_title}{tags}{where}\n  {f.item_count} items, {f.unread_count} unread; "
                f"not polled: {f.not_polled_reason}"
            )
            continue
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
    if idle and not args.all:
        held = sum(f.item_count for f in idle)
        some = (
            "1 feed no longer polled holds" if len(idle) == 1 else f"{len(idle)} feeds no longer polled hold"
        )
        print(
            f"({some} {held:,} item{'s' if held != 1 else ''}, listed by `reader list`: `reader feeds --all` shows them)"
        )
    return 0


def cmd_add(args: argparse.Namespace, ctx: Context) -> int:
    from reader.feeds.manage import add_feed, check_source

    client = ctx.config.fetch.client()
    try:
        change = add_feed(
            ctx.store,
            args.url,
            args.title,
            args.tag,
            args.interval,
            args.fulltext,
            try_source=None if args.no_check else (lambda url: check_source(url, client)),
        )
    except FeedInputError as exc:
        if exc.field == "interval":
            return fail(f"--interval {exc.reason}", 2)
        if exc.field == "source":
            hint = " (not added; --no-check adds it anyway)" if exc.overridable else ""
            return fail(f"{exc}{hint}", 1)
        return fail(str(exc), 2)
    if change.message.startswith("Already subscribed"):
        print(f"{change.message}.")
        return 0
    print(f"{change.message}. Run `reader fetch` to poll it.")
    if change.warning is not None:
        print(f"  (it could not be fetched just now: {change.warning}; `reader fetch` tries again)")
    if ctx.config.sync is not None and not args.local:
        from reader.cli.sync import subscribe_on_server

        subscribe_on_server(ctx.services, ctx.store, [change.feed])
    return 0


def cmd_remove(args: argparse.Namespace, ctx: Context) -> int:
    from reader.feeds.manage import remove_feed

    store = ctx.store
    feed = store.feed_by_url(args.url)
    if feed is None:
        try:
            feed = store.feed_by_url(normalize_feed_url(args.url, Path.cwd()))
        except ValueError:
            feed = None
    if feed is None:
        return fail(f"no such feed: {args.url}", 1)
    server_id = store.feed_server_id(feed.id)  # [sync]: read before the row may go
    try:
        change = remove_feed(store, ctx.config, feed.id)
    except FeedInputError as exc:
        hint = (
            ""
            if ctx.config.source
            else f" (no config file yet: copy config.example.toml to {ctx.locations.config_path})"
        )
        return fail(f"{exc}{hint}", 2)
    print(f"{change.message}.")
    if server_id is not None and ctx.config.sync is not None and not args.local:
        from reader.cli.sync import send_now

        ctx.store.queue_unsubscribe(feed.url, server_id)
        send_now(ctx.services, ctx.store)
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
    stored = []
    for fc in found.feeds:
        if ctx.store.feed_by_url(fc.url) is None:
            added += 1
        stored.append(ctx.store.add_feed(fc.url, fc.title, fc.tags, fc.poll_interval, fc.fulltext))
    line = f"Imported {len(found.feeds)} feeds from {path} ({added} new)"
    skipped = found.skipped
    if skipped:
        line += f"; skipped {len(skipped)} entr{'y' if len(skipped) == 1 else 'ies'}"
    print(line + ". Run `reader fetch` to poll them.")
    for reason in skipped[:SKIPPED_SHOWN]:
        print(f"  skipped {reason}")
    if len(skipped) > SKIPPED_SHOWN:
        print(f"  ... and {len(skipped) - SKIPPED_SHOWN} more")
    if ctx.config.sync is not None and not args.local:
        from reader.cli.sync import subscribe_on_server

        subscribe_on_server(ctx.services, ctx.store, stored)
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
