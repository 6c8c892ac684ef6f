"""The command line's entry point: parse, load the config, open the store, run one command, and turn every
failure into one `reader: ...` line with an exit status (2: usage or config, 1: could not be done).

The commands live by family in `fetch.py`, `items.py`, `subscriptions.py`, `saved.py` and `extract.py`.
"""

from __future__ import annotations

import argparse
import errno
import os
import sys
from collections.abc import Callable, Sequence

from reader.cli.context import Context, fail
from reader.cli.parser import parse_arguments
from reader.config.loader import load_config
from reader.config.model import Config
from reader.errors import ConfigError, ReaderError
from reader.locations import Locations, resolve_locations
from reader.models import SiteRule
from reader.services import ReaderServices
from reader.startmode import end as end_start_mode

# Errors writing our own output (`reader list > /dev/full`): the OS reports them without a file name.
_OUTPUT_ERRNOS = frozenset({errno.ENOSPC, errno.EIO, errno.EFBIG, errno.EDQUOT, errno.EBADF})


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_arguments(sys.argv[1:] if argv is None else argv)
    if sys.stdout is None:  # started with stdout closed (`reader list >&-`): Python leaves None there
        return fail("standard output is closed; nothing can be printed", 1)
    try:
        status = _dispatch(args)
        sys.stdout.flush()  # a full disk behind stdout shows here, not as a traceback at exit
        return status
    except ConfigError as exc:
        return fail(str(exc), 2)
    except ReaderError as exc:
        return fail(str(exc), 1)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `reader list | head`: the reader of our output has gone, which is fine
        _silence_stdout()
        return 0
    except OSError as exc:
        if exc.filename is None and exc.errno in _OUTPUT_ERRNOS:
            _silence_stdout()
            return fail(f"cannot write the output: {exc.strerror or exc}", 1)
        return _internal(exc)
    except Exception as exc:  # the last line of defence: a message, never a traceback
        return _internal(exc)


def _internal(exc: Exception) -> int:
    if os.environ.get("READER_DEBUG"):
        raise exc
    return fail(f"internal error: {type(exc).__name__}: {exc} (set READER_DEBUG=1 for details)", 1)


def _silence_stdout() -> None:
    """Point stdout at /dev/null, so the interpreter's last flush of what is still buffered cannot fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):
        pass


def _dispatch(args: argparse.Namespace) -> int:
    locations = resolve_locations(args.config, args.data_dir, os.environ)
    config = load_config(locations.config_path, must_exist=locations.config_explicit)
    if args.command is not None:
        end_start_mode()  # (the TUI ends it once its first screen is on the terminal)
    if args.command is None and not (sys.stdin.isatty() and sys.stdout.isatty()):
        which = "standard input" if not sys.stdin.isatty() else "standard output"
        return fail(
            f"the reader needs a terminal, and {which} is not one; in scripts and cron use a command "
            "such as `reader fetch` or `reader list` (see `reader --help`)",
            2,
        )
    if args.command == "extract":
        from reader.cli.extract import run_extract

        sites = _site_rules(config, locations)
        return run_extract(args.source, args.format, args.url, sites, config, args.content, args.remove)
    services = ReaderServices(locations, config)
    if args.command is None:
        return _run_tui(services, config, locations)
    store = services.open_store()
    try:
        return int(_handler(args.command)(args, Context(services, store, config, locations)))
    finally:
        store.close()


def _site_rules(config: Config, locations: Locations) -> tuple[SiteRule, ...]:
    """The site rules in force for `reader extract`: the config's, and those saved from the TUI when there is
    an archive (extract never creates one; an archive it cannot read leaves the config's)."""
    if not locations.db_path.is_file():
        return config.sites
    from reader.fetch.site_rules import rules_in_force
    from reader.store.feeds import Store

    try:
        with Store.open(locations.db_path) as store:
            return rules_in_force(config.sites, store)
    except ReaderError:
        return config.sites


def _handler(command: str) -> Callable[[argparse.Namespace, Context], int]:
    # Imported per command: `reader list` never loads the fetching stack.
    if command == "fetch":
        from reader.cli.fetch import cmd_fetch

        return cmd_fetch
    if command in ("feeds", "add", "remove", "import", "export"):
        from reader.cli import subscriptions

        return {
            "feeds": subscriptions.cmd_feeds,
            "add": subscriptions.cmd_add,
            "remove": subscriptions.cmd_remove,
            "import": subscriptions.cmd_import,
            "export": subscriptions.cmd_export,
        }[command]
    if command == "sync":
        from reader.cli.sync import cmd_sync

        return cmd_sync
    if command in ("stories", "topics"):
        from reader.cli import stories

        return stories.cmd_stories if command == "stories" else stories.cmd_topics
    if command == "export-saved":
        from reader.cli.saved import cmd_export_saved

        return cmd_export_saved
    if command == "save-page":
        from reader.cli.saved import cmd_save_page

        return cmd_save_page
    from reader.cli import items

    return {
        "list": items.cmd_list,
        "show": items.cmd_show,
        "save": items.cmd_save,
        "unsave": items.cmd_mark,
        "mark-read": items.cmd_mark,
        "mark-unread": items.cmd_mark,
    }[command]


def _run_tui(services: ReaderServices, config: Config, locations: Locations) -> int:
    from reader.ui.app import run_app
    from reader.ui.settings import UISettings
    from reader.ui.stylecache import STYLE_CACHE_NAME

    # Open the database once before the UI takes the terminal, so a bad data dir or database is one clear
    # message here (exit 1), never a traceback inside the app.
    store = services.open_store()
    try:
        store.feeds()
        store.headlines(limit=1)  # reads an item row without counting the archive
    finally:
        store.close()
    general = config.general
    settings = UISettings(
        refresh_on_start=general.refresh_on_start,
        auto_refresh=general.auto_refresh,
        default_interval=general.poll_interval,
        mark_read_on_open=general.mark_read_on_open,
        theme=general.theme,
        keys=config.keys,
        state_path=locations.data_dir / "ui-state.json",
        style_cache=locations.cache_dir / STYLE_CACHE_NAME,
        sync=config.sync is not None,
        link_identifiers=general.link_identifiers,
    )
    return int(run_app(services, settings))
