"""Feed autodiscovery: is this body a web page rather than a feed, and which feeds does it link to?"""

from __future__ import annotations

import re
from collections.abc import Mapping
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

from reader.textsafe import quote_url

FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/rdf+xml", "application/feed+xml")
_SCAN_LIMIT = 512 * 1024  # <link> tags live in <head>; a huge page need not be scanned to the end
_FEED_START = re.compile(rb"^\s*(?:<\?xml|<rss\b|<feed\b|<rdf:RDF\b|<!--)", re.IGNORECASE)
_HTML_START = re.compile(rb"^\s*(?:<!doctype\s+html|<html\b|<head\b|<meta\b|<title\b)", re.IGNORECASE)


def looks_like_html(body: bytes, headers: Mapping[str, str]) -> bool:
    """True for a web page: HTML content type or markup, and not an XML feed served under the wrong type."""
    head = body[:1024].lstrip(b"\xef\xbb\xbf")
    if _FEED_START.match(head):
        return False
    if _HTML_START.match(head):
        return True
    ctype = (headers.get("content-type") or "").split(";")[0].strip().lower()
    return ctype in ("text/html", "application/xhtml+xml")


def discover_feeds(html: bytes, base_url: str) -> list[str]:
    """Absolute http(s) URLs of the feeds a page advertises with <link rel="alternate" type="...">."""
    parser = _LinkFinder()
    try:
        parser.feed(html[:_SCAN_LIMIT].decode("utf-8", "replace"))
        parser.close()
    except Exception:  # HTMLParser is lenient, but a page is hostile input: what we found so far stands
        pass
    base = base_url
    if parser.base:
        try:
            base = urljoin(base_url, parser.base)
        except ValueError:
            pass
    found: list[str] = []
    for href in parser.hrefs:
        try:
            url = urljoin(base, href.strip())
            parts = urlsplit(url)
        except ValueError:
            continue
        url = quote_url(url)  # no raw controls or bidi overrides in a URL we may store
        if parts.scheme in ("http", "https") and parts.netloc and url not in found:
            found.append(url)
    return found


class _LinkFinder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.hrefs: list[str] = []
        self.base: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "base" and self.base is None:
            self.base = dict(attrs).get("href")
            return
        if tag != "link":
            return
        a = {k.lower(): (v or "") for k, v in attrs}
        rels = a.get("rel", "").lower().split()
        ctype = a.get("type", "").split(";")[0].strip().lower()
        if "alternate" in rels and ctype in FEED_TYPES and a.get("href"):
            self.hrefs.append(a["href"])

    handle_startendtag = handle_starttag
