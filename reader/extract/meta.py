"""Find a page's title, byline and publication date in its meta tags, JSON-LD and markup."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

from lxml.html import HtmlElement

from reader.frozen import Frozen, value_type
from reader.textsafe import clean_text

ARTICLE_TYPES = frozenset(
    [
        "article",
        "newsarticle",
        "blogposting",
        "reportagenewsarticle",
        "analysisnewsarticle",
        "opinionnewsarticle",
        "reviewnewsarticle",
        "backgroundnewsarticle",
        "techarticle",
        "scholarlyarticle",
        "report",
        "liveblogposting",
        "socialmediaposting",
        "webpage",
    ]
)
_MAX_JSON = 1_000_000
_MAX_JSON_NODES = 5000
_TITLE_SEPARATORS = (" | ", " - ", " — ", " – ", " :: ", " / ", " · ", " » ")
_BY = re.compile(r"^\s*(?:by|von|par|por|door|di)\s+", re.I)


@value_type
class Meta(Frozen):
    """What the page says about itself."""

    title: str | None
    byline: str | None
    published: datetime | None
    site_name: str | None
    article_body: str | None = None  # JSON-LD articleBody (often truncated): checks the text, is not it


MAX_ARTICLE_BODY = 200_000


def _meta(doc: HtmlElement) -> dict[str, str]:
    """First value of each <meta name|property|itemprop> (lower-cased key)."""
    found: dict[str, str] = {}
    for el in doc.iter("meta"):
        key = el.get("property") or el.get("name") or el.get("itemprop")
        value = el.get("content")
        if key and value and value.strip():
            found.setdefault(key.strip().lower(), value.strip())
    return found


# JSON-LD blocks found in the raw page (readability's cleaner drops scripts before we see its tree). The lazy
# body stops at the first </script>; no nested quantifiers, so it is linear in the page size.
_JSON_LD = re.compile(r"<script\b[^>]{0,300}application/ld\+json[^>]{0,300}>(.*?)</script", re.I | re.S)


def json_ld_blocks(page: str) -> list[str]:
    """The text of the page's JSON-LD script blocks (at most 20)."""
    return [m.group(1) for _, m in zip(range(20), _JSON_LD.finditer(page), strict=False)]


def _json_ld(doc: HtmlElement, blocks: list[str] | None) -> list[dict[str, Any]]:
    """Article-like objects from JSON-LD blocks (flattening @graph and lists), bounded in size and count."""
    objects: list[dict[str, Any]] = []
    if blocks is None:
        blocks = [
            s.text or ""
            for s in doc.iter("script")
            if (s.get("type") or "").strip().lower() == "application/ld+json"
        ]
    for raw in blocks:
        if not raw.strip() or len(raw) > _MAX_JSON:
            continue
        try:
            data = json.loads(raw)
        except (ValueError, RecursionError):
            continue
        stack: list[Any] = [data]
        seen = 0
        while stack and seen < _MAX_JSON_NODES:
            node = stack.pop()
            seen += 1
            if isinstance(node, list):
                stack.extend(reversed(node))
            elif isinstance(node, dict):
                types = node.get("@type")
                names = types if isinstance(types, list) else [types]
                if any(isinstance(t, str) and t.lower() in ARTICLE_TYPES for t in names):
                    objects.append(node)
                graph = node.get("@graph")
                if isinstance(graph, list):
                    stack.extend(reversed(graph))
    # Prefer real article types over a generic WebPage.
    objects.sort(key=lambda o: str(o.get("@type", "")).lower() == "webpage")
    return objects


def _names(value: Any) -> list[str]:
    """Person names from a JSON-LD author value (string, object, or list of them)."""
    out: list[str] = []
    items = value if isinstance(value, list) else [value]
    for item in items[:10]:
        if isinstance(item, str):
            out.append(item)
        elif isinstance(item, dict):
            name = item.get("name")
            if isinstance(name, str):
                out.append(name)
    return [n for n in (clean_text(x, 120) for x in out) if n and not n.startswith(("http://", "https://"))]


def parse_date(value: str | None) -> datetime | None:
    """An aware UTC datetime from ISO 8601 or RFC 2822 text, or None."""
    if not value or not isinstance(value, str):
        return None
    value = value.strip()[:64]
    parsed: datetime | None = None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00") if value.endswith("Z") else value)
    except ValueError:
        try:
            parsed = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            match = re.match(r"(\d{4})-(\d{2})-(\d{2})", value)
            if match:
                try:
                    parsed = datetime(int(match[1]), int(match[2]), int(match[3]))
                except ValueError:
                    return None
    if parsed is None or not 1990 <= parsed.year <= 2100:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    try:
        return parsed.astimezone(UTC)
    except (OverflowError, ValueError):
        return None


def _trim_site_name(title: str, site_name: str | None) -> str:
    """'Story title | Site' -> 'Story title', keeping the longest part when the title has separators."""
    for sep in _TITLE_SEPARATORS:
        if sep in title:
            parts = [p.strip() for p in title.split(sep) if p.strip()]
            if site_name:
                kept = [p for p in parts if p.lower() != site_name.lower()]
                if kept and len(kept) < len(parts):
                    return sep.join(kept)
            longest = max(parts, key=len, default=title)
            if len(longest.split()) >= 3:
                return longest
    return title


def page_meta(doc: HtmlElement, json_ld: list[str] | None = None) -> Meta:
    """Title, byline, date and site name of a parsed page (before readability changes anything).

    `json_ld` gives the JSON-LD blocks when `doc` no longer has its scripts.
    """
    meta = _meta(doc)
    ld = _json_ld(doc, json_ld)
    site_name = clean_text(meta.get("og:site_name"), 200) or None

    title = None
    for obj in ld:
        if isinstance(obj.get("headline"), str):
            title = obj["headline"]
            break
    title = title or meta.get("og:title") or meta.get("twitter:title") or meta.get("dc.title")
    if not title:
        h1s = [h for h in doc.iter("h1")][:2]
        if len(h1s) == 1:
            title = h1s[0].text_content()
    if not title:
        el = doc.find(".//title")
        if el is not None and el.text:
            title = _trim_site_name(" ".join(el.text.split()), site_name)
    title = clean_text(title, 300) or None

    names: list[str] = []
    for obj in ld:
        names = _names(obj.get("author")) or _names(obj.get("creator"))
        if names:
            break
    if not names:
        for key in ("author", "article:author", "dc.creator", "byl", "parsely-author", "sailthru.author"):
            names = _names(meta.get(key))
            if names:
                break
    if not names:
        for el in doc.xpath(
            "(//*[@rel='author'] | //*[@itemprop='author'] | //*[contains(@class,'byline')])[position()<=1]"
        ):
            # itertext, not text_content: "<a>Lucas Nolan</a><time>22 Dec</time>" must not glue together.
            names = _names(" ".join(el.itertext()))
    byline = clean_text(_BY.sub("", ", ".join(dict.fromkeys(names))), 200) or None

    published = None
    for obj in ld:
        published = parse_date(obj.get("datePublished")) or parse_date(obj.get("dateCreated"))
        if published:
            break
    for key in (
        "article:published_time",
        "og:published_time",
        "datepublished",
        "publishdate",
        "pubdate",
        "date",
        "dc.date.issued",
        "dc.date",
        "sailthru.date",
        "parsely-pub-date",
    ):
        if published:
            break
        published = parse_date(meta.get(key))
    if not published:
        for el in doc.iter("time"):
            published = parse_date(el.get("datetime"))
            break
    body = None
    for obj in ld:
        value = obj.get("articleBody") or obj.get("text")
        if isinstance(value, str) and value.strip():
            body = value[:MAX_ARTICLE_BODY]
            break
    return Meta(title=title, byline=byline, published=published, site_name=site_name, article_body=body)
