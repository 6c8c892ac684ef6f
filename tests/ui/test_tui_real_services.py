"""The real app over the real services: a loopback feed, a refresh in a worker, full text through readability."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

from httpserver import LoopbackServer
from uifakes import record_polls, until_polled

from reader.config.loader import parse_config
from reader.locations import resolve_locations
from reader.services import ReaderServices
from reader.store.feeds import Store
from reader.ui.app import make_app
from reader.ui.screens.main import MainScreen
from reader.ui.settings import UISettings

STORY = (
    "<html><head><title>Spectrum story</title></head><body><nav>Home</nav><article><h1>Spectrum story</h1>"
    + "".join(
        f"<p>Paragraph {k}: the commission voted on the spectrum auction rules today.</p>" for k in range(10)
    )
    + "<p>Advertisement</p></article></body></html>"
)


def build(tmp_path: Path, server: LoopbackServer) -> tuple[ReaderServices, str]:
    server.serve("/story", STORY.encode(), content_type="text/html; charset=utf-8")
    link = server.url("/story")
    body = (
        f'<rss version="2.0"><channel><title>Live feed</title><item><title>Spectrum story</title>'
        f"<link>{link}</link><guid>s1</guid><description>Short summary</description></item></channel></rss>"
    )
    url = server.serve("/live.xml", body.encode(), etag='"l1"')
    config_path = tmp_path / "config.toml"
    config_path.write_text('[fulltext]\npolicy = "on-open"\n')
    locations = resolve_locations(str(config_path), str(tmp_path / "data"), os.environ)
    config = parse_config(config_path.read_text(), source=config_path)
    services = ReaderServices(locations, config)
    with services.open_store() as store:
        store.add_feed(url, tags=["spectrum"])
    return services, url


async def test_refresh_then_open_fetches_and_extracts_the_page(
    tmp_path: Path, http_server: LoopbackServer
) -> None:
    services, _url = build(tmp_path, http_server)
    app = make_app(services, UISettings(refresh_on_start=False, auto_refresh=None))
    async with app.run_test(size=(140, 40)) as pilot:
        await app.workers.wait_for_complete()  # the feed counts, read at start
        screen = app.screen
        assert isinstance(screen, MainScreen)
        assert screen.headlines.pager.total == 0
        await pilot.press("R")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert [n.message for n in app._notifications] == []
        assert http_server.count("/live.xml") == 1
        assert screen.headlines.pager.total == 1
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert http_server.count("/story") == 1
        with Store.open(tmp_path / "data" / "reader.db") as store:
            item = store.items()[0]
            article = store.article_for(item.id)
        assert item.read and article is not None
        assert "Paragraph 9" in article.text and "Advertisement" not in article.text
        # A second refresh is conditional and adds nothing.
        await pilot.press("R")
        await app.workers.wait_for_complete()
        assert http_server.requests("/live.xml")[-1].headers.get("if-none-match") == '"l1"'


async def test_start_up_and_automatic_refreshes_poll_only_due_feeds(
    tmp_path: Path, http_server: LoopbackServer
) -> None:
    services, _url = build(tmp_path, http_server)
    with services.open_store() as store:
        store.add_feed(
            http_server.serve("/other.xml", b"<rss version='2.0'><channel><title>o</title></channel></rss>")
        )
    # First run: everything is due.
    summary = await asyncio.to_thread(services.poll, None, lambda *a: None, due_only=True)
    assert summary.total == 2 and http_server.count("/live.xml") == 1
    # A new session right after: nothing is due, so opening the reader polls nothing.
    polls = record_polls(services)
    app = make_app(services, UISettings(refresh_on_start=True, auto_refresh=None))
    async with app.run_test(size=(140, 40)) as pilot:
        await until_polled(pilot, polls)  # the start-up refresh begins after the first paint
        assert http_server.count("/live.xml") == 1 and http_server.count("/other.xml") == 1
        await pilot.press("R")  # asking explicitly polls every feed
        await app.workers.wait_for_complete()
        assert http_server.count("/live.xml") == 2 and http_server.count("/other.xml") == 2


async def test_asking_for_the_page_fetches_it_even_when_full_text_is_off(
    tmp_path: Path, http_server: LoopbackServer
) -> None:
    services, url = build(tmp_path, http_server)
    with services.open_store() as store:
        store.add_feed(url, fulltext="off")
    await asyncio.to_thread(services.poll, None, lambda *a: None)
    with services.open_store() as store:
        item_id = store.items()[0].id
    plain = await asyncio.to_thread(services.load_article, item_id)
    assert plain.article is not None and plain.article.source == "feed" and http_server.count("/story") == 0
    asked = await asyncio.to_thread(services.load_article, item_id, page=True)
    assert http_server.count("/story") == 1
    assert (
        asked.article is not None and asked.article.source == "page" and "Paragraph 9" in asked.article.text
    )


async def test_adding_a_feed_in_the_tui_subscribes_and_polls_it(
    tmp_path: Path, http_server: LoopbackServer
) -> None:
    services, _url = build(tmp_path, http_server)
    body = (
        '<rss version="2.0"><channel><title>Second feed</title><item><title>Fresh item</title>'
        "<guid>n1</guid><description>Words</description></item></channel></rss>"
    )
    new_url = http_server.serve("/second.xml", body.encode())
    app = make_app(services, UISettings(refresh_on_start=False, auto_refresh=None))
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen
        assert isinstance(screen, MainScreen)
        await pilot.press("a")
        await pilot.pause()
        app.screen.query_one("#form-url").value = new_url  # type: ignore[attr-defined]
        await pilot.press("tab", "tab", *"news", "enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert http_server.count("/second.xml") == 2  # tried once by add (as `reader add` does), then polled
        assert screen.headlines.pager.total == 1 and screen.headlines.highlighted is not None
        assert screen.headlines.highlighted.title == "Fresh item"
        with Store.open(tmp_path / "data" / "reader.db") as store:
            feed = store.feed_by_url(new_url)
        assert feed is not None and feed.tags == ("news",) and feed.title == "Second feed"


async def test_health_says_connection_refused_in_words(tmp_path: Path, http_server: LoopbackServer) -> None:
    from uifakes import screen_text

    from reader.ui.screens.health import FeedHealthScreen

    services, _url = build(tmp_path, http_server)
    dead = http_server.refused_url("/dead.xml")
    with services.open_store() as store:
        store.add_feed(dead, "Dead server")
    app = make_app(services, UISettings(refresh_on_start=False, auto_refresh=None))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("R")
        await app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.press("H")
        await pilot.pause()
        assert isinstance(app.screen, FeedHealthScreen)
        text = " ".join(" ".join(line.strip(" │") for line in screen_text(app).splitlines()).split())
        assert dead in text
        assert "Error: could not connect: connection refused" in text


async def test_adding_refuses_a_404_and_warns_on_a_dead_server(
    tmp_path: Path, http_server: LoopbackServer
) -> None:
    from uifakes import screen_text

    from reader.ui.screens.feedform import FeedFormScreen

    services, _url = build(tmp_path, http_server)
    gone = http_server.serve("/gone.xml", b"not here", status=404)
    dead = http_server.refused_url("/dead.xml")
    app = make_app(services, UISettings(refresh_on_start=False, auto_refresh=None))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("a")
        await pilot.pause()
        app.screen.query_one("#form-url").value = gone  # type: ignore[attr-defined]
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, FeedFormScreen)  # refused, as `reader add` refuses it: the form again
        assert "404" in screen_text(app)
        app.screen.query_one("#form-url").value = dead  # type: ignore[attr-defined]
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)
        assert "could not be fetched just now" in app.screen.status.text
    with Store.open(tmp_path / "data" / "reader.db") as store:
        urls = {f.url for f in store.feeds()}
    assert dead in urls and gone not in urls
