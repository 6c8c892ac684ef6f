"""A loopback feed farm for benchmarks: N feeds x M items, feed i on 127.0.0.(2 + i % 50), with validators.

Run as a script it serves until killed and prints one JSON line with the feed URLs' pattern:
    python benchmarks/farm.py --feeds 200 --items 50 --latency-ms 50
It is a minimal asyncio HTTP/1.1 server (keep-alive, ETag/Last-Modified -> 304, added latency) so that the
farm itself costs little CPU next to the client being measured.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import hashlib
import json
import os
import signal
import socket
import sys
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from html import escape

HOSTS = 50
LAST_MODIFIED = "Mon, 01 Jan 2024 00:00:00 GMT"


def host_for(i: int) -> str:
    return f"127.0.0.{2 + i % HOSTS}"


def load_titles(path: str) -> list[str]:
    """Headlines from a CSV file with a TITLE column (../shared/corpus/stories-dev/headlines.csv), oldest
    first (by its TIMESTAMP column, where it has one)."""
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    rows.sort(key=lambda r: int(r.get("TIMESTAMP") or 0))
    return [r["TITLE"] for r in rows if r.get("TITLE")]


def feed_body(i: int, items: int, titles: Sequence[str] = ()) -> bytes:
    """An RSS 2.0 document shaped like a real news feed: title, link, guid, date, a paragraph of HTML.

    The titles are made up ("Feed 3 item 7: policy update on topic 7") unless real `titles` are given: then
    item j of feed i is headline (i * items + j) of them, round and round (more items than headlines: the
    same headline in several feeds, as a wire story is)."""
    base = datetime(2024, 1, 1, tzinfo=UTC)
    parts = [
        '<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>',
        f"<title>Feed {i}</title><link>https://example.org/{i}/</link>",
        f"<description>Benchmark feed number {i}</description>",
    ]
    for j in range(items):
        date = format_datetime(base - timedelta(hours=j), usegmt=True)
        title = (
            escape(titles[(i * items + j) % len(titles)])
            if titles
            else (f"Feed {i} item {j}: policy update on topic {j % 17}")
        )
        parts.append(
            f"<item><title>{title}</title>"
            f"<link>https://example.org/{i}/posts/{j}</link>"
            f'<guid isPermaLink="false">feed-{i}-item-{j}</guid>'
            f"<pubDate>{date}</pubDate><author>editor{j % 5}@example.org (Editor {j % 5})</author>"
            "<description>&lt;p&gt;Lorem ipsum dolor sit amet, &lt;a href=&quot;https://example.org/x&quot;&gt;"
            "consectetur&lt;/a&gt; adipiscing elit, sed do eiusmod tempor incididunt ut labore et dolore "
            "magna aliqua. Ut enim ad minim veniam, quis nostrud exercitation ullamco laboris.&lt;/p&gt;"
            "</description></item>"
        )
    parts.append("</channel></rss>\n")
    return "".join(parts).encode()


class Farm:
    def __init__(self, feeds: int, items: int, latency: float, titles: Sequence[str] = ()) -> None:
        self.latency = latency
        self.bodies = [feed_body(i, items, titles) for i in range(feeds)]
        self.etags = [f'"{hashlib.sha1(b).hexdigest()[:16]}"' for b in self.bodies]
        self.port = 0

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                path = lines[0].split(" ")[1]
                headers = {}
                for line in lines[1:]:
                    if ":" in line:
                        k, v = line.split(":", 1)
                        headers[k.strip().lower()] = v.strip()
                if self.latency:
                    await asyncio.sleep(self.latency)
                try:
                    i = int(path.strip("/").split("/")[-1].split(".")[0])
                    body, etag = self.bodies[i], self.etags[i]
                except (ValueError, IndexError):
                    writer.write(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
                    continue
                common = f"ETag: {etag}\r\nLast-Modified: {LAST_MODIFIED}\r\n"
                if headers.get("if-none-match") == etag or (
                    "if-none-match" not in headers and headers.get("if-modified-since") == LAST_MODIFIED
                ):
                    writer.write(f"HTTP/1.1 304 Not Modified\r\n{common}\r\n".encode())
                else:
                    writer.write(
                        (
                            f"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml; charset=utf-8\r\n{common}"
                            f"Content-Length: {len(body)}\r\n\r\n"
                        ).encode()
                        + body
                    )
                await writer.drain()
                if headers.get("connection", "").lower() == "close":
                    break
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError):
            pass
        finally:
            writer.close()

    async def serve(self, ready_fd: int | None = None) -> None:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.2", 0))
        self.port = sock.getsockname()[1]
        sock.close()
        servers = [
            await asyncio.start_server(self.handle, host_for(h), self.port, backlog=1024, reuse_address=True)
            for h in range(min(HOSTS, len(self.bodies)) or 1)
        ]
        print(json.dumps({"port": self.port, "feeds": len(self.bodies)}), flush=True)
        stop = asyncio.Event()
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
        await stop.wait()
        for s in servers:
            s.close()


def feed_urls(port: int, feeds: int) -> list[str]:
    return [f"http://{host_for(i)}:{port}/feed/{i}.xml" for i in range(feeds)]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--feeds", type=int, default=200)
    ap.add_argument("--items", type=int, default=50)
    ap.add_argument("--latency-ms", type=float, default=50.0)
    ap.add_argument("--titles", help="a CSV file of real headlines (a TITLE column) to title the items with")
    args = ap.parse_args(argv)
    farm = Farm(
        args.feeds, args.items, args.latency_ms / 1000, load_titles(args.titles) if args.titles else ()
    )
    try:
        asyncio.run(farm.serve())
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.exit(main())
