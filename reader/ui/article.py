"""The article pane: a header (title, feed, byline, date, reading time, link) over the cleaned Markdown."""

from __future__ import annotations

from datetime import datetime

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.content import Content
from textual.widgets import Markdown, Static

from reader.models import Article, Item
from reader.textsafe import clean_block
from reader.ui.text import safe


def _date(when: datetime | None) -> str:
    return when.strftime("%a %d %b %Y, %H:%M UTC") if when else ""


def header_content(item: Item, article: Article | None) -> Content:
    """The article header, built from plain strings only: nothing from the feed is parsed as markup."""
    title = safe((article.title if article and article.title else None) or item.title, 500) or "(untitled)"
    byline = safe((article.byline if article and article.byline else None) or item.author, 200)
    meta = [safe(item.feed_title, 200)]
    if byline:
        meta.append(byline)
    published = (article.published if article and article.published else None) or item.published
    if published or item.first_seen:
        meta.append(_date(published or item.first_seen))
    if article and article.reading_minutes:
        meta.append(f"{article.reading_minutes} min read")
    parts: list[str | tuple[str, str]] = [
        (title, "bold"),
        "\n",
        (" · ".join(m for m in meta if m), "$text-muted"),
    ]
    if item.link:
        parts += ["\n", (safe(item.link, 500), "$text-muted underline")]
    if item.saved:
        parts += ["\n", ("★ Saved", "$warning")]
    return Content.assemble(*parts)


class ArticleView(VerticalScroll, can_focus=True):
    """Shows one item. The screen decides what to show; this widget only renders it."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.item_id: int | None = None
        self.link: str | None = None

    def compose(self) -> ComposeResult:
        yield Static(Content("Open a headline to read it."), id="article-header")
        yield Static("", id="article-note")
        yield Markdown("", id="article-body", open_links=False)

    @property
    def _header(self) -> Static:
        return self.query_one("#article-header", Static)

    @property
    def _note(self) -> Static:
        return self.query_one("#article-note", Static)

    @property
    def _body(self) -> Markdown:
        return self.query_one("#article-body", Markdown)

    def show_empty(self, message: str) -> None:
        self.item_id = None
        self.link = None
        self._header.update(Content(message))
        self._set_note(None)
        self._body.update("")

    def show_loading(self, item: Item) -> None:
        """A new item: header now, body once the text is ready; reading position starts at the top."""
        self.item_id = item.id
        self.link = item.link
        self._header.update(header_content(item, None))
        self._set_note("Fetching full text…")
        self._body.update("")
        self.scroll_home(animate=False, immediate=True)

    def show_article(self, item: Item, article: Article, note: str | None, *, new_item: bool = True) -> None:
        """Show `article`; when it replaces the same item's placeholder the position is left alone."""
        self.item_id = item.id
        self.link = item.link
        self._header.update(header_content(item, article))
        self._set_note(note or (safe(article.note, 300) if article.note else None))
        self._body.update(clean_block(article.markdown))
        if new_item:
            self.scroll_home(animate=False, immediate=True)

    def refresh_header(self, item: Item, article: Article | None) -> None:
        if item.id == self.item_id:
            self._header.update(header_content(item, article))

    def _set_note(self, note: str | None) -> None:
        self._note.update(Content(note or ""))
        self._note.display = bool(note)
