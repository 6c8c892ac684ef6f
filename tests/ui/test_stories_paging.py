"""The TUI's stories over the whole archive: the Stories screen pages by keyset (scrolling, End, Home) with a
bounded number of stories held; one row of a folded view unfolds in place; a read story that new items join
turns unread with a marker, the highlight staying put."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from textual.events import MouseScrollDown
from textual.pilot import Pilot
from uifakes import NOW, outcome, screen_text

from reader.models import Headline, ParsedItem, PollSummary
from reader.store.feeds import Store
from reader.ui import screens
from reader.ui.app import ReaderApp
from reader.ui.messages import RefreshFinished
from reader.ui.screens.main import MainScreen
from reader.ui.screens.stories_screen import StoriesScreen
from reader.ui.widgets.headlines import CHILD_MARK


def join_story(db: Path, story: int | None, row: Headline, published: datetime) -> int:
    """A poll (in another connection, as the poller's) brings a newer version of `row`'s story from its feed;
    its item id."""
    with Store.open(db) as store:
        feed = store.feed_by_id(row.feed_id)
        assert feed is not None
        newer = ParsedItem(
            key="newer",
            guid="newer",
            title=row.title.rsplit(" (", 1)[0] + ": what changed",
            link="https://example.org/newer",
            published=published,
            content_hash="newer",
        )
        store.apply_fetch(feed, replace(outcome(feed.url, [newer]), fetched_at=datetime.now(UTC)))
        store.merge_stories()
        newer_id = int(store._conn.execute("SELECT id FROM items WHERE key = 'newer'").fetchone()[0])
        assert story is not None and store.story_of(newer_id) == story
    return newer_id


async def settle(app: ReaderApp, pilot: Pilot[None]) -> None:
    for _ in range(3):
        await app.workers.wait_for_complete()
        await pilot.pause()


async def fold_and_go_to_story(
    app: ReaderApp, pilot: Pilot[None], *, others: int, skip: int = 0
) -> tuple[MainScreen, Headline, list[Headline]]:
    """`F` (one row per story), then the highlight on the first story row past the first `skip` rows with at
    least `others` other outlets; (the screen, that row, the rows of the folded view's first page)."""
    main = app.screen
    assert isinstance(main, MainScreen)
    await settle(app, pilot)
    await pilot.press("F")
    await settle(app, pilot)
    rows = main.store.headlines(main.view, 0, 200)
    row = next(h for h in rows[skip:] if h.others >= others)
    main.headlines.move_to(main.store.position(main.view, row.id) or 0)
    return main, row, rows


def row_text(screen: StoriesScreen, row_id: str) -> str:
    """A row of the Stories list as drawn (it must be on screen)."""
    index = screen.options.index_of(row_id)
    assert index is not None
    return screen.options.render_line(index - round(screen.options.scroll_offset.y)).text


async def open_stories(app: ReaderApp, pilot: Pilot[None]) -> StoriesScreen:
    await settle(app, pilot)
    await pilot.press("S")
    await settle(app, pilot)
    screen = app.screen
    assert isinstance(screen, StoriesScreen) and screen.loaded
    return screen


@pytest.fixture
def small_pages(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pages of 3 stories, at most 6 held: the demo archive's 12 stories need paging both ways."""
    module = screens.stories_screen
    monkeypatch.setattr(module, "PAGE", 3)
    monkeypatch.setattr(module, "MAX_LOADED", 6)
    monkeypatch.setattr(module, "NEAR_EDGE", 1)


async def test_the_stories_screen_reaches_every_story_page_by_page(
    make: Callable[..., ReaderApp], archive: tuple[Path, dict[str, int]], small_pages: None
) -> None:
    with Store.open(archive[0]) as store:
        every = [s.id for s in store.stories(limit=1000)]
    assert len(every) == 12
    app = make()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_stories(app, pilot)
        assert [s.id for s in screen.stories] == every[:3] and screen.window.more_older
        assert "12 stories" in screen_text(app)
        seen: list[int] = []
        for _ in range(len(every) + 2):
            current = screen._current()
            assert current is not None and current[0] == "s"
            if current[1] not in seen:
                seen.append(current[1])
            assert len(screen.stories) <= 6  # never the whole archive
            await pilot.press("j")
            await settle(app, pilot)
        assert seen == every  # every story, in order, each once
        # Home reads the newest page again; End the oldest, with the highlight on the oldest story.
        await pilot.press("home")
        await settle(app, pilot)
        assert screen._current() == ("s", every[0]) and screen.window.more_older
        await pilot.press("end")
        await settle(app, pilot)
        assert screen._current() == ("s", every[-1])
        assert not screen.window.more_older and screen.window.more_newer
        # Up from the oldest page reads newer pages in front, the highlighted story staying highlighted.
        for _ in range(len(every) - 1):
            await pilot.press("k")
            await settle(app, pilot)
        assert screen._current() == ("s", every[0])


async def test_a_read_story_that_new_items_join_turns_unread_with_a_marker_and_keeps_the_highlight(
    make: Callable[..., ReaderApp], archive: tuple[Path, dict[str, int]]
) -> None:
    db = archive[0]
    app = make()
    async with app.run_test(size=(120, 40)) as pilot:
        main = app.screen
        assert isinstance(main, MainScreen)
        screen = await open_stories(app, pilot)
        target = screen.stories[3]  # not the first row: a refresh must not pull the highlight to the top
        ids = [rid for rid, _ in screen.options.rows]
        screen.options.cursor = ids.index(f"s:{target.id}")
        await pilot.press("m")
        await settle(app, pilot)
        assert main.writer.flush(10)
        story = next(s for s in screen.stories if s.id == target.id)
        assert story.unread_count == 0 and row_text(screen, f"s:{target.id}")[:2].strip() == ""
        with Store.open(db) as store:
            items = store.story_items(target.id)
            assert all(it.read for it in items)
            feed = store.feed_by_id(items[0].feed_id)
            assert feed is not None
            # The same news again, from the same outlet, a little later: it joins the story.
            late = ParsedItem(
                key="late",
                guid="late",
                title=items[0].title.rsplit(" (", 1)[0] + ": the latest",
                link="https://example.org/late",
                published=max(it.date for it in items) + timedelta(minutes=30),
                content_hash="late",
            )
            # It arrives now: after the story was read (both on the wall clock, as in real use).
            store.apply_fetch(feed, replace(outcome(feed.url, [late]), fetched_at=datetime.now(UTC)))
            store.merge_stories()
            late_id = store._conn.execute("SELECT id FROM items WHERE key = 'late'").fetchone()[0]
            assert store.story_of(late_id) == target.id
        main.post_message(RefreshFinished(PollSummary(total=1, new_items=1)))
        await settle(app, pilot)
        assert screen._current() == ("s", target.id)  # the highlight stayed on the story
        story = next(s for s in screen.stories if s.id == target.id)
        assert story.unread_count == 1 and story.rejoined
        assert row_text(screen, f"s:{target.id}").startswith(
            " +"
        )  # unread again, marked as news that joined a read story
        await pilot.press("escape")
        await settle(app, pilot)


async def test_x_unfolds_one_story_row_in_place_and_marks_act_on_the_row_shown(
    make: Callable[..., ReaderApp], archive: tuple[Path, dict[str, int]]
) -> None:
    app = make()
    async with app.run_test(size=(140, 40)) as pilot:
        main, row, _ = await fold_and_go_to_story(app, pilot, others=2)
        folded = main.headlines.pager.total
        await pilot.pause()
        cursor = main.headlines.cursor
        screen_row = main.headlines.cursor_screen_row
        status = main.status._view
        assert f"{folded} stories" in status
        await pilot.press("x")
        await settle(app, pilot)
        story = main.store.story_of(row.id)
        assert story is not None
        others = [it.id for it in main.store.story_items(story) if it.id != row.id]
        pager = main.headlines.pager
        assert pager.total == folded + len(others) and pager.base_total == folded
        # The highlight stays on the story's row, where it was on screen; its other items follow, indented.
        assert main.headlines.cursor == cursor and main.headlines.highlighted.id == row.id  # type: ignore[union-attr]
        assert main.headlines.cursor_screen_row == screen_row
        assert {pager.get(cursor + 1 + n).id for n in range(len(others))} == set(others)  # type: ignore[union-attr]
        assert all(pager.is_child(cursor + 1 + n) for n in range(len(others)))
        assert CHILD_MARK.strip() in screen_text(app)
        assert main.status._view == status  # the view's count: unfolding shows rows, it adds no items
        # m on an unfolded row marks that item alone; u undoes it.
        await pilot.press("j")
        child = main.headlines.highlighted
        assert child is not None and child.id in others
        before = {i: main.store.item(i).read for i in [row.id, *others]}  # type: ignore[union-attr]
        await pilot.press("m")
        await settle(app, pilot)
        assert main.writer.flush(10)
        after = {i: main.store.item(i).read for i in before}  # type: ignore[union-attr]
        assert after == {**before, child.id: not before[child.id]}
        assert main.headlines.highlighted.read == after[child.id]  # type: ignore[union-attr]
        await pilot.press("u")
        await settle(app, pilot)
        assert main.writer.flush(10)
        assert {i: main.store.item(i).read for i in before} == before  # type: ignore[union-attr]
        # x on one of the rows folds the story back, the highlight returning to the story's row.
        await pilot.press("x")
        await settle(app, pilot)
        assert main.headlines.pager.total == folded and main.headlines.highlighted.id == row.id  # type: ignore[union-attr]
        assert CHILD_MARK.strip() not in screen_text(app)


async def test_x_in_a_view_that_shows_every_item_says_how_to_fold(make: Callable[..., ReaderApp]) -> None:
    app = make()
    async with app.run_test(size=(140, 40)) as pilot:
        main = app.screen
        assert isinstance(main, MainScreen)
        await settle(app, pilot)
        total = main.headlines.pager.total
        await pilot.press("x")
        await settle(app, pilot)
        assert main.headlines.pager.total == total
        assert "F folds each story first" in screen_text(app)


async def test_an_unfolded_row_survives_a_refresh_and_n_goes_on_from_the_storys_row(
    make: Callable[..., ReaderApp], archive: tuple[Path, dict[str, int]]
) -> None:
    app = make(now=lambda: NOW)
    async with app.run_test(size=(140, 40)) as pilot:
        main, _, _ = await fold_and_go_to_story(app, pilot, others=2)
        await pilot.press("x")
        await settle(app, pilot)
        unfolded = main.headlines.pager.total
        await pilot.press("j")
        child = main.headlines.highlighted
        main.reload_headlines()  # what a poll or a mark does
        await pilot.pause()
        assert main.headlines.pager.total == unfolded and main.headlines.highlighted == child
        await pilot.press("n")
        await settle(app, pilot)
        opened = main.open_item
        assert opened is not None and main.headlines.highlighted is not None
        assert main.headlines.highlighted.id == opened.id  # the row shown is the item opened
        assert not main.headlines.pager.is_child(main.headlines.cursor)


async def test_in_a_folded_view_news_joining_the_highlighted_story_keeps_the_highlight_on_its_row(
    make: Callable[..., ReaderApp], archive: tuple[Path, dict[str, int]]
) -> None:
    db = archive[0]
    app = make()
    async with app.run_test(size=(140, 40)) as pilot:
        main, row, rows = await fold_and_go_to_story(app, pilot, others=1, skip=3)  # not the top row
        await pilot.pause()
        screen_row = main.headlines.cursor_screen_row
        # Its story's row moves up to second.
        newer_id = join_story(db, main.store.story_of(row.id), row, rows[1].date + timedelta(minutes=1))
        main.post_message(RefreshFinished(PollSummary(total=1, new_items=1)))
        await settle(app, pilot)
        # The story's row now shows its newest item, higher up; the highlight went with the story's row.
        highlighted = main.headlines.highlighted
        assert highlighted is not None and highlighted.id == newer_id and not highlighted.read
        assert main.headlines.cursor == 1 != screen_row


async def test_c_in_a_folded_view_shows_the_next_version_beneath_its_storys_row(
    make: Callable[..., ReaderApp],
) -> None:
    app = make()
    async with app.run_test(size=(140, 40)) as pilot:
        main, row, _ = await fold_and_go_to_story(app, pilot, others=2)
        await pilot.press("enter")
        await settle(app, pilot)
        assert main.open_item is not None and main.open_item.id == row.id
        await pilot.press("c")
        await settle(app, pilot)
        opened = main.open_item
        assert opened is not None and opened.id != row.id
        assert main.store.story_of(opened.id) == main.store.story_of(row.id)
        # Still one row per story: the version shows beneath its story's row, and it is the row highlighted.
        assert main.view.fold_stories
        highlighted = main.headlines.highlighted
        assert highlighted is not None and highlighted.id == opened.id
        assert main.headlines.pager.is_child(main.headlines.cursor)


async def test_scrolling_the_stories_with_the_wheel_reads_the_next_page(
    make: Callable[..., ReaderApp], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(screens.stories_screen, "PAGE", 8)
    monkeypatch.setattr(screens.stories_screen, "NEAR_EDGE", 2)
    app = make()
    async with app.run_test(size=(100, 10)) as pilot:  # a page of 8 overflows the list
        screen = await open_stories(app, pilot)
        assert len(screen.stories) == 8 and screen.window.more_older
        first = screen._current()
        for _ in range(4):  # the mouse wheel over the list: the view moves, not the highlight
            await pilot._post_mouse_events([MouseScrollDown], "#stories-list", offset=(5, 1))
            await settle(app, pilot)
        assert len(screen.stories) == 12 and not screen.window.more_older
        assert screen._current() == first


async def test_the_stories_screen_opens_again_where_it_was_left(
    make: Callable[..., ReaderApp], small_pages: None
) -> None:
    app = make()
    async with app.run_test(size=(120, 40)) as pilot:
        main = app.screen
        assert isinstance(main, MainScreen)
        screen = await open_stories(app, pilot)
        await pilot.press("f")  # unread stories only
        await settle(app, pilot)
        for _ in range(7):  # deep enough that the newest stories are no longer loaded
            await pilot.press("j")
            await settle(app, pilot)
        where = screen._current()
        assert where is not None and screen.window.more_newer
        await pilot.press("enter")  # unfold it, then open its first outlet's version
        await settle(app, pilot)
        await pilot.press("j", "enter")
        await settle(app, pilot)
        assert app.screen is main and main.open_item is not None
        again = await open_stories(app, pilot)
        assert again is not screen and again.unread_only
        assert again._current() == where


async def test_news_joining_a_story_read_in_the_folded_view_turns_its_row_unread_with_a_marker(
    make: Callable[..., ReaderApp], archive: tuple[Path, dict[str, int]]
) -> None:
    app = make(fold=True)  # a first launch: one row per story
    async with app.run_test(size=(140, 40)) as pilot:
        main = app.screen
        assert isinstance(main, MainScreen)
        await settle(app, pilot)
        rows = main.store.headlines(main.view, 0, 200)
        row = next(h for h in rows[3:] if h.others >= 1 and not h.read)
        main.headlines.move_to(main.store.position(main.view, row.id) or 0)
        await pilot.press("m")  # the whole story read
        assert main.writer.flush(10)
        await settle(app, pilot)
        joined = join_story(archive[0], main.store.story_of(row.id), row, row.date + timedelta(minutes=1))
        main.post_message(RefreshFinished(PollSummary(total=1, new_items=1)))
        await settle(app, pilot)
        highlighted = main.headlines.highlighted
        assert highlighted is not None and highlighted.id == joined  # the selection stayed on the story
        assert highlighted.rejoined and not highlighted.read
        lines = [line for line in screen_text(app).splitlines() if "what changed" in line]
        assert any(" + " in line.split("what changed")[0] for line in lines), lines  # its row's mark
