"""The real services over a real data folder, for tests that drive the app or the services themselves against
the loopback server (a module, not conftest: tests/ui has a conftest of its own)."""

from __future__ import annotations

import os
from pathlib import Path

from reader.config.loader import parse_config
from reader.locations import resolve_locations
from reader.services import ReaderServices

ON_OPEN = '[fulltext]\npolicy = "on-open"\n'


def polled_services(tmp_path: Path, feed_url: str, config_text: str = ON_OPEN) -> ReaderServices:
    """Services over `tmp_path/config.toml` (holding `config_text`) and `tmp_path/data`, subscribed to
    `feed_url` and polled once. Blocking: async tests run it with `asyncio.to_thread`."""
    config_path = tmp_path / "config.toml"
    config_path.write_text(config_text)
    locations = resolve_locations(str(config_path), str(tmp_path / "data"), os.environ)
    services = ReaderServices(locations, parse_config(config_text, source=config_path))
    with services.open_store() as store:
        store.add_feed(feed_url)
    services.poll(None, lambda *a: None)
    return services
