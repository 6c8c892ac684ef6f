"""Tracked topics in the TUI: saved from a search, edited (e) and deleted (D) when they are the user's own,
read-only (and saying so) when the config file defines them; unread counts that follow marks and polls; new
matches announced once."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from textual.pilot import Pilot
from textual.widgets import Input
from uifakes import FEEDS, FakeServices, parsed_item, screen_text

from reader.models import View, ViewKind
from reader.store.feeds import Store
from reader.ui.app import ReaderApp
from reader.ui.screens.confirm import ConfirmScreen
from reader.ui.screens.main import MainScreen
from reader.ui.screens.topicform import TopicFormScreen


async def settle(app: ReaderApp, pilot: Pilot[None]) -> None:
    for _ in range(3):
        await app.workers.wait_for_complete()
        await pilot.pause()


async def on_topic_row(app: ReaderApp, pilot: Pilot[None], name: str) -> MainScreen:
    """The feed pane focused, its highlight on the topic's row (the topic's view shown)."""
    main = app.screen
    assert isinstance(main, MainScreen)
    await settle(app, pilot)
    await pilot.press("shift+tab")
    rows = [o.id for o in main.feed_list._options]
    main.feed_list.highlighted = rows.index(f"topic:{name}")
    await settle(app, pilot)
    assert main.feed_list.has_focus and main.view.topic == name
    return main


def topics(db: Path) -> dict[str, tuple[str, str]]:
    with Store.open(db) as store:
        return {t.name: (t.query, t.origin) for t in store.topics(with_counts=False)}


async def test_d_deletes_the_users_topic_after_asking(
    make: Callable[..., ReaderApp], archive: tuple[Path, dict[str, int]]
) -> None:
    with Store.open(archive[0]) as store:
        store.save_topic("privacy", "privacy")
    app = make()
    async with app.run_test(size=(120, 40)) as pilot:
        main = await on_topic_row(app, pilot, "privacy")
        await pilot.press("D")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen) and "Delete the topic privacy?" in screen_text(app)
        await pilot.press("n")  # no: nothing happens
        await settle(app, pilot)
        assert "privacy" in topics(archive[0])
        await pilot.press("D", "y")
        await settle(app, pilot)
        assert topics(archive[0]) == {}
        assert "topic:privacy" not in [o.id for o in main.feed_list._options]
        assert main.view.kind is ViewKind.ALL  # the deleted topic's view is left
        assert "Deleted topic privacy" in screen_text(app)


async def test_e_edits_the_users_topic_and_a_bad_search_brings_the_form_back(
    make: Callable[..., ReaderApp], archive: tuple[Path, dict[str, int]]
) -> None:
    with Store.open(archive[0]) as store:
        store.save_topic("privacy", "privacy")
        expected = store.count(View(kind=ViewKind.TOPIC, topic="x", topic_query="encryption OR privacy"))
    app = make()
    async with app.run_test(size=(120, 40)) as pilot:
        main = await on_topic_row(app, pilot, "privacy")
        await pilot.press("e")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, TopicFormScreen)
        assert form.query_one("#topic-query", Input).value == "privacy"
        form.query_one("#topic-query", Input).value = '"unclosed'
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, TopicFormScreen)  # rejected: the form again, with the reason
        assert "not a valid search" in screen_text(app)
        again = app.screen
        again.query_one("#topic-name", Input).value = "crypto"
        again.query_one("#topic-query", Input).value = "encryption OR privacy"
        await pilot.press("enter")
        await settle(app, pilot)
        assert topics(archive[0]) == {"crypto": ("encryption OR privacy", "user")}
        rows = [o.id for o in main.feed_list._options]
        assert "topic:crypto" in rows and "topic:privacy" not in rows
        assert main.view.topic == "crypto" and main.headlines.pager.total == expected > 0


async def test_config_topics_are_read_only_and_say_where_to_change_them(
    make: Callable[..., ReaderApp], archive: tuple[Path, dict[str, int]]
) -> None:
    with Store.open(archive[0]) as store:
        store.sync_topics({"exports": "export"})
    app = make()
    async with app.run_test(size=(120, 40)) as pilot:
        await on_topic_row(app, pilot, "exports")
        for key in ("D", "e"):
            await pilot.press(key)
            await settle(app, pilot)
            assert not isinstance(app.screen, (ConfirmScreen, TopicFormScreen))
            assert "comes from the config file's [topics]" in screen_text(app)
        assert topics(archive[0]) == {"exports": ("export", "config")}


async def test_t_refuses_a_name_in_use(
    make: Callable[..., ReaderApp], archive: tuple[Path, dict[str, int]]
) -> None:
    with Store.open(archive[0]) as store:
        store.save_topic("priv", "privacy")
    app = make()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("slash", *"encryption", "enter")
        await settle(app, pilot)
        await pilot.press("T", *"priv", "enter")
        await settle(app, pilot)
        assert isinstance(app.screen, TopicFormScreen) and "exists already" in screen_text(app)
        await pilot.press("escape")
        assert topics(archive[0]) == {"priv": ("privacy", "user")}


async def test_a_topics_unread_count_follows_marks_and_polls_and_new_matches_are_told_once(
    make: Callable[..., ReaderApp], services: FakeServices, archive: tuple[Path, dict[str, int]]
) -> None:
    with Store.open(archive[0]) as store:
        store.sync_topics({"privacy": "privacy"})
        unread = store.topics()[0].unread_count
    assert unread > 1
    app = make()
    async with app.run_test(size=(120, 40)) as pilot:
        main = await on_topic_row(app, pilot, "privacy")

        def shown() -> int:
            return next(t.unread_count for t in main.feed_list.topics if t.name == "privacy")

        assert shown() == unread
        await pilot.press("tab")
        first_unread = next(h for h in main.headlines.pager.cached() if not h.read)
        main.headlines.move_to(main.headlines.pager.index_of_cached(first_unread.id) or 0)
        await pilot.press("m")
        assert main.writer.flush(10)
        await settle(app, pilot)
        assert shown() == unread - 1
        # A poll brings two new matches: the count follows, and they are announced once.
        url = FEEDS[0][0]
        services.pending = [
            (url, parsed_item(0, 90, title="New privacy rules for apps", hours_ago=0.5)),
            (url, parsed_item(0, 91, title="Privacy shield, again", hours_ago=0.4)),
        ]
        await pilot.press("R")
        await settle(app, pilot)
        assert shown() == unread + 1
        told = [n.message for n in app._notifications if "privacy" in n.message]
        assert told == ["privacy: 2 new"]
        await pilot.press("R")
        await settle(app, pilot)
        assert [n.message for n in app._notifications if "privacy" in n.message] == told
