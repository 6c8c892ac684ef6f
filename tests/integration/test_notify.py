"""[general] notify_command: after a poll with new matches of a tracked topic, the command gets a title and a
body as two arguments (no shell, text cleaned of escapes); a command that cannot run is one line, and the fetch
still succeeds. Real `reader fetch` processes, a real loopback feed, a real command (a Python script)."""

from __future__ import annotations

import json
import os
import sys
import threading
from pathlib import Path

import pytest
from clirun import run_cli
from httpserver import LoopbackServer

from reader.config.loader import parse_config
from reader.errors import ConfigError

RECORDER = """
import json, sys
with open(sys.argv[1], "a") as out:
    out.write(json.dumps(sys.argv[2:]) + "\\n")
"""


def feed(titles: list[str]) -> bytes:
    items = "".join(
        f"<item><title>{t}</title><link>https://a.example/{k}</link><guid>a-{k}</guid>"
        "<pubDate>Mon, 10 Mar 2014 12:00:00 GMT</pubDate></item>"
        for k, t in enumerate(titles)
    )
    return (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>a</title>{items}</channel></rss>'.encode()
    )


def _read_fifo(path: Path) -> threading.Thread:
    """Read what the detached command writes to the named pipe `path`, in a thread: opening a FIFO blocks until
    the writer opens it, so the test waits on the command itself, not on time."""
    got: list[str] = []

    def read() -> None:
        with path.open() as pipe:
            got.append(pipe.read())

    thread = threading.Thread(target=read, daemon=True)
    thread.got = got  # type: ignore[attr-defined]
    thread.start()
    return thread


def test_topic_matches_run_the_command_with_clean_text(tmp_path: Path, http_server: LoopbackServer) -> None:
    script = tmp_path / "recorder.py"
    script.write_text(RECORDER)
    log = tmp_path / "notified.fifo"
    os.mkfifo(log)
    reader = _read_fifo(log)
    url = http_server.serve(
        "/a.xml", feed(["Export controls widened to \x1b]0;pwned\x07 chips", "Volcano news", "$(touch x)"])
    )
    config = tmp_path / "c.toml"
    config.write_text(
        f"[general]\nnotify_command = {json.dumps([sys.executable, str(script), str(log)])}\n"
        f'[[feeds]]\nurl = "{url}"\n[topics]\nexports = \'"export controls" OR touch\'\n'
    )
    fetched = run_cli(config, tmp_path / "d", "fetch", "--all", "--no-fulltext")
    assert fetched.returncode == 0 and "could not run" not in fetched.stderr
    reader.join(timeout=30)
    [(title, body)] = [json.loads(line) for line in reader.got[0].splitlines()]  # type: ignore[attr-defined]
    assert title == "reader: 2 new in exports"
    assert "Export controls widened to" in body and "\x1b" not in body and "\x07" not in body
    assert "$(touch x)" in body  # passed as data, never run by a shell
    assert not (tmp_path / "x").exists() and not Path("x").exists()


def test_a_command_that_cannot_run_is_one_line_and_the_fetch_succeeds(
    tmp_path: Path, http_server: LoopbackServer
) -> None:
    url = http_server.serve("/a.xml", feed(["Export controls widened"]))
    config = tmp_path / "c.toml"
    config.write_text(
        '[general]\nnotify_command = "no-such-notifier --urgency low"\n'
        f'[[feeds]]\nurl = "{url}"\n[topics]\nexports = \'"export controls"\'\n'
    )
    fetched = run_cli(config, tmp_path / "d", "fetch", "--all", "--no-fulltext")
    assert fetched.returncode == 0
    assert "notify_command no-such-notifier could not run: No such file or directory\n" in fetched.stderr
    assert "Topic exports (1 new)" in fetched.stdout


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('"notify-send -u low reader"', ("notify-send", "-u", "low", "reader")),
        ('""', ()),
        ('["a b", "c"]', ("a b", "c")),
    ],
)
def test_notify_command_forms(value: str, expected: tuple[str, ...]) -> None:
    assert parse_config(f"[general]\nnotify_command = {value}\n").general.notify_command == expected


def test_a_bad_notify_command_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="notify_command"):
        parse_config("[general]\nnotify_command = 3\n")
    with pytest.raises(ConfigError, match="notify_command"):
        parse_config('[general]\nnotify_command = "unclosed \'quote"\n')
