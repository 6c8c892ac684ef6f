"""Issue 9's bugs: every key acts on the row on screen, counts agree, rows repaint, status texts say what
happened, feed text shows as a reader expects."""

from __future__ import annotations

from collections.abc import Callable

from uifakes import ARTICLE, FEEDS, NOW, FakeServices, outcome, parsed_item, screen_lines

from reader.models import Article, Item, View, ViewKind
from reader.store.feeds import Store
from reader.ui.app import ReaderApp
from reader.ui.screens.main import MainScreen
from reader.ui.text import display_title
from reader.ui.widgets.article import header_content


def main(app: ReaderApp) -> MainScreen:
    assert isinstance(app.screen, MainScreen)
    return app.screen


def row_with(app: ReaderApp, title: str) -> str:
    return next(line for line in screen_lines(app) if title in line)


async def test_n_in_unread_only_views_moves_the_highlight_with_the_article(
    make: Callable[..., ReaderApp],
) -> None:
    app = make()
    async with app.run_test(size=(140, 40)) as pilot:
        await app.workers.wait_for_complete()
        screen = main(app)
        await pilot.press("f")
        assert screen.view.unread_only
        for _ in range(4):
            await pilot.press("n")
            await app.workers.wait_for_complete()
            await pilot.pause()
            highlighted = screen.headlines.highlighted
            assert screen.open_item is not None and highlighted is not None
            assert highlighted.id == screen.open_item.id  # s, m, o, y act on the item on screen
        # The status bar's unread count is the feed pane's.
        unread = sum(f.unread_count for f in screen._feeds)
        assert f"{unread:,} unread" in screen.status.text


async def test_refresh_in_an_unread_only_view_keeps_the_highlight_on_the_open_item(
    make: Callable[..., ReaderApp], services: FakeServices
) -> None:
    app = make()
    async with app.run_test(size=(140, 40)) as pilot:
        await app.workers.wait_for_complete()
        screen = main(app)
        await pilot.press("f", "j", "j", "enter")
        await app.workers.wait_for_complete()
        opened = screen.open_item
        assert opened is not None
        services.pending = [(FEEDS[0][0], parsed_item(0, 100 + n, hours_ago=0.1 * n)) for n in range(3)]
        await pilot.press("R")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert services.polls and screen.headlines.pager.total > 0
        highlighted = screen.headlines.highlighted
        assert highlighted is not None and highlighted.id == opened.id
        assert screen.article.item_id == opened.id


async def test_marking_repaints_the_row_after_the_list_scrolled(make: Callable[..., ReaderApp]) -> None:
    app = make()
    async with app.run_test(size=(140, 40)) as pilot:
        await app.workers.wait_for_complete()
        screen = main(app)
        await pilot.press(*["j"] * 25)
        await pilot.pause()
        assert screen.headlines.scroll_offset.y > 0
        h = screen.headlines.highlighted
        assert h is not None
        title = display_title(h.title)[:30]
        before = row_with(app, title)
        await pilot.press("m")
        await pilot.pause()
        after = row_with(app, title)
        assert ("●" in before) != ("●" in after)  # the mark shows on the row, without moving the cursor
        await pilot.press("s")
        await pilot.pause()
        assert ("★" in row_with(app, title)) != h.saved


async def test_f_keeps_the_selection(make: Callable[..., ReaderApp]) -> None:
    app = make()
    async with app.run_test(size=(140, 40)) as pilot:
        await app.workers.wait_for_complete()
        screen = main(app)
        await pilot.press("j", "j", "j", "j", "j", "enter")  # opened (so now read)
        await app.workers.wait_for_complete()
        chosen = screen.headlines.highlighted
        assert chosen is not None
        await pilot.press("f")
        assert screen.headlines.highlighted is not None and screen.headlines.highlighted.id == chosen.id
        await pilot.press("f")
        assert screen.headlines.highlighted is not None and screen.headlines.highlighted.id == chosen.id


async def test_shrinking_the_terminal_keeps_the_highlighted_row_visible(
    make: Callable[..., ReaderApp],
) -> None:
    app = make()
    async with app.run_test(size=(140, 50)) as pilot:
        await app.workers.wait_for_complete()
        screen = main(app)
        await pilot.press(*["j"] * 17)
        await pilot.resize_terminal(140, 16)
        await pilot.pause()
        await pilot.pause()
        h = screen.headlines
        top, height = round(h.scroll_offset.y), h.scrollable_content_region.height
        assert height > 0 and top <= h.cursor < top + height


async def test_status_texts_say_what_happened(make: Callable[..., ReaderApp]) -> None:
    app = make()
    async with app.run_test(size=(140, 40)) as pilot:
        await app.workers.wait_for_complete()
        screen = main(app)
        await pilot.press("j", "j", "s")
        assert "Saved" in screen.status.text or "Unsaved" in screen.status.text
        await pilot.press("m")
        assert "Saved" not in screen.status.text and "Marked" in screen.status.text
        h = screen.headlines.highlighted
        assert h is not None
        await pilot.press("u")
        assert f"Undone: marked “{display_title(h.title, 40)}”" in screen.status.text
        feed = screen._feeds[-1]
        screen.set_view(View(kind=ViewKind.FEED, feed_id=feed.id, search="antitrust"))
        await pilot.pause()
        if screen.headlines.pager.total == 1:
            assert "1 item " in screen.status.text + " " and "1 items" not in screen.status.text


async def test_footer_is_readable_on_a_small_terminal(make: Callable[..., ReaderApp]) -> None:
    app = make()
    async with app.run_test(size=(50, 12)) as pilot:
        await app.workers.wait_for_complete()
        footer = ""
        for _ in range(20):  # the footer recomposes without the palette hint: let it mount
            await pilot.pause()
            footer = screen_lines(app)[-1]
            if footer.strip():
                break
        assert "palette" not in footer and "▏" not in footer  # nothing drawn over the keys
        assert footer.startswith("⏎ Open")


async def test_one_item_is_one_item(make: Callable[..., ReaderApp], services: FakeServices) -> None:
    with Store.open(services.db_path) as store:
        feed = store.add_feed("https://one.example/feed", "Only One", [])
        store.apply_fetch(feed, outcome(feed.url, [parsed_item(9, 1, title="A lonely item")]))
        store.set_read([h.id for h in store.headlines(View(kind=ViewKind.FEED, feed_id=feed.id))], True)
    app = make()
    async with app.run_test(size=(140, 40)) as pilot:
        await app.workers.wait_for_complete()
        screen = main(app)
        screen.set_view(View(kind=ViewKind.FEED, feed_id=feed.id))
        await pilot.pause()
        assert "Only One · 1 item · 0 unread" in screen.status.text


def test_header_drops_a_bare_by_and_decodes_a_doubly_escaped_title() -> None:
    item = Item(
        id=1,
        feed_id=1,
        feed_url="https://e.example/f",
        feed_title="Feed",
        title="<b>HTML</b> in &amp; title",
        link="https://e.example/1",
        author="by",
        summary=None,
        content=None,
        published=NOW,
        first_seen=NOW,
        read=False,
        saved=False,
    )
    text = str(header_content(item, None))
    assert "HTML in & title" in text and "<b>" not in text and "&amp;" not in text
    assert " · by · " not in text and "Feed · Mon 01 Jun 2026" in text
    art = Article(**{**ARTICLE.__dict__, "byline": "By Jane Doe"})
    assert "Feed · Jane Doe ·" in str(header_content(item, art))
    assert display_title("a < b and c > d") == "a < b and c > d"


async def test_home_and_end_in_the_article_jump_without_animating(
    make: Callable[..., ReaderApp], services: FakeServices, ids: dict[str, int]
) -> None:
    with Store.open(services.db_path) as store:
        item = store.item(ids["with_article"])
        assert item is not None
        long = Article(**{**ARTICLE.__dict__, "markdown": "\n\n".join(f"Paragraph {n}." for n in range(60))})
        store.store_article(item.id, long, item.link)
    app = make()
    async with app.run_test(size=(140, 40)) as pilot:
        await app.workers.wait_for_complete()
        screen = main(app)
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.press("tab")
        assert screen.article.has_focus
        # The keys' actions land at once (an animated jump would still be on its way here).
        screen.article.action_scroll_end()
        assert screen.article.scroll_y == screen.article.max_scroll_y > 0
        screen.article.action_scroll_home()
        assert screen.article.scroll_y == 0
        await pilot.press("end")  # and the keys are bound to them
        assert screen.article.scroll_y == screen.article.max_scroll_y


async def test_r_on_one_unreachable_feed_names_it_and_its_reason(
    make: Callable[..., ReaderApp], services: FakeServices
) -> None:
    services.offline = True  # every feed polled answers "connection refused"
    app = make()
    async with app.run_test(size=(140, 40)) as pilot:
        await app.workers.wait_for_complete()
        screen = main(app)
        feed = screen._feeds[0]
        screen.set_view(View(kind=ViewKind.FEED, feed_id=feed.id))
        await pilot.press("r")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert services.polls == [[feed.id]]
        assert f"Couldn't refresh {feed.display_title}: connection refused" in screen.status.text
        assert "Offline" not in screen.status.text
        assert not list(app._notifications)  # no toast over the status bar


async def test_a_dead_feeds_empty_view_says_why(
    make: Callable[..., ReaderApp], services: FakeServices
) -> None:
    with Store.open(services.db_path) as store:
        feed = store.add_feed("https://dead.example/feed", "Dead Feed", [])
        store.apply_fetch(feed, outcome(feed.url, [], error="HTTP 410 Gone"))
    app = make()
    async with app.run_test(size=(140, 40)) as pilot:
        await app.workers.wait_for_complete()
        screen = main(app)
        screen.set_view(View(kind=ViewKind.FEED, feed_id=feed.id))
        await pilot.pause()
        text = " ".join(screen_lines(app))
        assert "HTTP 410 Gone" in text and "No headlines yet" not in text


async def test_auto_refresh_comes_when_the_first_feed_falls_due_and_health_shows_each_interval(
    make: Callable[..., ReaderApp], services: FakeServices
) -> None:
    with Store.open(services.db_path) as store:
        store.add_feed("https://often.example/feed", "Often", [], poll_interval=60)
    app = make(auto_refresh=3600, default_interval=1800)
    async with app.run_test(size=(160, 40)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        screen = main(app)
        timer = screen._auto_timer
        # The demo feeds fall due 20 minutes after NOW: the next poll comes then, not an hour later.
        assert timer is not None and timer._interval <= 20 * 60 + 1
        await pilot.press("H")
        await pilot.pause()
        text = " ".join(screen_lines(app))
        assert " 1m " in text and " 30m " in text


async def test_end_of_a_long_list_reads_from_its_own_end(
    make: Callable[..., ReaderApp], services: FakeServices
) -> None:
    url = FEEDS[4][0]
    with Store.open(services.db_path) as store:
        feed = store.feed_by_url(url)
        assert feed is not None
        store.apply_fetch(
            feed, outcome(url, [parsed_item(4, 1000 + n, hours_ago=20 + n) for n in range(1500)])
        )
        every = store.headlines(limit=10_000)
    app = make()
    async with app.run_test(size=(140, 40)) as pilot:
        await app.workers.wait_for_complete()
        screen = main(app)
        await pilot.press("end")
        assert screen.headlines.cursor == len(every) - 1
        assert [screen.headlines.pager.get(len(every) - 1 - n) for n in range(450)] == [
            every[len(every) - 1 - n] for n in range(450)
        ]
        await pilot.press("home")
        assert screen.headlines.highlighted == every[0]
