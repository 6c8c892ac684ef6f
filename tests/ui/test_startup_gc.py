"""The `reader` command starts with the cycle collector paused (reader/gcpause.py): the TUI turns it back on
once its first screen is drawn."""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator

import pytest

from reader import gcpause
from reader.ui.app import ReaderApp


@pytest.fixture
def paused() -> Iterator[None]:
    gc.unfreeze()
    gcpause.pause()
    yield
    gcpause._paused = False
    gc.unfreeze()
    gc.enable()


async def test_the_tui_resumes_the_collector_once_its_first_screen_is_drawn(
    paused: None, make: Callable[..., ReaderApp]
) -> None:
    assert not gc.isenabled()
    app = make()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert gc.isenabled()
        assert gc.get_freeze_count() > 0
