"""Item commands: `list`, `show`, and the marks (`save`, `unsave`, `mark-read`, `mark-unread`)."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from reader.cli.articles import archived_article
from reader.cli.context import Context, fail
from reader.errors import ReaderError
from reader.models import Item, View, ViewKind
from reader.store.feeds import Store


def _feed_id(store: Store, url: str) -> int:
    feed = store.feed_by_url(url)
    if feed is None:
        from reader.config.values import normalize_feed_url

        try:  # the URL as the user typed it may be spelled differently from the stored one
            feed = store.feed_by_url(normalize_feed_url(url))
        except ValueError:
            feed = None
    if feed is None:
        raise ReaderError(f"no such feed: {url} (see `reader feeds`)")
    return feed.id


def _view_for_list(args: argparse.Namespace, store: Store) -> View:
    feed_id = _feed_id(store, args.feed) if args.feed else None
    kind = ViewKind.ALL
    topic_query = None
    if args.saved:
        kind = ViewKind.SAVED
    if feed_id is not None:
        kind = ViewKind.FEED
    elif args.tag:
        kind = ViewKind.TAG
    elif args.topic:
        topic_query = store.topic_query(args.topic)
        if topic_query is None:
            known = (
                ", ".join(t.name for t in store.topics(with_counts=False))
                or "none; add [topics] to the config"
            )
            raise ReaderError(f"no such topic: {args.topic} (topics: {known})")
        kind = ViewKind.TOPIC
    return View(
        kind=kind,
        feed_id=feed_id,
        topic=args.topic,
        topic_query=topic_query,
        tag=args.tag,
        search=args.search,
        unread_only=args.unread,
        saved_only=args.saved,
        muted_only=args.muted,
    )


def iso(dt: datetime | None) -> str | None:
    return dt.isoformat() if dt is not None else None


def item_json(item: Item) -> dict[str, Any]:
    return {
        "id": item.id,
        "feed_url": item.feed_url,
        "feed_title": item.feed_title,
        "title": item.title,
        "link": item.link,
        "author": item.author,
        "published": iso(item.published),
        "first_seen": iso(item.first_seen),
        "read": item.read,
        "saved": item.saved,
        "has_full_text": item.has_article,
        "muted_by": item.muted_by,
        "enclosures": [{"url": e.url, "type": e.type, "length": e.length} for e in item.enclosures],
    }


def _iter_items(store: Store, view: View, limit: int | None) -> Iterator[Item]:
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


def _pages(items: Iterator[Item], size: int) -> Iterator[list[Item]]:
    page: list[Item] = []
    for item in items:
        page.append(item)
        if len(page) >= size:
            yield page
            page = []
    if page:
        yield page


def cmd_list(args: argparse.Namespace, ctx: Context) -> int:
    view = _view_for_list(args, ctx.store)
    out = sys.stdout
    if args.json:
        out.write("[")
        first = True
        for page in _pages(_iter_items(ctx.store, view, args.limit), 500):
            stories = ctx.store.story_ids([item.id for item in page])
            for item in page:
                row = item_json(item) | {
                    "story": stories.get(item.id)
                }  # items reporting the same news share it
                out.write(("\n" if first else ",\n") + json.dumps(row, ensure_ascii=False))
                first = False
        out.write("\n]\n" if not first else "]\n")
        return 0
    for item in _iter_items(ctx.store, view, args.limit):
        flags = ("*" if item.saved else " ") + (" " if item.read else "N")
        date = item.sort_date.strftime("%Y-%m-%d %H:%M UTC")
        out.write(f"{item.id:>7} {flags} {date}  {item.feed_title[:24]:<24}  {item.title}\n")
    return 0


def cmd_show(args: argparse.Namespace, ctx: Context) -> int:
    from reader.cli.extract import render

    item = ctx.store.item(args.id)
    if item is None:
        return fail(f"no such item: {args.id}", 1)
    sys.stdout.write(render(archived_article(ctx.store, item), args.format, item.link))
    if args.mark_read:
        ctx.store.set_read([item.id])
    return 0


def _check_ids(store: Store, ids: list[int]) -> None:
    missing = [i for i in ids if store.item(i) is None]
    if missing:
        raise ReaderError(f"no such item: {', '.join(map(str, missing))}")


def cmd_mark(args: argparse.Namespace, ctx: Context) -> int:
    """`unsave`, `mark-unread`, and `mark-read` by id or for a whole feed or tag."""
    store = ctx.store
    if args.command == "mark-read" and (args.feed or args.tag):
        if args.ids:
            return fail("give item ids or --feed/--tag, not both", 2)
        if args.feed:
            view = View(kind=ViewKind.FEED, feed_id=_feed_id(store, args.feed))
            what = args.feed
        else:
            if args.tag not in store.tags():
                return fail(f"no such tag: {args.tag} (see `reader feeds`)", 1)
            view = View(kind=ViewKind.TAG, tag=args.tag)
            what = f"tag {args.tag}"
        changed = store.mark_view_read(view)
        print(f"Marked {len(changed)} item{'' if len(changed) == 1 else 's'} of {what} read.")
        return 0
    if not args.ids:
        return fail("give item ids (see `reader list`), or --feed URL or --tag TAG", 2)
    _check_ids(store, args.ids)
    if args.command == "unsave":
        for item_id in args.ids:
            store.set_saved(item_id, False)
    else:
        store.set_read(args.ids, args.command == "mark-read")
    return 0


def cmd_save(args: argparse.Namespace, ctx: Context) -> int:
    """Save items and fetch their full text now, so it is kept even if the page goes away."""
    store = ctx.store
    _check_ids(store, args.ids)
    for item_id in args.ids:
        store.set_saved(item_id, True)
    if args.no_fulltext:
        return 0
    for item_id in args.ids:
        item = store.item(item_id)
        if item is None:
            continue
        label = f"item {item_id}"
        if item.has_article:
            print(f"Saved {label} with its full text (already fetched).")
            continue
        if not item.link:
            print(f"Saved {label}; it has no link, so the feed's own text is kept.")
            continue
        feed = store.feed_by_id(item.feed_id)
        if feed is not None and ctx.services.policy(feed) == "off":
            print(f"Saved {label}; full text is off for its feed, so the feed's own text is kept.")
            continue
        load = ctx.services.load_article(item_id)
        if load.error is not None:
            print(
                f"Saved {label}; its full text could not be fetched ({load.error}): the feed's text is kept."
            )
        elif load.article is not None and load.article.source == "page":
            print(f"Saved {label} with its full text.")
        else:
            print(f"Saved {label}; its page held no more than the feed's text, which is kept.")
    return 0
