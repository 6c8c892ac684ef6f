"""The article header and the text shown: the item's title first, which text it is and why, and `t`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from uifakes import ARTICLE, FakeServices, screen_text

from reader.store.feeds import Store
from reader.ui.app import ReaderApp
from reader.ui.screens.main import MainScreen
from reader.ui.widgets.article import page_title_worth_showing


def main(app: ReaderApp) -> MainScreen:
    assert isinstance(app.screen, MainScreen)
    return app.screen


def test_page_title_shows_only_when_it_adds_something() -> None:
    title = "The EU AI Act enters its second phase (0.0)"
    assert not page_title_worth_showing(title, None)
    assert not page_title_worth_showing(title, "The EU AI Act enters its second phase")  # cut short
    assert not page_title_worth_showing("Ruling", "Ruling | The Site")  # site name appended
    assert not page_title_worth_showing(title, "the eu ai act: enters its second phase (0.0)!")
    assert page_title_worth_showing(title, "Access denied")


async def test_header_leads_with_the_items_title_and_says_full_text(
    make: Callable[..., ReaderApp], ids: dict[str, int]
) -> None:
    app = make()
    async with app.run_test(size=(140, 40)) as pilot:
        await app.workers.wait_for_complete()  # the feed counts, read at start
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.pause()
        screen = main(app)
        assert screen.open_article is not None and screen.open_article.source == "page"
        text = screen_text(app)
        assert "The EU AI Act enters its second phase (0.0)" in text  # the feed's title, not the page's
        assert "Page title:" not in text  # the page's title only repeats it
        assert "Full text from the page · t: the feed's text" in text
        # The item's own date (12:00), not the 11:50 fetch it was once clamped to (issue 9).
        assert "Tech Policy Press · Jane Doe · Mon 01 Jun 2026, 12:00 UTC · 3 min read" in text


async def test_unrelated_page_title_is_shown_as_a_hint(
    make: Callable[..., ReaderApp], services: FakeServices, ids: dict[str, int]
) -> None:
    with Store.open(services.db_path) as store:
        item = store.item(ids["with_article"])
        assert item is not None
        store.store_article(item.id, replace(ARTICLE, title="Access denied"), item.link)
    app = make()
    async with app.run_test(size=(140, 40)) as pilot:
        await app.workers.wait_for_complete()  # the feed counts, read at start
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.pause()
        lines = screen_text(app).splitlines()
        title_row = max(n for n, line in enumerate(lines) if "enters its second phase (0.0)" in line)
        assert "Page title: Access denied" in lines[title_row + 1]


async def test_t_switches_to_the_feeds_text_and_back(
    make: Callable[..., ReaderApp], services: FakeServices
) -> None:
    app = make()
    async with app.run_test(size=(140, 40)) as pilot:
        await app.workers.wait_for_complete()  # the feed counts, read at start
        screen = main(app)
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.press("t")
        await pilot.pause()
        assert screen.open_article is not None and screen.open_article.source == "feed"
        assert screen.article.note_text == "The feed's own text (you switched) · t: back to the full text"
        text = screen_text(app)
        assert "Summary of item 0." in text and "What changes" not in text
        await pilot.press("t")
        await pilot.pause()
        assert screen.open_article is not None and screen.open_article.source == "page"
        assert "What changes" in screen_text(app)
        assert services.loads == []  # switching never refetches


async def test_t_with_a_remapped_key_names_that_key(make: Callable[..., ReaderApp]) -> None:
    app = make(keys={"toggle_source": "v"})
    async with app.run_test(size=(140, 40)) as pilot:
        await app.workers.wait_for_complete()  # the feed counts, read at start
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.press("v")
        await pilot.pause()
        assert "back to the full text" in main(app).article.note_text
        assert main(app).article.note_text.endswith("v: back to the full text")


async def test_full_text_off_says_so_and_t_fetches_anyway(
    make: Callable[..., ReaderApp], services: FakeServices
) -> None:
    services.policy = "off"
    app = make()
    async with app.run_test(size=(140, 40)) as pilot:
        await app.workers.wait_for_complete()  # the feed counts, read at start
        screen = main(app)
        await pilot.press("j", "enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.pause()
        assert screen.article.note_text == "Full text is off for this feed; showing its own text."
        item = screen.open_item
        assert item is not None and services.loads == []  # off: opening fetches nothing
        services.articles[item.id] = ARTICLE
        await pilot.press("t")  # asking explicitly fetches the page all the same
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert services.page_loads == [item.id]
        assert screen.open_article is not None and screen.open_article.source == "page"


async def test_failed_fetch_says_why_and_t_tries_again(
    make: Callable[..., ReaderApp], services: FakeServices
) -> None:
    app = make()
    async with app.run_test(size=(140, 40)) as pilot:
        await app.workers.wait_for_complete()  # the feed counts, read at start
        screen = main(app)
        await pilot.press("j", "enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        item = screen.open_item
        assert item is not None
        note = screen.article.note_text
        assert note.startswith("Couldn't get the full text (no canned article); showing the feed's text.")
        assert note.endswith("t: retry")
        services.articles[item.id] = ARTICLE  # the site is back
        await pilot.press("t")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert services.loads == [item.id, item.id]
        assert screen.open_article is not None and screen.open_article.source == "page"
        assert "What changes" in screen_text(app)


async def test_thin_extraction_fallback_is_explained(
    make: Callable[..., ReaderApp], services: FakeServices
) -> None:
    with Store.open(services.db_path) as store:
        h = store.headlines(limit=2)[1]
        thin = replace(
            ARTICLE,
            markdown="The feed's summary.",
            source="feed",
            thin=True,
            note="Full text looked thin (12 words); showing the feed's content.",
        )
        store.store_article(h.id, thin, h.link)
    app = make()
    async with app.run_test(size=(140, 40)) as pilot:
        await app.workers.wait_for_complete()  # the feed counts, read at start
        screen = main(app)
        await pilot.press("j", "enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.pause()
        assert screen.article.note_text == "Full text looked thin (12 words); showing the feed's content."
        assert screen.article.query_one("#article-note").has_class("-warn")
        services.articles[h.id] = ARTICLE
        await pilot.press("t")  # the reader asks for the page's text anyway
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert services.page_loads == [h.id]
        assert screen.open_article is not None and screen.open_article.source == "page"
        assert "What changes" in screen_text(app)
