"""The headline pager: pages next to one in memory are read beside it (keyset), others by offset."""

from __future__ import annotations

from datetime import UTC, datetime

from reader.models import Headline
from reader.ui.widgets.pager import HeadlinePager

ROWS = [
    Headline(
        id=1000 + n,
        feed_id=1,
        feed_title="f",
        title=f"t{n}",
        link=None,
        date=datetime(2026, 1, 1, tzinfo=UTC),
        read=False,
        saved=False,
    )
    for n in range(23)
]


def test_pages_next_to_one_in_memory_are_read_from_its_edge() -> None:
    calls: list[tuple[str, int, int]] = []

    def fetch(offset: int, limit: int) -> list[Headline]:
        calls.append(("offset", offset, limit))
        return ROWS[offset : offset + limit]

    def beside(item_id: int, limit: int, after: bool) -> list[Headline] | None:
        calls.append(("after" if after else "before", item_id, limit))
        index = item_id - 1000
        return ROWS[index + 1 : index + 1 + limit] if after else ROWS[max(0, index - limit) : index]

    pager = HeadlinePager(fetch, len(ROWS), page_size=5, fetch_beside=beside)
    assert [pager.get(i).id for i in range(len(ROWS))] == [r.id for r in ROWS]  # type: ignore[union-attr]
    # The first page by offset, every later one after its neighbour's last row (the last one is short).
    assert calls == [
        ("offset", 0, 5),
        ("after", 1004, 5),
        ("after", 1009, 5),
        ("after", 1014, 5),
        ("after", 1019, 3),
    ]
    calls.clear()
    pager = HeadlinePager(fetch, len(ROWS), page_size=5, fetch_beside=beside)
    assert pager.get(22) == ROWS[22]  # End: by offset (the store reads it from the far end)
    assert pager.get(17) == ROWS[17]  # then upwards: before the page below's first row
    assert calls == [("offset", 20, 5), ("before", 1020, 5)]


def test_a_neighbour_that_is_gone_falls_back_to_the_offset() -> None:
    pager = HeadlinePager(
        lambda offset, limit: ROWS[offset : offset + limit],
        len(ROWS),
        5,
        fetch_beside=lambda i, n, after: None,
    )
    assert [pager.get(i) for i in range(len(ROWS))] == ROWS
