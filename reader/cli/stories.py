"""`reader stories` and `reader topics`: stories with their items, tracked topics with unread counts."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any, TextIO

from reader.cli.context import Context
from reader.models import Story
from reader.store.feeds import Store
from reader.textsafe import clean_text

DEFAULT_LIMIT = 50


def _story_json(story: Story) -> dict[str, Any]:
    return {
        "story": story.id,
        "title": story.lead_title,
        "items": story.item_count,
        "outlets": story.feed_count,
        "unread": story.unread_count,
        "newest": story.newest.isoformat(),
        "rejoined": story.rejoined,
        "entries": [
            {
                "id": it.id,
                "feed_title": it.feed_title,
                "title": it.title,
                "link": it.link,
                "date": it.date.isoformat(),
                "read": it.read,
            }
            for it in story.items
        ],
    }


def _line(text: str) -> str:
    return clean_text(text)


def cmd_stories(args: argparse.Namespace, ctx: Context) -> int:
    services, store = ctx.services, ctx.store
    if not services.stories_grouped():
        where = _line(services.config_file() or "the config")
        if args.regroup:
            print(f"reader: story grouping is off ([stories] group = false in {where})", file=sys.stderr)
            return 2
        print(
            f"reader: story grouping is off ([stories] group = false in {where}): new items join no story",
            file=sys.stderr,
        )
    elif args.regroup:
        with services.fetch_lock() as lock:  # no poll may store items while the stories are rebuilt
            lock.acquire(timeout=120)
            regroup(store, sys.stderr)
    pending = store.ungrouped_count() if services.stories_grouped() else 0
    if pending and not args.regroup:
        print(
            f"reader: {pending} items from before stories existed are not grouped yet; "
            "run `reader stories --regroup` (or open the reader, which groups them in the background)",
            file=sys.stderr,
        )
    stories = store.stories(unread_only=args.unread, limit=args.limit or DEFAULT_LIMIT, with_items=True)
    out = sys.stdout
    if args.json:
        json.dump([_story_json(s) for s in stories], out, ensure_ascii=False, indent=1)
        out.write("\n")
        return 0
    for s in stories:
        marker = "N" if s.unread_count else " "
        if s.rejoined:
            marker = "+"
        outlets = f"{s.feed_count} outlet{'s' if s.feed_count != 1 else ''}"
        out.write(f"{s.id:>7} {marker} {s.newest:%Y-%m-%d %H:%M}  {outlets:<11} {_line(s.lead_title)}\n")
        for it in s.items:
            flag = " " if it.read else "N"
            out.write(f"{'':>9}{it.id:>7} {flag} {_line(it.feed_title)[:24]:<24}  {_line(it.title)}\n")
    return 0


def regroup(store: Store, stream: TextIO) -> int:
    """Re-group the whole archive, printing progress to `stream`."""
    tty = stream.isatty()

    def progress(done: int, total: int) -> None:
        end = "\r" if tty and done < total else "\n"
        if tty or done == total or done % 5000 < 500:
            stream.write(f"grouping {done}/{total} items{end}")
            stream.flush()

    n = store.group_pending(progress, restart=True)
    stream.write(f"Grouped {n} items into {store.story_count()} stories.\n")
    return n


def cmd_topics(args: argparse.Namespace, ctx: Context) -> int:
    store = ctx.store
    topics = store.topics()
    if args.json:
        rows = [
            {"name": t.name, "query": t.query, "origin": t.origin, "unread": t.unread_count} for t in topics
        ]
        json.dump(rows, sys.stdout, ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
        return 0
    if not topics:
        print(
            'No topics. Add some to the config, e.g.\n[topics]\nexports = \'"export controls" OR "entity list"\''
        )
    for t in topics:
        print(f"{t.unread_count:>6} unread  {_line(t.name)}: {_line(t.query)}")
    return 0
