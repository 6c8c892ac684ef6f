"""A title built to break the headline list (piles of combining marks, zero-width and bidi controls) still
takes one row, shows its words, and leaves the other columns where they are."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from uifakes import NOW, FakeServices, outcome, screen_lines

from reader.models import ParsedItem
from reader.store.feeds import Store
from reader.ui.app import ReaderApp

ZALGO = "".join(c + "\u0301\u0315\u0340\u0489" * 60 + "\u200b\u200f" for c in "Storm warning")
HOSTILE_TITLE = "\u202e\u2067" + ZALGO + "\u200d\u2066 for the coast\u202c\u2069\u200e\ufeff"


async def test_hostile_title_takes_one_row_and_shows_its_words(
    make: Callable[..., ReaderApp], tmp_path: Path
) -> None:
    db = tmp_path / "zalgo.db"
    with Store.open(db) as store:
        feed = store.add_feed("https://weather.example/feed", "Weather Desk", [])
        items = [
            ParsedItem(
                key=f"k{n}",
                title=title,
                link=f"https://weather.example/{n}",
                published=NOW - timedelta(hours=n + 1),
                content_hash=str(n),
            )
            for n, title in enumerate(["Plain title above", HOSTILE_TITLE, "Plain title below"])
        ]
        store.apply_fetch(feed, outcome(feed.url, items))
    app = make(FakeServices(db, policy="off"))
    async with app.run_test(size=(120, 40)) as pilot:
        await app.workers.wait_for_complete()  # the feed counts, read at start
        await pilot.pause()
        lines = screen_lines(app)
        rows = [n for n, line in enumerate(lines) if "Weather Desk" in line and "●" in line]
        assert len(rows) == 3 and rows == list(range(rows[0], rows[0] + 3))  # one row each, in order
        above, hostile, below = (lines[n] for n in rows)
        assert "Storm warning for the coast" in hostile
        # The feed and age columns sit where they sit on the plain rows: nothing reordered or spilled.
        assert hostile.index("Weather Desk") == above.index("Weather Desk") == below.index("Weather Desk")
        assert hostile.rstrip().endswith(" 2h") and len(hostile.rstrip()) == len(above.rstrip())
        assert not any(ch in hostile for ch in "\u202e\u2067\u2066\u200b\u200f\u0301\u0489")
