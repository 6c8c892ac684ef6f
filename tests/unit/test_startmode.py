"""The `reader` command starts in start-up mode (no cycle collector, a short switch interval) and always
ends it."""

from __future__ import annotations

import gc
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from reader import startmode


@pytest.fixture(autouse=True)
def collector_restored() -> Iterator[None]:
    was, interval = gc.isenabled(), sys.getswitchinterval()
    yield
    sys.setswitchinterval(interval)
    startmode._begun = False
    gc.unfreeze()
    if was:
        gc.enable()


def test_resume_after_pause_enables_the_collector_and_freezes_start_up_objects() -> None:
    gc.unfreeze()
    interval = sys.getswitchinterval()
    startmode.begin()
    assert not gc.isenabled()
    assert sys.getswitchinterval() == pytest.approx(startmode.SWITCH_INTERVAL)
    startmode.end()
    assert gc.isenabled()
    assert gc.get_freeze_count() > 0
    assert sys.getswitchinterval() == interval


def test_resume_without_pause_changes_nothing() -> None:
    gc.unfreeze()
    sys.setswitchinterval(0.001)
    startmode.end()
    assert gc.isenabled()
    assert gc.get_freeze_count() == 0
    assert sys.getswitchinterval() == pytest.approx(0.001)


def test_a_disabled_collector_stays_as_the_caller_left_it() -> None:
    gc.disable()
    interval = sys.getswitchinterval()
    startmode.begin()
    assert sys.getswitchinterval() == interval
    startmode.end()
    assert not gc.isenabled()


def run_reader(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, config_text: str, *command: str) -> int:
    """The `reader` command's entry point, as the console script runs it, on a config of `config_text`."""
    from reader.cli import launch

    config = tmp_path / "config.toml"
    config.write_text(config_text)
    data = tmp_path / "data"
    monkeypatch.setattr("sys.argv", ["reader", "--config", str(config), "--data-dir", str(data), *command])
    return launch.main()


def test_a_command_runs_with_the_collector_back_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import reader.cli.commands as commands

    seen: list[bool] = []

    real = commands._dispatch

    def spy(args: object) -> int:
        status = real(args)  # type: ignore[arg-type]
        seen.append(gc.isenabled() and sys.getswitchinterval() > startmode.SWITCH_INTERVAL)
        return status

    monkeypatch.setattr(commands, "_dispatch", spy)
    assert run_reader(tmp_path, monkeypatch, "", "feeds") == 0
    assert seen == [True]


def test_a_batch_makes_young_collections_rarer_and_puts_the_thresholds_back() -> None:
    before = gc.get_threshold()
    with startmode.batch():
        assert gc.get_threshold() == (startmode.BATCH_YOUNG, *before[1:])
    assert gc.get_threshold() == before
    with pytest.raises(RuntimeError), startmode.batch():
        raise RuntimeError("the poll failed")
    assert gc.get_threshold() == before


def test_the_fetch_command_polls_as_a_batch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`reader fetch` runs its poll with the batch thresholds (here: a poll of one unreachable feed)."""
    import asyncio

    seen: list[int] = []
    real = asyncio.run

    def spy(work: object) -> object:
        seen.append(gc.get_threshold()[0])
        return real(work)  # type: ignore[arg-type]

    monkeypatch.setattr(asyncio, "run", spy)
    feed = '[[feeds]]\nurl = "http://127.0.0.1:9/feed.xml"\n'
    assert run_reader(tmp_path, monkeypatch, feed, "fetch", "--all", "-q") == 0
    assert seen == [startmode.BATCH_YOUNG]
    assert gc.get_threshold()[0] != startmode.BATCH_YOUNG
