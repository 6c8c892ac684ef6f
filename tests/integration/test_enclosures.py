"""An item's files (a podcast episode, a document) from a real loopback feed, through the real `reader`
commands: listed in `list --json`, printed first by `show` as a link, and kept across polls."""

from __future__ import annotations

import json
from pathlib import Path

from clirun import run_cli
from httpserver import LoopbackServer

FEED = """<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Policy pod</title>
<item><title>Episode 12: the audit rules</title><guid>ep12</guid><description>We talk audits.</description>
<enclosure url="{base}/media/ep12.mp3" type="audio/mpeg" length="42123456"/></item>
<item><title>Notes only</title><guid>n1</guid><description>No file here.</description></item>
</channel></rss>"""


def test_files_are_listed_and_shown_first_as_links(tmp_path: Path, http_server: LoopbackServer) -> None:
    base = http_server.url("").rstrip("/")
    url = http_server.serve("/pod.xml", FEED.format(base=base).encode())
    config, data = tmp_path / "c.toml", tmp_path / "d"
    config.write_text(f'[[feeds]]\nurl = "{url}"\nfulltext = "off"\n')
    assert run_cli(config, data, "fetch", "--all").returncode == 0
    items = {i["title"]: i for i in json.loads(run_cli(config, data, "list", "--json").stdout)}
    episode = items["Episode 12: the audit rules"]
    assert episode["enclosures"] == [
        {"url": f"{base}/media/ep12.mp3", "type": "audio/mpeg", "length": 42123456}
    ]
    assert items["Notes only"]["enclosures"] == []
    shown = run_cli(config, data, "show", str(episode["id"])).stdout
    head, _, rest = shown.partition("---")
    assert f"[Audio \\(audio/mpeg\\), 42.1 MB: ep12.mp3]({base}/media/ep12.mp3)" in head
    assert "We talk audits." in rest
    text = run_cli(config, data, "show", str(episode["id"]), "--format", "text").stdout
    assert f"Attachment:\n- Audio (audio/mpeg), 42.1 MB: ep12.mp3 <{base}/media/ep12.mp3>" in text
    assert "Attachment" not in run_cli(config, data, "show", str(items["Notes only"]["id"])).stdout
    assert http_server.count("/media/ep12.mp3") == 0  # listed, never downloaded
