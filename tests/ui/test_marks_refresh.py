"""Saved, read marks, undo, and refreshing without moving the selection or scrolling the article."""

from __future__ import annotations

from collections.abc import Callable

from uifakes import ARTICLE, FEEDS, FakeServices, parsed_item, screen_text, until_polled

from reader.models import View, ViewKind
from reader.store.feeds import Store
from reader.ui.app import ReaderApp
from reader.ui.screens.main import MainScreen


def main(app: ReaderApp) -> MainScreen:
    assert isinstance(app.screen, MainScreen)
    return app.screen


def stored(services: FakeServices, screen: MainScreen, item_id: int) -> tuple[bool, bool]:
    """The item's (read, saved) in the database, once the screen's writer has stored every mark made."""
    assert screen.writer.flush(10)
    with Store.open(services.db_path) as store:
        item = store.item(item_id)
    assert item is not None
    return item.read, item.saved


async def test_s_saves_fetches_offline_copy_and_u_undoes(
    make: Callable[..., ReaderApp], services: FakeServices
) -> None:
    app = make()
    async with app.run_test(size=(140, 40)) as pilot:
        await app.workers.wait_for_complete()  # the feed counts, read at start
        screen = main(app)
        await pilot.press("j", "j")
        h = screen.headlines.highlighted
        assert h is not None and not h.saved
        services.articles[h.id] = ARTICLE
        await pilot.press("s")
        await app.workers.wait_for_complete()
        assert stored(services, screen, h.id)[1] is True
        assert services.loads == [h.id]  # an offline copy was made
        with Store.open(services.db_path) as store:
            assert store.article_for(h.id) is not None
        assert screen.headlines.highlighted is not None and screen.headlines.highlighted.saved
        await pilot.press("s")  # unsave asks nothing
        assert stored(services, screen, h.id)[1] is False
        await pilot.press("u")
        assert stored(services, screen, h.id)[1] is True


async def test_s_acts_on_the_open_item_while_reading(
    make: Callable[..., ReaderApp], services: FakeServices
) -> None:
    app = make()
    async with app.run_test(size=(140, 40)) as pilot:
        await app.workers.wait_for_complete()  # the feed counts, read at start
        screen = main(app)
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.press("tab")  # open row 0, focus the article
        assert screen.article.has_focus
        await pilot.press("s")
        assert screen.open_item is not None
        assert stored(services, screen, screen.open_item.id)[1] is True
        await pilot.pause()
        assert "★ Saved" in screen_text(app)


async def test_m_toggles_read_and_u_undoes(make: Callable[..., ReaderApp], services: FakeServices) -> None:
    app = make()
    async with app.run_test(size=(140, 40)) as pilot:
        await app.workers.wait_for_complete()  # the feed counts, read at start
        screen = main(app)
        h = screen.headlines.highlighted
        assert h is not None and not h.read
        await pilot.press("m")
        assert stored(services, screen, h.id)[0] is True
        await pilot.press("m")
        assert stored(services, screen, h.id)[0] is False
        await pilot.press("u")
        assert stored(services, screen, h.id)[0] is True


async def test_A_marks_view_read_and_u_undoes_exactly_those(
    make: Callable[..., ReaderApp], services: FakeServices
) -> None:
    with Store.open(services.db_path) as store:
        unread_before = store.count(View(kind=ViewKind.UNREAD))
        feed = store.feeds()[0]
        in_feed = store.count(View(kind=ViewKind.FEED, feed_id=feed.id, unread_only=True))
    app = make()
    async with app.run_test(size=(140, 40)) as pilot:
        await app.workers.wait_for_complete()  # the feed counts, read at start
        screen = main(app)
        screen.set_view(View(kind=ViewKind.FEED, feed_id=feed.id))
        await pilot.press("A")
        assert screen.writer.flush(10)
        with Store.open(services.db_path) as store:
            assert store.count(View(kind=ViewKind.UNREAD)) == unread_before - in_feed
        assert all(h.read for h in screen.headlines.pager.cached())
        await pilot.press("u")
        assert screen.writer.flush(10)
        with Store.open(services.db_path) as store:
            assert store.count(View(kind=ViewKind.UNREAD)) == unread_before


async def test_f_filters_unread_and_search_uses_fts(make: Callable[..., ReaderApp]) -> None:
    app = make()
    async with app.run_test(size=(140, 40)) as pilot:
        await app.workers.wait_for_complete()  # the feed counts, read at start
        screen = main(app)
        total = screen.headlines.pager.total
        await pilot.press("f")
        assert screen.view.unread_only
        assert 0 < screen.headlines.pager.total < total
        assert all(not h.read for h in screen.headlines.pager.cached())
        await pilot.press("f", "slash")
        await pilot.press(*"antitrust", "enter")
        await pilot.pause()
        assert screen.view.search == "antitrust"
        assert 0 < screen.headlines.pager.total < total
        assert all("Antitrust" in h.title for h in screen.headlines.pager.cached())
        assert "search “antitrust”" in screen_text(app)
        await pilot.press("escape")
        assert screen.view.search is None and screen.headlines.pager.total == total


async def test_refresh_adds_items_above_without_moving_selection_or_article(
    make: Callable[..., ReaderApp], services: FakeServices
) -> None:
    long = ARTICLE.__class__(
        **{**ARTICLE.__dict__, "markdown": "\n\n".join(f"Paragraph {n}." for n in range(60))}
    )
    with Store.open(services.db_path) as store:
        h = store.headlines(limit=5)[4]
        store.store_article(h.id, long, h.link)
    url = FEEDS[4][0]
    services.pending = [(url, parsed_item(4, 500 + n, hours_ago=0.01 * n)) for n in range(3)]
    app = make()
    async with app.run_test(size=(140, 40)) as pilot:
        await app.workers.wait_for_complete()  # the feed counts, read at start
        screen = main(app)
        await pilot.press("j", "j", "j", "j", "enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.press("space")
        await pilot.pause()
        scroll = screen.article.scroll_y
        row = screen.headlines.cursor_screen_row
        total = screen.headlines.pager.total
        assert scroll > 0
        await pilot.press("R")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert services.polls == [None] and services.due_only == [False]  # R: every feed, now
        assert screen.headlines.pager.total == total + 3
        highlighted = screen.headlines.highlighted
        assert highlighted is not None and highlighted.id == h.id  # same item still selected
        assert screen.headlines.cursor == 7  # three new rows above it
        assert screen.headlines.cursor_screen_row == row  # and it did not move on screen
        assert screen.article.scroll_y == scroll  # the article being read did not scroll
        assert "3 new" in screen_text(app)
        assert screen.polling is False


async def test_r_refreshes_the_current_feed(make: Callable[..., ReaderApp], services: FakeServices) -> None:
    app = make()
    async with app.run_test(size=(140, 40)) as pilot:
        await app.workers.wait_for_complete()  # the feed counts, read at start
        screen = main(app)
        h = screen.headlines.highlighted
        assert h is not None
        await pilot.press("r")
        await app.workers.wait_for_complete()
        assert services.polls == [[h.feed_id]]


async def test_refresh_on_start_and_failures_are_marked(
    make: Callable[..., ReaderApp], services: FakeServices
) -> None:
    services.failing = {FEEDS[2][0]: "HTTP 404 Not Found"}
    app = make(refresh_on_start=True)
    async with app.run_test(size=(140, 40)) as pilot:
        await until_polled(pilot, services.polls)
        assert services.polls == [None]
        assert services.due_only == [True]  # the start-up refresh respects each feed's schedule
        text = screen_text(app)
        assert "1 of 5 feeds failed" in text
        assert "! Lawfare" in text


async def test_offline_says_so_once(make: Callable[..., ReaderApp], services: FakeServices) -> None:
    services.offline = True
    app = make(refresh_on_start=True)
    async with app.run_test(size=(140, 40)) as pilot:
        await until_polled(pilot, services.polls)
        await pilot.press("R")
        await until_polled(pilot, services.polls, 2)
        assert len(services.polls) == 2
        notes = [n.message for n in app._notifications]
        assert notes == ["Feeds can't be reached right now. Reading from the archive."]
        assert "Offline" in screen_text(app)
        assert main(app).headlines.pager.total > 0  # the archive is still there


async def test_worker_failure_is_one_plain_notification(
    make: Callable[..., ReaderApp], services: FakeServices
) -> None:
    def boom(feed_ids: object, progress: object, **_: object) -> None:
        raise RuntimeError("[bold]kaboom[/]")

    services.poll = boom  # type: ignore[assignment,method-assign]
    app = make()
    async with app.run_test(size=(140, 40)) as pilot:
        await app.workers.wait_for_complete()  # the feed counts, read at start
        await pilot.press("R")
        await app.workers.wait_for_complete()
        await pilot.pause()
        notes = list(app._notifications)
        assert len(notes) == 1 and "[bold]kaboom[/]" in notes[0].message and not notes[0].markup
        assert main(app).polling is False


async def test_feed_counts_follow_marks_without_a_recount(
    make: Callable[..., ReaderApp], services: FakeServices
) -> None:
    app = make()
    async with app.run_test(size=(140, 40)) as pilot:
        await app.workers.wait_for_complete()  # the feed counts, read at start
        await pilot.pause()
        screen = main(app)
        before = sum(f.unread_count for f in screen._feeds)
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.press("j", "enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.press("s")
        assert screen.writer.flush(10)
        with Store.open(services.db_path) as store:
            feeds = store.feeds(with_counts=True)
            saved = store.count(View(kind=ViewKind.SAVED))
        assert sum(f.unread_count for f in screen._feeds) == before - 2
        assert {f.id: f.unread_count for f in screen._feeds} == {f.id: f.unread_count for f in feeds}
        assert screen._saved_count == saved
