"""Reading and marking: opening items, full text or the feed's text, links, saved/read marks and undo."""

from __future__ import annotations

import webbrowser
from collections.abc import Sequence
from dataclasses import replace
from urllib.parse import urlsplit

from textual import on, work
from textual.binding import Binding
from textual.widgets import Markdown

from reader.config.keys import DEFAULT_KEYS
from reader.models import Article, Headline, Item, ViewKind
from reader.ui.messages import ArticleLoaded
from reader.ui.screens.base import PanesScreen, Undo
from reader.ui.text import feed_article, safe
from reader.ui.widgets.article import source_line
from reader.ui.widgets.headlines import HeadlineList

FULLTEXT_OFF = "Full text is off for this feed; showing its own text."
NO_LINK = "This item has no link."


def is_web_link(url: str | None) -> bool:
    return bool(url) and urlsplit(url or "").scheme.lower() in ("http", "https")


class ReadingScreen(PanesScreen):
    """What happens to items: open, read, save, undo, follow links."""

    @on(HeadlineList.Selected)
    def _on_headline_selected(self, event: HeadlineList.Selected) -> None:
        self.open_headline(event.headline)

    @on(Markdown.LinkClicked)
    def _on_link(self, event: Markdown.LinkClicked) -> None:
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
        item = self.store.item(headline.id)
        if item is None:
            self.notify("That item is gone (removed with its feed).", markup=False, severity="warning")
            return
        if self.settings.mark_read_on_open and not item.read:
            self._set_read([item.id], True)
            item = replace(item, read=True)
        self.open_item = item
        self.open_article = None
        self.page_article = None
        cached = self.services.cached_article(item.id)
        if cached is not None:
            self._show(item, cached)
        elif not item.link:
            self._show(item, feed_article(item, NO_LINK))
        elif self.services.fulltext_policy(item.feed_id) == "off":
            self._show(item, feed_article(item, FULLTEXT_OFF))
        else:
            self.article.show_loading(item)
            self.load_article(item.id, for_display=True)

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
            self._show(item, feed_article(item, None), switched=True)
        elif self.page_article is not None:
            self._show(item, self.page_article)
        elif self.can_retry:
            self.article.show_loading(item)  # the fetch failed: try again
            self.load_article(item.id, for_display=True)
        elif not item.link:
            self.status.set_notice("This item has no link: the feed's text is all there is")
        else:
            # Full text is off for this feed, or the page's text looked thin: the reader asks for it anyway.
            self.article.show_loading(item)
            self.load_article(item.id, for_display=True, page=True)

    @work(thread=True, group="article", exit_on_error=False, description="loading the article")
    def load_article(self, item_id: int, for_display: bool, page: bool = False) -> None:
        loaded = (
            self.services.load_article(item_id, page=True) if page else self.services.load_article(item_id)
        )
        self.post_message(ArticleLoaded(item_id, loaded, for_display))

    @on(ArticleLoaded)
    def _on_article_loaded(self, event: ArticleLoaded) -> None:
        load, item = event.load, self.open_item
        if not event.for_display:
            if load.article is None:
                reason = safe(load.error, 200) or "unknown error"
                self.notify(f"No offline copy of the saved item: {reason}", markup=False, severity="warning")
            return
        if item is None or item.id != event.item_id:
            return  # stale: the user moved on while it loaded
        failed = load.error is not None
        if load.article is not None:
            self._show(item, load.article, new_item=False, retry=failed and load.article.source == "feed")
        else:
            reason = safe(load.error, 200) or "unknown error"
            note = f"Couldn't get the full text ({reason}); showing the feed's text."
            self._show(item, feed_article(item, note), new_item=False, retry=True)

    # ------------------------------------------------------------------ marks

    def _set_read(self, ids: Sequence[int], read: bool) -> list[int]:
        changed = self.store.set_read(ids, read)
        deltas: dict[int, int] = {}
        known = len(changed) <= 500
        for item_id in changed:
            headline = self.headlines.pager.find(item_id)
            self.headlines.pager.patch(item_id, read=read)
            self.headlines.refresh_headline(item_id)
            feed_id = headline.feed_id if headline is not None else None
            if self.open_item is not None and self.open_item.id == item_id:
                self.open_item = replace(self.open_item, read=read)
                feed_id = self.open_item.feed_id
            if feed_id is None:
                known = False
            else:
                deltas[feed_id] = deltas.get(feed_id, 0) + (-1 if read else 1)
        if changed and known:
            self.adjust_counts(deltas)
        elif changed:
            self.refresh_feeds()
        return changed

    def _set_saved(self, item_id: int, saved: bool) -> bool:
        if not self.store.set_saved(item_id, saved):
            return False
        self.headlines.pager.patch(item_id, saved=saved)
        self.headlines.refresh_headline(item_id)
        if self.open_item is not None and self.open_item.id == item_id:
            self.open_item = replace(self.open_item, saved=saved)
            self.article.refresh_header(self.open_item, self.open_article)
        self.adjust_counts({}, 1 if saved else -1)
        return True

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
        if target is None:
            return
        item = self.store.item(target[0])
        if item is None:
            return
        saved = not item.saved
        self._set_saved(item.id, saved)
        self.undo_stack.append(Undo("saved", (item.id,), saved, "save" if saved else "unsave"))
        self.status.set_notice("Saved" if saved else "Unsaved (u undoes)")
        if saved and item.link and self.services.cached_article(item.id) is None:
            # Keep an offline copy: the Saved view must still read well without a network.
            self.load_article(item.id, for_display=False)

    def action_toggle_read(self) -> None:
        target = self._target()
        if target is None:
            return
        item = self.store.item(target[0])
        if item is None:
            return
        changed = self._set_read([item.id], not item.read)
        if changed:
            self.undo_stack.append(Undo("read", tuple(changed), not item.read, "mark"))

    def action_mark_view_read(self) -> None:
        ids = self.store.mark_view_read(self.view)
        if not ids:
            self.status.set_notice("Nothing unread here")
            return
        self.undo_stack.append(Undo("read", tuple(ids), True, "mark all read"))
        for item_id in ids:
            self.headlines.pager.patch(item_id, read=True)
        self.headlines.refresh()
        self.refresh_feeds()
        self.status.set_notice(f"Marked {len(ids):,} read (u undoes)")

    def action_undo(self) -> None:
        if not self.undo_stack:
            self.status.set_notice("Nothing to undo")
            return
        step = self.undo_stack.pop()
        if step.field == "read":
            self._set_read(step.ids, not step.value)
        else:
            for item_id in step.ids:
                self._set_saved(item_id, not step.value)
        if self.view.kind is ViewKind.SAVED and step.field == "saved":
            self.reload_headlines()
        self.status.set_notice(f"Undone: {step.what}")

    def _jump_unread(self, step: int) -> None:
        # From the highlighted row (the open item while reading), in the view's order: one indexed query
        # however far away the next unread item is.
        current = self.headlines.highlighted
        found = self.store.next_unread(self.view, current.id if current else None, step)
        if found is None:
            self.status.set_notice("No more unread items " + ("below" if step > 0 else "above"))
            return
        index, headline = found
        if index >= self.headlines.pager.total:  # new items arrived since the list was read
            self.reload_headlines()
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
        webbrowser.open(url)

    def action_copy_link(self) -> None:
        link = self._link()
        if not link:
            self.status.set_notice("This item has no link")
            return
        self.app.copy_to_clipboard(safe(link))
        self.status.set_notice("Link copied")
