"""The command line: argument parsing and wiring. The only module that builds concrete objects."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from reader import __version__
from reader.config.loader import Config, load_config, parse_duration
from reader.errors import ConfigError, LockedError, ParseError, ReaderError, StorageError
from reader.locations import Locations, resolve_locations
from reader.models import FULLTEXT_POLICIES, Feed, Item, View, ViewKind
from reader.services import ReaderServices
from reader.store.feeds import Store

EPILOG = """\
global options go before the command, e.g.  reader --data-dir /tmp/r fetch --all
environment: READER_CONFIG (config file), READER_DATA_DIR (data directory), NO_COLOR (plain colours)
"""


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="reader",
        description="A terminal feed reader: polite polling, clean full text, keyboard first. "
        "With no command, opens the reader.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "--config", metavar="PATH", help="config file (default: the platform config dir; $READER_CONFIG)"
    )
    p.add_argument("--data-dir", metavar="DIR", help="where the database lives ($READER_DATA_DIR)")
    p.add_argument("--version", action="version", version=f"reader {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    f = sub.add_parser("fetch", help="poll the feeds that are due", description=FETCH_HELP)
    f.add_argument("--all", action="store_true", help="poll every feed now, ignoring schedules and backoff")
    f.add_argument(
        "--feed", action="append", default=[], metavar="URL", help="poll only this feed (repeatable)"
    )
    f.add_argument("--no-fulltext", action="store_true", help="skip prefetching full text for this run")
    f.add_argument("--quiet", "-q", action="store_true", help="no progress; only the summary of failures")
    f.add_argument(
        "--lock-timeout",
        type=float,
        default=120.0,
        metavar="SECONDS",
        help="how long to wait for another running fetch to finish (default 120)",
    )

    ls = sub.add_parser("list", help="list items, newest first", description="List items, newest first.")
    ls.add_argument("--unread", action="store_true", help="only unread items")
    ls.add_argument("--saved", action="store_true", help="only saved items")
    ls.add_argument("--feed", metavar="URL", help="only items of this feed")
    ls.add_argument("--tag", metavar="TAG", help="only items of feeds with this tag")
    ls.add_argument("--search", metavar="TEXT", help="full-text search over titles and text")
    ls.add_argument("--limit", type=_positive_int, metavar="N", help="at most N items (default: all)")
    ls.add_argument("--json", action="store_true", help="one JSON array of objects")

    fd = sub.add_parser("feeds", help="list feeds with counts and health", description="List feeds.")
    fd.add_argument("--json", action="store_true", help="one JSON array of objects")

    a = sub.add_parser(
        "add", help="subscribe to a feed", description="Subscribe to a feed (URL or local file)."
    )
    a.add_argument("url", metavar="URL")
    a.add_argument("--title", metavar="T", help="a title of your own")
    a.add_argument("--tag", action="append", default=[], metavar="T", help="a tag (repeatable)")
    a.add_argument("--interval", metavar="DURATION", help="poll interval, e.g. 30m, 2h")
    a.add_argument("--fulltext", choices=FULLTEXT_POLICIES, help="full-text policy for this feed")

    r = sub.add_parser("remove", help="unsubscribe (saved items are kept)", description="Unsubscribe.")
    r.add_argument("url", metavar="URL")

    im = sub.add_parser("import", help="import feeds from OPML", description="Import an OPML file.")
    im.add_argument("file", metavar="FILE.opml")
    for parser_ in (a, r, im):
        parser_.add_argument(
            "--local", action="store_true", help="only here: leave the [sync] server's subscriptions alone"
        )
    from reader.cli.sync import add_sync_parser

    add_sync_parser(sub)
    ex = sub.add_parser("export", help="export feeds as OPML 2.0", description="Export feeds as OPML 2.0.")
    ex.add_argument("file", nargs="?", metavar="FILE", help="output file (default: standard output)")

    for name, text in (
        ("save", "save items (kept forever, with their full text)"),
        ("unsave", "unsave items"),
        ("mark-read", "mark items read"),
        ("mark-unread", "mark items unread"),
    ):
        m = sub.add_parser(name, help=text, description=text.capitalize() + ".")
        m.add_argument(
            "ids", nargs="+", type=_positive_int, metavar="ID", help="item ids (see `reader list`)"
        )

    e = sub.add_parser(
        "extract",
        help="print the clean article of a page (reader mode)",
        description="Fetch or read a page and print its clean article text.",
    )
    e.add_argument("source", metavar="URL|FILE|-")
    e.add_argument("--format", choices=("markdown", "text", "json"), default="markdown")
    e.add_argument("--url", metavar="BASE", help="the page's URL, for resolving links (files and stdin)")

    es = sub.add_parser(
        "export-saved",
        help="write saved items as Markdown files, with their full text",
        description="Write every saved item to DIR as a Markdown file (DATE-TITLE-ID.md) with a small header "
        "(title, feed, link, author, dates) and the article: the cached full text, else the feed's content.",
    )
    es.add_argument("dir", metavar="DIR")

    sh = sub.add_parser(
        "show",
        help="print an item's article (the cached full text, else the feed's own content)",
        description="Print an item's article from the archive: the cached full text when there is one, "
        "else the feed's own content. Works offline.",
    )
    sh.add_argument("id", type=_positive_int, metavar="ID", help="an item id (see `reader list`)")
    sh.add_argument("--format", choices=("markdown", "text", "json"), default="markdown")
    sh.add_argument("--mark-read", action="store_true", help="also mark the item read")
    return p


FETCH_HELP = """Poll the feeds that are due (each feed's schedule follows its interval, the server's
Cache-Control/Expires/Retry-After headers, RSS <ttl> and backoff after failures), store new items, and prefetch
their full text where the feed's policy says so. Exits 0 when the run completed, even if some feeds failed."""


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be positive: {text!r}")
    return value


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return _dispatch(parser, args)
    except ConfigError as exc:
        return _fail(str(exc), 2)
    except LockedError as exc:
        return _fail(str(exc), 1)
    except StorageError as exc:
        return _fail(str(exc), 1)
    except ReaderError as exc:
        return _fail(str(exc), 1)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # the last line of defence: a message, never a traceback
        if os.environ.get("READER_DEBUG"):
            raise
        return _fail(f"internal error: {type(exc).__name__}: {exc} (set READER_DEBUG=1 for details)", 1)


def _fail(message: str, status: int) -> int:
    print(f"reader: {message}", file=sys.stderr)
    return status


def _dispatch(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    locations = resolve_locations(args.config, args.data_dir, os.environ)
    if args.command == "extract":
        from reader.cli.extract import run_extract

        config = load_config(locations.config_path, must_exist=locations.config_explicit)
        return run_extract(args.source, args.format, args.url, config)
    config = load_config(locations.config_path, must_exist=locations.config_explicit)
    services = ReaderServices(locations, config)
    if args.command is None:
        return _run_tui(services, config, locations)
    store = services.open_store()
    try:
        handler = _HANDLERS[args.command]
        return int(handler(args, services, store, config, locations))
    finally:
        store.close()


def _run_tui(services: ReaderServices, config: Config, locations: Locations) -> int:
    from reader.ui.app import run_app
    from reader.ui.settings import UISettings

    # Open the database once before the UI takes the terminal, so a bad data dir or database is one clear
    # message here (exit 1), never a traceback inside the app.
    store = services.open_store()
    try:
        store.feeds()
        store.count()
    finally:
        store.close()
    general = config.general
    settings = UISettings(
        refresh_on_start=general.refresh_on_start,
        auto_refresh=general.auto_refresh,
        mark_read_on_open=general.mark_read_on_open,
        theme=general.theme,
        keys=config.keys,
        state_path=locations.data_dir / "ui-state.json",
        sync=config.sync is not None,
    )
    return int(run_app(services, settings))


# ------------------------------------------------------------------- commands


def cmd_fetch(
    args: argparse.Namespace, services: ReaderServices, store: Store, config: Config, _: Locations
) -> int:
    from reader.cli.fetch import run_fetch

    return run_fetch(
        services,
        store,
        feed_urls=args.feed,
        all_feeds=args.all,
        fulltext=not args.no_fulltext,
        quiet=args.quiet,
        lock_timeout=args.lock_timeout,
    )


def _view_for_list(args: argparse.Namespace, store: Store) -> View:
    feed_id = None
    if args.feed:
        feed = store.feed_by_url(args.feed)
        if feed is None:
            raise ReaderError(f"no such feed: {args.feed}")
        feed_id = feed.id
    kind = ViewKind.ALL
    if args.saved:
        kind = ViewKind.SAVED
    if feed_id is not None:
        kind = ViewKind.FEED
    elif args.tag:
        kind = ViewKind.TAG
    return View(
        kind=kind,
        feed_id=feed_id,
        tag=args.tag,
        search=args.search,
        unread_only=args.unread,
        saved_only=args.saved,
    )


def cmd_list(args: argparse.Namespace, _s: ReaderServices, store: Store, _c: Config, _l: Locations) -> int:
    view = _view_for_list(args, store)
    out = sys.stdout
    if args.json:
        out.write("[")
        first = True
        for item in _iter_items(store, view, args.limit):
            out.write(("\n" if first else ",\n") + json.dumps(_item_json(item), ensure_ascii=False))
            first = False
        out.write("\n]\n" if not first else "]\n")
        return 0
    for item in _iter_items(store, view, args.limit):
        flags = ("*" if item.saved else " ") + (" " if item.read else "N")
        date = item.sort_date.strftime("%Y-%m-%d %H:%M")
        out.write(f"{item.id:>7} {flags} {date}  {item.feed_title[:24]:<24}  {item.title}\n")
    return 0


def _iter_items(store: Store, view: View, limit: int | None) -> Any:
    """Items page by page, so `list` of a huge archive never holds it all in memory."""
    offset = 0
    page = 500
    remaining = limit
    while remaining is None or remaining > 0:
        n = page if remaining is None else min(page, remaining)
        batch = store.items(view, offset=offset, limit=n)
        yield from batch
        if len(batch) < n:
            return
        offset += n
        if remaining is not None:
            remaining -= n


def _iso(dt: Any) -> str | None:
    return dt.isoformat() if dt is not None else None


def _item_json(item: Item) -> dict[str, Any]:
    return {
        "id": item.id,
        "feed_url": item.feed_url,
        "feed_title": item.feed_title,
        "title": item.title,
        "link": item.link,
        "author": item.author,
        "published": _iso(item.published),
        "first_seen": _iso(item.first_seen),
        "read": item.read,
        "saved": item.saved,
        "has_full_text": item.has_article,
    }


def _feed_json(feed: Feed) -> dict[str, Any]:
    return {
        "id": feed.id,
        "url": feed.url,
        "title": feed.display_title,
        "tags": list(feed.tags),
        "items": feed.item_count,
        "unread": feed.unread_count,
        "last_status": feed.last_status,
        "last_error": feed.last_error,
        "failures": feed.failures,
        "last_fetched": _iso(feed.last_fetched),
        "next_due": _iso(feed.next_due),
        "due_reason": feed.due_reason,
        "origin": feed.origin,
    }


def cmd_feeds(args: argparse.Namespace, _s: ReaderServices, store: Store, _c: Config, _l: Locations) -> int:
    feeds = store.feeds(with_counts=True)
    if args.json:
        json.dump([_feed_json(f) for f in feeds], sys.stdout, ensure_ascii=False, indent=1)
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
        print(
            f"{f.display_title}{tags}\n  {f.url}\n  {f.item_count} items, {f.unread_count} unread; {status}; "
            f"next due {due}{why}"
        )
    return 0


def cmd_add(args: argparse.Namespace, _s: ReaderServices, store: Store, _c: Config, _l: Locations) -> int:
    from reader.config.loader import normalize_feed_url

    given = args.url.strip()
    if "://" not in given and Path(given).exists():
        given = str(Path(given).resolve())
    try:
        url = normalize_feed_url(given, Path.cwd())
    except ValueError as exc:
        return _fail(f"cannot add {args.url!r}: {exc}", 2)
    interval = parse_duration(args.interval, "--interval") if args.interval else None
    existing = store.feed_by_url(url)
    feed = store.add_feed(url, args.title, args.tag, interval, args.fulltext)
    if existing is not None and existing.url != url:
        # The URL names a feed we already have under its newer URL (it moved, or it is its web page).
        print(
            f"Already subscribed: {url} is the feed {feed.display_title} <{feed.url}>; its settings updated."
        )
        return 0
    print(
        ("Updated " if existing is not None else "Added ")
        + f"{feed.display_title} <{feed.url}>. Run `reader fetch` to poll it."
    )
    if _s.config.sync is not None and not args.local:
        from reader.cli.sync import subscribe_on_server

        subscribe_on_server(_s, store, [feed])
    return 0


def cmd_remove(
    args: argparse.Namespace, _s: ReaderServices, store: Store, config: Config, loc: Locations
) -> int:
    feed = store.feed_by_url(args.url)
    if feed is None:
        return _fail(f"no such feed: {args.url}", 1)
    if any(fc.url in (feed.url, feed.source_url) for fc in config.feeds):
        where = (
            str(config.source)
            if config.source
            else "the built-in default list (no config file yet: copy "
            f"config.example.toml to {loc.config_path} and edit it)"
        )
        return _fail(f"{feed.url} is listed in {where}; remove it there", 2)
    queued = _s.config.sync is not None and not args.local and store.queue_unsubscribe(feed.url)
    store.remove_feed(feed.url)
    print(f"Removed {feed.display_title}. Its saved items are kept.")
    if queued:
        from reader.cli.sync import send_now

        send_now(_s, store)
    return 0


def cmd_import(args: argparse.Namespace, _s: ReaderServices, store: Store, _c: Config, _l: Locations) -> int:
    from reader.feeds.opml import parse_opml

    path = Path(args.file)
    try:
        data = path.read_bytes()
    except OSError as exc:
        return _fail(f"cannot read {path}: {exc.strerror}", 1)
    try:
        feeds = parse_opml(data, str(path))
    except ParseError as exc:
        return _fail(str(exc), 1)
    added = 0
    stored = []
    for fc in feeds:
        if store.feed_by_url(fc.url) is None:
            added += 1
        stored.append(store.add_feed(fc.url, fc.title, fc.tags, fc.poll_interval, fc.fulltext))
    print(f"Imported {len(feeds)} feeds from {path} ({added} new). Run `reader fetch` to poll them.")
    if _s.config.sync is not None and not args.local:
        from reader.cli.sync import subscribe_on_server

        subscribe_on_server(_s, store, stored)
    return 0


def cmd_export(args: argparse.Namespace, _s: ReaderServices, store: Store, _c: Config, _l: Locations) -> int:
    from reader.feeds.opml import export_opml

    data = export_opml(store.feeds())
    if args.file:
        try:
            Path(args.file).write_bytes(data)
        except OSError as exc:
            return _fail(f"cannot write {args.file}: {exc.strerror}", 1)
    else:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    return 0


def _marker(args: argparse.Namespace, _s: ReaderServices, store: Store, _c: Config, _l: Locations) -> int:
    missing = [i for i in args.ids if store.item(i) is None]
    if missing:
        return _fail(f"no such item: {', '.join(map(str, missing))}", 1)
    cmd = args.command
    if cmd in ("save", "unsave"):
        for item_id in args.ids:
            store.set_saved(item_id, cmd == "save")
    else:
        store.set_read(args.ids, cmd == "mark-read")
    return 0


def cmd_show(args: argparse.Namespace, _s: ReaderServices, store: Store, _c: Config, _l: Locations) -> int:
    from reader.cli.extract import render
    from reader.extract.pipeline import article_from_feed

    item = store.item(args.id)
    if item is None:
        return _fail(f"no such item: {args.id}", 1)
    article = store.article_for(item.id)
    if article is None:
        article = article_from_feed(
            item.content or item.summary, item.title, item.link, "The feed's own content."
        )
    article = replace(article, title=item.title)
    sys.stdout.write(render(article, args.format, item.link))
    if args.mark_read:
        store.set_read([item.id])
    return 0


def cmd_export_saved(
    args: argparse.Namespace, _s: ReaderServices, store: Store, _c: Config, _l: Locations
) -> int:
    from reader.cli.saved import export_saved

    count = export_saved(store, Path(args.dir))
    print(f"Wrote {count} saved items to {args.dir}.")
    return 0


_HANDLERS: dict[str, Any] = {
    "fetch": cmd_fetch,
    "list": cmd_list,
    "feeds": cmd_feeds,
    "add": cmd_add,
    "remove": cmd_remove,
    "import": cmd_import,
    "export": cmd_export,
    "save": _marker,
    "unsave": _marker,
    "mark-read": _marker,
    "mark-unread": _marker,
    "show": cmd_show,
    "export-saved": cmd_export_saved,
    "sync": lambda args, services, store, _c, _l: _sync_command(args, services, store),
}


def _sync_command(args: argparse.Namespace, services: ReaderServices, store: Store) -> int:
    from reader.cli.sync import run_sync_command

    return run_sync_command(services, store, args)
