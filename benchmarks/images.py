"""The image viewer's work for one typical article image: fetch it and decode it to fit the viewer.

Serves a photo-like 1600x1067 JPEG and a 1200x800 PNG from a loopback server (tests/httpserver.py) and times,
alternately in one run, `--rounds` times each (median and best):

- fetch: `reader.fetch.images.fetch_image` (the polite client, the address guard, the first-bytes check)
  beside a plain `httpx.get` of the same address (the baseline: what any fetch costs);
- decode: `reader.fetch.images.decode_image` to what the viewer asks for in a 120x40 terminal (half blocks:
  112 x 56 pixels; Kitty/Sixel at 10x20-pixel cells: 1120 x 560) beside a plain Pillow open + load + resize
  of the same bytes to the same size (the baseline: no draft mode).

    .venv/bin/python benchmarks/images.py [--rounds 20]

Measured when the viewer was added (shared 2-core machine, load about 1; median (best) ms of 15 rounds):
1600x1067 JPEG, 371 KB: fetch 11.1-14.0 (8.3) beside httpx.get 19.5-22.4; decode to the half-block preview
3.8 (3.6) beside plain Pillow 6.5 (JPEG draft mode), to Kitty/Sixel size 17.8 beside 17.1.
1200x800 PNG, 1.7 MB: fetch 40.5-43.4 beside httpx.get 21.0-22.6 (the polite client reads and caps the body
in 64 KB pieces); decode 14.7 / 21.6 beside 13.0 / 19.8.

Start-up is unchanged: Pillow and textual-image are imported when the viewer first opens (a test in
tests/unit/test_import_hygiene.py keeps it so). `benchmarks/startup.py --runs 5`, main's package (PYTHONPATH)
and this one alternately, A B A B in one sitting: the first headline on screen after 222 / 210 ms on main,
225 / 211 ms with the viewer (a Textual hello-world 176 / 158 and 176 / 159 ms beside them); RSS 44 MiB both.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

HALFCELL_FIT = (112, 56)  # a 120x40 terminal less the viewer's frame: one pixel per cell across, two down
GRAPHICS_FIT = (1120, 560)  # the same area at 10x20-pixel cells (Kitty, Sixel)


def photo(width: int, height: int, kind: str) -> bytes:
    """A picture with gradients, shapes and noise, so that it compresses like a photograph."""
    import random

    from PIL import Image, ImageDraw, ImageFilter

    im = Image.new("RGB", (width, height))
    draw = ImageDraw.Draw(im)
    for y in range(height):
        draw.line(
            [(0, y), (width, y)],
            fill=(40 + 150 * y // height, 120 + 80 * y // height, 255 - 120 * y // height),
        )
    rnd = random.Random(7)
    for _ in range(300):
        x, y, r = rnd.randrange(width), rnd.randrange(height), rnd.randrange(5, 80)
        draw.ellipse([x, y, x + r, y + r], fill=(rnd.randrange(256), rnd.randrange(256), rnd.randrange(256)))
    noise = Image.effect_noise((width, height), 40).convert("RGB")
    im = Image.blend(im.filter(ImageFilter.GaussianBlur(2)), noise, 0.15)
    out = io.BytesIO()
    im.save(out, "JPEG", quality=85) if kind == "jpeg" else im.save(out, "PNG")
    return out.getvalue()


def timed(fn: Callable[[], object]) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=20)
    opts = ap.parse_args()

    import httpx
    from httpserver import LoopbackServer
    from PIL import Image

    from reader.fetch.client import PoliteClient
    from reader.fetch.images import FetchedImage, decode_image, fetch_image
    from reader.fetch.settings import ClientSettings

    server = LoopbackServer().start()
    cases = {
        "1600x1067 JPEG": ("/photo.jpg", photo(1600, 1067, "jpeg"), "image/jpeg"),
        "1200x800 PNG": ("/photo.png", photo(1200, 800, "png"), "image/png"),
    }
    feed_url = server.url("/feed.xml")
    settings = ClientSettings(host_jitter=0)

    async def ours(url: str) -> FetchedImage:
        async with PoliteClient(settings) as client:
            return await fetch_image(client, url, feed_url)

    def plain_decode(body: bytes, fit: tuple[int, int]) -> None:
        im = Image.open(io.BytesIO(body))
        im.load()
        im.thumbnail(fit)

    try:
        print(f"median (best) of {opts.rounds} rounds, alternating; ms")
        print(
            f"{'image':<16} {'bytes':>9}  {'fetch':>14} {'httpx.get':>14}  {'decode (ours)':>28} {'plain Pillow':>28}"
        )
        for name, (path, body, ctype) in cases.items():
            url = server.serve(path, body, content_type=ctype)
            fetched = asyncio.run(ours(url))  # warm: imports, first connection
            httpx.get(url)
            times: dict[str, list[float]] = {k: [] for k in ("ours", "httpx", "dh", "dg", "ph", "pg")}
            for _ in range(opts.rounds):
                times["ours"].append(timed(lambda url=url: asyncio.run(ours(url))))
                times["httpx"].append(timed(lambda url=url: httpx.get(url)))
                times["dh"].append(timed(lambda f=fetched: decode_image(f, HALFCELL_FIT)))
                times["dg"].append(timed(lambda f=fetched: decode_image(f, GRAPHICS_FIT)))
                times["ph"].append(timed(lambda b=body: plain_decode(b, HALFCELL_FIT)))
                times["pg"].append(timed(lambda b=body: plain_decode(b, GRAPHICS_FIT)))

            def f(key: str, times: dict[str, list[float]] = times) -> str:
                xs = times[key]
                return f"{statistics.median(xs) * 1000:.1f} ({min(xs) * 1000:.1f})"

            print(
                f"{name:<16} {len(body):>9,}  {f('ours'):>14} {f('httpx'):>14}  "
                f"{'half ' + f('dh') + ' / gfx ' + f('dg'):>28} {'half ' + f('ph') + ' / gfx ' + f('pg'):>28}"
            )
    finally:
        server.stop()


if __name__ == "__main__":
    main()
