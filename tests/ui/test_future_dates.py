"""Issue 9: a future-dated item shows how far ahead its date is, never "now" (which hid the real date)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from uifakes import NOW, screen_text

from reader.ui.app import ReaderApp
from reader.ui.text import relative_age


@pytest.mark.parametrize(
    ("ahead", "text"),
    [
        (timedelta(minutes=5), "+5m"),
        (timedelta(hours=3), "+3h"),
        (timedelta(days=3, hours=2), "+3d"),
        (timedelta(days=30), "+4w"),
        (timedelta(days=200), "+6mo"),
    ],
)
def test_a_future_date_reads_as_ahead_not_now(ahead: timedelta, text: str) -> None:
    assert relative_age(NOW + ahead, NOW) == text
    assert len(text) <= 5  # fits the headline list's age column


def test_past_ages_are_unchanged() -> None:
    assert relative_age(NOW - timedelta(days=3), NOW) == "3d"
    assert relative_age(NOW - timedelta(seconds=20), NOW) == "now"
    assert relative_age(NOW + timedelta(seconds=20), NOW) == "now"  # clock noise, not a future date


async def test_headline_list_shows_future_dates_ahead(make: Callable[..., ReaderApp]) -> None:
    # The clock three days behind the archive: its newest items are dated two to three days ahead.
    app = make(now=lambda: NOW - timedelta(days=3))
    async with app.run_test(size=(140, 40)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        text = screen_text(app)
        assert " +2d " in text
