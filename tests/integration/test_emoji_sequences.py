"""Emoji built with zero-width joiners (👩‍💻) survive the trip from a feed to `reader list --json` and the TUI."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from reader.cli.commands import main
from reader.feeds.parse import parse_feed
from reader.models import FetchOutcome
from reader.store.feeds import Store

TITLE = "Meet the dev 👩\u200d💻 and the \u2764\ufe0f\u200d\U0001f525 fan"
RSS = f"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Emoji</title><link>https://emoji.example/</link>
<item><title>{TITLE}</title><link>https://emoji.example/1</link><guid>e1</guid></item>
</channel></rss>""".encode()


def test_zwj_sequences_reach_list_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    now = datetime(2026, 6, 1, tzinfo=UTC)
    parsed = parse_feed(RSS, "https://emoji.example/feed", {"content-type": "application/rss+xml"}, now=now)
    assert parsed.items[0].title == TITLE
    data = tmp_path / "data"
    with Store.open(data / "reader.db") as store:
        feed = store.add_feed("https://emoji.example/feed", "Emoji", [])
        store.apply_fetch(feed, FetchOutcome(feed_url=feed.url, status=200, parsed=parsed, fetched_at=now))
    config = tmp_path / "config.toml"
    config.write_text("")
    assert main(["--config", str(config), "--data-dir", str(data), "list", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [item["title"] for item in listed] == [TITLE]
