"""The `reader` command pauses the cycle collector for its start-up and always resumes it."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path

import pytest

from reader import gcpause


@pytest.fixture(autouse=True)
def collector_restored() -> Iterator[None]:
    was = gc.isenabled()
    yield
    gcpause._paused = False
    gc.unfreeze()
    if was:
        gc.enable()


def test_resume_after_pause_enables_the_collector_and_freezes_start_up_objects() -> None:
    gc.unfreeze()
    gcpause.pause()
    assert not gc.isenabled()
    gcpause.resume()
    assert gc.isenabled()
    assert gc.get_freeze_count() > 0


def test_resume_without_pause_changes_nothing() -> None:
    gc.unfreeze()
    gcpause.resume()
    assert gc.isenabled()
    assert gc.get_freeze_count() == 0


def test_a_disabled_collector_stays_as_the_caller_left_it() -> None:
    gc.disable()
    gcpause.pause()
    gcpause.resume()
    assert not gc.isenabled()


def test_a_command_runs_with_the_collector_back_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from reader.cli import launch

    seen: list[bool] = []
    import reader.cli.commands as commands

    real = commands._dispatch

    def spy(args: object) -> int:
        status = real(args)  # type: ignore[arg-type]
        seen.append(gc.isenabled())
        return status

    monkeypatch.setattr(commands, "_dispatch", spy)
    config = tmp_path / "config.toml"
    config.write_text("")
    monkeypatch.setattr(
        "sys.argv", ["reader", "--config", str(config), "--data-dir", str(tmp_path / "data"), "feeds"]
    )
    assert launch.main() == 0
    assert seen == [True]
