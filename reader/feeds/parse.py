"""Pure: feed document bytes + response headers -> ParsedFeed (feedparser), with item identity and content hash.

Choices (documented here because the store and the UI rely on them):
- Item identity (`ParsedItem.key`): the guid/id *as written in the document* (feedparser is given no base URL,
  so it cannot resolve a relative-looking guid against the feed URL and duplicate items when the feed moves),
  else the item link, else "sha1:" + hash of title and date. A verbatim repeat within one document is dropped
  (first wins); different stories sharing a key are told apart by guid + link, then position (`_distinct`).
- Dates: missing or unparseable -> None (`0000-00-00` included), and so is one more than a year after parsing
  (an absurd date, not a schedule). A date in the nearer future is kept as written: the reader shows it; the
  store clamps only the headline order (`sort_date`) to the time of storing, so it cannot pin an item on top.
- At most MAX_ITEMS items per document: the newest by date (undated items keep document order, after dated
  ones). Anything beyond is dropped, so a 20,000-item archive feed costs one parse, not a flooded database.
- Links: only absolute http(s) links survive (relative ones are joined to xml:base, then the feed URL);
  `javascript:`, `data:`, `file:` ... become None.
- Entities: a DOCTYPE with an internal subset is removed before parsing and a document that still declares
  entities is refused, so neither "billion laughs" expansion nor external entities (XXE) can happen.
"""

from __future__ import annotations

import calendar
import hashlib
import io
import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urljoin, urlsplit

import feedparser

from reader.errors import ParseError
from reader.feeds.enclosures import enclosures_from
from reader.models import ParsedFeed, ParsedItem
from reader.stories.terms import story_terms
from reader.textsafe import clean_block, clean_text, is_safe, plain_text

MAX_ITEMS = 5000
TITLE_LIMIT = 1000
AUTHOR_LIMIT = 300
BLOCK_LIMIT = 1_000_000  # characters of summary or content kept per item
KEY_LIMIT = 512  # longer guids/links are hashed into a key

# A DOCTYPE, with its internal subset if it has one. The subset ends at the first "]" followed by ">".
_DOCTYPE = re.compile(rb"<!DOCTYPE\b(?:[^\[>]*)(?:\[.*?\]\s*)?>", re.IGNORECASE | re.DOTALL)
_ENTITY_DECL = re.compile(rb"<!ENTITY\b", re.IGNORECASE)
_XML_DECL_ENCODING = re.compile(rb"^(<\?xml[^>]*?encoding\s*=\s*)(['\"])[^'\"]*\2")
_TTL = re.compile(rb"<ttl>\s*(\d{1,9})\s*</ttl>", re.IGNORECASE)
# Every character textsafe.clean_block removes or rewrites (a superset): text without any is already clean.
_NEEDS_CLEANING = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb]"
)
_EBCDIC_XML = b"\x4c\x6f\xa7\x94"  # "<?xm" in EBCDIC: feedparser would decode it; nobody publishes it

# feedparser resolves ids (RSS guids, Atom ids) against the base URL and xml:base; an item's identity must be
# the text as written, or items duplicate when a feed moves. Links are still resolved (we join them again).
feedparser.mixin._FeedParserMixin.can_be_relative_uri = frozenset(
    feedparser.mixin._FeedParserMixin.can_be_relative_uri - {"id"}
)


def parse_feed(
    body: bytes,
    url: str,
    headers: Mapping[str, str],
    *,
    now: datetime | None = None,
    fast_path: bool = True,
    stories: bool = True,
) -> ParsedFeed:
    """Parse one feed document; raise ParseError when nothing usable comes out. With `stories`, each item
    carries what story grouping compares (its `story_terms`: made here, in the parse worker).

    Plain, well-formed UTF-8 RSS 2.0 (most feeds) is read with lxml, five times faster than feedparser, into
    the same fields feedparser would give (tests/test_parse.py compares the two); anything else, or anything
    unusual inside it, goes to feedparser.
    """
    now = now or datetime.now(UTC)
    body, headers = _defuse(body, headers)
    fast = _fast_rss(body, headers) if fast_path else None
    feed: Mapping[str, Any]
    entries: Sequence[Any]
    if fast is not None:
        feed, entries = fast
        warning = None
    else:
        feed, entries, warning = _feedparser(body, headers)
    items = _distinct([_item(entry, url, now, stories) for entry in entries])
    if len(items) > MAX_ITEMS:
        items = _newest(items, MAX_ITEMS)
    return ParsedFeed(
        title=clean_text(feed.get("title"), TITLE_LIMIT) or None,
        site_url=_safe_link(feed.get("link"), url),
        items=tuple(items),
        ttl_minutes=_ttl(feed.get("ttl")),
        warning=clean_text(warning, 300) or None,
    )


def _distinct(items: list[ParsedItem]) -> list[ParsedItem]:
    """Give every distinct story its own key; drop verbatim repeats (the first copy wins).

    Publishers reuse one guid for different stories. As Miniflux does, identity then falls back to the guid
    with the link, then to the position (counted from the oldest, which new stories do not displace) among
    the items still sharing a key. Each re-keyed item keeps the plain key as its `alias`: the store gives
    the row stored under it (before the guid was reused) to the item with the same link, so that story keeps
    its identity, read and saved flags. Deterministic for a given document: a second poll of it adds nothing.
    """
    groups: dict[str, list[int]] = {}
    kept: list[ParsedItem] = []
    repeats: set[tuple[str, str]] = set()
    for item in items:
        if (item.key, item.content_hash) in repeats:
            continue  # the same story again, verbatim
        repeats.add((item.key, item.content_hash))
        groups.setdefault(item.key, []).append(len(kept))
        kept.append(item)
    if len(groups) == len(kept):
        return kept
    taken = set(groups)
    for key, members in groups.items():
        if len(members) < 2:
            continue
        # Each member gets guid + link; links still shared fall back to their position.
        by_link: dict[str, list[int]] = {}
        for i in members:
            item = kept[i]
            link_key = _fit_key(f"{key} {item.link}") if item.link and item.link != key else key
            by_link.setdefault(link_key, []).append(i)
        for link_key, same in by_link.items():
            if len(same) == 1 and link_key not in taken:
                taken.add(link_key)
                kept[same[0]] = replace(kept[same[0]], key=link_key, alias=key)
                continue
            n = 0
            for i in reversed(same):  # counted from the oldest, which new stories do not displace
                n += 1
                while (new_key := _fit_key(f"{link_key} #{n}")) in taken:
                    n += 1
                taken.add(new_key)
                kept[i] = replace(kept[i], key=new_key, alias=key)
    return kept


def _fit_key(key: str) -> str:
    return key if len(key) <= KEY_LIMIT else "sha1:" + _sha1(key)


def _feedparser(body: bytes, headers: Mapping[str, str]) -> tuple[Mapping[str, Any], list[Any], str | None]:
    try:
        # A file-like object: feedparser treats str/bytes that look like a path or URL as one to open.
        # No content-location: without a base URL feedparser keeps guids as written (see module docstring).
        d = feedparser.parse(
            io.BytesIO(body),
            response_headers={k.lower(): v for k, v in headers.items() if k.lower() != "content-location"},
            sanitize_html=False,  # the UI turns HTML into text itself; sanitising costs a third of the parse
            resolve_relative_uris=False,  # we resolve item links ourselves (urljoin)
        )
    except Exception as exc:  # feedparser raises on some character references (feedparser#591/#599)
        raise ParseError(f"unparseable feed: {_reason(exc)}") from exc
    entries = d.get("entries") or []
    if not entries and not d.get("version"):
        raise ParseError("not a feed (no RSS or Atom document found)")
    if d.get("bozo") and not entries:
        raise ParseError(f"malformed feed: {_reason(d.get('bozo_exception'))}")
    warning = f"malformed feed, entries kept: {_reason(d.get('bozo_exception'))}" if d.get("bozo") else None
    return d.get("feed") or {}, entries, warning


# --- the lxml fast path for plain RSS 2.0 ----------------------------------------------------------------

_DC = "{http://purl.org/dc/elements/1.1/}"
_CONTENT_ENCODED = "{http://purl.org/rss/1.0/modules/content/}encoded"
# Item children that feed none of our fields in feedparser either (anything else: use feedparser).
_IGNORED = frozenset(
    {
        "category",
        "comments",
        "source",
        "{http://wellformedweb.org/CommentAPI/}commentRss",
        "{http://purl.org/rss/1.0/modules/slash/}comments",
    }
)
_TEXT_FIELDS = {
    "title": "title",
    "link": "link",
    "guid": "id",
    "pubDate": "published",
    "description": "summary",
    "author": "author",
    _DC + "creator": "author",
    _DC + "date": "updated",
    _CONTENT_ENCODED: "content",
}
_XML_DECL = re.compile(rb"^<\?xml[^>]*?encoding\s*=\s*[\"']([A-Za-z0-9._-]+)[\"']")
_RSS_START = re.compile(rb"^(?:\xef\xbb\xbf)?\s*(?:<\?xml[^>]*>\s*)?<rss[\s>]")
_LXML_PARSER: Any = None


def _fast_rss(body: bytes, headers: Mapping[str, str]) -> tuple[dict[str, Any], list[dict[str, Any]]] | None:
    """Plain RSS 2.0 in UTF-8 -> (feed, entries) shaped like feedparser's; None when in any doubt."""
    if (
        not _RSS_START.match(body[:512])
        or b"xml:base" in body
        or b"<!" in body[:4096].replace(b"<![CDATA[", b"")
    ):
        return None
    m = _XML_DECL.match(body)
    if m and m.group(1).lower() not in (b"utf-8", b"utf8"):
        return None
    ctype = (headers.get("content-type") or headers.get("Content-Type") or "").lower()
    charset = ctype.partition("charset=")[2].strip(" \"';")
    if charset not in ("", "utf-8", "utf8") or (ctype.startswith("text/") and not charset):
        return None  # RFC 3023 rules (text/* without charset is ASCII) are feedparser's business
    global _LXML_PARSER
    if _LXML_PARSER is None:
        from lxml import etree

        _LXML_PARSER = etree.XMLParser(
            resolve_entities=False,
            no_network=True,
            load_dtd=False,
            huge_tree=False,
            remove_comments=True,
            remove_pis=True,
        )
    try:
        from lxml import etree

        root = etree.fromstring(body, _LXML_PARSER)
    except Exception:  # not well-formed (or anything else): feedparser's loose parser will try
        return None
    channel = root.find("channel") if root.tag == "rss" else None
    if channel is None or len(root) != 1:
        return None
    feed: dict[str, Any] = {}
    for tag in ("title", "link", "ttl"):
        el = channel.find(tag)
        if el is not None:
            if len(el):
                return None
            feed[tag] = (el.text or "").strip()
    entries = []
    for item in channel.iterchildren("item"):
        entry = _fast_item(item)
        if entry is None:
            return None
        entries.append(entry)
    return feed, entries


def _fast_item(item: Any) -> dict[str, Any] | None:
    entry: dict[str, Any] = {}
    permalink = False
    for child in item:
        tag = child.tag
        if tag in _IGNORED:
            continue
        if tag == "enclosure":
            if len(child):
                return None
            entry.setdefault("enclosures", []).append(
                {"href": child.get("url"), "type": child.get("type"), "length": child.get("length")}
            )
            continue
        field = _TEXT_FIELDS.get(tag)
        if field is None or field in entry or len(child):
            return None  # unknown element, a repeated field, or markup inside: feedparser knows best
        text = (child.text or "").strip()
        if field == "content":
            entry[field] = [{"value": text}]
            continue
        entry[field] = text
        if field == "id":
            permalink = child.get("isPermaLink", "true").lower() == "true"
        elif field in ("published", "updated"):
            entry[field + "_parsed"] = feedparser.datetimes._parse_date(text) if text else None
    if permalink and entry.get("id") and "link" not in entry:
        entry["link"] = entry["id"]  # as feedparser does: a permalink guid is the item's link
    return entry


def sniff_ttl(body: bytes) -> int | None:
    """RSS <ttl> in minutes without a full parse (for a body we skip parsing because it has not changed)."""
    m = _TTL.search(body, 0, 64 * 1024) or _TTL.search(body)
    return _ttl(m.group(1).decode()) if m else None


_CHARREF = re.compile(rb"&#(?:[xX]([0-9a-fA-F]{1,8})|([0-9]{1,10}));")


def _no_surrogate(m: re.Match[bytes]) -> bytes:
    value = int(m.group(1), 16) if m.group(1) else int(m.group(2))
    return b"&#xFFFD;" if 0xD800 <= value <= 0xDFFF or value > 0x10FFFF else m.group(0)


def _defuse(body: bytes, headers: Mapping[str, str]) -> tuple[bytes, Mapping[str, str]]:
    """Remove DOCTYPE internal subsets; refuse documents that still declare entities.

    The byte regexes need an ASCII-compatible encoding, so UTF-16/32 documents are transcoded to UTF-8 first.
    """
    head = body[:4]
    if head.startswith(_EBCDIC_XML):
        raise ParseError("unsupported encoding (EBCDIC)")
    if b"\x00" in body[:64] or head[:2] in (b"\xff\xfe", b"\xfe\xff"):
        body = _to_utf8(body)
        headers = {k: v for k, v in headers.items() if k.lower() != "content-type"}
        headers["content-type"] = "application/xml; charset=utf-8"
    if b"&#" in body:
        # A character reference to a lone surrogate makes feedparser fail the whole document.
        body = _CHARREF.sub(_no_surrogate, body)
    if b"<!" in body:
        body = _DOCTYPE.sub(b"", body)
        if _ENTITY_DECL.search(body):
            raise ParseError("refusing a document that declares XML entities")
    return body, headers


def _to_utf8(body: bytes) -> bytes:
    for bom, codec in (
        (b"\x00\x00\xfe\xff", "utf-32-be"),
        (b"\xff\xfe\x00\x00", "utf-32-le"),
        (b"\xfe\xff", "utf-16-be"),
        (b"\xff\xfe", "utf-16-le"),
    ):
        if body.startswith(bom):
            text = body[len(bom) :].decode(codec, "replace")
            break
    else:
        # No BOM: guess the width and byte order from where the NULs sit around "<".
        probe = body[:4]
        if probe[:3] == b"\x00\x00\x00":
            codec = "utf-32-be"
        elif probe[1:4] == b"\x00\x00\x00":
            codec = "utf-32-le"
        elif probe[:1] == b"\x00":
            codec = "utf-16-be"
        else:
            codec = "utf-16-le"
        text = body.decode(codec, "replace")
    data = text.encode("utf-8")
    return _XML_DECL_ENCODING.sub(rb"\1\2utf-8\2", data, count=1)


def _item(entry: Any, feed_url: str, now: datetime, stories: bool = True) -> ParsedItem:
    # dict.get: FeedParserDict.get maps a missing "updated" to "published" with a DeprecationWarning (slow).
    get = dict.get
    raw_guid = get(entry, "id") or ""
    guid = raw_guid.strip() or None
    title_raw = get(entry, "title") or ""
    link = _safe_link(get(entry, "link"), feed_url)
    published_raw = get(entry, "published") or ""
    updated_raw = get(entry, "updated") or ""
    published = _date(get(entry, "published_parsed"), now)
    updated = _date(get(entry, "updated_parsed"), now)
    if published is None:
        published = updated
    summary_raw = get(entry, "summary") or ""
    content_raw = ""
    for part in get(entry, "content") or ():
        value = part.get("value") or ""
        if len(value) > len(content_raw):
            content_raw = value
    if content_raw and content_raw == summary_raw:
        summary_raw = ""  # feedparser copies Atom content into summary when there is no summary
    author = _line(get(entry, "author"), AUTHOR_LIMIT) or None
    title = _line(title_raw, TITLE_LIMIT) or "(untitled)"
    summary = _block(summary_raw)
    content = _block(content_raw)

    if guid:
        key = guid
    elif link:
        key = link
    else:
        key = "sha1:" + _sha1(title_raw, published_raw or updated_raw)
    key = _fit_key(key)
    enclosures = enclosures_from(entry.get("enclosures"), lambda href: _safe_link(href, feed_url))
    content_hash = _sha1(
        title,
        link or "",
        summary or "",
        content or "",
        published_raw,
        updated_raw,
        author or "",
        *(e.url for e in enclosures),  # nothing for an item without files: its hash is as before
    )
    text = plain_text(content or summary)
    terms = None
    if stories:
        # Story grouping reads the lead of the summary (it says what happened), else the body's; only for
        # a headline that says little (the summary's plain text is made only then).
        terms = story_terms(title, (lambda: plain_text(summary)) if summary and content else text)
    return ParsedItem(
        key=key,
        title=title,
        link=link,
        guid=_line(guid, KEY_LIMIT) or None if guid else None,
        author=author,
        summary=summary,
        content=content,
        published=published,
        updated=updated,
        content_hash=content_hash,
        search_text=text,  # here, in the parse worker, not in the store's thread
        story_terms=terms,  # likewise: what story grouping compares
        enclosures=enclosures,
    )


def _block(text: str) -> str | None:
    if not text:
        return None
    text = text[:BLOCK_LIMIT]
    return (clean_block(text) if _NEEDS_CLEANING.search(text) else text) or None


def _line(text: str | None, limit: int) -> str:
    """clean_text(text, limit), skipping its slow path for text that holds nothing it would remove."""
    if not text:
        return ""
    if len(text) <= limit and not _NEEDS_CLEANING.search(text):
        return " ".join(text.split())
    return clean_text(text, limit)


def _safe_link(link: object, base: str) -> str | None:
    """An absolute http(s) link, or None."""
    if not isinstance(link, str):
        return None
    link = link.strip()
    if not link:
        return None
    try:
        absolute = _join(base, link) if base else link
        parts = urlsplit(absolute)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    if any(ch in absolute for ch in "\x00\r\n\t ") or len(absolute) > 4096 or not is_safe(absolute):
        return None
    return absolute


def _join(base: str, link: str) -> str:
    """urljoin(base, link), without its cost for the common case: an absolute http(s) link that urljoin
    would give back unchanged (most items' links; urljoin parses both URLs and rebuilds the link, ~10 us).

    urljoin returns an absolute link with another scheme than the base's as it is, and one with the same
    scheme rebuilt from its parts; the rebuilt link is the link itself unless it has a tab, CR or LF (which
    urlsplit removes), a ";" (path parameters), a "#" or a "?" with nothing after it (empty parts are
    dropped). tests/unit/test_parse.py checks this against urljoin itself."""
    if link.startswith("http://"):
        scheme = "http"
    elif link.startswith("https://"):
        scheme = "https"
    else:
        return urljoin(base, link)
    netloc = urlsplit(link).netloc  # (raises ValueError where urljoin would)
    if base.partition(":")[0].lower() != scheme:
        return link
    if "#" in link or ";" in link or "\t" in link or "\r" in link or "\n" in link or link.endswith("?"):
        return urljoin(base, link)
    return link if netloc and base.startswith(scheme + ":") else urljoin(base, link)


_FUTURE_LIMIT = timedelta(days=366)


def _date(value: object, now: datetime) -> datetime | None:
    """feedparser's UTC struct_time -> aware datetime; None when absent, impossible or over a year ahead."""
    if not isinstance(value, time.struct_time | tuple):
        return None
    try:
        dt = datetime.fromtimestamp(calendar.timegm(value), UTC)
    except (OverflowError, ValueError, OSError, TypeError):
        return None
    if dt.year < 1971:  # `0000-00-00` and friends: a placeholder, not a date
        return None
    if dt > now + _FUTURE_LIMIT:  # year 9999 and friends: a typo or a placeholder, not a publication date
        return None
    return dt


def _ttl(value: object) -> int | None:
    try:
        minutes = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return minutes if 0 < minutes <= 60 * 24 * 365 else None


def _newest(items: list[ParsedItem], limit: int) -> list[ParsedItem]:
    epoch = datetime.min.replace(tzinfo=UTC)
    order = sorted(
        range(len(items)),
        key=lambda i: (items[i].published is not None, items[i].published or epoch, -i),
        reverse=True,
    )
    return [items[i] for i in sorted(order[:limit])]


def _sha1(*parts: str) -> str:
    """SHA-1 of the parts, each followed by a NUL (one encode, one update: the same bytes as part by part)."""
    data = "\x00".join(parts) + "\x00"
    return hashlib.sha1(data.encode("utf-8", "surrogatepass"), usedforsecurity=False).hexdigest()


def _reason(exc: object) -> str:
    if exc is None:
        return "unknown error"
    text = str(exc) or type(exc).__name__
    return clean_text(f"{text}", 200)
