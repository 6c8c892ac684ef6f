"""OPML import (the dialects newsboat, Feedly, Inoreader, Miniflux and FreshRSS write; hostile files) and export."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import cast
from urllib.parse import urlsplit

from lxml import etree

from reader.config.values import canonical_http_url, clean_tag, clean_tags, clean_title
from reader.errors import ParseError
from reader.frozen import Frozen, value_type
from reader.models import FULLTEXT_POLICIES, Feed, FeedConfig, FulltextPolicy
from reader.textsafe import clean_text

MAX_OPML_BYTES = 20 * 1024 * 1024
MAX_FEEDS = 50_000
# Our own extension attributes (OPML 2.0 allows namespaced ones), so export → import keeps per-feed settings.
READER_NS = "https://github.com/reader-tui/reader/opml"

ExportRow = tuple[str, str | None, tuple[str, ...], str | None]  # url, title, tags, site_url

# An entity declaration is how XXE and billion-laughs start; OPML never needs one, so such a file is refused
# before libxml2 sees it. Checked in the encodings a file may come in without an ASCII-compatible prefix.
_ENTITY_MARKERS = tuple(
    "<!ENTITY".encode(codec) for codec in ("utf-8", "utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be")
)
# A bare "&" (hand-edited files, some exporters' URLs) is the commonest breakage; repairing it beats
# libxml2's recover mode, which silently drops "&y" from "?x=1&y=2".
_BARE_AMP = re.compile(rb"&(?![A-Za-z_][A-Za-z0-9_.-]*;|#[0-9]+;|#x[0-9A-Fa-f]+;)")

# Folders exporters invent for feeds the user never filed (Miniflux's "All", FreshRSS's "Uncategorized"):
# as tags they would say nothing.
_PLACEHOLDER_FOLDERS = frozenset({"all", "uncategorized", "uncategorised", "unsorted"})


@value_type
class OpmlImport(Frozen):
    """What an OPML file held: feeds (tags merged when a feed appears in several folders) and what was skipped."""

    feeds: tuple[FeedConfig, ...]
    skipped: tuple[str, ...] = ()  # one line each, e.g. "query:unread: not an http(s) feed URL"
    title: str | None = None


def _parser() -> etree.XMLParser:
    # No entity expansion, no network, no DTD loading, libxml2's default size and depth limits.
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        huge_tree=False,
        load_dtd=False,
        dtd_validation=False,
        remove_comments=True,
        remove_pis=True,
    )


def _local(name: str) -> str:
    return name.rsplit("}", 1)[-1].lower()


def _parse_tree(data: bytes, source: str) -> etree._Element:
    if not data.strip():
        raise ParseError(f"{source}: the OPML file is empty")
    if len(data) > MAX_OPML_BYTES:
        raise ParseError(f"{source}: the OPML file is larger than {MAX_OPML_BYTES // (1024 * 1024)} MiB")
    if any(marker in data for marker in _ENTITY_MARKERS):
        raise ParseError(f"{source}: the OPML file declares XML entities, which OPML never needs; refused")
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as exc:
        repaired = _BARE_AMP.sub(b"&amp;", data)
        try:
            if repaired == data:
                raise
            root = etree.fromstring(repaired, _parser())
        except etree.XMLSyntaxError:
            where = f" (line {exc.lineno})" if exc.lineno else ""
            reason = clean_text(exc.msg or str(exc), limit=200)
            raise ParseError(f"{source}: not a well-formed OPML file: {reason}{where}") from None
    except (ValueError, etree.LxmlError) as exc:
        raise ParseError(f"{source}: not a readable OPML file: {clean_text(str(exc), limit=200)}") from None
    if root is None:
        raise ParseError(f"{source}: not an OPML file (no root element)")
    dtd = root.getroottree().docinfo.internalDTD
    # (lxml-stubs lack DTD.iterentities; it exists in every lxml we support.)
    if dtd is not None and any(True for _ in dtd.iterentities()):  # type: ignore[union-attr]
        raise ParseError(f"{source}: the OPML file declares XML entities, which OPML never needs; refused")
    tag = root.tag if isinstance(root.tag, str) else ""
    if _local(tag) != "opml":
        shown = clean_text(_local(tag), limit=40) or "?"
        raise ParseError(f"{source}: not an OPML file (the root element is <{shown}>, not <opml>)")
    return root


def _attrs(element: etree._Element) -> dict[str, str]:
    """Plain (un-namespaced) attributes by lower-cased name: exporters write xmlUrl, xmlurl and XMLURL."""
    out: dict[str, str] = {}
    for name, value in element.attrib.items():
        key = name if isinstance(name, str) else name.decode()
        if not key.startswith("{"):
            out.setdefault(key.lower(), value if isinstance(value, str) else value.decode())
    return out


def _feed_url(raw: str) -> str | None:
    """The http(s) URL an outline points at (feed: pseudo-scheme unwrapped), or None if it is not one."""
    url = raw.strip()
    lowered = url.lower()
    if lowered.startswith("feed:"):
        rest = url[5:]
        url = rest if rest.lower().startswith(("http://", "https://")) else "http:" + rest
    if len(url) > 2048 or re.search(r"[\x00-\x20\x7f-\x9f]", url):
        return None
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not host:
        return None
    try:
        return canonical_http_url(url)  # one spelling per feed, as in the config file
    except ValueError:
        return None


class _Collector:
    def __init__(self, source: str) -> None:
        self.source = source
        self.feeds: dict[str, FeedConfig] = {}
        self.skipped: list[str] = []

    def skip(self, label: str, reason: str) -> None:
        if len(self.skipped) < 1000:
            self.skipped.append(f"{clean_text(label, limit=80)}: {reason}")

    def walk(self, parent: etree._Element, folders: tuple[str, ...]) -> None:
        for child in parent:
            if not isinstance(child.tag, str) or _local(child.tag) != "outline":
                continue
            attrs = _attrs(child)
            kind = attrs.get("type", "").strip().lower()
            raw_url = attrs.get("xmlurl")
            if raw_url is None and kind in ("", "rss", "atom"):
                raw_url = attrs.get("url")  # some exporters (and newsboat's importer) use plain url=
            if raw_url is not None and raw_url.strip():
                self.add(child, attrs, kind, raw_url, folders)
            elif kind in ("include", "link"):
                self.skip(
                    attrs.get("text") or attrs.get("url") or kind, f'a type="{kind}" outline, not a feed'
                )
            else:
                label = clean_tag(attrs.get("text") or attrs.get("title") or "")
                if label.casefold() in _PLACEHOLDER_FOLDERS:
                    label = ""
                self.walk(child, (*folders, label) if label else folders)

    def add(
        self,
        element: etree._Element,
        attrs: dict[str, str],
        kind: str,
        raw_url: str,
        folders: tuple[str, ...],
    ) -> None:
        label = attrs.get("title") or attrs.get("text") or raw_url
        if kind and kind not in ("rss", "atom"):
            # e.g. FreshRSS's HTML+XPath scraping sources: the URL is a web page, not a feed.
            self.skip(label, f'type "{clean_text(kind, limit=30)}" is not a feed')
            return
        url = _feed_url(raw_url)
        if url is None:
            self.skip(label, f"not an http(s) feed URL: {clean_text(raw_url, limit=100)!r}")
            return
        title = clean_title(attrs.get("title") or attrs.get("text"))
        if title is not None and "title" not in attrs and title == clean_title(raw_url):
            title = None  # text="<the URL>" is how exporters (we included) fill the required text of an untitled feed
        categories = [part for part in attrs.get("category", "").split(",") if part.strip()]
        tags = clean_tags(list(folders) + categories)
        interval, policy = self.extensions(element)
        known = self.feeds.get(url)
        if known is not None:
            # Feedly and Inoreader list a feed once per folder it is in: merge, keep the first title.
            self.feeds[url] = FeedConfig(
                url=url,
                title=known.title or title,
                tags=clean_tags(known.tags + tags),
                poll_interval=known.poll_interval or interval,
                fulltext=known.fulltext or policy,
            )
            return
        if len(self.feeds) >= MAX_FEEDS:
            self.skip(label, f"more than {MAX_FEEDS} feeds in one file")
            return
        self.feeds[url] = FeedConfig(url=url, title=title, tags=tags, poll_interval=interval, fulltext=policy)
        # A feed outline's children (rare, invalid) would otherwise be lost: treat the feed as a folder.
        if len(element):
            self.walk(element, folders)

    @staticmethod
    def extensions(element: etree._Element) -> tuple[int | None, FulltextPolicy | None]:
        interval: int | None = None
        raw_interval = element.get(f"{{{READER_NS}}}pollInterval")
        if raw_interval and raw_interval.isdigit() and 60 <= int(raw_interval[:9]) <= 30 * 86400:
            interval = int(raw_interval)
        raw_policy = element.get(f"{{{READER_NS}}}fulltext")
        policy = cast(FulltextPolicy, raw_policy) if raw_policy in FULLTEXT_POLICIES else None
        return interval, policy


def read_opml(data: bytes, source: str) -> OpmlImport:
    """Parse OPML bytes into feeds, with what was skipped and why. Raises ParseError naming `source`."""
    root = _parse_tree(data, source)
    head_title: str | None = None
    body = None
    for child in root:
        if not isinstance(child.tag, str):
            continue
        if _local(child.tag) == "head":
            for item in child:
                if isinstance(item.tag, str) and _local(item.tag) == "title":
                    head_title = clean_title(item.text)
        elif _local(child.tag) == "body" and body is None:
            body = child
    collector = _Collector(source)
    try:
        collector.walk(body if body is not None else root, ())
    except RecursionError:
        raise ParseError(f"{source}: the OPML outline is nested too deeply") from None
    return OpmlImport(
        feeds=tuple(collector.feeds.values()), skipped=tuple(collector.skipped), title=head_title
    )


def parse_opml(data: bytes, source: str) -> list[FeedConfig]:
    """The feeds an OPML file lists; nested folders and `category` become tags. Raises ParseError."""
    return list(read_opml(data, source).feeds)


_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _row(
    feed: FeedConfig | Feed | ExportRow,
) -> tuple[str, str | None, tuple[str, ...], str | None, int | None, str | None]:
    if isinstance(feed, tuple):
        url, title, tags, site_url = feed
        return url, title, tags, site_url, None, None
    site_url = feed.site_url if isinstance(feed, Feed) else None
    return feed.url, feed.title, feed.tags, site_url, feed.poll_interval, feed.fulltext


def export_opml(
    feeds: Iterable[FeedConfig | Feed | ExportRow],
    title: str = "reader subscriptions",
    *,
    now: datetime | None = None,
) -> bytes:
    """OPML 2.0 bytes (UTF-8). A feed sits in a folder named after its first tag; `category` lists all its
    tags ("/privacy,/eu") so readers that understand it keep them all; untagged feeds sit at the top."""
    root = etree.Element("opml", version="2.0", nsmap={"reader": READER_NS})
    head = etree.SubElement(root, "head")
    etree.SubElement(head, "title").text = clean_title(title) or "reader subscriptions"
    etree.SubElement(head, "dateCreated").text = format_datetime(now or datetime.now(UTC), usegmt=True)
    etree.SubElement(head, "docs").text = "https://opml.org/spec2.opml"
    body = etree.SubElement(root, "body")
    folders: dict[str, etree._Element] = {}
    for feed in feeds:
        url, feed_title, raw_tags, site_url, interval, policy = _row(feed)
        tags = clean_tags(raw_tags)
        parent = body
        if tags:
            folder = folders.get(tags[0])
            if folder is None:
                folder = folders[tags[0]] = etree.SubElement(body, "outline", text=tags[0], title=tags[0])
            parent = folder
        clean_url = _NOT_XML.sub("", url)
        name = clean_title(feed_title)
        outline = etree.SubElement(parent, "outline", type="rss", text=name or clean_url)
        if name:
            outline.set("title", name)
        outline.set("xmlUrl", clean_url)
        if site_url:
            outline.set("htmlUrl", _NOT_XML.sub("", site_url))
        if tags:
            outline.set("category", ",".join("/" + tag for tag in tags))
        if interval is not None:
            outline.set(f"{{{READER_NS}}}pollInterval", str(interval))
        if policy is not None:
            outline.set(f"{{{READER_NS}}}fulltext", policy)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))
