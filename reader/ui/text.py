"""Feed text on its way to the screen: one safe line, relative ages, and feed HTML as readable Markdown."""

from __future__ import annotations

from datetime import datetime

from reader.models import Article, Item
from reader.textsafe import clean_text


def safe(text: str | None, limit: int | None = None) -> str:
    """One line for a widget. The core already strips controls; we strip again at the widget boundary."""
    return clean_text(text, limit)


def count_of(n: int, noun: str) -> str:
    """ "1 item", "2 items", "1,234 items"."""
    return f"{n:,} {noun}" if n == 1 else f"{n:,} {noun}s"


def quoted(title: str | None, limit: int = 40) -> str:
    """A title in quotes for a status line: “Short title…”."""
    return f"“{safe(title, limit) or 'untitled'}”"


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


def feed_article(item: Item, note: str | None) -> Article:
    """The feed's own content for an item, as an Article the article pane can show (never raw HTML)."""
    # Imported here, not at start-up: the extraction stack (readability, lxml) is not needed for the first paint.
    from reader.extract.pipeline import item_article

    return item_article(item, note)
