"""In the article pane, a cited bill or rule is a numbered link to its source (`l N` opens it), unless
`[general] link_identifiers = false`: the real app over the real services and a loopback page."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from feedbuild import one_item_feed
from httpserver import LoopbackServer
from realservices import polled_services

from reader.ui.app import make_app
from reader.ui.screens.main import MainScreen
from reader.ui.settings import UISettings

LINE = "The commission's order under 47 CFR 64.2010 answers H.R. 1234, which the House passed in March."
PAGE = f"<html><body><article><h1>Order</h1>{''.join(f'<p>{LINE} ({k})</p>' for k in range(6))}</article></body></html>"
BILL = "https://www.congress.gov/search?q=%7B%22search%22%3A%22H.R.%201234%22%7D"
RULE = "https://www.ecfr.gov/current/title-47/section-64.2010"


@pytest.mark.parametrize("linked", [True, False])
async def test_cited_bills_and_rules_are_numbered_links(
    tmp_path: Path, http_server: LoopbackServer, linked: bool
) -> None:
    link = http_server.serve("/story", PAGE, content_type="text/html; charset=utf-8")
    services = await asyncio.to_thread(
        polled_services, tmp_path, http_server.serve("/f.xml", one_item_feed(link))
    )
    settings = UISettings(refresh_on_start=False, auto_refresh=None, link_identifiers=linked)
    app = make_app(services, settings)
    async with app.run_test(size=(140, 40)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.press("enter")
        for _ in range(3):
            await app.workers.wait_for_complete()
            await pilot.pause()
        screen = app.screen
        assert isinstance(screen, MainScreen)
        assert screen.open_article is not None and "H.R. 1234" in screen.open_article.text
        assert screen.article.links == ([RULE, BILL] if linked else [])
