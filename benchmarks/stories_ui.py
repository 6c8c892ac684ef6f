"""Stories in the TUI at archive scale: the Stories screen's keyset pages against OFFSET paging, and the keys.

Builds an archive of `--size` items (default 100,000) over 200 feeds, where each piece of news is carried by one
to five outlets with titles that share its words (so grouping makes stories of several items), grouped as a
poll groups them. Then:

1. Store level, same run: the time for one page of 200 stories at the top, in the middle of the archive and at
   its end, by keyset (`stories_page`, what the TUI uses) and by LIMIT/OFFSET (`stories(offset=...)`, the
   baseline), all stories and unread ones only.
2. The real app (real services, Pilot, 140x40): how long each key takes until everything it set off is done
   (workers included): `S` (first page shown), `End` (the oldest story), `j` across a page boundary,
   `Home`; in the All view, `F` (one row per story) and `x` (unfold the highlighted story, and fold it back).

    python benchmarks/stories_ui.py [--size 100000] [--repeat 5] [--dir /tmp/reader-stories-ui]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

FEEDS = 200
SYLLABLES = [a + b for a in "bklmnrt" for b in "aeiou"]


def build_archive(path: Path, size: int) -> int:
    """`size` items over FEEDS feeds; each story has 1-5 outlets. Returns the number of stories made."""
    from reader.models import FetchOutcome, ParsedFeed, ParsedItem
    from reader.store.feeds import Store

    rng = random.Random(11)
    vocab = sorted({"".join(rng.choice(SYLLABLES) for _ in range(3)) for _ in range(30_000)})
    start = datetime(2025, 1, 1, tzinfo=UTC)
    fetched = start + timedelta(days=367)  # after every publication: items keep their own dates
    per_feed: list[list[ParsedItem]] = [[] for _ in range(FEEDS)]
    made = 0
    news = 0
    while made < size:
        words = rng.sample(vocab, 5)
        when = start + timedelta(minutes=rng.randrange(365 * 24 * 60))
        outlets = rng.sample(range(FEEDS), min(size - made, rng.choice((1, 1, 2, 2, 3, 4, 5))))
        for f in outlets:
            title = " ".join([*rng.sample(words, 4), rng.choice(vocab)]).capitalize()
            n = len(per_feed[f])
            per_feed[f].append(
                ParsedItem(
                    key=f"{f}-{n}",
                    title=title,
                    link=f"https://feed{f}.example/{n}",
                    published=when + timedelta(minutes=rng.randrange(180)),
                    content_hash=f"{f}-{n}",
                )
            )
            made += 1
        news += 1
    tmp = path.with_suffix(".partial")
    tmp.unlink(missing_ok=True)
    with Store.open(tmp) as store:
        for f in range(FEEDS):
            feed = store.add_feed(f"https://feed{f}.example/rss", f"Outlet {f}", [f"tag{f % 7}"])
            items = sorted(per_feed[f], key=lambda it: it.published or start)
            parsed = ParsedFeed(title=None, site_url=None, items=tuple(items))
            store.apply_fetch(
                feed, FetchOutcome(feed_url=feed.url, status=200, parsed=parsed, fetched_at=fetched)
            )
        store.merge_stories()
        # Half the archive read, the older half, as after months of reading.
        store._conn.execute("UPDATE items SET read = 1, read_at = first_seen WHERE sort_date < '2025-07-01'")
    os.replace(tmp, path)
    return news


def best_ms(fn: Any, runs: int = 5) -> float:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times) * 1000


def store_figures(db: Path) -> None:
    from reader.store.feeds import Store

    with Store.open(db) as store:
        for unread in (False, True):
            page_figures(store, unread)


def page_figures(store: Any, unread: bool) -> None:
    total = store.story_count(unread_only=unread)
    label = "unread stories" if unread else "stories"
    print(f"\n{total:,} {label}: one page of 200, best of 5 (ms)")
    if total < 400:
        return
    print(f"{'where':<22} {'keyset (TUI)':>13} {'OFFSET (baseline)':>18}")
    # The key of the story in the middle, found by walking pages (what scrolling there does).
    page = store.stories_page(unread_only=unread, limit=200)
    for _ in range(max(0, total // 2 // 200 - 1)):
        page = store.stories_page(unread_only=unread, after=page.keys[-1], limit=200)
    middle = page.keys[-1]
    cases = [
        ("top", lambda: store.stories_page(unread_only=unread, limit=200), 0),
        ("middle", lambda: store.stories_page(unread_only=unread, after=middle, limit=200), total // 2),
        (
            "end (oldest page)",
            lambda: store.stories_page(unread_only=unread, oldest=True, limit=200),
            total - 200,
        ),
    ]
    for name, keyset, offset in cases:
        k = best_ms(keyset)
        o = best_ms(lambda off=offset: store.stories(unread_only=unread, limit=200, offset=off))
        print(f"{name:<22} {k:>10.1f} ms {o:>15.1f} ms")
    print(f"{'count (title)':<22} {best_ms(lambda: store.story_count(unread_only=unread)):>10.1f} ms")


async def handled(pilot: Any, key: str) -> float:
    """Seconds from posting `key` to everything it set off being done (as benchmarks/keys.py measures)."""
    from textual import events

    app = pilot.app
    start = time.perf_counter()
    app.post_message(events.Key(key, key if len(key) == 1 else None))
    for _ in range(3):
        await pilot._wait_for_screen()
        await app.workers.wait_for_complete()
    await app.animator.wait_until_complete()
    return time.perf_counter() - start


async def run_keys(data: Path, config: Path, repeat: int) -> dict[str, list[float]]:
    from reader.config.loader import load_config
    from reader.locations import resolve_locations
    from reader.services import ReaderServices
    from reader.ui.app import make_app
    from reader.ui.screens.stories_screen import PAGE, StoriesScreen
    from reader.ui.settings import UISettings

    locations = resolve_locations(str(config), str(data), os.environ)
    services = ReaderServices(locations, load_config(locations.config_path, must_exist=True))
    app = make_app(services, UISettings(refresh_on_start=False, auto_refresh=None, state_path=None))
    times: dict[str, list[float]] = {}

    def note(label: str, value: float) -> None:
        times.setdefault(label, []).append(value)

    async with app.run_test(size=(140, 40)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        for _ in range(repeat):
            # Baselines in the same run: a modal screen of Textual's own making (help), the headline list.
            note("baseline: ? (help screen)", await handled(pilot, "question_mark"))
            await handled(pilot, "escape")
            note("baseline: j (headline list)", await handled(pilot, "j"))
            note("baseline: end (headline list)", await handled(pilot, "end"))
            await handled(pilot, "home")
            note("S (Stories: first page)", await handled(pilot, "S"))
            screen = app.screen
            assert isinstance(screen, StoriesScreen) and screen.stories, "no stories shown"
            note("End (oldest story)", await handled(pilot, "end"))
            assert not screen.window.more_older
            note("Home (newest again)", await handled(pilot, "home"))
            screen.options.cursor = PAGE - 35  # just before the next page is asked for
            paging = [await handled(pilot, "j") for _ in range(10)]
            note("j across a page edge (worst)", max(paging))
            assert len(screen.stories) > PAGE, "the next page was not read"
            note("Enter (unfold a story)", await handled(pilot, "enter"))
            await handled(pilot, "escape")
            note("F (one row per story)", await handled(pilot, "F"))
            for _ in range(3):
                await handled(pilot, "j")
            note("x (unfold a row)", await handled(pilot, "x"))
            note("x (fold it back)", await handled(pilot, "x"))
            note("F (every item)", await handled(pilot, "F"))
    return times


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--dir", default=str(Path(tempfile.gettempdir()) / f"reader-stories-ui-{os.getuid()}"))
    opts = ap.parse_args()
    folder = Path(opts.dir)
    folder.mkdir(parents=True, exist_ok=True)
    archive = folder / f"archive-{opts.size}.db"
    if not archive.exists():
        t = time.perf_counter()
        news = build_archive(archive, opts.size)
        print(f"built {opts.size:,} items ({news:,} pieces of news) in {time.perf_counter() - t:.0f} s")
    store_figures(archive)
    data = folder / "data"
    shutil.rmtree(data, ignore_errors=True)
    data.mkdir()
    shutil.copy(archive, data / "reader.db")
    config = folder / "config.toml"
    config.write_text(
        '[general]\nrefresh_on_start = false\nauto_refresh = "off"\n[fulltext]\npolicy = "off"\n'
    )
    times = asyncio.run(run_keys(data, config, opts.repeat))
    print(
        f"\nkeys, {opts.size:,} items, 140x40, until every worker it started is done (median, max of {opts.repeat})"
    )
    for label, values in times.items():
        print(f"{label:<30} {statistics.median(values) * 1000:>7.1f} ms {max(values) * 1000:>7.1f} ms")


if __name__ == "__main__":
    main()
