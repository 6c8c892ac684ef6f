"""Feed text on its way to the screen: one safe line, relative ages, and feed HTML as readable Markdown."""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable
from datetime import datetime
from typing import cast

import lxml.html
from lxml import etree

from reader.models import Article, Item
from reader.textsafe import clean_block, clean_text

_BLOCKS = (
    "p",
    "div",
    "li",
    "ul",
    "ol",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "blockquote",
    "pre",
    "tr",
    "table",
)
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>#|~])")
_BLANKS = re.compile(r"\n\s*\n+")

ArticleFromFeed = Callable[[str, str | None, str | None, str], Article]


def safe(text: str | None, limit: int | None = None) -> str:
    """One line for a widget. The core already strips controls; we strip again at the widget boundary."""
    return clean_text(text, limit)


def relative_age(when: datetime, now: datetime) -> str:
    """A short age (at most four cells): "now", "5m", "3h", "2d", "6w", "5mo", "2y"."""
    return short_duration(int((now - when).total_seconds()))


def short_duration(seconds: int) -> str:
    if seconds < 60:
        return "now"
    if seconds < 3600:
        return f"{seconds // 60}m"
    if seconds < 86400:
        return f"{seconds // 3600}h"
    days = seconds // 86400
    if days < 14:
        return f"{days}d"
    if days < 120:
        return f"{days // 7}w"
    if days < 365:
        return f"{days // 30}mo"
    return f"{days // 365}y"


def _local_html_to_markdown(fragment: str) -> str:
    """Plain paragraphs from HTML, every character escaped so the text cannot become Markdown syntax."""
    try:
        root = lxml.html.fragment_fromstring(fragment, create_parent="div")
    except (etree.ParserError, ValueError):
        return _escape(clean_block(fragment))
    for bad in root.xpath("//script|//style|//noscript"):
        bad.drop_tree()
    for el in root.iter("br"):
        el.tail = "\n" + (el.tail or "")
    for el in root.iter(*_BLOCKS):
        el.tail = "\n\n" + (el.tail or "")
    text = clean_block(root.text_content())
    paragraphs = [" ".join(p.split()) for p in _BLANKS.split(text)]
    return "\n\n".join(_escape(p) for p in paragraphs if p)


def _escape(text: str) -> str:
    return _MD_SPECIAL.sub(r"\\\1", text)


def _article_from_feed() -> ArticleFromFeed | None:
    """The extraction module's converter, once `reader.extract` provides it; None until then."""
    try:
        module = importlib.import_module("reader.extract")
    except ImportError:
        return None
    fn = getattr(module, "article_from_feed", None)
    return cast(ArticleFromFeed, fn) if callable(fn) else None


def feed_article(item: Item, note: str | None) -> Article:
    """The feed's own content for an item, as an Article the article pane can show (never raw HTML)."""
    html = item.content or item.summary or ""
    convert = _article_from_feed()
    if convert is not None and html:
        return convert(html, item.title, item.link, note or "")
    markdown = _local_html_to_markdown(html) if html else ""
    words = len(markdown.split())
    return Article(
        title=item.title,
        byline=item.author,
        published=item.published,
        markdown=markdown or "*This item has no text in the feed.*",
        text=markdown,
        word_count=words,
        reading_minutes=max(1, round(words / 230)) if words else 0,
        source="feed",
        note=note,
    )
