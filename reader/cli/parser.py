"""`reader`'s arguments: the top-level options and one sub-parser per command, with their help."""

from __future__ import annotations

import argparse
import math
from collections.abc import Sequence

from reader import __version__
from reader.models import FULLTEXT_POLICIES

EPILOG = """\
global options go before the command, e.g.  reader --data-dir /tmp/r fetch --all
environment: READER_CONFIG (config file), READER_DATA_DIR (data directory), NO_COLOR (plain colours)
"""

FETCH_HELP = """Poll the feeds that are due (each feed's schedule follows its interval, the server's
Cache-Control/Expires/Retry-After headers, RSS <ttl> and backoff after failures), store new items, and prefetch
their full text where the feed's policy says so. Exits 0 when the run completed, even if some feeds failed;
1 with one message when nothing could be stored (a damaged database, a full disk) or another fetch holds the
lock. With --quiet it prints nothing unless something failed (for cron)."""

# SQLite integers are signed 64-bit: a larger id or limit cannot name anything.
MAX_INT = 2**63 - 1


def positive_int(text: str) -> int:
    """An argparse type: a whole number from 1 to 2**63 - 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text[:40]!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be positive: {text[:40]!r}")
    if value > MAX_INT:
        raise argparse.ArgumentTypeError(f"too large: {text[:40]!r} (at most {MAX_INT})")
    return value


def seconds(text: str) -> float:
    """An argparse type: a finite, non-negative number of seconds."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text[:40]!r}") from None
    if not math.isfinite(value) or value < 0:
        raise argparse.ArgumentTypeError(f"must be a finite number of seconds, 0 or more: {text[:40]!r}")
    return value


# The options that go before the command, and whether each takes a value.
GLOBAL_OPTIONS = {"--config": True, "--data-dir": True}


def parse_arguments(argv: Sequence[str]) -> argparse.Namespace:
    """The parsed command line. Opening the reader (global options at most, no command) skips building the
    sub-parsers of every command, a few milliseconds of start-up; anything else (a command, --help, a
    mistake) goes through the whole parser, with its help and messages."""
    if _global_options_only(argv):
        return build_parser(commands=False).parse_args(argv)
    return build_parser().parse_args(argv)


def _global_options_only(argv: Sequence[str]) -> bool:
    args = iter(argv)
    for arg in args:
        name, eq, _ = arg.partition("=")
        if name not in GLOBAL_OPTIONS or not arg.startswith("--"):
            return False
        if not eq and next(args, None) is None:
            return False  # `--config` with no value: the whole parser says what is wrong
    return True


def build_parser(commands: bool = True) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="reader",
        description="A terminal feed reader: polite polling, clean full text, keyboard first. "
        "With no command, opens the reader (which needs a terminal).",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "--config", metavar="PATH", help="config file (default: the platform config dir; $READER_CONFIG)"
    )
    p.add_argument("--data-dir", metavar="DIR", help="where the database lives ($READER_DATA_DIR)")
    p.add_argument("--version", action="version", version=f"reader {__version__}")
    if not commands:
        p.set_defaults(command=None)
        return p
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    f = sub.add_parser("fetch", help="poll the feeds that are due", description=FETCH_HELP)
    f.add_argument("--all", action="store_true", help="poll every feed now, ignoring schedules and backoff")
    f.add_argument(
        "--feed", action="append", default=[], metavar="URL", help="poll only this feed (repeatable)"
    )
    f.add_argument("--no-fulltext", action="store_true", help="skip prefetching full text for this run")
    f.add_argument("--quiet", "-q", action="store_true", help="print nothing unless something failed")
    f.add_argument(
        "--lock-timeout",
        type=seconds,
        default=120.0,
        metavar="SECONDS",
        help="how long to wait for another running fetch to finish (default 120)",
    )

    ls = sub.add_parser("list", help="list items, newest first", description="List items, newest first.")
    ls.add_argument("--unread", action="store_true", help="only unread items")
    ls.add_argument("--saved", action="store_true", help="only saved items")
    ls.add_argument(
        "--muted", action="store_true", help="only items a [mute] rule marked read as they arrived"
    )
    ls.add_argument("--feed", metavar="URL", help="only items of this feed")
    ls.add_argument("--tag", metavar="TAG", help="only items of feeds with this tag")
    ls.add_argument("--search", metavar="TEXT", help="full-text search over titles and text")
    ls.add_argument(
        "--topic", metavar="NAME", help="only items matching this tracked topic ([topics] in the config)"
    )
    ls.add_argument("--limit", type=positive_int, metavar="N", help="at most N items (default: all)")
    ls.add_argument("--json", action="store_true", help="one JSON array of objects (times in ISO 8601, UTC)")

    st = sub.add_parser(
        "stories",
        help="list stories: the same news from several feeds, grouped",
        description="List stories (items from one or more feeds that report the same news), newest first, "
        "each with its items. --regroup rebuilds every story from the archive (with progress).",
    )
    st.add_argument("--unread", action="store_true", help="only stories with unread items")
    st.add_argument("--limit", type=positive_int, metavar="N", help="at most N stories (default: 50)")
    st.add_argument("--json", action="store_true", help="one JSON array of objects")
    st.add_argument("--regroup", action="store_true", help="re-group the whole archive, then list")

    tp = sub.add_parser("topics", help="list tracked topics with unread counts", description="List topics.")
    tp.add_argument("--json", action="store_true", help="one JSON array of objects")

    fd = sub.add_parser(
        "feeds",
        help="list feeds with counts and health",
        description="List the feeds that are polled. --all also lists those no longer polled that still hold "
        "items (dropped from the config, unsubscribed but holding saved items, Saved pages), saying why.",
    )
    fd.add_argument("--json", action="store_true", help="one JSON array of objects")
    fd.add_argument(
        "--all",
        action="store_true",
        help='also the feeds no longer polled that still hold items (JSON: "active": false)',
    )

    a = sub.add_parser(
        "add",
        help="subscribe to a feed",
        description="Subscribe to a feed (URL or local file). The URL is tried first: a file that does not "
        "exist or a server answering 404 is an error, not a subscription. Adding a feed again changes only "
        "the settings given.",
    )
    a.add_argument("url", metavar="URL")
    a.add_argument("--title", metavar="T", help="a title of your own")
    a.add_argument("--tag", action="append", default=[], metavar="T", help="a tag (repeatable)")
    a.add_argument("--interval", metavar="DURATION", help="poll interval, e.g. 30m, 2h (1m to 30d)")
    a.add_argument("--fulltext", choices=FULLTEXT_POLICIES, help="full-text policy for this feed")
    a.add_argument("--no-check", action="store_true", help="add without trying the URL first (offline)")

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
    ex.add_argument("file", nargs="?", metavar="FILE", help="output file (default, or -: standard output)")

    for name, text in (
        ("save", "save items (kept forever, with their full text, fetched now)"),
        ("unsave", "unsave items"),
        ("mark-unread", "mark items unread"),
    ):
        m = sub.add_parser(name, help=text, description=text.capitalize() + ".")
        m.add_argument("ids", nargs="+", type=positive_int, metavar="ID", help="item ids (see `reader list`)")
        if name == "save":
            m.add_argument(
                "--no-fulltext",
                action="store_true",
                help="do not fetch the full text now (the next `reader fetch` does, per the feed's policy)",
            )
    mr = sub.add_parser(
        "mark-read",
        help="mark items read (by id, or a whole feed or tag)",
        description="Mark items read: the ids given, or every unread item of a feed (--feed) or tag (--tag).",
    )
    mr.add_argument("ids", nargs="*", type=positive_int, metavar="ID", help="item ids (see `reader list`)")
    scope = mr.add_mutually_exclusive_group()
    scope.add_argument("--feed", metavar="URL", help="every unread item of this feed")
    scope.add_argument("--tag", metavar="TAG", help="every unread item of the feeds with this tag")

    e = sub.add_parser(
        "extract",
        help="print the clean article of a page (reader mode)",
        description="Fetch or read a page and print its clean article text.",
    )
    e.add_argument("source", metavar="URL|FILE|-")
    e.add_argument("--format", choices=("markdown", "text", "json"), default="markdown")
    e.add_argument("--url", metavar="BASE", help="the page's URL, for resolving links (files and stdin)")
    e.add_argument(
        "--content",
        metavar="CSS",
        help="try a site rule: CSS selector of the element(s) holding the article (instead of [sites])",
    )
    e.add_argument(
        "--remove",
        metavar="CSS",
        help="try a site rule: CSS selector of elements to drop from the page first",
    )

    es = sub.add_parser(
        "export-saved",
        help="write saved items as Markdown files, with their full text",
        description="Write every saved item to DIR as a Markdown file (DATE-TITLE-ID.md) with a small header "
        "(title, feed, link, author, dates) and the article: the cached full text, else the feed's content "
        "(the same text `reader show` prints).",
    )
    es.add_argument("dir", metavar="DIR")

    sp = sub.add_parser(
        "save-page",
        help="save a web page that came from no feed, with its full text",
        description='Fetch a web page, put it through reader mode and keep it as a saved item (in "Saved '
        'pages"), like a saved feed item: listed, searchable, exported. A page already in the archive is '
        "saved where it is; one that cannot be fetched is saved by its address, with the reason.",
    )
    sp.add_argument("url", metavar="URL")
    sp.add_argument("--title", metavar="T", help="a title of your own (default: the page's)")

    sh = sub.add_parser(
        "show",
        help="print an item's article (the cached full text, else the feed's own content)",
        description="Print an item's article from the archive: the cached full text when there is one, "
        "else the feed's own content. Works offline.",
    )
    sh.add_argument("id", type=positive_int, metavar="ID", help="an item id (see `reader list`)")
    sh.add_argument("--format", choices=("markdown", "text", "json"), default="markdown")
    sh.add_argument("--mark-read", action="store_true", help="also mark the item read")
    return p
