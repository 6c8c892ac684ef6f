"""A feed farm on the loopback server and helpers to run `reader` as a real process against it.

Used by tests/test_concurrency.py and tests/test_crash.py (imported as `hostile.procfarm`). Every feed's
document depends on a generation counter: `bump()` gives each feed a few new items and changes every old
one, so each fetch after a bump has real work to do (inserts, updates, search-index writes).
"""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

from httpserver import LoopbackServer, RequestRecord, Route

ROOT = Path(__file__).resolve().parent.parent.parent
NEW_PER_GENERATION = 5


class FeedFarm:
    """`feeds` RSS feeds of `items` items each at /farm/<i>.xml, whose content follows `generation`."""

    def __init__(self, server: LoopbackServer, feeds: int, items: int, prefix: str = "/farm") -> None:
        self.server = server
        self.feeds = feeds
        self.items = items
        self.prefix = prefix
        self.generation = 0
        self._cache: dict[tuple[int, int], bytes] = {}
        for i in range(feeds):
            server.route(f"{prefix}/{i}.xml", self._handler(i))

    def urls(self) -> list[str]:
        return [self.server.url(f"{self.prefix}/{i}.xml") for i in range(self.feeds)]

    def bump(self) -> None:
        self.generation += 1
        self._cache = {k: v for k, v in self._cache.items() if k[0] == self.generation}

    def first_item(self, generation: int | None = None) -> int:
        return (self.generation if generation is None else generation) * NEW_PER_GENERATION

    def body(self, i: int, generation: int | None = None) -> bytes:
        g = self.generation if generation is None else generation
        key = (g, i)
        if key not in self._cache:
            base = datetime(2024, 1, 1, tzinfo=UTC)
            parts = [
                '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>',
                f"<title>Farm feed {i}</title><link>http://example.org/{i}/</link>",
            ]
            first = g * NEW_PER_GENERATION
            for j in range(first + self.items - 1, first - 1, -1):
                date = format_datetime(base + timedelta(minutes=j), usegmt=True)
                parts.append(
                    f"<item><title>Feed {i} item {j} gen {g}</title><link>http://example.org/{i}/{j}</link>"
                    f'<guid isPermaLink="false">f{i}-{j}</guid><pubDate>{date}</pubDate>'
                    f"<description>&lt;p&gt;Generation {g} of item {j} of feed {i}, with a few words of "
                    "body text so that the search index has something to do.&lt;/p&gt;</description></item>"
                )
            parts.append("</channel></rss>")
            self._cache[key] = "".join(parts).encode()
        return self._cache[key]

    def _handler(self, i: int):  # type: ignore[no-untyped-def]
        def handle(_: RequestRecord) -> Route:
            return Route(body=self.body(i))

        return handle


def write_config(
    path: Path, urls: list[str], *, per_host: int = 8, deadline: float = 20, extra: str = ""
) -> Path:
    lines = [
        "[general]",
        "retention_days = 0",
        "[fulltext]",
        'policy = "off"',
        "[fetch]",
        f"per_host = {per_host}",
        f"deadline = {deadline:g}",
        extra,
    ]
    for url in urls:
        lines += ["[[feeds]]", f'url = "{url}"']
    path.write_text("\n".join(lines) + "\n")
    return path


def reader_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env.pop("READER_DEBUG", None)
    return env


def reader_cmd(data_dir: Path, config: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "reader", "--data-dir", str(data_dir), "--config", str(config), *args]


def start_reader(data_dir: Path, config: Path, *args: str) -> subprocess.Popen[str]:
    """`reader ...` as its own process group (so a kill takes its parse workers down with it)."""
    return subprocess.Popen(
        reader_cmd(data_dir, config, *args),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=reader_env(),
        cwd=ROOT,
        start_new_session=True,
    )


def run_reader(
    data_dir: Path, config: Path, *args: str, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        reader_cmd(data_dir, config, *args),
        capture_output=True,
        text=True,
        env=reader_env(),
        cwd=ROOT,
        timeout=timeout,
    )


def assert_clean_stderr(stderr: str) -> None:
    """What no user may ever see from `reader`: a traceback or SQLite's own words."""
    assert "Traceback" not in stderr, stderr
    assert "database is locked" not in stderr and "database is busy" not in stderr, stderr
    assert "internal error" not in stderr, stderr
