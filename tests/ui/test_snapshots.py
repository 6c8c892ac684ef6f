"""Snapshot tests (pytest-textual-snapshot): main screen, focus mode, help, saved view, errors, narrow."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from uifakes import FEEDS, FakeServices

from reader.models import View, ViewKind
from reader.ui.app import ReaderApp

# snap_compare is synchronous: these are plain functions. The clock is frozen by the `make` fixture.


def test_main_screen(snap_compare: Any, make: Callable[..., ReaderApp]) -> None:
    async def run_before(pilot: Any) -> None:
        await pilot.app.workers.wait_for_complete()  # the feed counts, read at start
        await pilot.press("j", "j", "k", "enter")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()

    assert snap_compare(make(), terminal_size=(140, 40), run_before=run_before)


def test_first_launch_one_row_per_story(snap_compare: Any, make: Callable[..., ReaderApp]) -> None:
    """What a new user sees: every story folded into its newest item, "+N" other outlets on its row."""

    async def run_before(pilot: Any) -> None:
        await pilot.app.workers.wait_for_complete()  # the feed counts, read at start
        await pilot.pause()

    assert snap_compare(make(fold=True), terminal_size=(140, 30), run_before=run_before)


def test_zen_mode(snap_compare: Any, make: Callable[..., ReaderApp]) -> None:
    async def run_before(pilot: Any) -> None:
        await pilot.app.workers.wait_for_complete()  # the feed counts, read at start
        await pilot.press("z")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()

    assert snap_compare(make(), terminal_size=(120, 32), run_before=run_before)


def test_help_screen(snap_compare: Any, make: Callable[..., ReaderApp]) -> None:
    async def run_before(pilot: Any) -> None:
        await pilot.app.workers.wait_for_complete()  # the feed counts, read at start
        await pilot.press("question_mark")
        await pilot.pause()

    assert snap_compare(
        make(keys={"toggle_saved": "s,ctrl+s"}), terminal_size=(120, 50), run_before=run_before
    )


def test_saved_view(snap_compare: Any, make: Callable[..., ReaderApp]) -> None:
    async def run_before(pilot: Any) -> None:
        await pilot.app.workers.wait_for_complete()  # the feed counts, read at start
        await pilot.press("shift+tab", "down", "down", "enter")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.pause()

    assert snap_compare(make(), terminal_size=(140, 30), run_before=run_before)


def test_error_state_and_feed_health(
    snap_compare: Any, make: Callable[..., ReaderApp], services: FakeServices
) -> None:
    services.failing = {FEEDS[2][0]: "HTTP 404 Not Found"}

    async def run_before(pilot: Any) -> None:
        await pilot.app.workers.wait_for_complete()  # the feed counts, read at start
        await pilot.press("R")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.press("H")
        await pilot.pause()

    assert snap_compare(make(), terminal_size=(140, 30), run_before=run_before)


def test_failing_feed_marked(
    snap_compare: Any, make: Callable[..., ReaderApp], services: FakeServices
) -> None:
    services.failing = {FEEDS[2][0]: "HTTP 404 Not Found"}

    async def run_before(pilot: Any) -> None:
        await pilot.app.workers.wait_for_complete()  # the feed counts, read at start
        await pilot.press("R")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()

    assert snap_compare(make(), terminal_size=(140, 30), run_before=run_before)


def test_narrow_terminal(snap_compare: Any, make: Callable[..., ReaderApp]) -> None:
    async def run_before(pilot: Any) -> None:
        await pilot.app.workers.wait_for_complete()  # the feed counts, read at start
        await pilot.press("enter")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.pause()

    assert snap_compare(make(), terminal_size=(80, 24), run_before=run_before)


def test_feed_text_fallback_and_folded_group(
    snap_compare: Any, make: Callable[..., ReaderApp], services: FakeServices
) -> None:
    """A failed fetch: the feed's own text with the reason and the retry key; one tag group folded."""

    async def run_before(pilot: Any) -> None:
        await pilot.app.workers.wait_for_complete()  # the feed counts, read at start
        await pilot.pause()
        feeds = pilot.app.screen.feed_list
        feeds.highlighted = feeds.get_option_index("tag:policy")
        await pilot.press("shift+tab", "space", "tab", "j", "enter")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()

    assert snap_compare(make(), terminal_size=(120, 32), run_before=run_before)


def test_stories_screen_at_80x24(snap_compare: Any, make: Callable[..., ReaderApp]) -> None:
    """The Stories screen: lead headline, outlets, newest time, unread mark; one story unfolded."""

    async def run_before(pilot: Any) -> None:
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.press("S")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.press("j", "enter")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()

    assert snap_compare(make(), terminal_size=(80, 24), run_before=run_before)


def test_one_story_unfolded_in_a_folded_view(snap_compare: Any, make: Callable[..., ReaderApp]) -> None:
    """One row per story (+N outlets); x shows one story's other items indented beneath its row."""

    async def run_before(pilot: Any) -> None:
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.press("F")
        await pilot.app.workers.wait_for_complete()
        await pilot.press("j", "j", "x")
        for _ in range(2):
            await pilot.app.workers.wait_for_complete()
            await pilot.pause()

    assert snap_compare(make(), terminal_size=(120, 40), run_before=run_before)


def test_feeds_not_polled_listed_apart(
    snap_compare: Any, make: Callable[..., ReaderApp], archive: tuple[Path, dict[str, int]]
) -> None:
    """A feed unsubscribed but holding a saved item, and Saved pages: dim, under "Not polled", after the
    polled feeds, with their counts (All and Unread count them too)."""
    from uifakes import outcome, parsed_item

    from reader.fetch.pages import PAGES_TITLE, PAGES_URL
    from reader.store.feeds import Store

    with Store.open(archive[0]) as store:
        blog = store.feed_by_url(FEEDS[4][0])
        assert blog is not None
        store.set_saved(store.headlines(View(kind=ViewKind.FEED, feed_id=blog.id))[0].id, True)
        store.remove_feed(blog.url)
        pages = store.collection_feed(PAGES_URL, PAGES_TITLE, "pages")
        store.apply_fetch(pages, outcome(PAGES_URL, [parsed_item(9, 0, title="A page kept by hand")]))

    async def run_before(pilot: Any) -> None:
        await pilot.app.workers.wait_for_complete()  # the feed counts, read at start
        await pilot.pause()

    assert snap_compare(make(), terminal_size=(120, 30), run_before=run_before)


def test_image_viewer_half_blocks(
    snap_compare: Any, make: Callable[..., ReaderApp], services: FakeServices, monkeypatch: Any
) -> None:
    """`i` on an article with one image: the viewer as a terminal without graphics shows it (tmux too)."""
    import io
    from dataclasses import replace

    from PIL import Image, ImageDraw
    from uifakes import ARTICLE

    monkeypatch.setenv("READER_IMAGES", "halfcell")
    picture = Image.new("RGB", (160, 100), (40, 110, 200))
    draw = ImageDraw.Draw(picture)
    draw.rectangle([0, 70, 160, 100], fill=(30, 120, 50))
    draw.ellipse([110, 10, 140, 40], fill=(250, 210, 60))
    png = io.BytesIO()
    picture.save(png, "PNG")
    url = "https://techpolicy.example/img/quay.png"
    services.images[url] = png.getvalue()
    markdown = f'[*Image: The new quay at dawn*]({url} "Quay 4, seen from the east.")\n\n' + ARTICLE.markdown
    with services.open_store() as store:
        for item in store.items():
            store.store_article(item.id, replace(ARTICLE, markdown=markdown), item.link)

    async def run_before(pilot: Any) -> None:
        await pilot.app.workers.wait_for_complete()  # the feed counts, read at start
        await pilot.press("enter")
        for _ in range(2):
            await pilot.app.workers.wait_for_complete()
            await pilot.pause()
        await pilot.press("i")
        for _ in range(3):
            await pilot.app.workers.wait_for_complete()
            await pilot.pause()

    assert snap_compare(make(), terminal_size=(100, 32), run_before=run_before)
