"""What readers of newsboat, newsraft and eilmeldung expect: managing feeds, space to the next unread, numbered
links, sort orders, marking many read, search scope, remembered theme and layout, health, honest copying."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from httpserver import LoopbackServer
from textual.color import Color
from uifakes import ARTICLE, FEEDS, FakeServices, screen_text

from reader.models import View, ViewKind
from reader.store.feeds import Store
from reader.ui.app import ReaderApp
from reader.ui.commands import ACTION_HELP, ReaderCommands
from reader.ui.screens.confirm import ConfirmScreen
from reader.ui.screens.feedform import FeedFormScreen
from reader.ui.screens.health import FeedHealthScreen
from reader.ui.screens.main import MainScreen
from reader.ui.screens.numberprompt import NumberPromptScreen
from reader.ui.screens.prompt import PromptScreen
from reader.ui.screens.search import FEED_TEXT_MARK, SearchScreen


def main(app: ReaderApp) -> MainScreen:
    assert isinstance(app.screen, MainScreen)
    return app.screen


async def settle(app: ReaderApp, pilot: object) -> None:
    await app.workers.wait_for_complete()
    await pilot.pause()  # type: ignore[attr-defined]


# ---------------------------------------------------------------------- feeds


async def test_add_a_feed_from_the_tui_validates_like_reader_add(
    make: Callable[..., ReaderApp], services: FakeServices, tmp_path: Path
) -> None:
    feed_file = tmp_path / "new.xml"
    feed_file.write_text("<rss version='2.0'><channel><title>n</title></channel></rss>")
    app = make()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = main(app)
        await pilot.press("a")
        await pilot.pause()
        assert isinstance(app.screen, FeedFormScreen)
        await pilot.press("enter")  # no address yet: the form stays, saying so
        await pilot.pause()
        assert isinstance(app.screen, FeedFormScreen) and "Type the feed's address first" in screen_text(app)
        await pilot.press(*"htp:/x", "enter")
        await settle(app, pilot)
        # Rejected: the form comes back with the reason, nothing was added.
        assert isinstance(app.screen, FeedFormScreen)
        assert "unsupported scheme 'htp'" in screen_text(app)
        with Store.open(services.db_path) as store:
            assert len(store.feeds()) == len(FEEDS)
        form_url = app.screen.query_one("#form-url")
        form_url.value = str(feed_file)  # type: ignore[attr-defined]
        await pilot.press("tab", *"Mine", "tab", *"ai, eu", "tab", *"5s", "enter")
        await settle(app, pilot)
        assert isinstance(app.screen, FeedFormScreen)  # too often: the config's floor applies here too
        assert "poll interval must be between 1m" in screen_text(app)
        interval = app.screen.query_one("#form-interval")
        interval.value = "2h"  # type: ignore[attr-defined]
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, MainScreen)
        with Store.open(services.db_path) as store:
            added = store.feed_by_url(feed_file.as_uri())
        assert added is not None and added.title == "Mine" and added.tags == ("ai", "eu")
        assert added.poll_interval == 7200
        assert screen.view.kind is ViewKind.FEED and screen.view.feed_id == added.id
        assert services.polls[-1] == [added.id]  # polled at once
        assert "Added Mine" in screen.status.text or "new" in screen.status.text


async def test_rename_retag_and_remove_the_selected_feed(
    make: Callable[..., ReaderApp], services: FakeServices, ids: dict[str, int]
) -> None:
    app = make()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = main(app)
        screen.set_view(View(kind=ViewKind.FEED, feed_id=ids["feed4"]))
        await pilot.pause()
        await pilot.press("e")
        await pilot.pause()
        app.screen.query_one("#prompt-input").value = "Renamed blog"  # type: ignore[attr-defined]
        await pilot.press("enter")
        await settle(app, pilot)
        assert "Renamed blog" in screen_text(app)
        await pilot.press("number_sign")
        await pilot.pause()
        app.screen.query_one("#prompt-input").value = "personal, weekly"  # type: ignore[attr-defined]
        await pilot.press("enter")
        await settle(app, pilot)
        with Store.open(services.db_path) as store:
            feed = store.feed_by_id(ids["feed4"])
        assert feed is not None and feed.title == "Renamed blog" and feed.tags == ("personal", "weekly")
        assert "personal" in screen_text(app)  # the feed pane shows the new tag group
        await pilot.press("D")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("n")  # asked first; no keeps it
        await settle(app, pilot)
        with Store.open(services.db_path) as store:
            assert store.feed_by_id(ids["feed4"]) is not None
        await pilot.press("D", "y")
        await settle(app, pilot)
        with Store.open(services.db_path) as store:
            assert ids["feed4"] not in [f.id for f in store.feeds()]
        assert screen.view == View()  # its view is gone: back to All
        assert "Removed Renamed blog" in screen.status.text


async def test_a_feed_the_config_lists_is_not_renamed_here(
    make: Callable[..., ReaderApp], services: FakeServices, ids: dict[str, int]
) -> None:
    with Store.open(services.db_path) as store:
        store.add_feed(FEEDS[0][0], FEEDS[0][1], FEEDS[0][2], origin="config")
    app = make()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = main(app)
        await pilot.pause()
        screen.set_view(View(kind=ViewKind.FEED, feed_id=ids["feed0"]))
        await pilot.press("e")
        await pilot.pause()
        await pilot.press("x", "enter")
        await settle(app, pilot)
        assert "edit it there" in screen.status.text
        with Store.open(services.db_path) as store:
            feed = store.feed_by_id(ids["feed0"])
        assert feed is not None and feed.title == FEEDS[0][1]


# ---------------------------------------------------------------------- reading


async def test_space_at_the_end_goes_on_to_the_next_unread_in_zen_too(
    make: Callable[..., ReaderApp], services: FakeServices
) -> None:
    app = make()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = main(app)
        await pilot.press("enter")  # the newest item, a short cached article
        await settle(app, pilot)
        first = screen.open_item
        assert first is not None
        with Store.open(services.db_path) as store:
            expected = store.next_unread(View(), first.id, 1)
        pages = 0
        while screen.open_item == first and pages < 10:
            at_end = screen.article.scroll_y >= screen.article.max_scroll_y
            await pilot.press("space")  # pages the article; at its end, on to the next unread
            await settle(app, pilot)
            pages += 1
            assert (screen.open_item != first) == at_end
        second = screen.open_item
        assert second is not None and second.id != first.id
        assert expected is not None and expected[1].id == second.id
        assert screen.headlines.highlighted is not None and screen.headlines.highlighted.id == second.id
        await pilot.press("z")
        await pilot.pause()
        await pilot.press("space")
        await settle(app, pilot)
        third = screen.open_item
        assert third is not None and third.id not in (first.id, second.id)
        # Focus mode keeps one minimal status line: the feed, how far, what is left.
        assert screen.status.display
        assert third.feed_title in screen.status.text and "unread" in screen.status.text


async def test_space_pages_a_long_article_before_moving_on(
    make: Callable[..., ReaderApp], services: FakeServices, ids: dict[str, int]
) -> None:
    from dataclasses import replace

    long = replace(ARTICLE, markdown="\n\n".join(f"Paragraph {n} of a long story." for n in range(80)))
    with Store.open(services.db_path) as store:
        store.store_article(ids["newest"], long, None)
    app = make()
    async with app.run_test(size=(120, 30)) as pilot:
        screen = main(app)
        await pilot.press("enter")
        await settle(app, pilot)
        await pilot.press("space")
        await pilot.pause()
        assert screen.open_item is not None and screen.open_item.id == ids["newest"]
        assert screen.article.scroll_y > 0


async def test_links_are_numbered_and_open_or_copy_by_number(
    make: Callable[..., ReaderApp],
    services: FakeServices,
    browser: list[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("reader.ui.clipboard.copy_with_tool", lambda text, env: "xclip")
    app = make()
    copied: list[str] = []
    monkeypatch.setattr(app, "copy_to_clipboard", copied.append)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = main(app)
        await pilot.press("enter")
        await settle(app, pilot)
        assert screen.article.links == ["https://eur-lex.example/ai-act"]  # javascript: gets no number
        assert "official text[1]" in screen_text(app)
        screen.article.scroll_end(animate=False)
        await pilot.pause()
        assert "Links" in screen_text(app) and "1. https://eur-lex.example/ai-act" in screen_text(app)
        await pilot.press("l")
        await pilot.pause()
        assert isinstance(app.screen, NumberPromptScreen)
        assert "1 https://eur-lex.example/ai-act" in screen_text(app)  # the prompt lists the links
        await pilot.press("1")  # the only possible number: taken at once
        await settle(app, pilot)
        assert browser == ["https://eur-lex.example/ai-act"]
        await pilot.press("Y", "1")
        await settle(app, pilot)
        assert copied == ["https://eur-lex.example/ai-act"]
        assert screen.status.text.endswith("Link copied") or "Link copied" in screen.status.text


# ---------------------------------------------------------------------- views


async def test_sort_order_is_per_view_and_remembered(
    make: Callable[..., ReaderApp], services: FakeServices, ids: dict[str, int], tmp_path: Path
) -> None:
    app = make()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = main(app)
        highlighted = screen.headlines.highlighted
        await pilot.press("O")
        await pilot.pause()
        assert screen.view.order == "oldest"
        assert screen.headlines.highlighted == highlighted  # the same item stays highlighted
        with Store.open(services.db_path) as store:
            oldest = store.headlines(View(order="oldest"), limit=1)[0]
        assert screen.headlines.pager.get(0) is not None and screen.headlines.pager.get(0).id == oldest.id  # type: ignore[union-attr]
        assert "oldest first" in screen.status.text
        await pilot.press("O")
        await pilot.pause()
        assert screen.view.order == "feed"
        first_feeds = [screen.headlines.pager.get(i).feed_title for i in range(3)]  # type: ignore[union-attr]
        assert first_feeds == sorted(first_feeds, key=str.casefold)
        screen.set_view(View(kind=ViewKind.FEED, feed_id=ids["feed0"]))
        assert screen.view.order == "newest"  # another view keeps its own order
        screen.set_view(View())
        assert screen.view.order == "feed"
    prefs = json.loads((tmp_path / "ui-prefs.json").read_text())
    assert prefs["orders"] == {"all": "feed"}
    again = make()
    async with again.run_test(size=(120, 40)) as pilot:
        assert main(again).view.order == "feed"


async def test_mark_above_below_and_older_with_undo(
    make: Callable[..., ReaderApp], services: FakeServices
) -> None:
    app = make()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = main(app)
        for _ in range(5):
            await pilot.press("j")
        current = screen.headlines.highlighted
        assert current is not None
        await pilot.press("M", "b")
        await settle(app, pilot)
        with Store.open(services.db_path) as store:
            below = store.headlines(View(), 6, 1000)
            assert below and all(h.read for h in below)
            assert not any(h.read for h in store.headlines(View(), 0, 5) if h.id in {current.id})
        marked = len(screen.undo_stack[-1].ids)
        assert f"Marked {marked:,} read" in screen.status.text
        with Store.open(services.db_path) as store:
            unread = store.count(View(unread_only=True))
        assert sum(f.unread_count for f in screen._feeds) == unread  # the feed pane's counts agree
        assert screen.headlines.pager.get(7) is not None and screen.headlines.pager.get(7).read  # type: ignore[union-attr]
        await pilot.press("u")
        await settle(app, pilot)
        with Store.open(services.db_path) as store:
            assert store.count(View(unread_only=True)) > marked - 1
        await pilot.press("M", "o")
        await pilot.pause()
        app.screen.query_one("#prompt-input").value = "1d"  # type: ignore[attr-defined]
        await pilot.press("enter")
        await settle(app, pilot)
        with Store.open(services.db_path) as store:
            old_unread = [
                h
                for h in store.headlines(View(), 0, 1000)
                if not h.read and (screen.settings.now() - h.date).days >= 1
            ]
        assert old_unread == []
        await pilot.press("M", "a")
        await settle(app, pilot)
        with Store.open(services.db_path) as store:
            above = store.headlines(View(), 0, 5)
        assert all(h.read for h in above)


async def test_search_names_its_view_can_search_everything_and_marks_feed_text(
    make: Callable[..., ReaderApp], services: FakeServices, ids: dict[str, int]
) -> None:
    app = make()
    async with app.run_test(size=(140, 40)) as pilot:
        screen = main(app)
        feed_view = View(kind=ViewKind.FEED, feed_id=ids["feed2"])
        screen.set_view(feed_view)
        await pilot.press("slash")
        await pilot.pause()
        assert isinstance(app.screen, SearchScreen)
        assert "Search in Lawfare" in screen_text(app)
        await pilot.press(*"encryption")
        await pilot.press("tab", "space")  # the "every feed" checkbox
        await pilot.pause()
        assert "Search in every feed" in screen_text(app)
        await pilot.press("enter")  # from the checkbox: searches (does not untick it)
        await settle(app, pilot)
        assert screen.view.kind is ViewKind.ALL and screen.view.search == "encryption"
        feeds = {screen.headlines.pager.get(i).feed_id for i in range(screen.headlines.pager.total)}  # type: ignore[union-attr]
        assert len(feeds) > 1  # more than the Lawfare feed
        # None of these has its full text stored: each is searched by its feed text, and marked so.
        assert FEED_TEXT_MARK in screen_text(app)
        await pilot.press("escape")
        await pilot.pause()
        assert screen.view == feed_view  # back where the search was made


# ---------------------------------------------------------------------- look and feel


async def test_theme_chosen_in_the_app_survives_a_restart(
    make: Callable[..., ReaderApp], tmp_path: Path
) -> None:
    app = make(theme="textual-dark")
    async with app.run_test(size=(100, 30)) as pilot:
        app.theme = "nord"
        await pilot.pause()
    assert json.loads((tmp_path / "ui-prefs.json").read_text())["theme"]["value"] == "nord"
    again = make(theme="textual-dark")
    async with again.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert again.theme == "nord"
    # The config's theme changed since the choice: the config wins.
    edited = make(theme="gruvbox")
    async with edited.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert edited.theme == "gruvbox"


async def test_palette_entries_say_what_each_action_does(make: Callable[..., ReaderApp]) -> None:
    actions = {b.action for b in MainScreen.BINDINGS if hasattr(b, "action") and b.description}  # type: ignore[union-attr]
    assert actions <= set(ACTION_HELP)
    app = make()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        provider = ReaderCommands(app.screen)
        hits = [hit async for hit in provider.discover()]
        helps = {hit.help for hit in hits}
        assert "reader action" not in helps
        assert ACTION_HELP["mark_view_read"] in helps and "Search everything" in {
            str(h.display) for h in hits
        }


async def test_layout_keys_and_config_size_the_panes(make: Callable[..., ReaderApp], tmp_path: Path) -> None:
    app = make(headlines_height=30, article_width=70)
    async with app.run_test(size=(140, 40)) as pilot:
        screen = main(app)
        await pilot.pause()
        reading_height = screen.query_one("#reading").size.height
        assert screen.headlines.outer_size.height == int(reading_height * 0.30)
        body = screen.query_one("#article-body")
        assert body.styles.max_width is not None and body.styles.max_width.value == 70
        await pilot.press("plus", "plus", "greater_than_sign")
        await pilot.pause()
        assert screen.headlines_height == 40 and screen.article_width == 78
        assert screen.headlines.outer_size.height == int(reading_height * 0.40)
        await pilot.press("minus")
        await pilot.pause()
        assert screen.headlines_height == 35
        # The focused pane is marked: the article gets an accent edge when it has focus (none otherwise).
        unfocused = screen.article.styles.border_left
        await pilot.press("tab")
        await pilot.pause()
        assert screen.article.has_focus
        focused = screen.article.styles.border_left
        assert focused[0] == unfocused[0] == "vkey"  # same width either way: nothing shifts
        assert focused[1] != unfocused[1]
        accent = Color.parse(app.current_theme.accent or "")
        assert sum(abs(a - b) for a, b in zip(focused[1].rgb, accent.rgb, strict=True)) <= 3
    again = make(headlines_height=30, article_width=70)
    async with again.run_test(size=(140, 40)) as pilot:
        await pilot.pause()
        assert main(again).headlines_height == 35 and main(again).article_width == 78


async def test_health_shows_url_and_whole_error_at_80_columns(
    make: Callable[..., ReaderApp], services: FakeServices
) -> None:
    long_error = (
        "could not connect: connection refused (nothing is listening at that address and port); "
        "tried three times over the last hour, every attempt ended the same way at the end"
    )
    services.failing = {FEEDS[2][0]: long_error}
    app = make()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("R")
        await settle(app, pilot)
        await pilot.press("H")
        await pilot.pause()
        assert isinstance(app.screen, FeedHealthScreen)
        text = " ".join(line.strip(" │") for line in screen_text(app).splitlines())
        squeezed = " ".join(text.split())
        assert FEEDS[2][0] in squeezed
        assert "connection refused" in squeezed and "at the end" in squeezed  # wrapped, not cut


# ---------------------------------------------------------------------- copying


@pytest.mark.parametrize(
    ("env", "expected", "warns"),
    [
        ({"TERM_PROGRAM": "Apple_Terminal"}, "may have ignored it (no OSC 52 support)", True),
        ({"VTE_VERSION": "7600", "TERM": "xterm-256color"}, "may have ignored it", True),
        ({"KITTY_WINDOW_ID": "1", "TERM": "xterm-kitty"}, "Link copied (through the terminal)", False),
        ({"TERM": "xterm-256color"}, "some terminals ignore it", True),
    ],
)
async def test_y_says_when_the_terminal_may_have_ignored_the_copy(
    make: Callable[..., ReaderApp],
    monkeypatch: pytest.MonkeyPatch,
    env: dict[str, str],
    expected: str,
    warns: bool,
) -> None:
    for name in (
        "TMUX",
        "STY",
        "TERM_PROGRAM",
        "VTE_VERSION",
        "KITTY_WINDOW_ID",
        "WEZTERM_PANE",
        "WT_SESSION",
    ):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr("reader.ui.clipboard.copy_with_tool", lambda text, env: None)
    app = make()
    async with app.run_test(size=(140, 40)) as pilot:
        screen = main(app)
        await pilot.press("y")
        await settle(app, pilot)
        assert expected in screen.status.text
        assert screen.status._notice_is_error is warns


def test_tmux_without_set_clipboard_is_named() -> None:
    from reader.ui.clipboard import copy_report, osc52_support

    env = {"TMUX": "/tmp/tmux-1/default,1,0", "TERM": "tmux-256color"}
    support = osc52_support(env, "external")
    assert support is False
    text, warns = copy_report("Link", None, support, env)
    assert warns and "set-clipboard on" in text
    assert osc52_support(env, "on") is None  # tmux passes it on; the outer terminal is unknown


async def test_new_keys_are_remappable_by_binding_id(make: Callable[..., ReaderApp]) -> None:
    app = make(keys={"open_link_n": "L", "cycle_sort": "ctrl+o"})
    async with app.run_test(size=(120, 40)) as pilot:
        screen = main(app)
        await pilot.press("enter")
        await settle(app, pilot)
        await pilot.press("l")  # the old key no longer asks for a number
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)
        await pilot.press("L")
        await pilot.pause()
        assert isinstance(app.screen, NumberPromptScreen)
        await pilot.press("escape", "ctrl+o")
        await pilot.pause()
        assert screen.view.order == "oldest"
        assert not [n for n in app._notifications if "unknown binding" in n.message]


# ---------------------------------------------------------------------- saving a page no feed carries


async def test_p_saves_a_web_page_by_its_address(
    make: Callable[..., ReaderApp], services: FakeServices, http_server: LoopbackServer
) -> None:
    body = (
        "<html><body><article><h1>A page from nowhere</h1>" + "<p>Words of the page. " * 40 + "</p></article>"
    )
    url = http_server.serve("/page.html", body + "</body></html>", content_type="text/html")
    app = make()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = main(app)
        await pilot.press("P")
        await pilot.pause()
        assert isinstance(app.screen, PromptScreen)
        await pilot.press(*"ftp://x", "enter")
        await settle(app, pilot)
        assert "Couldn't save the page" in screen.status.text and "not a web address" in screen.status.text
        await pilot.press("P")
        await pilot.pause()
        await pilot.press(*url, "enter")
        await settle(app, pilot)
        assert "Saved A page from nowhere, with its full text" in screen.status.text
    with Store.open(services.db_path) as store:
        [saved] = [i for i in store.items(View(kind=ViewKind.SAVED)) if i.feed_title == "Saved pages"]
        assert saved.title == "A page from nowhere" and saved.has_article
