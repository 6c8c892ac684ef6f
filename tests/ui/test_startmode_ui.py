"""The `reader` command starts in start-up mode (reader/startmode.py): the TUI ends it once its first screen is
drawn."""

from __future__ import annotations

import gc
import sys
from collections.abc import Callable, Iterator

import pytest

from reader import startmode
from reader.ui.app import ReaderApp


@pytest.fixture
def paused() -> Iterator[None]:
    gc.unfreeze()
    interval = sys.getswitchinterval()
    startmode.begin()
    yield
    startmode._begun = False
    sys.setswitchinterval(interval)
    gc.unfreeze()
    gc.enable()


async def test_the_tui_resumes_the_collector_once_its_first_screen_is_drawn(
    paused: None, make: Callable[..., ReaderApp]
) -> None:
    assert not gc.isenabled()
    assert sys.getswitchinterval() == pytest.approx(startmode.SWITCH_INTERVAL)
    app = make()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert gc.isenabled()
        assert gc.get_freeze_count() > 0
        assert sys.getswitchinterval() > startmode.SWITCH_INTERVAL
