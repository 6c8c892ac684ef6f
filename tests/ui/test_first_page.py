"""The first screen's reads on a thread of their own (reader/ui/first_page.py): the same rows the screen
would read itself, for the very view it shows, and nothing kept from a failed read."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

from reader.models import View, ViewKind
from reader.store.feeds import Store
from reader.ui.app import ReaderApp
from reader.ui.first_page import FirstPage
from reader.ui.screens.main import MainScreen


def opener(db: Path) -> Callable[[], Store]:
    return lambda: Store.open(db)


def test_it_reads_what_the_screen_would(archive: tuple[Path, dict[str, int]]) -> None:
    db, _ = archive
    interval = sys.getswitchinterval()
    for view in (View(), View(fold_stories=True), View(ViewKind.UNREAD), View(ViewKind.SAVED)):
        first = FirstPage(opener(db), view, 5)
        taken = first.take(view)
        with Store.open(db) as store:
            total = store.count(view)
            assert taken == (total, store.headlines(view, 0, 5, total=total))
    assert sys.getswitchinterval() == interval  # put back once the reads are done


def test_another_view_or_a_failed_read_gives_nothing(
    archive: tuple[Path, dict[str, int]], tmp_path: Path
) -> None:
    db, _ = archive
    assert FirstPage(opener(db), View(), 5).take(View(ViewKind.SAVED)) is None

    def broken() -> Store:
        raise OSError("disk gone")

    assert FirstPage(broken, View(), 5).take(View()) is None


async def test_the_list_shows_the_rows_read_ahead(make: Callable[..., ReaderApp]) -> None:
    app = make(fold=True)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, MainScreen)
        view, pager = screen.query_view, screen.headlines.pager
        assert screen._first_page is None  # taken
        assert pager.total == screen.store.count(view)
        expected = screen.store.headlines(view, 0, 4, total=pager.total)
        assert [pager.get(i) for i in range(4)] == expected
