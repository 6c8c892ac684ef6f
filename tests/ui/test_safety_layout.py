"""Hostile feed text, keymaps and help, the palette, feed health, narrow terminals, NO_COLOR and state."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from uifakes import NOW, FakeServices, outcome, screen_text

from reader.models import ParsedItem, View, ViewKind
from reader.store.feeds import Store
from reader.ui.app import ReaderApp
from reader.ui.screens.health import FeedHealthScreen
from reader.ui.screens.help import HelpScreen
from reader.ui.screens.main import MainScreen

HOSTILE = [
    "[bold red]x",
    "[/]",
    "[@click=app.quit]click[/]",
    "[link=file:///etc/passwd]x[/link]",
    "esc \x1b]52;c;aGVsbG8=\x07 and \x1b[2J clear",
]


def main(app: ReaderApp) -> MainScreen:
    assert isinstance(app.screen, MainScreen)
    return app.screen


@pytest.fixture
def hostile_services(tmp_path: Path) -> FakeServices:
    db = tmp_path / "hostile.db"
    with Store.open(db) as store:
        feed = store.add_feed("https://evil.example/feed", "[red]Evil[/] \x1b[31mfeed", ["[b]tag"])
        items = [
            ParsedItem(
                key=f"k{n}",
                title=title,
                link="javascript:alert(1)" if n == 0 else f"https://evil.example/{n}",
                author="[i]mallory[/i]",
                summary="<p>[@click=app.quit]body[/] <script>alert(1)</script>\x1b[2J</p>",
                published=NOW - timedelta(hours=n + 1),
                content_hash=str(n),
            )
            for n, title in enumerate(HOSTILE)
        ]
        store.apply_fetch(feed, outcome(feed.url, items))
    return FakeServices(db, policy="off")


async def test_hostile_text_renders_literally_and_writes_no_escapes(
    make: Callable[..., ReaderApp], hostile_services: FakeServices
) -> None:
    app = make(hostile_services)
    async with app.run_test(size=(140, 40)) as pilot:
        await app.workers.wait_for_complete()  # the feed counts, read at start
        await pilot.pause()
        text = screen_text(app)
        for title in HOSTILE[:4]:
            assert title in text
        assert "[red]Evil[/]" in text and "[b]tag" in text
        assert "\x1b" not in text
        # Open each item; clicking around must not run actions from the text.
        for _ in HOSTILE:
            await pilot.press("enter")
            await app.workers.wait_for_complete()
            await pilot.pause()
            await app.workers.wait_for_complete()
            await pilot.pause()
            await pilot.click("#article-header", offset=(3, 0))
            await pilot.click("#article-body", offset=(3, 0))
            assert app.is_running
            assert "\x1b" not in screen_text(app)
            await pilot.press("j")
        assert "[@click=app.quit]body[/]" in screen_text(app)
        await pilot.press("o")  # javascript: links never open
        assert app.is_running


async def test_hostile_notification_and_health_screen(
    make: Callable[..., ReaderApp], hostile_services: FakeServices
) -> None:
    hostile_services.failing = {"https://evil.example/feed": "[/] broken [@click=app.quit]x[/]"}
    app = make(hostile_services)
    async with app.run_test(size=(140, 40)) as pilot:
        await app.workers.wait_for_complete()  # the feed counts, read at start
        await pilot.press("R")
        await app.workers.wait_for_complete()
        await pilot.press("H")
        await pilot.pause()
        assert isinstance(app.screen, FeedHealthScreen)
        assert "[/] broken [@click=app.quit]x[/]" in screen_text(app)


async def test_help_lists_every_key_with_remaps(
    make: Callable[..., ReaderApp], services: FakeServices
) -> None:
    app = make(keys={"next_unread": "x", "toggle_saved": "ctrl+s"})
    async with app.run_test(size=(140, 50)) as pilot:
        await app.workers.wait_for_complete()  # the feed counts, read at start
        screen = main(app)
        await pilot.press("x")  # remapped next_unread
        await app.workers.wait_for_complete()
        assert screen.headlines.cursor == 1 and screen.open_item is not None
        await pilot.press("n")  # the old key no longer does it
        assert screen.headlines.cursor == 1
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        text = screen_text(app)
        for described in (
            "Next unread",
            "Mark view read",
            "Undo",
            "Search",
            "Focus mode",
            "Feed health",
            "Quit",
        ):
            assert described in text
        assert "x      " in text or "x  " in text
        assert "^s" in text or "ctrl+s" in text
        await pilot.press("escape")
        assert isinstance(app.screen, MainScreen)


async def test_command_palette_runs_actions(make: Callable[..., ReaderApp]) -> None:
    app = make()
    async with app.run_test(size=(140, 40)) as pilot:
        await app.workers.wait_for_complete()  # the feed counts, read at start
        screen = main(app)
        await pilot.press("ctrl+p")
        await pilot.press(*"focus mode")
        await app.workers.wait_for_complete()  # the palette's search, started by the last key
        await pilot.pause()
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.pause()
        assert screen.zen
        await pilot.press("ctrl+p", *"theme: nord")
        await app.workers.wait_for_complete()  # the palette's search, started by the last key
        await pilot.pause()
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.pause()
        assert app.theme == "nord"


async def test_theme_from_settings(make: Callable[..., ReaderApp]) -> None:
    app = make(theme="gruvbox")
    async with app.run_test(size=(100, 30)):
        assert app.theme == "gruvbox"


async def test_narrow_terminal_hides_feeds_until_tab(make: Callable[..., ReaderApp]) -> None:
    app = make()
    async with app.run_test(size=(80, 24)) as pilot:
        await app.workers.wait_for_complete()  # the feed counts, read at start
        screen = main(app)
        await pilot.pause()
        assert screen.has_class("narrow")
        assert screen.feed_list.region.width == 0
        assert screen.headlines.region.width >= 78
        await pilot.press("shift+tab")
        await pilot.pause()
        assert screen.feed_list.has_focus and screen.feed_list.region.width > 0
        await pilot.press("down", "enter")  # Unread view, back to the list
        await app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.pause()
        assert screen.view.kind is ViewKind.UNREAD and screen.headlines.has_focus
        assert screen.feed_list.region.width == 0


async def test_no_color_is_usable(make: Callable[..., ReaderApp], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    app = make()
    async with app.run_test(size=(140, 40)) as pilot:
        await app.workers.wait_for_complete()  # the feed counts, read at start
        await pilot.press("j", "enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.no_color
        strips = app.screen._compositor.render_strips()
        cursor_row = strips[1]  # row 1 of the headline list holds the cursor
        assert any(seg.style is not None and seg.style.reverse for seg in cursor_row)


async def test_view_and_selection_are_restored(
    make: Callable[..., ReaderApp], services: FakeServices
) -> None:
    with Store.open(services.db_path) as store:
        feed = store.feeds()[1]
    app = make()
    async with app.run_test(size=(140, 40)) as pilot:
        await app.workers.wait_for_complete()  # the feed counts, read at start
        main(app).set_view(View(kind=ViewKind.FEED, feed_id=feed.id))
        await pilot.press("j", "j")
        chosen = main(app).headlines.highlighted
    again = make()
    async with again.run_test(size=(140, 40)) as pilot:
        await again.workers.wait_for_complete()  # the feed counts, read at start
        await pilot.pause()
        screen = main(again)
        assert screen.view == View(kind=ViewKind.FEED, feed_id=feed.id)
        assert chosen is not None and screen.headlines.highlighted is not None
        assert screen.headlines.highlighted.id == chosen.id


async def test_unknown_binding_ids_in_keys_are_reported_once(make: Callable[..., ReaderApp]) -> None:
    app = make(keys={"next_unrad": "x", "toggle_saved": "ctrl+s"})
    async with app.run_test(size=(140, 40)) as pilot:
        await app.workers.wait_for_complete()  # the feed counts, read at start
        await pilot.pause()
        notes = [n.message for n in app._notifications]
        assert len(notes) == 1 and "next_unrad" in notes[0] and "toggle_saved" not in notes[0]
