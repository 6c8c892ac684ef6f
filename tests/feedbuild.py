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


def letters_page(*, promo: bool = False) -> str:
    """A story page whose article is six long paragraphs ("... rule K for the operators ...") and whose
    aside holds six letters ("Letter K: a reader answers ..."): two candidates for a site rule to choose
    between. `promo` adds a paragraph of class `c7` inside the article ("Our partner's offer ...")."""
    line = "The agency's order sets out rule {k} for the operators of very large platforms and their audits."
    story = "".join(f"<p>{line.format(k=k)} {line.format(k=k + 1)}</p>" for k in range(6))
    if promo:
        story += "<p class='c7'>Our partner's offer explains the audits that platforms must buy this year and why.</p>"
    letters = "".join(
        f"<p>Letter {k}: a reader answers last week's column on audits with a long reply.</p>"
        for k in range(6)
    )
    return (
        "<html><head><title>The audit order</title></head><body><nav><a href='/'>Home</a></nav>"
        f"<article><h1>The audit order</h1>{story}</article><aside class='letters'>{letters}</aside></body></html>"
    )


def one_item_feed(
    link: str, title: str = "The audit order", *, channel: str = "Agency", guid: str = "a1"
) -> bytes:
    """An RSS document with one item linking to `link`."""
    return (
        f"<rss version='2.0'><channel><title>{channel}</title><item><title>{title}</title>"
        f"<link>{link}</link><guid>{guid}</guid><description>Summary.</description></item></channel></rss>"
    ).encode()
