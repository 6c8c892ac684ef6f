"""Stories and topics in the TUI: the Stories screen, story marks with undo, other outlets, topic feeds."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from uifakes import FakeServices, screen_text

from reader.models import FetchOutcome, ParsedFeed, ParsedItem, PollSummary, View, ViewKind
from reader.store.feeds import Store
from reader.ui.app import ReaderApp
from reader.ui.messages import RefreshFinished
from reader.ui.screens.main import MainScreen
from reader.ui.screens.stories_screen import StoriesScreen


def multi_outlet_story(db: Path) -> tuple[int, list[int]]:
    with Store.open(db) as store:
        story = next(s for s in store.stories(limit=500, with_items=True) if s.feed_count > 1)
        return story.id, [it.id for it in story.items]


async def test_stories_screen_unfolds_marks_a_story_read_undoes_and_opens_an_outlet(
    make: Callable[..., ReaderApp], archive: tuple[Path, dict[str, int]]
) -> None:
    db = archive[0]
    app = make()
    async with app.run_test(size=(140, 40)) as pilot:
        main = app.screen
        assert isinstance(main, MainScreen)
        await pilot.press("S")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, StoriesScreen)
        assert "outlets" in screen_text(app)
        # Put the cursor on a story with several outlets and unfold it.
        story_id, item_ids = multi_outlet_story(db)
        ids = [rid for rid, _ in screen.options.rows]
        screen.options.cursor = ids.index(f"s:{story_id}")
        await pilot.press("enter")
        await pilot.pause()
        shown = [rid for rid, _ in screen.options.rows]
        assert {f"i:{i}" for i in item_ids} <= set(shown)
        await pilot.press("m")
        await pilot.pause()
        # The screen shows it at once; the one writer stores it off the UI thread.
        assert all(f"i:{i}" in shown for i in item_ids)
        assert next(s for s in screen.stories if s.id == story_id).unread_count == 0
        assert main.writer.flush(10)
        with Store.open(db) as store:
            assert all(store.item(i).read for i in item_ids)  # type: ignore[union-attr]
        await pilot.press("u")
        await pilot.pause()
        assert main.writer.flush(10)
        with Store.open(db) as store:
            assert not any(store.item(i).read for i in item_ids)  # type: ignore[union-attr]
        # Enter on an outlet's version opens it in the main screen, which names the other outlets.
        screen.options.cursor = shown.index(f"i:{item_ids[0]}")
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is main
        assert main.open_item is not None and main.open_item.id == item_ids[0]
        assert (
            "Also covered by:" in screen_text(app) and main.article.query("#article-outlets").first().display
        )
        await pilot.press("c")
        await pilot.pause()
        assert main.open_item is not None and main.open_item.id == item_ids[1]


async def test_topics_are_virtual_feeds_with_unread_counts(
    make: Callable[..., ReaderApp], archive: tuple[Path, dict[str, int]]
) -> None:
    with Store.open(archive[0]) as store:
        store.sync_topics({"privacy": "privacy OR encryption"})
        expected = store.count(
            View(kind=ViewKind.TOPIC, topic="privacy", topic_query="privacy OR encryption")
        )
    assert expected > 0
    app = make()
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.pause()
        main = app.screen
        assert isinstance(main, MainScreen)
        rows = [o.id for o in main.feed_list._options]
        assert "stories" in rows and "topic:privacy" in rows
        await pilot.press("shift+tab")
        main.feed_list.highlighted = rows.index("topic:privacy")
        await pilot.pause()
        assert main.view.kind is ViewKind.TOPIC and main.headlines.pager.total == expected
        assert "Topic privacy" in screen_text(app)


async def test_an_archive_from_before_stories_is_grouped_in_the_background(
    make: Callable[..., ReaderApp], archive: tuple[Path, dict[str, int]]
) -> None:
    with Store.open(archive[0]) as store:
        store.group_pending(restart=False)
        store._conn.execute("UPDATE items SET story_id = NULL")
        assert store.ungrouped_count() > 0
    app = make()
    async with app.run_test(size=(140, 40)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        main = app.screen
        assert isinstance(main, MainScreen)
        with Store.open(archive[0]) as store:
            assert store.ungrouped_count() == 0
            unread_stories = store.story_count(unread_only=True)
        assert unread_stories > 0 and main.feed_list.stories_unread == unread_stories


async def test_new_topic_matches_are_announced_after_a_poll(make: Callable[..., ReaderApp]) -> None:
    app = make()
    async with app.run_test(size=(140, 40)) as pilot:
        main = app.screen
        assert isinstance(main, MainScreen)
        main.post_message(RefreshFinished(PollSummary(total=1, new_items=3, topic_matches=(("exports", 2),))))
        await pilot.pause()
        assert "exports: 2 new" in [n.message for n in app._notifications]


async def test_a_search_is_saved_as_a_topic(
    make: Callable[..., ReaderApp], archive: tuple[Path, dict[str, int]]
) -> None:
    app = make()
    async with app.run_test(size=(140, 40)) as pilot:
        main = app.screen
        assert isinstance(main, MainScreen)
        await pilot.press("slash", *"privacy", "enter")
        await pilot.pause()
        searched = main.headlines.pager.total
        await pilot.press("T", "ctrl+u", *"priv", "enter")
        await app.workers.wait_for_complete()  # stored by a worker
        await pilot.pause()
        await app.workers.wait_for_complete()  # then counted
        await pilot.pause()
        assert main.view.kind is ViewKind.TOPIC and main.view.topic == "priv"
        assert main.headlines.pager.total == searched > 0
        assert "topic:priv" in [o.id for o in main.feed_list._options]
    with Store.open(archive[0]) as store:
        assert [t.name for t in store.topics()] == ["priv"]


async def test_f_folds_each_story_into_one_row_with_its_outlet_count(make: Callable[..., ReaderApp]) -> None:
    app = make()
    async with app.run_test(size=(140, 40)) as pilot:
        main = app.screen
        assert isinstance(main, MainScreen)
        await pilot.pause()
        every = main.headlines.pager.total
        await pilot.press("F")
        await pilot.pause()
        assert main.view.fold_stories and main.headlines.pager.total < every
        assert "one row per story" in screen_text(app) and " +" in screen_text(app)
        await pilot.press("F")
        await pilot.pause()
        assert main.headlines.pager.total == every


async def test_a_first_launch_shows_one_row_per_story_and_f_shows_every_item_from_then_on(
    make: Callable[..., ReaderApp],
) -> None:
    app = make(fold=True)  # no saved state: the view a new user gets
    async with app.run_test(size=(140, 40)) as pilot:
        main = app.screen
        assert isinstance(main, MainScreen)
        await pilot.pause()
        assert main.view.fold_stories
        folded = main.headlines.pager.total
        assert " +" in screen_text(app)  # "+N outlets" on the rows that stand for a story
        assert f"{folded:,} stories" in main.status.text
        await pilot.press("F")
        await pilot.pause()
        assert not main.view.fold_stories and main.headlines.pager.total > folded
    again = make(fold=True)  # the choice is remembered
    async with again.run_test(size=(140, 40)) as pilot:
        await pilot.pause()
        assert isinstance(again.screen, MainScreen) and not again.screen.view.fold_stories


async def test_in_a_folded_view_m_marks_the_whole_story_and_u_undoes(
    make: Callable[..., ReaderApp], archive: tuple[Path, dict[str, int]]
) -> None:
    app = make()
    async with app.run_test(size=(140, 40)) as pilot:
        main = app.screen
        assert isinstance(main, MainScreen)
        await pilot.press("F")
        await pilot.pause()
        row = next(h for h in main.store.headlines(main.view, 0, 200) if h.others and not h.read)
        main.headlines.move_to(main.store.position(main.view, row.id) or 0)
        story = main.store.story_of(row.id)
        assert story is not None
        before = {it.id: it.read for it in main.store.story_items(story)}
        await pilot.press("m")
        await pilot.pause()
        assert main.writer.flush(10)
        assert all(it.read for it in main.store.story_items(story)) and len(before) > 1
        await pilot.press("u")
        await pilot.pause()
        assert main.writer.flush(10)
        with Store.open(archive[0]) as store:
            assert {i: store.item(i).read for i in before} == before  # type: ignore[union-attr]


async def test_the_stories_screen_says_when_grouping_is_off(
    make: Callable[..., ReaderApp], services: FakeServices, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(services, "stories_grouped", lambda: False)  # [stories] group = false
    app = make()
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.press("S")
        await pilot.pause()
        assert isinstance(app.screen, StoriesScreen)
        assert "grouping is off ([stories] group = false in the config)" in screen_text(app)


async def test_a_folded_row_names_its_outlet_s_follow_ups(
    make: Callable[..., ReaderApp], archive: tuple[Path, dict[str, int]]
) -> None:
    """A folded row hides its own outlet's earlier versions too: "(2)" says so, beside "+N" other outlets."""
    db = archive[0]
    with Store.open(db) as store:
        story = next(s for s in store.stories(limit=500, with_items=True) if s.feed_count > 1)
        first = story.items[0]
        feed = next(f for f in store.feeds() if f.id == first.feed_id)
        follow_up = ParsedItem(
            key="follow-up",
            title=f"Update: {first.title}",
            link="https://example.org/follow-up",
            published=story.newest + timedelta(minutes=5),
            content_hash="follow-up",
        )
        parsed = ParsedFeed(title=None, site_url=None, items=(follow_up,))
        store.apply_fetch(feed, FetchOutcome(feed_url=feed.url, status=200, parsed=parsed))
        store.merge_stories()
        [row] = [h for h in store.headlines(View(fold_stories=True), 0, 500) if h.title == follow_up.title]
        assert row.from_feed == 2 and row.others == story.feed_count - 1
    app = make(fold=True)
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.pause()
        line = next(ln for ln in screen_text(app).splitlines() if "Update: " in ln)
        assert f"(2) +{row.others}" in line
