"""An article's image fetched and decoded by the core, against a real loopback server: the checks on what
came back (an image by its bytes, a size cap, a pixel cap), the address guard, and the services call the TUI
makes (one clear line for every failure, never an exception)."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import pytest
from feedbuild import one_item_feed
from httpserver import LoopbackServer
from PIL import Image
from realservices import polled_services

from reader.errors import FetchError, ImageError
from reader.fetch.client import PoliteClient
from reader.fetch.images import FetchedImage, decode_image, fetch_image, sniff
from reader.fetch.settings import ClientSettings

SETTINGS = ClientSettings(connect_timeout=2, read_timeout=2, deadline=2, host_jitter=0)


def png(width: int = 64, height: int = 48, mode: str = "RGB") -> bytes:
    out = io.BytesIO()
    Image.new(mode, (width, height), "red" if mode == "RGB" else None).save(out, "PNG")
    return out.getvalue()


def jpeg(width: int = 1600, height: int = 1067) -> bytes:
    out = io.BytesIO()
    Image.linear_gradient("L").resize((width, height)).convert("RGB").save(out, "JPEG", quality=85)
    return out.getvalue()


def png_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims a huge canvas (a decompression bomb needs no more to be refused)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\0"))
        + chunk(b"IEND", b"")
    )


async def _fetch(server: LoopbackServer, path: str, **kw: object) -> FetchedImage:
    async with PoliteClient(SETTINGS) as client:
        return await fetch_image(client, server.url(path), server.url("/feed.xml"), **kw)  # type: ignore[arg-type]


async def test_a_png_is_fetched_asking_for_images_and_decoded_to_fit(http_server: LoopbackServer) -> None:
    http_server.serve("/pic.png", png(640, 480), content_type="image/png")
    fetched = await _fetch(http_server, "/pic.png")
    assert fetched.kind == "png" and fetched.final_url.endswith("/pic.png")
    assert http_server.requests("/pic.png")[0].headers["accept"].startswith("image/")
    decoded = decode_image(fetched, (160, 160))
    assert (decoded.width, decoded.height) == (640, 480)  # its own size
    assert decoded.image.size == (160, 120)  # scaled, keeping the aspect ratio
    assert decoded.image.mode == "RGB" and decoded.image.getpixel((80, 60)) == (255, 0, 0)


async def test_a_jpeg_served_as_octet_stream_is_still_an_image(http_server: LoopbackServer) -> None:
    http_server.serve("/p", jpeg(800, 600), content_type="application/octet-stream")
    decoded = decode_image(await _fetch(http_server, "/p"), (200, 200))
    assert decoded.kind == "jpeg" and decoded.image.size == (200, 150)


async def test_a_page_is_not_an_image(http_server: LoopbackServer) -> None:
    http_server.serve("/page", b"<html><body>hello</body></html>", content_type="text/html; charset=utf-8")
    with pytest.raises(ImageError, match=r"not an image \(the server sent text/html\)"):
        await _fetch(http_server, "/page")


async def test_an_svg_says_it_cannot_be_drawn_here(http_server: LoopbackServer) -> None:
    http_server.serve(
        "/d.svg", b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>', content_type=None
    )
    with pytest.raises(ImageError, match=r"SVG drawing.*browser"):
        await _fetch(http_server, "/d.svg")


async def test_an_oversize_body_is_cut_off(http_server: LoopbackServer) -> None:
    http_server.serve("/big.png", png() + b"\0" * 300_000, content_type="image/png")
    with pytest.raises(FetchError, match="too large"):
        await _fetch(http_server, "/big.png", max_bytes=100_000)


async def test_not_found(http_server: LoopbackServer) -> None:
    with pytest.raises(FetchError, match="404"):
        await _fetch(http_server, "/missing.png")


async def test_a_public_page_cannot_make_the_reader_fetch_a_private_address(
    http_server: LoopbackServer,
) -> None:
    http_server.serve("/pic.png", png(), content_type="image/png")
    async with PoliteClient(SETTINGS) as client:
        with pytest.raises(FetchError, match="public web"):
            await fetch_image(client, http_server.url("/pic.png"), "https://news.example.com/feed.xml")
        # Nor by a redirect from a public address to a private one.
        http_server.redirect("/hop", "http://10.1.2.3/pic.png")
        with pytest.raises(FetchError):
            await fetch_image(client, http_server.url("/hop"), http_server.url("/feed.xml"))
    assert http_server.count("/pic.png") == 0


def test_corrupt_bytes_and_bombs_are_one_line_each() -> None:
    cut = png(200, 200)[:60]
    with pytest.raises(ImageError, match="corrupt or cut short"):
        decode_image(FetchedImage("u", "u", "png", cut), (100, 100))
    with pytest.raises(ImageError, match="too large to show"):
        decode_image(FetchedImage("u", "u", "png", png_claiming(30_000, 30_000)), (100, 100))


def test_sniffing_by_first_bytes() -> None:
    assert sniff(png()) == "png" and sniff(jpeg(8, 8)) == "jpeg"
    assert sniff(b"GIF89a....") == "gif" and sniff(b"RIFF\0\0\0\0WEBPVP8 ") == "webp"
    assert sniff(b"\xef\xbb\xbf  <svg width='1'></svg>") == "svg"
    assert sniff(b"<!doctype html><html>") is None and sniff(b"") is None


def test_services_load_image_gives_the_picture_or_one_line(
    tmp_path: Path, http_server: LoopbackServer
) -> None:
    link = http_server.serve("/story", b"<html><body><p>Story</p></body></html>", content_type="text/html")
    feed = one_item_feed(link, "A story", channel="Pictures", guid="p1")
    feed_url = http_server.serve("/feed.xml", feed)
    http_server.serve("/pic.png", png(300, 100), content_type="image/png")
    http_server.serve("/page", b"<html>no</html>", content_type="text/html")
    services = polled_services(tmp_path, feed_url, '[fulltext]\npolicy = "off"\n')
    item_id = services.thread_store().items()[0].id

    load = services.load_image(item_id, http_server.url("/pic.png"), (150, 150))
    assert load.error is None and load.image is not None and load.image.image.size == (150, 50)
    again = services.load_image(item_id, http_server.url("/pic.png"), (150, 150))
    assert again.from_cache and again.image is not None and http_server.count("/pic.png") == 1
    bad = services.load_image(item_id, http_server.url("/page"), (150, 150))
    assert bad.image is None and bad.error == "not an image (the server sent text/html)"
    gone = services.load_image(item_id, http_server.url("/nothing.png"), (150, 150))
    assert gone.image is None and gone.error is not None and "404" in gone.error
    private = services.load_image(item_id, "http://10.9.8.7/x.png", (150, 150))
    assert private.image is None and private.error is not None and "public web" in private.error
    assert (
        services.load_image(10_000, http_server.url("/pic.png"), (9, 9)).error == "the item no longer exists"
    )


async def test_a_server_too_slow_to_answer_times_out(http_server: LoopbackServer) -> None:
    http_server.serve("/slow.png", png(), content_type="image/png", latency=1.0)
    quick = ClientSettings(connect_timeout=0.3, read_timeout=0.3, deadline=0.3, host_jitter=0)
    async with PoliteClient(quick) as client:
        with pytest.raises(FetchError, match=r"0\.3 s"):
            await fetch_image(client, http_server.url("/slow.png"), http_server.url("/feed.xml"))
