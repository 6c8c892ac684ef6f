"""`E` on an article: the real app over the real services and a loopback site. The rule typed in the form is
saved, the page is read again under it and shown; a bad selector brings the form back with the reason; a rule
the config file holds is read-only here; emptying the selectors deletes the rule."""

from __future__ import annotations

import asyncio
from pathlib import Path

from feedbuild import letters_page, one_item_feed
from httpserver import LoopbackServer
from realservices import ON_OPEN, polled_services
from textual.pilot import Pilot
from textual.widgets import Input, Markdown, Static

from reader.services import ReaderServices
from reader.ui.app import ReaderApp, make_app
from reader.ui.screens.main import MainScreen
from reader.ui.screens.siteruleform import SiteRuleFormScreen
from reader.ui.settings import UISettings

PAGE = letters_page()


def build(tmp_path: Path, server: LoopbackServer, config_text: str = "") -> ReaderServices:
    link = server.serve("/story", PAGE, content_type="text/html; charset=utf-8")
    return polled_services(tmp_path, server.serve("/feed.xml", one_item_feed(link)), ON_OPEN + config_text)


async def press(app: ReaderApp, pilot: Pilot[None], *keys: str) -> None:
    """Press the keys, then let the workers they start (and the ones those start) finish."""
    await pilot.press(*keys)
    for _ in range(3):
        await app.workers.wait_for_complete()
        await pilot.pause()


async def open_first(app: ReaderApp, pilot: Pilot[None]) -> MainScreen:
    screen = app.screen
    assert isinstance(screen, MainScreen)
    await app.workers.wait_for_complete()
    await press(app, pilot, "enter")
    return screen


def shown(screen: MainScreen) -> str:
    assert screen.open_article is not None
    return screen.open_article.text


async def test_a_rule_typed_on_an_article_reads_its_page_again_under_it(
    tmp_path: Path, http_server: LoopbackServer
) -> None:
    services = await asyncio.to_thread(build, tmp_path, http_server)
    app = make_app(services, UISettings(refresh_on_start=False, auto_refresh=None))
    async with app.run_test(size=(140, 40)) as pilot:
        screen = await open_first(app, pilot)
        assert shown(screen).startswith("The agency's order sets out rule 0")
        assert http_server.count("/story") == 1
        await press(app, pilot, "E")
        form = app.screen
        assert isinstance(form, SiteRuleFormScreen)
        assert form.query_one("#rule-host", Input).value == "127.0.0.1"
        await press(app, pilot, *"div[[", "enter")  # not a selector: the form comes back, saying why
        again = app.screen
        assert isinstance(again, SiteRuleFormScreen) and again is not form
        error = str(again.query_one("#form-error", Static).render())
        assert "content selector is not a CSS selector" in error
        content = again.query_one("#rule-content", Input)
        assert content.value == "div[["
        content.value = "aside.letters"
        await press(app, pilot, "enter")
        assert app.screen is screen
        assert http_server.count("/story") == 2  # read again, under the rule
        assert shown(screen).startswith("Letter 0: a reader answers") and "rule 6 for" not in shown(screen)
        assert "Letter 5" in screen.query_one("#article-body", Markdown).source
        assert [(r.host, r.content) for r in services.site_rules()] == [("127.0.0.1", "aside.letters")]
        # The form shows the saved rule; emptying its selectors deletes it and reader mode chooses again.
        await press(app, pilot, "E")
        edit = app.screen
        assert isinstance(edit, SiteRuleFormScreen)
        assert edit.query_one("#rule-content", Input).value == "aside.letters"
        edit.query_one("#rule-content", Input).value = ""
        await press(app, pilot, "enter")
        assert services.site_rules() == ()
        assert "rule 6 for the operators" in shown(screen) and http_server.count("/story") == 3


async def test_a_rule_from_the_config_file_is_read_only_in_the_tui(
    tmp_path: Path, http_server: LoopbackServer
) -> None:
    config = '\n[sites]\n"127.0.0.1" = "aside.letters"\n'
    services = await asyncio.to_thread(build, tmp_path, http_server, config)
    app = make_app(services, UISettings(refresh_on_start=False, auto_refresh=None))
    async with app.run_test(size=(140, 40)) as pilot:
        screen = await open_first(app, pilot)
        assert shown(screen).startswith("Letter 0")  # the config's rule applies
        await press(app, pilot, "E")
        assert app.screen is screen  # no form
        notice = str(screen.status.render())
        assert "The rule for 127.0.0.1 is in" in notice and "([sites]): change it there" in notice
