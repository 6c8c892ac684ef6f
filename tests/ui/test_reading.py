"""Launch, movement, opening and reading articles: Pilot tests asserting on state and on the screen."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable

from uifakes import ARTICLE, NOW, FakeServices, screen_text

from reader.models import View, ViewKind
from reader.store.feeds import Store
from reader.ui.app import ReaderApp
from reader.ui.screens.main import MainScreen
from reader.ui.widgets.article import ArticleView
from reader.ui.widgets.headlines import HeadlineList


def main(app: ReaderApp) -> MainScreen:
    assert isinstance(app.screen, MainScreen)
    return app.screen


async def test_launch_focuses_headlines_on_all_newest_first(
    make: Callable[..., ReaderApp], ids: dict[str, int]
) -> None:
    app = make()
    async with app.run_test(size=(140, 40)) as pilot:
        await app.workers.wait_for_complete()  # the feed counts, read at start
        await pilot.pause()
        screen = main(app)
        assert isinstance(app.focused, HeadlineList)
        assert screen.view == View()
        assert screen.headlines.highlighted is not None
        assert screen.headlines.highlighted.id == ids["newest"]
        text = screen_text(app)
        assert "The EU AI Act enters its second phase" in text
        assert "Tech Policy Press" in text  # feed pane and headline feed column


async def test_jk_and_arrows_move_enter_opens_and_marks_read(
    make: Callable[..., ReaderApp], services: FakeServices, ids: dict[str, int]
) -> None:
    app = make()
    async with app.run_test(size=(140, 40)) as pilot:
        await app.workers.wait_for_complete()  # the feed counts, read at start
        screen = main(app)
        await pilot.press("j", "j", "down")
        assert screen.headlines.cursor == 3
        await pilot.press("k", "up")
        assert screen.headlines.cursor == 1
        target = screen.headlines.highlighted
        assert target is not None and not target.read
        services.articles[target.id] = ARTICLE
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        with Store.open(services.db_path) as store:
            item = store.item(target.id)
        assert item is not None and item.read
        assert screen.article.item_id == target.id
        assert "What changes" in screen_text(app)


async def test_cached_article_shows_at_once_without_a_fetch(
    make: Callable[..., ReaderApp], services: FakeServices, ids: dict[str, int]
) -> None:
    app = make()
    async with app.run_test(size=(140, 40)) as pilot:
        await app.workers.wait_for_complete()  # the feed counts, read at start
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.pause()
        assert main(app).article.item_id == ids["with_article"]
        assert services.loads == []
        text = screen_text(app)
        assert "Jane Doe" in text and "3 min read" in text and "https://example.org/0/0" in text


async def test_fetching_then_text_and_failure_shows_feed_content_and_why(
    make: Callable[..., ReaderApp], services: FakeServices
) -> None:
    gate = threading.Event()
    services.article_gate = gate
    app = make()
    async with app.run_test(size=(140, 40)) as pilot:
        await app.workers.wait_for_complete()  # the feed counts, read at start
        screen = main(app)
        await pilot.press("j", "enter")
        await asyncio.to_thread(services.article_started.wait, 10)  # the worker is fetching now
        await pilot.pause()
        assert "Fetching full text…" in screen_text(app)
        gate.set()
        await app.workers.wait_for_complete()
        await pilot.pause()
        text = screen_text(app)
        assert "Couldn't get the full text (no canned article)" in text
        assert "Summary of item" in text and "Second paragraph with [brackets] and *stars*" in text
        assert "<p>" not in text and "<b>" not in text  # never raw HTML
        assert screen.open_item is not None


async def test_stale_article_result_is_dropped(
    make: Callable[..., ReaderApp], services: FakeServices
) -> None:
    gate = threading.Event()
    services.article_gate = gate
    app = make()
    async with app.run_test(size=(140, 40)) as pilot:
        await app.workers.wait_for_complete()  # the feed counts, read at start
        screen = main(app)
        await pilot.press("j", "enter")  # starts a slow fetch for row 1
        await asyncio.to_thread(services.article_started.wait, 10)
        first = screen.open_item
        await pilot.press("k", "enter")  # row 0 has a cached article
        assert screen.article_worker is not None
        await screen.article_worker.wait()
        await pilot.pause()
        assert "What changes" in screen_text(app)
        gate.set()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert first is not None and screen.open_item is not None
        assert screen.open_item.id != first.id
        assert screen.article.item_id == screen.open_item.id
        assert "What changes" in screen_text(app)


async def test_policy_off_shows_feed_content_without_fetching(
    make: Callable[..., ReaderApp], services: FakeServices
) -> None:
    services.policy = "off"
    app = make()
    async with app.run_test(size=(140, 40)) as pilot:
        await app.workers.wait_for_complete()  # the feed counts, read at start
        await pilot.press("j", "enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert services.loads == []
        assert "Summary of item" in screen_text(app)


async def test_click_opens_a_headline(make: Callable[..., ReaderApp]) -> None:
    app = make()
    async with app.run_test(size=(140, 40)) as pilot:
        await app.workers.wait_for_complete()  # the feed counts, read at start
        screen = main(app)
        await pilot.click(HeadlineList, offset=(10, 2))
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert screen.headlines.cursor == 2
        assert screen.open_item is not None and screen.article.item_id == screen.open_item.id


async def test_space_and_b_page_the_article(make: Callable[..., ReaderApp], services: FakeServices) -> None:
    long = ARTICLE.__class__(
        **{**ARTICLE.__dict__, "markdown": "\n\n".join(f"Paragraph {n}." for n in range(60))}
    )
    with Store.open(services.db_path) as store:
        first = store.headlines(limit=1)[0]
        store.store_article(first.id, long, first.link)
    app = make()
    async with app.run_test(size=(140, 40)) as pilot:
        await app.workers.wait_for_complete()  # the feed counts, read at start
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.pause()
        article = app.screen.query_one(ArticleView)
        await pilot.press("space")
        await pilot.pause()
        assert article.scroll_y > 10
        await pilot.press("b")
        await pilot.pause()
        assert article.scroll_y == 0


async def test_next_and_previous_unread(make: Callable[..., ReaderApp]) -> None:
    app = make()
    async with app.run_test(size=(140, 40)) as pilot:
        await app.workers.wait_for_complete()  # the feed counts, read at start
        screen = main(app)
        await pilot.press("n")
        await app.workers.wait_for_complete()
        opened = screen.open_item
        assert opened is not None and screen.headlines.cursor == 1  # row 0 is unread but n looks below
        await pilot.press("n", "n")
        await app.workers.wait_for_complete()
        assert screen.headlines.cursor > 2
        before = screen.headlines.cursor
        await pilot.press("p")
        await app.workers.wait_for_complete()
        assert screen.headlines.cursor < before
        h = screen.headlines.highlighted
        assert h is not None and h.read  # opened, so marked read


async def test_links_only_http_open(make: Callable[..., ReaderApp], browser: list[str]) -> None:
    from textual.widgets import Markdown

    app = make()
    async with app.run_test(size=(140, 40)) as pilot:
        await app.workers.wait_for_complete()  # the feed counts, read at start
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.pause()
        body = app.screen.query_one("#article-body", Markdown)
        for href in ("file:///etc/passwd", "javascript:alert(1)", "ssh://host", "mailto:a@b"):
            body.post_message(Markdown.LinkClicked(body, href))
        body.post_message(Markdown.LinkClicked(body, "https://eur-lex.example/ai-act"))
        await pilot.pause()
        await app.workers.wait_for_complete()
        assert browser == ["https://eur-lex.example/ai-act"]


async def test_o_opens_and_y_copies_the_link(make: Callable[..., ReaderApp], browser: list[str]) -> None:
    app = make()
    async with app.run_test(size=(140, 40)) as pilot:
        await app.workers.wait_for_complete()  # the feed counts, read at start
        await pilot.press("o")
        await app.workers.wait_for_complete()
        assert browser == ["https://example.org/0/0"]
        await pilot.press("y")
        assert app.clipboard == "https://example.org/0/0"


async def test_zen_mode_shows_only_the_article(make: Callable[..., ReaderApp]) -> None:
    app = make()
    async with app.run_test(size=(140, 40)) as pilot:
        await app.workers.wait_for_complete()  # the feed counts, read at start
        screen = main(app)
        await pilot.press("z")
        await pilot.pause()
        assert screen.zen
        assert not screen.feed_list.display and not screen.headlines.display
        assert screen.article.has_focus and screen.open_item is not None
        text = screen_text(app)
        assert "Tech Policy Press · Jane Doe" in text and "Unread" not in text
        await pilot.press("z")
        assert not screen.zen and screen.headlines.has_focus


async def test_relative_ages_use_the_injected_clock(make: Callable[..., ReaderApp]) -> None:
    app = make(now=lambda: NOW.replace(year=2027))
    async with app.run_test(size=(140, 40)) as pilot:
        await app.workers.wait_for_complete()  # the feed counts, read at start
        await pilot.pause()
        assert " 1y " in screen_text(app)


async def test_saved_view_from_the_feed_pane(make: Callable[..., ReaderApp], ids: dict[str, int]) -> None:
    app = make()
    async with app.run_test(size=(140, 40)) as pilot:
        await app.workers.wait_for_complete()  # the feed counts, read at start
        screen = main(app)
        await pilot.press("shift+tab")  # headlines -> feeds
        assert screen.feed_list.has_focus
        await pilot.press("down", "down")  # All -> Unread -> Saved
        await pilot.pause()
        assert screen.view.kind is ViewKind.SAVED
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert screen.headlines.has_focus
        assert screen.headlines.pager.total == 2
        h = screen.headlines.highlighted
        assert h is not None and h.saved
