"""The article pane: a header (title, feed, byline, date, reading time, link, which text) over the Markdown."""

from __future__ import annotations

from datetime import datetime

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.content import Content
from textual.widgets import Static

from reader.attachments import with_attachments
from reader.models import Article, Item
from reader.patterns import lazy_pattern
from reader.textsafe import clean_block
from reader.ui.identifiers import link_identifiers
from reader.ui.links import ArticleImage, article_images, number_links
from reader.ui.text import byline_text, display_title, safe

_not_word = lazy_pattern(r"[\W_]+")


def _date(when: datetime | None) -> str:
    return when.strftime("%a %d %b %Y, %H:%M UTC") if when else ""


def _words(title: str) -> str:
    return " ".join(_not_word().sub(" ", title.casefold()).split())


def page_title_worth_showing(item_title: str, page_title: str | None) -> bool:
    """The page's own title adds something only when it is not the feed's title over again (often with the
    site name appended, or cut short). When it is unrelated ("Access denied", "Home") it is a useful hint that
    the extraction went to the wrong page, so it is shown then too."""
    if not page_title:
        return False
    a, b = _words(item_title), _words(page_title)
    return bool(b) and a not in b and b not in a


def header_content(item: Item, article: Article | None) -> Content:
    """The article header, built from plain strings only: nothing from the feed is parsed as markup."""
    title = display_title(item.title, 500) or display_title(article.title if article else None, 500)
    title = title or "(untitled)"
    byline = byline_text((article.byline if article and article.byline else None) or item.author)
    meta = [safe(item.feed_title, 200)]
    if byline:
        meta.append(byline)
    published = item.published or (article.published if article else None) or item.first_seen
    meta.append(_date(published))
    if article and article.reading_minutes:
        meta.append(f"{article.reading_minutes} min read")
    parts: list[str | tuple[str, str]] = [(title, "bold")]
    page_title = article.title if article and article.source == "page" else None
    if page_title_worth_showing(item.title, page_title):
        parts += ["\n", ("Page title: " + safe(page_title, 300), "$text-muted italic")]
    parts += ["\n", (" · ".join(m for m in meta if m), "$text-muted")]
    if item.link:
        parts += ["\n", (safe(item.link, 500), "$text-muted underline")]
    if item.saved:
        parts += ["\n", ("★ Saved", "$warning")]
    return Content.assemble(*parts)


def source_line(article: Article, *, switched: bool, key: str, retry: bool) -> tuple[str, bool]:
    """One line saying which text is shown and why, with the key that switches it (`retry`: the full text
    failed to load and the key tries again); True when it warns (this is not the full text one expects)."""
    note = safe(article.note, 300)
    if article.source == "page":
        if note:
            return f"Full text from the page. {note} · {key}: the feed's text", True
        return f"Full text from the page · {key}: the feed's text", False
    if switched:
        return f"The feed's own text (you switched) · {key}: back to the full text", False
    if note and "feed" not in note.casefold():
        note = note.rstrip(".") + "; showing the feed's own text."
    line = note or "Showing the feed's own text."
    return (f"{line} · {key}: retry" if retry else line), True


class ArticleView(VerticalScroll, can_focus=True):
    """Shows one item. The screen decides what to show; this widget only renders it."""

    def __init__(self, *, id: str | None = None, link_identifiers: bool = True) -> None:
        super().__init__(id=id)
        self.link_identifiers = link_identifiers  # bills, rules, cases: links to their sources
        self.item_id: int | None = None
        self.link: str | None = None
        self._markdown = ""  # the body's text, kept until the Markdown widget is there to show it
        self._has_body = False
        self.links: list[str] = []  # the article's web links; link N is links[N - 1]
        self.images: list[ArticleImage] = []  # its images, in order (each one of the links too)

    def compose(self) -> ComposeResult:
        yield Static(Content("Open a headline to read it."), id="article-header")
        yield Static("", id="article-note")

    def on_mount(self) -> None:
        # The Markdown widget (with markdown-it and pygments) comes after the first paint: start-up shows
        # headlines, and no article is open yet.
        self.call_after_refresh(self._add_body)

    def _add_body(self) -> None:
        if self._has_body or not self.is_attached or self._closing:  # the app may be quitting
            return
        from textual.widgets import Markdown

        self._has_body = True
        body = Markdown(self._markdown, id="article-body", open_links=False)
        if self._header.styles.has_rule("max_width"):  # a width the reader chose (layout keys, config)
            body.styles.max_width = self._header.styles.max_width
        self.mount(body)

    @property
    def _header(self) -> Static:
        return self.query_one("#article-header", Static)

    @property
    def _note(self) -> Static:
        return self.query_one("#article-note", Static)

    def _set_body(self, markdown: str) -> None:
        self._markdown = markdown
        if not self._has_body:
            self._add_body()
            return
        from textual.widgets import Markdown

        self.query_one("#article-body", Markdown).update(markdown)

    @property
    def note_text(self) -> str:
        return str(self._note.content) if self._note.display else ""

    def action_scroll_home(self) -> None:
        self.scroll_home(animate=False, immediate=True)  # at once: an animated jump took most of a second

    def action_scroll_end(self) -> None:
        self.scroll_end(animate=False, immediate=True)

    def show_pending(self, item: Item) -> None:
        """A new item: its header now, its text when a worker has it; reading starts at the top."""
        self.item_id = item.id
        self.link = item.link
        self._header.update(header_content(item, None))
        self._set_note(None)
        self.images = []
        self._set_body("")
        self.scroll_home(animate=False, immediate=True)

    def show_loading(self, item: Item, *, scroll: bool = True) -> None:
        """The item's page is being fetched: header now, body once the text is ready."""
        self.item_id = item.id
        self.link = item.link
        self._header.update(header_content(item, None))
        self._set_note("Fetching full text…")
        self.links = []
        self.images = []
        self._set_body("")
        if scroll:
            self.scroll_home(animate=False, immediate=True)

    def show_article(
        self, item: Item, article: Article, note: tuple[str, bool] | None, *, new_item: bool = True
    ) -> None:
        """Show `article` under a (text, warns) note; when it replaces the same item's placeholder the
        position is left alone."""
        self.item_id = item.id
        self.link = item.link
        self._header.update(header_content(item, article))
        self._set_note(note[0] if note else None, warn=bool(note and note[1]))
        # The item's files (a podcast episode) first: link 1.
        source = clean_block(with_attachments(article, item.enclosures).markdown)
        if self.link_identifiers:
            source = link_identifiers(source)
        markdown, self.links = number_links(source)
        self.images = article_images(source, self.links, item.enclosures)
        self._set_body(markdown)
        if new_item:
            self.scroll_home(animate=False, immediate=True)

    def refresh_header(self, item: Item, article: Article | None) -> None:
        if item.id == self.item_id:
            self._header.update(header_content(item, article))

    def _set_note(self, note: str | None, *, warn: bool = False) -> None:
        self._note.update(Content(note or ""))
        self._note.set_class(warn, "-warn")
        self._note.display = bool(note)
