"""Feeds no longer polled (dropped from the config, Saved pages) stay in the feed pane, apart under "Not polled",
with their counts in All / Unread; they open like any feed and a refresh never asks their server for anything.
The real services over a real SQLite file, fed by the `reader` command from a real loopback server."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

from clirun import run_cli
from feedbuild import rss
from httpserver import LoopbackServer
from textual.pilot import Pilot
from uifakes import screen_text

from reader.config.loader import parse_config
from reader.locations import resolve_locations
from reader.models import View, ViewKind
from reader.services import ReaderServices
from reader.store.feeds import Store
from reader.ui.app import ReaderApp, make_app
from reader.ui.screens.main import MainScreen
from reader.ui.settings import UISettings
from reader.ui.widgets.feeds import NOT_POLLED_ID


def write_config(path: Path, *urls: str) -> None:
    path.write_text("".join(f'[[feeds]]\nurl = "{url}"\n' for url in urls))


async def cli(config: Path, data: Path, *args: str) -> None:
    """The `reader` command (off the test's event loop: it runs one of its own)."""
    proc = await asyncio.to_thread(run_cli, config, data, *args)
    assert proc.returncode == 0, proc.stderr


def services_for(config: Path, data: Path) -> ReaderServices:
    locations = resolve_locations(str(config), str(data), os.environ)
    return ReaderServices(locations, parse_config(config.read_text(), source=config))


async def with_a_dropped_feed(
    tmp_path: Path, server: LoopbackServer, kept_items: int, dropped_items: int
) -> tuple[ReaderServices, str]:
    """A data folder fed by `reader fetch` from two loopback feeds, then a config that lists only the first:
    the services over it, and the dropped feed's address."""
    kept = server.serve("/kept.xml", rss(kept_items, title="Kept feed"))
    dropped = server.serve("/dropped.xml", rss(dropped_items, title="Dropped feed", start=10))
    config, data = tmp_path / "config.toml", tmp_path / "data"
    write_config(config, kept, dropped)
    await cli(config, data, "fetch", "--all", "--no-fulltext")
    write_config(config, kept)  # the config no longer lists the second feed
    return services_for(config, data), dropped


async def counted(app: ReaderApp, pilot: Pilot[None]) -> MainScreen:
    """The main screen once the start-up count has landed in the feed pane."""
    await app.workers.wait_for_complete()
    await pilot.pause()
    screen = app.screen
    assert isinstance(screen, MainScreen)
    return screen


def rows_of(screen: MainScreen) -> list[str]:
    return [str(o.id) for o in screen.feed_list._options if o is not None]


def row_text(screen: MainScreen, option_id: str) -> str:
    return str(screen.feed_list.get_option(option_id).prompt)


async def test_a_feed_dropped_from_the_config_is_listed_apart_counted_opened_and_never_polled(
    tmp_path: Path, http_server: LoopbackServer
) -> None:
    services, dropped = await with_a_dropped_feed(tmp_path, http_server, 2, 4)
    with services.open_store() as store:
        gone = store.feed_by_url(dropped)
        assert gone is not None and not gone.active
        first = store.headlines(View(kind=ViewKind.FEED, feed_id=gone.id))[0]
        store.set_read([first.id])  # 3 of its 4 items unread
        unread_listed = store.count(View(kind=ViewKind.UNREAD))
    assert unread_listed == 2 + 3
    http_server.reset_log()
    app = make_app(services, UISettings(refresh_on_start=False, auto_refresh=None, state_path=tmp_path / "s"))
    async with app.run_test(size=(120, 30)) as pilot:
        screen = await counted(app, pilot)
        rows = rows_of(screen)
        dropped_row = f"feed:{gone.id}@,not-polled"
        # Apart: after the polled feed, under its own heading, with its unread count.
        assert rows.index(f"feed:{gone.id - 1}") < rows.index(NOT_POLLED_ID) < rows.index(dropped_row)
        assert row_text(screen, dropped_row).split()[-2:] == ["feed", "3"]
        assert "Not polled" in row_text(screen, NOT_POLLED_ID) and row_text(screen, NOT_POLLED_ID).endswith(
            "3"
        )
        # All and Unread count every listed item, this feed's too.
        assert row_text(screen, "all").endswith(f" {unread_listed}")
        assert row_text(screen, "unread").endswith(f" {unread_listed}")
        assert "Not polled" in screen_text(app) and "Dropped feed" in screen_text(app)
        # The keys walk into the section: the heading, then the feed, which opens with Enter.
        await pilot.press("shift+tab")
        assert screen.feed_list.has_focus
        screen.feed_list.highlighted = rows.index(f"feed:{gone.id - 1}")
        await pilot.press("j")
        assert screen.feed_list.highlighted_option is not None
        assert screen.feed_list.highlighted_option.id == NOT_POLLED_ID
        await pilot.press("j", "enter")
        await pilot.pause()
        assert screen.view.kind is ViewKind.FEED and screen.view.feed_id == gone.id
        assert screen.headlines.pager.total == 4 and screen.headlines.has_focus
        # A mark on one of its items moves its count and All's, as on any feed.
        await pilot.press("j")  # (the first is the one read before)
        unread_before = screen.headlines.highlighted
        assert unread_before is not None and not unread_before.read
        await pilot.press("m")
        await pilot.pause()
        assert row_text(screen, dropped_row).endswith(" 2") and row_text(screen, "all").endswith(
            f" {unread_listed - 1}"
        )
        await pilot.press("m")
        await pilot.pause()
        assert row_text(screen, dropped_row).endswith(" 3") and row_text(screen, "all").endswith(
            f" {unread_listed}"
        )
        # Refreshing it asks nothing of its server and says why; refreshing everything polls only the other.
        await pilot.press("r")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "not polled" in screen.status.text and "config" in screen.status.text
        await pilot.press("R")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert http_server.count("/kept.xml") == 1
        assert http_server.count("/dropped.xml") == 0
        # Folding the section hides its feed; its count stays on the heading.
        await pilot.press("shift+tab")
        screen.feed_list.highlighted = rows_of(screen).index(NOT_POLLED_ID)
        await pilot.press("space")
        assert dropped_row not in rows_of(screen) and row_text(screen, NOT_POLLED_ID).endswith("3")
        # Going to the feed (from a link, a search, the state of the last run) unfolds it again.
        screen.set_view(View())
        screen.set_view(View(kind=ViewKind.FEED, feed_id=gone.id))
        await pilot.pause()
        assert dropped_row in rows_of(screen)
        assert screen.feed_list.highlighted_option is not None
        assert screen.feed_list.highlighted_option.id == dropped_row


async def test_removing_a_dropped_feed_in_the_tui_deletes_its_unsaved_items_and_rename_says_why_not(
    tmp_path: Path, http_server: LoopbackServer
) -> None:
    services, dropped = await with_a_dropped_feed(tmp_path, http_server, 1, 3)
    with services.open_store() as store:
        gone = store.feed_by_url(dropped)
        assert gone is not None
        keep = store.headlines(View(kind=ViewKind.FEED, feed_id=gone.id))[0].id
        store.set_saved(keep)
    app = make_app(services, UISettings(refresh_on_start=False, auto_refresh=None, state_path=tmp_path / "s"))
    async with app.run_test(size=(120, 30)) as pilot:
        screen = await counted(app, pilot)
        await pilot.press("shift+tab")
        screen.feed_list.highlighted = rows_of(screen).index(f"feed:{gone.id}@,not-polled")
        await pilot.pause()
        await pilot.press("e")  # no prompt: why it cannot be renamed
        assert isinstance(app.screen, MainScreen)
        assert "Cannot rename Dropped feed" in screen.status.text and "config" in screen.status.text
        await pilot.press("D")
        await pilot.pause()
        assert "Delete the unsaved items of Dropped feed?" in screen_text(app)
        await pilot.press("y")
        await app.workers.wait_for_complete()
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "Deleted the unsaved items of Dropped feed" in screen.status.text
        assert f"feed:{gone.id}@,not-polled" in rows_of(screen)  # still there: it holds the saved item
    with Store.open(tmp_path / "data" / "reader.db") as store:
        assert [h.id for h in store.headlines(View(kind=ViewKind.FEED, feed_id=gone.id))] == [keep]
        assert store.count(View()) == 2


async def test_saved_pages_show_in_the_pane_as_their_own_row(
    tmp_path: Path, http_server: LoopbackServer
) -> None:
    page = (
        "<html><head><title>A page no feed carries</title></head><body><article><h1>A page no feed carries</h1>"
        + "".join(
            f"<p>Paragraph {n} of a page about the spectrum auction and its rules.</p>" for n in range(8)
        )
        + "</article></body></html>"
    )
    url = http_server.serve("/page.html", page, content_type="text/html; charset=utf-8")
    feed = http_server.serve("/f.xml", rss(2))
    config, data = tmp_path / "config.toml", tmp_path / "data"
    write_config(config, feed)
    await cli(config, data, "save-page", url)
    services = services_for(config, data)
    app = make_app(services, UISettings(refresh_on_start=False, auto_refresh=None, state_path=tmp_path / "s"))
    async with app.run_test(size=(120, 30)) as pilot:
        screen = await counted(app, pilot)
        rows = rows_of(screen)
        pages = next(r for r in rows if r.endswith("@,not-polled"))
        assert rows.index(NOT_POLLED_ID) < rows.index(pages)
        assert row_text(screen, pages).split()[-3:] == ["Saved", "pages", "1"]
        assert row_text(screen, "all").endswith(" 1") and row_text(screen, "saved").endswith(" 1")
        # Dim in the theme's muted colour, and in the next theme's after a switch.
        dim = {str(span.style) for span in screen.feed_list.get_option(pages).prompt.spans}  # type: ignore[union-attr]
        assert dim == {screen.feed_list._idle}
        app.theme = "textual-light"
        await pilot.pause()
        light = {str(span.style) for span in screen.feed_list.get_option(pages).prompt.spans}  # type: ignore[union-attr]
        assert light == {screen.feed_list._idle} and light != dim
        await pilot.press("shift+tab")
        screen.feed_list.highlighted = rows.index(pages)
        await pilot.pause()
        assert screen.headlines.pager.total == 1
        assert screen.headlines.highlighted is not None
        assert screen.headlines.highlighted.title == "A page no feed carries"
        await pilot.press("R")
        await app.workers.wait_for_complete()
        assert http_server.count("/page.html") == 1  # saved once; never polled
