"""Small feed documents for tests (a module, not conftest: tests/ui has a conftest of its own)."""

from __future__ import annotations

from pathlib import Path

DATA = Path(__file__).parent / "data"


def rss(
    items: int = 3,
    *,
    title: str = "Test feed",
    link: str = "https://example.org/",
    ttl: int | None = None,
    start: int = 0,
    extra_item: str = "",
) -> bytes:
    """A small valid RSS 2.0 document whose items have guid, link, title, pubDate and a description."""
    parts = [f'<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel><title>{title}</title>']
    parts.append(f"<link>{link}</link>")
    if ttl is not None:
        parts.append(f"<ttl>{ttl}</ttl>")
    for n in range(start, start + items):
        parts.append(
            f"<item><title>Item {n}</title><link>https://example.org/posts/{n}</link>"
            f'<guid isPermaLink="false">item-{n}</guid>'
            f"<pubDate>Mon, 0{1 + n % 9} Jan 2024 10:00:00 GMT</pubDate>"
            f"<description>Body of item {n}</description>{extra_item}</item>"
        )
    parts.append("</channel></rss>")
    return "".join(parts).encode()
