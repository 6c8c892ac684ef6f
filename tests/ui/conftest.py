"""UI test fixtures: a demo archive in a real SQLite file, fake services, a frozen clock, a patched browser."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from uifakes import NOW, FakeServices, build_archive

from reader.ui.app import ReaderApp, make_app
from reader.ui.settings import UISettings


@pytest.fixture
def archive(tmp_path: Path) -> tuple[Path, dict[str, int]]:
    db = tmp_path / "reader.db"
    return db, build_archive(db)


@pytest.fixture
def services(archive: tuple[Path, dict[str, int]]) -> FakeServices:
    return FakeServices(archive[0])


@pytest.fixture
def ids(archive: tuple[Path, dict[str, int]]) -> dict[str, int]:
    return archive[1]


@pytest.fixture
def make(services: FakeServices, tmp_path: Path) -> Callable[..., ReaderApp]:
    """Build the app with test settings: no polling unless asked, a frozen clock, state in tmp_path.

    A first launch folds each story into one row; these tests start from a list of every item (as after `F`)
    unless they ask for `fold=True` (the first launch as a user has it)."""

    def build(svc: FakeServices | None = None, fold: bool = False, **kw: Any) -> ReaderApp:
        state = tmp_path / "state.json"
        if not fold and not state.exists():
            state.write_text(json.dumps({"view": {"kind": "all", "fold_stories": False}}))
        base: dict[str, Any] = dict(
            refresh_on_start=False, auto_refresh=None, now=lambda: NOW, state_path=tmp_path / "state.json"
        )
        base.update(kw)
        return make_app(svc or services, UISettings(**base))

    return build


@pytest.fixture(autouse=True)
def browser(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Never start a real browser: record the URLs instead."""
    opened: list[str] = []
    monkeypatch.setattr("webbrowser.open", lambda url, *a, **k: opened.append(url) or True)
    return opened
