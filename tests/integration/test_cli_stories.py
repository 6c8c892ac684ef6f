"""Stories and topics from the command line (`main()` in-process, tests/clirun.py), a real loopback server, a
real SQLite file."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

from clirun import run_cli
from httpserver import LoopbackServer

CONFIG = """
[fetch]
connect_timeout = 2
read_timeout = 2
deadline = 5
[topics]
exports = '"export controls" OR "entity list"'
"""


def feed(name: str, entries: list[tuple[str, str]]) -> bytes:
    items = "".join(
        f"<item><title>{title}</title><link>https://{name}.example/{key}</link><guid>{name}-{key}</guid>"
        "<pubDate>Mon, 10 Mar 2014 12:00:00 GMT</pubDate></item>"
        for key, title in entries
    )
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>{name}</title>{items}</channel></rss>'.encode()


def run(tmp: Path, *args: str) -> subprocess.CompletedProcess[str]:
    proc = run_cli(tmp / "c.toml", tmp / "d", *args)
    assert proc.returncode == 0, (proc.stdout, proc.stderr)
    return proc


def as_json(tmp: Path, *args: str) -> Any:
    return json.loads(run(tmp, *args, "--json").stdout)


def test_list_json_story_ids_reader_stories_and_topics(tmp_path: Path, http_server: LoopbackServer) -> None:
    (tmp_path / "c.toml").write_text(CONFIG)
    a = http_server.serve(
        "/a.xml",
        feed(
            "a",
            [
                ("1", "US tightens export controls on chip equipment"),
                ("2", "Volcanoes helped life survive ice ages"),
            ],
        ),
    )
    b = http_server.serve("/b.xml", feed("b", [("1", "Chip equipment export controls tightened by US")]))
    run(tmp_path, "add", a)
    run(tmp_path, "add", b)
    fetched = run(tmp_path, "fetch", "--all", "--no-fulltext")
    assert "Topic exports (2 new):" in fetched.stdout and "export controls" in fetched.stdout
    again = run(tmp_path, "fetch", "--all", "--no-fulltext")
    assert "Topic exports" not in again.stdout  # announced once

    items = as_json(tmp_path, "list")
    by_title = {i["title"]: i["story"] for i in items}
    assert (
        by_title["US tightens export controls on chip equipment"]
        == by_title["Chip equipment export controls tightened by US"]
    )
    assert (
        by_title["Volcanoes helped life survive ice ages"]
        != by_title["Chip equipment export controls tightened by US"]
    )

    stories = as_json(tmp_path, "stories")
    assert [s["outlets"] for s in stories] == [2, 1] or sorted(s["outlets"] for s in stories) == [1, 2]
    grouped = next(s for s in stories if s["outlets"] == 2)
    assert {e["title"] for e in grouped["entries"]} == {
        "US tightens export controls on chip equipment",
        "Chip equipment export controls tightened by US",
    }
    assert len(as_json(tmp_path, "stories", "--limit", "1")) == 1

    topic = as_json(tmp_path, "list", "--topic", "exports")
    assert len(topic) == 2
    assert as_json(tmp_path, "topics") == [
        {"name": "exports", "query": '"export controls" OR "entity list"', "origin": "config", "unread": 2}
    ]
    missing = run_cli(tmp_path / "c.toml", tmp_path / "d", "list", "--topic", "nope")
    assert missing.returncode == 1 and "no such topic: nope" in missing.stderr and "exports" in missing.stderr

    regroup = run(tmp_path, "stories", "--regroup")
    assert "Grouped 3 items into 2 stories." in regroup.stderr


def test_grouping_turned_off_in_the_config_makes_no_stories_and_says_so(
    tmp_path: Path, http_server: LoopbackServer
) -> None:
    config = tmp_path / "c.toml"
    config.write_text("[stories]\ngroup = false\n")
    a = http_server.serve("/a.xml", feed("a", [("1", "US tightens export controls on chip equipment")]))
    b = http_server.serve("/b.xml", feed("b", [("1", "Chip equipment export controls tightened by US")]))
    run(tmp_path, "add", a)
    run(tmp_path, "add", b)
    run(tmp_path, "fetch", "--all", "--no-fulltext")
    items = as_json(tmp_path, "list")
    assert len(items) == 2 and [i["story"] for i in items] == [None, None]
    stories = run(tmp_path, "stories", "--json")
    assert json.loads(stories.stdout) == []
    assert "story grouping is off ([stories] group = false in" in stories.stderr
    assert "not grouped yet" not in stories.stderr  # not nagged to regroup what the user turned off
    regroup = run_cli(config, tmp_path / "d", "stories", "--regroup")
    assert regroup.returncode == 2 and "story grouping is off" in regroup.stderr

    # Turned on again: the items stored meanwhile are grouped like an archive from before stories.
    config.write_text("[stories]\ngroup = true\n")
    assert "Grouped 2 items into 1 stories." in run(tmp_path, "stories", "--regroup").stderr
    story_ids = {i["story"] for i in as_json(tmp_path, "list")}
    assert len(story_ids) == 1 and None not in story_ids
