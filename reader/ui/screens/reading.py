"""Reading and marking: opening items, full text or the feed's text, links, saved/read marks and undo."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from textual import on, work
from textual.binding import Binding
from textual.worker import Worker

from reader.config.keys import DEFAULT_KEYS
from reader.models import Article, ArticleLoad, Headline, Item
from reader.ui.messages import ArticleFetching, ArticleLoaded
from reader.ui.screens.base import PanesScreen, Undo
from reader.ui.text import feed_article, quoted, safe
from reader.ui.widgets.article import source_line
from reader.ui.widgets.headlines import HeadlineList

if TYPE_CHECKING:
    from textual.widgets.markdown import Markdown  # imported when the first article is shown, not at start

FULLTEXT_OFF = "Full text is off for this feed; showing its own text."
NO_LINK = "This item has no link."


def is_web_link(url: str | None) -> bool:
    return bool(url) and urlsplit(url or "").scheme.lower() in ("http", "https")


class ReadingScreen(PanesScreen):
    """What happens to items: open, read, save, undo, follow links."""

    article_worker: Worker[None] | None = None  # the newest item's text on its way (tests wait on it)

    @on(HeadlineList.Selected)
    def _on_headline_selected(self, event: HeadlineList.Selected) -> None:
        self.open_headline(event.headline)

    def on_markdown_link_clicked(self, event: Markdown.LinkClicked) -> None:
        event.stop()
        # Article text is data: only web links act; mailto:, file:, ssh:, custom schemes do nothing.
        if is_web_link(event.href):
            self.open_in_browser(event.href)
        else:
            self.notify("Only web links open from articles.", markup=False, timeout=3)

    # ------------------------------------------------------------------ reading

    def action_open(self) -> None:
        headline = self.headlines.highlighted
        if headline is not None:
            self.open_headline(headline)

    def open_headline(self, headline: Headline) -> None:
        """Show the item at once (header, marks); its text comes from a worker (stored, or fetched)."""
        item = self.item(headline.id)
        if item is None:
            self.notify("That item is gone (removed with its feed).", markup=False, severity="warning")
            return
        if self.settings.mark_read_on_open and not item.read:
            self._set_read([(item.id, item.feed_id)], True)
            item = replace(item, read=True)
        self.open_item = item
        self.open_article = None
        self.page_article = None
        self.can_retry = False
        self.article.show_pending(item)
        self.article_worker = self._open_article(item)

    @work(thread=True, group="article", exit_on_error=False, description="loading the article")
    def _open_article(self, item: Item) -> None:
        """The stored text when there is one; else the feed's (no link, full text off) or the page's."""
        cached = self.services.cached_article(item.id)
        if cached is not None:
            self.post_message(ArticleLoaded(item.id, ArticleLoad(cached, None, from_cache=True), True))
        elif not item.link:
            self.post_message(ArticleLoaded(item.id, ArticleLoad(feed_article(item, NO_LINK), None), True))
        elif self.services.fulltext_policy(item.feed_id) == "off":
            self.post_message(
                ArticleLoaded(item.id, ArticleLoad(feed_article(item, FULLTEXT_OFF), None), True)
            )
        else:
            self.post_message(ArticleFetching(item.id))
            self._fetch(item, page=False)

    def _fetch(self, item: Item, *, page: bool) -> None:
        """(On a worker thread.) The page's text, or the feed's with a note saying why."""
        load = self.services.load_article(item.id, page=True) if page else self.services.load_article(item.id)
        if load.article is None:
            reason = safe(load.error, 200) or "unknown error"
            note = f"Couldn't get the full text ({reason}); showing the feed's text."
            self.post_message(
                ArticleLoaded(item.id, ArticleLoad(feed_article(item, note), load.error), True, retry=True)
            )
            return
        retry = load.error is not None and load.article.source == "feed"
        self.post_message(ArticleLoaded(item.id, load, True, retry=retry))

    @work(thread=True, group="article", exit_on_error=False, description="loading the article")
    def load_article(self, item: Item, page: bool = False) -> None:
        self._fetch(item, page=page)

    @work(thread=True, group="feed-text", exit_on_error=False, description="rendering the feed's text")
    def show_feed_text(
        self, item: Item, note: str | None, *, switched: bool = False, retry: bool = False
    ) -> None:
        load = ArticleLoad(feed_article(item, note), None)
        self.post_message(ArticleLoaded(item.id, load, True, retry=retry, switched=switched))

    @work(thread=True, group="offline-copy", exit_on_error=False, description="keeping an offline copy")
    def keep_offline_copy(self, item_id: int) -> None:
        if self.services.cached_article(item_id) is None:
            self.post_message(ArticleLoaded(item_id, self.services.load_article(item_id), False))

    def _show(
        self,
        item: Item,
        article: Article,
        *,
        new_item: bool = True,
        switched: bool = False,
        retry: bool = False,
    ) -> None:
        self.open_article = article
        self.can_retry = retry
        if article.source == "page":
            self.page_article = article
        note = source_line(article, switched=switched, key=self.key_for("toggle_source"), retry=retry)
        self.article.show_article(item, article, note, new_item=new_item)

    def key_for(self, binding_id: str) -> str:
        """The key shown in hints for a binding: the user's own when they remapped it."""
        keys = self.settings.keys.get(binding_id) or DEFAULT_KEYS.get(binding_id, "")
        first = keys.split(",")[0].strip()
        return self.app.get_key_display(Binding(first, "")) if first else binding_id

    def action_toggle_source(self) -> None:
        """Switch the open item between the page's full text and the feed's own text (for when extraction
        picked the wrong part of the page, or the feed's text reads better)."""
        item, shown = self.open_item, self.open_article
        if item is None:
            self.status.set_notice("Open an item first")
            return
        if shown is None:
            self.status.set_notice("Still fetching the full text")
            return
        if shown.source == "page":
            self.show_feed_text(item, None, switched=True)
        elif self.page_article is not None:
            self._show(item, self.page_article)
        elif self.can_retry:
            self.article.show_loading(item)  # the fetch failed: try again
            self.open_article = None
            self.load_article(item)
        elif not item.link:
            self.status.set_notice("This item has no link: the feed's text is all there is")
        else:
            # Full text is off for this feed, or the page's text looked thin: the reader asks for it anyway.
            self.article.show_loading(item)
            self.open_article = None
            self.load_article(item, page=True)

    @on(ArticleFetching)
    def _on_article_fetching(self, event: ArticleFetching) -> None:
        if self.open_item is not None and self.open_item.id == event.item_id and self.open_article is None:
            self.article.show_loading(self.open_item, scroll=False)

    @on(ArticleLoaded)
    def _on_article_loaded(self, event: ArticleLoaded) -> None:
        load, item = event.load, self.open_item
        if not event.for_display:
            if load.article is None:
                reason = safe(load.error, 200) or "unknown error"
                self.notify(f"No offline copy of the saved item: {reason}", markup=False, severity="warning")
            return
        if item is None or item.id != event.item_id or load.article is None:
            return  # stale: the user moved on while it loaded
        self._show(item, load.article, new_item=False, switched=event.switched, retry=event.retry)

    # ------------------------------------------------------------------ marks

    def _set_read(self, targets: Sequence[tuple[int, int]], read: bool) -> None:
        """Mark (item id, feed id) pairs read or unread: the screen shows it now, the writer stores it."""
        if not targets:
            return
        ids = [item_id for item_id, _ in targets]
        self.submit_mark("read", ids, read)
        if read:
            for item_id in ids:
                self.keep_in_view(item_id)
        many = len(ids) > 50
        for item_id in ids:
            self.headlines.pager.patch(item_id, read=read)
            if not many:
                self.headlines.refresh_headline(item_id)
            if self.open_item is not None and self.open_item.id == item_id:
                self.open_item = replace(self.open_item, read=read)
        if many:
            self.headlines.refresh()
        deltas: dict[int, int] = {}
        for _, feed_id in targets:
            deltas[feed_id] = deltas.get(feed_id, 0) + (-1 if read else 1)
        self.adjust_counts(deltas)

    def _set_saved(self, item_id: int, saved: bool) -> None:
        self.submit_mark("saved", [item_id], saved)
        self.headlines.pager.patch(item_id, saved=saved)
        self.headlines.refresh_headline(item_id)
        if self.open_item is not None and self.open_item.id == item_id:
            self.open_item = replace(self.open_item, saved=saved)
            self.article.refresh_header(self.open_item, self.open_article)
        self.adjust_counts({}, 1 if saved else -1)

    def _target(self) -> tuple[int, str | None] | None:
        """The item a mark applies to: the open one while reading it, else the highlighted headline."""
        if self.open_item is not None and (self.article.has_focus_within or self.has_class("zen")):
            return self.open_item.id, self.open_item.link
        headline = self.headlines.highlighted
        if headline is not None:
            return headline.id, headline.link
        if self.open_item is not None:
            return self.open_item.id, self.open_item.link
        return None

    def action_toggle_saved(self) -> None:
        target = self._target()
        item = self.item(target[0]) if target else None
        if item is None:
            return
        saved = not item.saved
        self._set_saved(item.id, saved)
        title = quoted(item.title)
        self.undo_stack.append(Undo("saved", (item.id,), saved, f"{'saved' if saved else 'unsaved'} {title}"))
        self.status.set_notice("Saved (u undoes)" if saved else "Unsaved (u undoes)")
        if saved and item.link:
            # Keep an offline copy: the Saved view must still read well without a network.
            self.keep_offline_copy(item.id)

    def action_toggle_read(self) -> None:
        target = self._target()
        item = self.item(target[0]) if target else None
        if item is None:
            return
        read = not item.read
        self._set_read([(item.id, item.feed_id)], read)
        what = f"marked {quoted(item.title)} {'read' if read else 'unread'}"
        self.undo_stack.append(Undo("read", (item.id,), read, what, (item.feed_id,)))
        self.status.set_notice(f"Marked {'read' if read else 'unread'} (u undoes)")

    def action_mark_view_read(self) -> None:
        unread = replace(self.query_view, unread_only=True, keep=())
        rows = [self.pending.apply(h) for h in self.store.headlines(unread, 0, -1)]
        targets = [(h.id, h.feed_id) for h in rows if not h.read]
        if not targets:
            self.status.set_notice("Nothing unread here")
            return
        self._set_read(targets, True)
        ids = tuple(i for i, _ in targets)
        what = f"marked {len(ids):,} read"
        self.undo_stack.append(Undo("read", ids, True, what, tuple(f for _, f in targets)))
        self.status.set_notice(f"Marked {len(ids):,} read (u undoes)")

    def action_undo(self) -> None:
        if not self.undo_stack:
            self.status.set_notice("Nothing to undo")
            return
        step = self.undo_stack.pop()
        if step.field == "read":
            if len(step.feeds) == len(step.ids):
                targets = list(zip(step.ids, step.feeds, strict=True))
            else:  # a step recorded without its feeds: look them up (a story's few items)
                items = (self.item(i) for i in step.ids)
                targets = [(it.id, it.feed_id) for it in items if it is not None]
            self._set_read(targets, not step.value)
        else:
            for item_id in step.ids:
                self._set_saved(item_id, not step.value)
        self.status.set_notice(f"Undone: {step.what}")

    def _jump_unread(self, step: int) -> None:
        # From the highlighted row (the open item while reading), in the view's order: one indexed query
        # however far away the next unread item is (skipping items marked read on their way to the store).
        current = self.headlines.highlighted
        ref = current.id if current else None
        unfolded = self.headlines.pager.unfolded_at(self.headlines.cursor)
        if unfolded is not None and current is not None and current.id != unfolded.lead:
            ref = unfolded.lead  # on another outlet's version shown beneath its story's row: from that row
        found = None
        for _ in range(100):
            found = self.store.next_unread(self.query_view, ref, step)
            if found is None or self.pending.read(found[1].id) is not True:
                break
            ref = found[1].id
        if found is None or self.pending.read(found[1].id) is True:
            self.status.set_notice("No more unread items " + ("below" if step > 0 else "above"))
            return
        index, headline = found
        cached = self.headlines.pager.index_of_cached(headline.id)
        if cached is not None:
            index = cached
        elif index >= self.headlines.pager.base_total:  # new items arrived since the list was read
            self.reload_headlines()
            index = self.headlines.pager.display_index(index)
        else:
            index = self.headlines.pager.display_index(index)
        self.headlines.move_to(index)
        self.open_headline(headline)

    def action_next_unread(self) -> None:
        self._jump_unread(1)

    def action_prev_unread(self) -> None:
        self._jump_unread(-1)

    # ------------------------------------------------------------------ links

    def _link(self) -> str | None:
        target = self._target()
        return target[1] if target else None

    def action_open_browser(self) -> None:
        link = self._link()
        if not is_web_link(link):
            self.status.set_notice("This item has no web link")
            return
        assert link is not None
        self.open_in_browser(link)

    def open_in_browser(self, url: str) -> None:
        self._browser(url)
        self.status.set_notice("Opened in the browser")

    @work(thread=True, group="browser", exit_on_error=False, description="opening the browser")
    def _browser(self, url: str) -> None:
        import webbrowser  # not needed at start-up

        webbrowser.open(url)

    def action_copy_link(self) -> None:
        link = self._link()
        if not link:
            self.status.set_notice("This item has no link")
            return
        self.app.copy_to_clipboard(safe(link))
        self.status.set_notice("Link copied")
