"""The feed pane's groups, exact n/p far away, the mouse, and the status bar's counts and refresh times."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from textual import events
from uifakes import ARTICLE, FEEDS, FakeServices, outcome, parsed_item, screen_lines, screen_text

from reader.models import View, ViewKind
from reader.store.feeds import Store
from reader.ui.app import ReaderApp
from reader.ui.messages import RefreshProgress
from reader.ui.screens.main import MainScreen
from reader.ui.widgets.feeds import FeedList, view_for_option
from reader.ui.widgets.headlines import HeadlineList


def main(app: ReaderApp) -> MainScreen:
    assert isinstance(app.screen, MainScreen)
    return app.screen


def feed_pane(app: ReaderApp) -> list[str]:
    return [line[:29].rstrip() for line in screen_lines(app)]


def row_of(app: ReaderApp, label: str, nth: int = 0) -> int:
    return [n for n, line in enumerate(feed_pane(app)) if line.strip(" !▸▾0123456789") == label][nth]


async def test_moving_through_the_feed_pane_shows_each_rows_view(make: Callable[..., ReaderApp]) -> None:
    app = make()
    async with app.run_test(size=(140, 40)) as pilot:
        await app.workers.wait_for_complete()  # the feed counts, read at start
        screen = main(app)
        await pilot.press("shift+tab")
        seen = []
        for _ in range(screen.feed_list.option_count - 1):
            await pilot.press("j")
            option = screen.feed_list.highlighted_option
            assert option is not None and option.id is not None
            wanted = view_for_option(option.id)
            if wanted is not None:  # the Untagged heading shows no view of its own
                assert screen.view == wanted, option.id
            seen.append(option.id)
        assert seen[-1] == "feed:5" and "group:untagged" in seen
        eff = [i for i in seen if i.startswith("feed:2@")]
        assert eff == ["feed:2@policy", "feed:2@privacy"]  # listed under both of its tags
        for _ in range(len(seen)):
            await pilot.press("k")
        assert screen.feed_list.highlighted == 0 and screen.view == View()


async def test_a_feed_under_two_tags_keeps_the_row_you_moved_to(make: Callable[..., ReaderApp]) -> None:
    app = make()
    async with app.run_test(size=(140, 40)) as pilot:
        await app.workers.wait_for_complete()  # the feed counts, read at start
        await pilot.pause()
        screen = main(app)
        fl = screen.feed_list
        fl.focus()
        fl.highlighted = fl.get_option_index("feed:2@privacy")
        await pilot.pause()
        assert screen.view.kind is ViewKind.FEED
        assert fl.highlighted_option is not None and fl.highlighted_option.id == "feed:2@privacy"


async def test_groups_fold_with_enter_and_space_and_stay_folded(
    make: Callable[..., ReaderApp], services: FakeServices
) -> None:
    app = make()
    async with app.run_test(size=(140, 40)) as pilot:
        await app.workers.wait_for_complete()  # the feed counts, read at start
        await pilot.pause()
        screen = main(app)
        fl = screen.feed_list
        pane = feed_pane(app)
        assert "  ▾ security" in "\n".join(pane) and "  ▾ Untagged" in "\n".join(pane)
        fl.focus()
        fl.highlighted = fl.get_option_index("tag:security")
        await pilot.pause()
        assert screen.view == View(kind=ViewKind.TAG, tag="security")
        await pilot.press("enter")  # folds: Lawfare and the broken feed leave the list
        await app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.pause()
        assert fl.folded == {"security"} and screen.view.tag == "security"
        pane = feed_pane(app)
        assert not any("Lawfare" in line for line in pane)
        security = next(line for line in pane if "security" in line)
        assert security.startswith("! ▸ security")  # a folded group still shows its failing feed
        await pilot.press("space")
        await pilot.pause()
        assert fl.folded == set() and any("Lawfare" in line for line in feed_pane(app))
        fl.highlighted = fl.get_option_index("feed:5")  # A Small Blog, the only untagged feed
        await pilot.press("space")  # space on a feed folds its group and moves to the heading
        await pilot.pause()
        assert fl.folded == {""} and fl.highlighted_option is not None
        assert fl.highlighted_option.id == "group:untagged"
        await pilot.press("k")
        above = screen.view
        await pilot.press("j")
        assert screen.view == above  # the Untagged heading shows no view of its own
    again = make()
    async with again.run_test(size=(140, 40)) as pilot:
        await again.workers.wait_for_complete()  # the feed counts, read at start
        await pilot.pause()
        assert main(again).feed_list.folded == {""}
        assert "▸ Untagged" in "\n".join(feed_pane(again))


async def test_n_and_p_find_unread_items_thousands_of_rows_away(
    make: Callable[..., ReaderApp], services: FakeServices
) -> None:
    url = FEEDS[4][0]
    with Store.open(services.db_path) as store:
        feed = store.feed_by_url(url)
        assert feed is not None
        store.apply_fetch(
            feed, outcome(url, [parsed_item(4, 1000 + n, hours_ago=20 + n) for n in range(6000)])
        )
        every = store.headlines(limit=10_000)
        store.set_read([h.id for h in every], True)
        near, far = every[0], every[5_900]
        store.set_read([near.id, far.id], False)
    app = make()
    async with app.run_test(size=(140, 40)) as pilot:
        await app.workers.wait_for_complete()  # the feed counts, read at start
        screen = main(app)
        await pilot.press("n")  # from the first row (unread itself) to the next unread, 5,900 rows down
        await app.workers.wait_for_complete()
        assert screen.headlines.cursor == 5_900
        assert screen.open_item is not None and screen.open_item.id == far.id
        assert screen.article.item_id == far.id
        await pilot.press("n")
        assert "No more unread items below" in screen_text(app)
        await pilot.press("p")  # back up to the newest one (the one opened on the way is read now)
        await app.workers.wait_for_complete()
        assert screen.headlines.cursor == 0 and screen.open_item is not None
        assert screen.open_item.id == near.id


async def test_clicks_choose_feeds_fold_groups_and_open_headlines(make: Callable[..., ReaderApp]) -> None:
    app = make()
    async with app.run_test(size=(140, 40)) as pilot:
        await app.workers.wait_for_complete()  # the feed counts, read at start
        await pilot.pause()
        screen = main(app)
        await pilot.click(FeedList, offset=(6, row_of(app, "Lawfare")))
        await pilot.pause()
        assert screen.view.kind is ViewKind.FEED and screen.headlines.has_focus
        assert all(h.feed_title == "Lawfare" for h in screen.headlines.pager.cached())
        await pilot.click(FeedList, offset=(6, row_of(app, "policy")))
        await pilot.pause()
        assert screen.feed_list.folded == {"policy"} and screen.view.tag == "policy"
        await pilot.click(HeadlineList, offset=(10, 1))
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert screen.headlines.cursor == 1 and screen.open_item is not None
        assert screen.article.item_id == screen.open_item.id


async def test_wheel_scrolls_the_list_without_moving_the_cursor(
    make: Callable[..., ReaderApp], services: FakeServices
) -> None:
    app = make()
    async with app.run_test(size=(140, 24)) as pilot:
        await app.workers.wait_for_complete()  # the feed counts, read at start
        screen = main(app)
        headlines = screen.headlines
        assert headlines.scroll_offset.y == 0
        for _ in range(3):
            headlines.post_message(
                events.MouseScrollDown(headlines, 5, 2, 0, 1, 0, False, False, False, screen_x=40, screen_y=2)
            )
            await pilot.pause()
        assert headlines.scroll_offset.y > 0 and headlines.cursor == 0


async def test_clicking_links_in_the_article_opens_only_web_links(
    make: Callable[..., ReaderApp], services: FakeServices, ids: dict[str, int], browser: list[str]
) -> None:
    with Store.open(services.db_path) as store:
        item = store.item(ids["with_article"])
        assert item is not None
        markdown = (
            "Try [over ssh](ssh://host.example/x) or [mail us](mailto:a@b.example).\n\n" + ARTICLE.markdown
        )
        store.store_article(item.id, replace(ARTICLE, markdown=markdown), item.link)
    app = make()
    async with app.run_test(size=(140, 40)) as pilot:
        await app.workers.wait_for_complete()  # the feed counts, read at start
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.pause()

        def where(text: str) -> tuple[int, int]:
            lines = screen_lines(app)
            row = next(n for n, line in enumerate(lines) if text in line)
            return lines[row].index(text) + 2, row

        for text in ("over ssh", "mail us"):  # schemes that would start programs: never
            await pilot.click(offset=where(text))
            await pilot.pause()
        await app.workers.wait_for_complete()
        assert browser == []
        assert [n.message for n in app._notifications] == ["Only web links open from articles."] * 2
        await pilot.click(offset=where("official text"))
        await pilot.pause()
        await app.workers.wait_for_complete()
        assert browser == ["https://eur-lex.example/ai-act"]


async def test_status_bar_counts_progress_and_last_refresh(
    make: Callable[..., ReaderApp], services: FakeServices
) -> None:
    with Store.open(services.db_path) as store:
        total = store.count(View())
        unread = store.count(View(kind=ViewKind.UNREAD))
    app = make()
    async with app.run_test(size=(140, 40)) as pilot:
        await app.workers.wait_for_complete()  # the feed counts, read at start
        await pilot.pause()
        screen = main(app)
        status = screen.status.text
        assert f"All · {total} items · {unread} unread" in status
        assert "updated 10m ago" in status  # the archive's last successful fetch, before any refresh
        await pilot.press("m")  # marking read updates the count without a refresh
        assert f"{unread - 1} unread" in screen.status.text
        screen.post_message(RefreshProgress(12, 40, 0))
        await pilot.pause()
        assert "Refreshing 12/40" in screen_text(app) and "updated" not in screen.status.text
        await pilot.press("R")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "updated just now" in screen_text(app)
        await pilot.press("f")
        assert f"All · unread only · {unread - 1} unread" in screen.status.text
