"""`i` on an article: the real app over the real services and a loopback site whose page has images. The
image is fetched by the core, decoded, and shown in a modal sized to the terminal; a broken one gives one
line saying why; Esc closes; o hands the address to the browser."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

import pytest
from feedbuild import one_item_feed
from httpserver import LoopbackServer
from PIL import Image
from realservices import polled_services
from textual.widget import Widget
from textual.widgets import Static

from reader.services import ReaderServices
from reader.ui.app import ReaderApp, make_app
from reader.ui.screens.imageview import ImageViewerScreen
from reader.ui.screens.main import MainScreen
from reader.ui.screens.numberprompt import NumberPromptScreen
from reader.ui.settings import UISettings

LINE = "The committee published its report on the harbour works {k}, with maps of the new quays and costs."


def png(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (0, 128, 255)).save(out, "PNG")
    return out.getvalue()


def page(images: str) -> str:
    body = "".join(f"<p>{LINE.format(k=k)} {LINE.format(k=k + 1)}</p>" for k in range(6))
    return (
        "<html><head><title>The harbour report</title></head><body><article><h1>The harbour report</h1>"
        f"<p>{LINE.format(k=99)}</p>{images}{body}</article></body></html>"
    )


def build(tmp_path: Path, server: LoopbackServer, images: str) -> ReaderServices:
    link = server.serve("/story", page(images), content_type="text/html; charset=utf-8")
    feed = one_item_feed(link, "The harbour report", channel="Harbour", guid="h1")
    return polled_services(tmp_path, server.serve("/feed.xml", feed))


async def settle(app: ReaderApp, pilot: object) -> None:
    for _ in range(3):
        await app.workers.wait_for_complete()
        await pilot.pause()  # type: ignore[attr-defined]


@pytest.fixture(autouse=True)
def _halfcell(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("READER_IMAGES", "halfcell")  # what a terminal without graphics gets (tmux, too)


async def test_i_shows_the_articles_image_and_a_broken_one_says_why(
    tmp_path: Path, http_server: LoopbackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    http_server.serve("/pic.png", png(320, 200), content_type="image/png")
    http_server.serve("/broken.png", b"\x89PNG\r\n\x1a\n not really", content_type="image/png")
    figures = (
        '<figure><img src="/pic.png" alt="The new quay at dawn"><figcaption>Quay 4.</figcaption></figure>'
        '<p>Plans: <img src="/broken.png" alt="Site plan"> as filed.</p>'
    )
    services = await asyncio.to_thread(build, tmp_path, http_server, figures)
    opened: list[str] = []
    monkeypatch.setattr("webbrowser.open", lambda url, *a, **k: opened.append(url))
    app = make_app(services, UISettings(refresh_on_start=False, auto_refresh=None))
    async with app.run_test(size=(100, 34)) as pilot:
        screen = app.screen
        assert isinstance(screen, MainScreen)
        await settle(app, pilot)
        await pilot.press("enter")
        await settle(app, pilot)
        assert [(i.alt, i.url.rsplit("/", 1)[1]) for i in screen.article.images] == [
            ("The new quay at dawn", "pic.png"),
            ("Site plan", "broken.png"),
        ]
        await pilot.press("i")  # two images: which one?
        await pilot.pause()
        assert isinstance(app.screen, NumberPromptScreen)
        await pilot.press("1")
        await settle(app, pilot)
        viewer = app.screen
        assert isinstance(viewer, ImageViewerScreen)
        assert viewer.load is not None and viewer.load.error is None and viewer.load.image is not None
        assert (viewer.load.image.width, viewer.load.image.height) == (320, 200)
        picture = viewer.query_one("#image-picture", Widget)
        assert type(picture).__name__ == "HalfcellImage" and viewer.protocol == "halfcell"
        # Scaled to the viewer: half blocks, one pixel per cell across and two down, aspect ratio kept.
        width, height = viewer.load.image.image.size
        assert width <= 100 and height <= 2 * 34 and abs(width / height - 320 / 200) < 0.05
        assert 0 < picture.size.width <= 100 and 0 < picture.size.height <= 34
        assert str(viewer.query_one("#image-alt", Static).render()) == "The new quay at dawn\nQuay 4."
        assert "320 x 200 pixels, PNG" in str(viewer.query_one("#image-address", Static).render())
        assert http_server.requests("/pic.png")[0].headers["accept"].startswith("image/")

        await pilot.press("o")
        await settle(app, pilot)
        assert opened == [http_server.url("/pic.png")]

        await pilot.press("n")  # the next image is corrupt: one line says so, no traceback
        await settle(app, pilot)
        assert app.screen is viewer and viewer.index == 1
        assert viewer.load is not None and viewer.load.image is None
        status = str(viewer.query_one("#image-status", Static).render())
        assert (
            status == "Couldn't show the image: the image data is corrupt (it starts as a PNG but is not one)"
        )
        assert not viewer.query("#image-picture")

        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is screen


async def test_one_image_needs_no_number(tmp_path: Path, http_server: LoopbackServer) -> None:
    http_server.serve("/only.png", png(40, 40), content_type="image/png")
    services = await asyncio.to_thread(build, tmp_path, http_server, '<p><img src="/only.png"></p>')
    app = make_app(services, UISettings(refresh_on_start=False, auto_refresh=None))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        assert isinstance(screen, MainScreen)
        await pilot.press("i")
        await pilot.pause()
        assert app.screen is screen and "Open an item first" in screen.status.text
        await settle(app, pilot)
        await pilot.press("enter")
        await settle(app, pilot)
        await pilot.press("i")
        await settle(app, pilot)
        viewer = app.screen
        assert isinstance(viewer, ImageViewerScreen)
        assert viewer.load is not None and viewer.load.image is not None
        assert viewer.query_one("#image-picture")
        await pilot.press("q")
        await pilot.pause()
        assert app.screen is screen
