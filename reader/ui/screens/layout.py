"""Using the space: the headline/article split and the article's width (keys, config, remembered), `space`
going on to the next unread at an article's end, and the one status line focus mode keeps."""

from __future__ import annotations

from typing import Any

from textual import on
from textual.events import Mount

from reader.models import Article, Item, ViewKind
from reader.ui.screens.managing import ManagingScreen
from reader.ui.text import safe

HEADLINES_MIN, HEADLINES_MAX, HEADLINES_STEP = 15, 85, 5  # percent of the reading column
DEFAULT_HEADLINES, NARROW_HEADLINES = 40, 45  # as app.tcss has them
WIDTH_MIN, WIDTH_MAX, WIDTH_STEP = 40, 200, 8  # columns of article text


class LayoutScreen(ManagingScreen):
    """Pane sizes and focus mode's status line."""

    headlines_height: int | None = None  # None: the stylesheet's (40%, 45% on narrow terminals)
    article_width = 80

    @on(Mount)
    def _apply_saved_layout(self) -> None:
        prefs = getattr(self.app, "prefs", None)
        s = self.settings
        height = prefs.pick("headlines_height", s.headlines_height) if prefs else s.headlines_height
        width = prefs.pick("article_width", s.article_width) if prefs else s.article_width
        # The default split is left to the stylesheet (it differs on narrow terminals).
        chosen = None if height == DEFAULT_HEADLINES else _clamp(height, HEADLINES_MIN, HEADLINES_MAX)
        self._apply_layout(chosen, _clamp(width, WIDTH_MIN, WIDTH_MAX))
        self.watch(self.article, "scroll_y", self._show_reading, init=False)

    # ------------------------------------------------------------------ sizes

    def _apply_layout(self, height: int | None, width: int) -> None:
        self.headlines_height, self.article_width = height, width
        if height is not None:
            self.headlines.styles.height = f"{height}%"
        for part in ("#article-header", "#article-note", "#article-body"):
            for node in self.query(part):  # the body is mounted after the first paint: it copies the header's
                node.styles.max_width = width

    def _remember_layout(self, name: str, value: int, configured: int) -> None:
        prefs = getattr(self.app, "prefs", None)
        set_prefs = getattr(self.app, "set_prefs", None)
        if prefs is not None and set_prefs is not None:
            set_prefs(prefs.choose(name, value, configured))

    def _resize_headlines(self, step: int) -> None:
        current = self.headlines_height
        if current is None:
            current = NARROW_HEADLINES if self.has_class("narrow") else DEFAULT_HEADLINES
        height = _clamp(current + step, HEADLINES_MIN, HEADLINES_MAX)
        self._apply_layout(height, self.article_width)
        self._remember_layout("headlines_height", height, self.settings.headlines_height)
        self.status.set_notice(f"Headline pane {height}% of the height")

    def _resize_article(self, step: int) -> None:
        width = _clamp(self.article_width + step, WIDTH_MIN, WIDTH_MAX)
        self._apply_layout(self.headlines_height, width)
        self._remember_layout("article_width", width, self.settings.article_width)
        shown = min(width, max(1, self.article.scrollable_content_region.width))
        fits = "" if shown >= width else f" (the pane shows {shown})"
        self.status.set_notice(f"Article text at most {width} columns wide{fits}")

    def action_shrink_headlines(self) -> None:
        self._resize_headlines(-HEADLINES_STEP)

    def action_grow_headlines(self) -> None:
        self._resize_headlines(HEADLINES_STEP)

    def action_narrow_article(self) -> None:
        self._resize_article(-WIDTH_STEP)

    def action_widen_article(self) -> None:
        self._resize_article(WIDTH_STEP)

    # ------------------------------------------------------------------ space: page, then the next unread

    def action_page_down(self) -> None:
        """newsboat's habit: `space` pages the article and, at its end, goes on to the next unread item."""
        article = self.article
        if self.open_item is None:
            self.action_open()
        elif article.scroll_y >= article.max_scroll_y:
            self.action_next_unread()
        else:
            article.scroll_page_down(animate=False)

    # ------------------------------------------------------------------ focus mode's status line

    def _show_view_status(self) -> None:
        super()._show_view_status()
        self._show_reading()  # its unread count too (counts come from a worker, maybe after the key)

    def on_zen_changed(self, zen: bool) -> None:
        self._show_reading()
        if not zen:
            self.status.set_reading(None)

    def _show(self, item: Item, article: Article, **kw: Any) -> None:
        super()._show(item, article, **kw)
        self.call_after_refresh(self._show_reading)

    def _show_reading(self, *_: object) -> None:
        """In focus mode: the feed, how far through the article, and what is left unread."""
        if not self.zen:
            return
        item = self.open_item
        if item is None:
            self.status.set_reading("Nothing open · Esc leaves focus mode")
            return
        article = self.article
        end = article.max_scroll_y
        if end <= 0:
            where = "all on screen"
        elif article.scroll_y >= end:
            where = "end"
        elif article.scroll_y <= 0:
            where = "top"
        else:
            where = f"{round(100 * article.scroll_y / end)}%"
        parts = [safe(item.feed_title, 40), where]
        if not self.view.search and self.view.kind is not ViewKind.SAVED:
            unread = self._unread_in_view()
            if unread is not None:
                parts.append(f"{unread:,} unread")
        self.status.set_reading(" · ".join(parts))


def _clamp(value: Any, lo: int, hi: int) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return lo
    return max(lo, min(hi, number))
