"""The real app with a [sync] server (the loopback Google Reader server): it syncs in a worker after the first
paint, shows the sync state and the changes waiting, and starts and works offline as it does without one."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from greader_server import GReaderServer
from uifakes import record_polls, until_polled

from reader.config.loader import parse_config
from reader.locations import resolve_locations
from reader.services import ReaderServices
from reader.ui.app import make_app
from reader.ui.screens.main import MainScreen
from reader.ui.settings import UISettings

PASSWORD = "reader-api-pw"


@pytest.fixture
def server() -> Iterator[GReaderServer]:
    srv = GReaderServer(password=PASSWORD).start()
    fid = srv.add_feed("http://127.0.0.1:9/a.xml", "Server feed")
    for k in range(3):
        srv.add_item(fid, f"Server item {k}", f"http://127.0.0.1:9/item/{k}")
    try:
        yield srv
    finally:
        srv.stop()


def services_for(tmp_path: Path, server: GReaderServer, monkeypatch: pytest.MonkeyPatch) -> ReaderServices:
    monkeypatch.setenv("READER_SYNC_PASSWORD", PASSWORD)
    config_path = tmp_path / "config.toml"
    config_path.write_text(f'[sync]\nurl = "{server.url}"\nuser = "reader"\ntimeout = "3s"\n')
    config_path.chmod(0o600)
    locations = resolve_locations(str(config_path), str(tmp_path / "data"), os.environ)
    return ReaderServices(locations, parse_config(config_path.read_text(), source=config_path))


def settings(**kw: object) -> UISettings:
    values: dict[str, object] = {"refresh_on_start": True, "auto_refresh": None, "sync": True}
    values.update(kw)
    return UISettings(**values)  # type: ignore[arg-type]


async def test_syncs_after_first_paint_and_counts_waiting_changes(
    tmp_path: Path, server: GReaderServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    services = services_for(tmp_path, server, monkeypatch)
    polls = record_polls(services)
    app = make_app(services, settings(refresh_on_start=False))
    async with app.run_test(size=(140, 40)) as pilot:
        screen = app.screen
        assert isinstance(screen, MainScreen)
        await until_polled(pilot, polls)  # the sync starts after the first paint
        assert screen.headlines.pager.total == 3  # pulled in the background worker
        assert "synced" in screen.status.text
        await pilot.press("s")  # save the highlighted item: one change waiting
        await pilot.pause()
        assert "sync: 1 waiting" in screen.status.text
        await pilot.press("R")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "synced" in screen.status.text and "waiting" not in screen.status.text
        assert sum(i.starred for i in server.items.values()) == 1


async def test_starts_and_works_offline_keeping_changes(
    tmp_path: Path, server: GReaderServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    services = services_for(tmp_path, server, monkeypatch)
    with services.open_store() as store:
        from reader.sync.engine import run_sync

        assert services.config.sync is not None
        run_sync(store, services.config.sync)
    server.stop()  # the server is gone: the reader must not care
    polls = record_polls(services)
    app = make_app(services, settings())
    async with app.run_test(size=(140, 40)) as pilot:
        screen = app.screen
        assert isinstance(screen, MainScreen)
        assert screen.headlines.pager.total == 3  # painted from the archive
        await until_polled(pilot, polls)  # the start-up refresh and sync begin after the first paint
        assert "sync failed" in screen.status.text
        assert any("cannot connect" in str(n.message) for n in app._notifications)
        await pilot.press("m")  # marks still work, and wait for the server
        await pilot.pause()
        assert "sync failed · 1 waiting" in screen.status.text
    with services.open_store() as store:
        assert store.pending_changes() == 1


async def test_a_password_others_can_read_is_said_once_never_shown(
    tmp_path: Path, server: GReaderServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("READER_SYNC_PASSWORD", raising=False)
    config_path = tmp_path / "config.toml"
    config_path.write_text(f'[sync]\nurl = "{server.url}"\nuser = "reader"\npassword = "{PASSWORD}"\n')
    config_path.chmod(0o644)
    locations = resolve_locations(str(config_path), str(tmp_path / "data"), os.environ)
    services = ReaderServices(locations, parse_config(config_path.read_text(), source=config_path))
    polls = record_polls(services)
    app = make_app(services, settings())
    async with app.run_test(size=(140, 40)) as pilot:
        await until_polled(pilot, polls)  # the start-up refresh
        await pilot.press("R")
        await app.workers.wait_for_complete()
        await pilot.pause()
        messages = [str(n.message) for n in app._notifications]
        assert sum("others can read it" in m for m in messages) == 1
        assert not any(PASSWORD in m for m in messages)
