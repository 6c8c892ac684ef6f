"""Feed text on its way to the screen: one safe line, relative ages, and feed HTML as readable Markdown."""

from __future__ import annotations

import re
from datetime import datetime

from reader.models import Article, Item
from reader.patterns import lazy_pattern
from reader.textsafe import clean_text


def safe(text: str | None, limit: int | None = None) -> str:
    """One line for a widget. The core already strips controls; we strip again at the widget boundary."""
    return clean_text(text, limit)


# Markup that survived in a title because the feed escaped it twice ("&lt;b&gt;HTML&lt;/b&gt;" arrives as
# "<b>HTML</b>"): only well-formed tags of letters, so "a < b and c > d" stays as written.
_tag = lazy_pattern(r"</?[A-Za-z][A-Za-z0-9]*(?:\s+[^<>]*)?/?>")


_entity = lazy_pattern(r"&(?:[A-Za-z][A-Za-z0-9]{1,31}|#[0-9]{1,7}|#[xX][0-9A-Fa-f]{1,6});")


_by = lazy_pattern(r"^\s*by\b[\s:]*", re.IGNORECASE)


def display_title(text: str | None, limit: int | None = None) -> str:
    """A headline as a reader should see it: safe, with doubly escaped tags and entities decoded."""
    if text and ("<" in text or "&" in text):
        if _tag().search(text):
            text = _tag().sub("", text)
        if _entity().search(text):
            from html import unescape  # (html.entities: imported when a title needs it)

            text = unescape(text)
    return safe(text, limit)


def byline_text(text: str | None) -> str:
    """A byline without its "By" (the header says whose it is); empty when that was all there was."""
    return _by().sub("", safe(text, 200))


def count_of(n: int, noun: str) -> str:
    """ "1 item", "2 items", "1,234 items"."""
    return f"{n:,} {noun}" if n == 1 else f"{n:,} {noun}s"


def quoted(title: str | None, limit: int = 40) -> str:
    """A title in quotes for a status line: “Short title…”."""
    return f"“{safe(title, limit) or 'untitled'}”"


def relative_age(when: datetime, now: datetime) -> str:
    """A short age (at most five cells): "now", "5m", "3h", "2d", "6w", "5mo", "2y"; a date ahead of `now` by a
    minute or more (a feed's future-dated item) reads "+3d", "+5h", "+11mo": never "now", which would hide it."""
    seconds = int((now - when).total_seconds())
    if seconds <= -60:
        return "+" + short_duration(-seconds)
    return short_duration(seconds)


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


def feed_article(item: Item, note: str | None) -> Article:
    """The feed's own content for an item, as an Article the article pane can show (never raw HTML)."""
    # Imported here, not at start-up: the extraction stack (readability, lxml) is not needed for the first paint.
    from reader.extract.pipeline import item_article

    return item_article(item, note)
