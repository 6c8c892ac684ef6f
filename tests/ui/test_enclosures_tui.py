"""The TUI shows an item's files first in its article, as numbered links (`l 1` opens the episode): the real app
over the real services, a loopback podcast feed, and a real SQLite file."""

from __future__ import annotations

import asyncio
from pathlib import Path

from httpserver import LoopbackServer
from realservices import polled_services
from textual.widgets import Markdown

from reader.services import ReaderServices
from reader.ui.app import make_app
from reader.ui.screens.main import MainScreen
from reader.ui.settings import UISettings

FEED = """<rss version="2.0"><channel><title>Policy pod</title>
<item><title>Episode 12</title><guid>ep12</guid><description>We talk audits.</description>
<enclosure url="{base}/media/ep12.mp3" type="audio/mpeg" length="42123456"/>
<enclosure url="{base}/media/ep12-notes.pdf" type="application/pdf"/></item></channel></rss>"""


def build(tmp_path: Path, server: LoopbackServer) -> tuple[ReaderServices, str]:
    base = server.url("").rstrip("/")
    url = server.serve("/pod.xml", FEED.format(base=base).encode())
    return polled_services(tmp_path, url, '[fulltext]\npolicy = "off"\n'), base


async def test_an_episode_s_files_come_first_as_numbered_links(
    tmp_path: Path, http_server: LoopbackServer
) -> None:
    services, base = await asyncio.to_thread(build, tmp_path, http_server)
    app = make_app(services, UISettings(refresh_on_start=False, auto_refresh=None))
    async with app.run_test(size=(140, 40)) as pilot:
        await app.workers.wait_for_complete()
        screen = app.screen
        assert isinstance(screen, MainScreen)
        await pilot.press("enter")
        for _ in range(3):
            await app.workers.wait_for_complete()
            await pilot.pause()
        assert screen.article.links[:2] == [f"{base}/media/ep12.mp3", f"{base}/media/ep12-notes.pdf"]
        body = screen.query_one("#article-body", Markdown).source
        assert body.index("Audio \\(audio/mpeg\\), 42.1 MB: ep12.mp3") < body.index("We talk audits.")
        assert "PDF \\(application/pdf\\): ep12-notes.pdf" in body
