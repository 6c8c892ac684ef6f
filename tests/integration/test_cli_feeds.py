"""`reader add` / `reader remove` go through the same core rules as the TUI (reader/feeds/manage.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from reader.cli.commands import main


def run(tmp_path: Path, *args: str) -> int:
    config = tmp_path / "config.toml"
    if not config.exists():
        config.write_text('[[feeds]]\nurl = "https://listed.example/feed"\n')
    return main(["--config", str(config), "--data-dir", str(tmp_path / "data"), *args])


def test_add_rejects_what_the_config_would_reject(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(tmp_path, "add", "https://a.example/feed", "--interval", "5s") == 2
    err = capsys.readouterr().err
    assert "--interval must be between 1m" in err  # the config's own rule and words
    assert run(tmp_path, "add", "example.org/feed") == 2
    assert "is not a URL" in capsys.readouterr().err
    assert run(tmp_path, "add", "https://a.example/feed", "--tag", "eu", "--interval", "2h") == 0
    assert "Added https://a.example/feed" in capsys.readouterr().out


def test_remove_refuses_a_feed_the_config_lists(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(tmp_path, "remove", "https://listed.example/feed") == 2
    assert "edit it there" in capsys.readouterr().err
    assert run(tmp_path, "add", "https://mine.example/feed") == 0
    assert run(tmp_path, "remove", "https://mine.example/feed") == 0
    assert "Removed https://mine.example/feed; its saved items are kept" in capsys.readouterr().out
