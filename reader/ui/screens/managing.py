"""Managing feeds and views from the TUI: add / rename / retag / remove a feed, sort orders, marking many items
read, search scope, numbered links and copying. Every database write runs in a thread worker."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from textual import on, work
from textual.message import Message
from textual.screen import Screen

from reader.errors import ConfigError, FeedInputError, ReaderError
from reader.models import SORT_ORDERS, Feed, SavedPage, View, ViewKind
from reader.ui.prefs import load_prefs, prefs_path
from reader.ui.screens.base import Undo
from reader.ui.screens.reading import ReadingScreen, is_web_link
from reader.ui.text import safe
from reader.ui.widgets.feeds import option_id_for, view_for_option
from reader.ui.widgets.headlines import FEED_TEXT_MARK

if TYPE_CHECKING:
    from reader.feeds.manage import FeedChange
    from reader.ui.links import ArticleImage
    from reader.ui.screens.feedform import FeedForm
    from reader.ui.screens.search import SearchRequest

ORDER_NAMES = {"newest": "newest first", "oldest": "oldest first", "feed": "by feed"}


def _prompt(title: str, value: str = "", placeholder: str = "") -> Screen[str | None]:
    """A one-line prompt (a dialog: its module is loaded when one is first asked for)."""
    from reader.ui.screens.prompt import PromptScreen

    return PromptScreen(title, value, placeholder)


class FeedChanged(Message):
    """A feed-management call finished: `change` on success, else `error` (the form comes back for add)."""

    def __init__(
        self, op: str, change: FeedChange | None, error: str | None, form: FeedForm | None = None
    ) -> None:
        super().__init__()
        self.op = op
        self.change = change
        self.error = error
        self.form = form


class PageSaved(Message):
    """`P` finished: the page saved (`page`), else why it could not be (`error`)."""

    def __init__(self, page: SavedPage | None, error: str | None) -> None:
        super().__init__()
        self.page = page
        self.error = error


class ManyMarked(Message):
    """Items marked read in one go (above / below / older than), as (item id, feed id), for the undo stack
    and the counts."""

    def __init__(self, marked: list[tuple[int, int]], what: str, where: str) -> None:
        super().__init__()
        self.marked = marked
        self.ids = [item_id for item_id, _ in marked]
        self.what = what
        self.where = where


class CopyReported(Message):
    def __init__(self, text: str, warn: bool) -> None:
        super().__init__()
        self.text = text
        self.warn = warn


class ManagingScreen(ReadingScreen):
    """Feeds, sort orders, bulk marks, search scope, numbered links and honest copying."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._orders = dict(load_prefs(prefs_path(self.settings.state_path)).orders)
        self.view = self._with_order(self.view)
        self._before_search: View | None = None  # the view a "search everything" left

    # ------------------------------------------------------------------ the feed an action applies to

    def _feed_target(self) -> Feed | None:
        """The feed highlighted in the feed pane when it has focus, else the feed shown, else the highlighted
        headline's feed."""
        feed_id: int | None = None
        if self.feed_list.has_focus:
            # In the feed pane the highlighted row is meant, and only a feed row names a feed.
            option = self.feed_list.highlighted_option
            chosen = view_for_option(option.id) if option is not None and option.id else None
            feed_id = chosen.feed_id if chosen and chosen.kind is ViewKind.FEED else None
            return next((f for f in self._feeds if f.id == feed_id), None)
        if self.view.kind is ViewKind.FEED:
            feed_id = self.view.feed_id
        if feed_id is None and (headline := self.headlines.highlighted) is not None:
            feed_id = headline.feed_id
        return next((f for f in self._feeds if f.id == feed_id), None)

    def _no_feed(self) -> None:
        self.status.set_notice("Pick a feed first: in the feed pane, or a headline of it")

    def _refuse_idle(self, feed: Feed, doing: str) -> bool:
        """A feed no longer polled keeps its name and tags: say why before any prompt (True: refused)."""
        if feed.not_polled_reason is None:
            return False
        text = f"Cannot {doing} {safe(feed.display_title, 60)}, which is not polled: {feed.not_polled_reason}"
        self.status.set_notice(text, error=True)
        return True

    def start_poll(self, feed_ids: list[int] | None, *, due_only: bool = False) -> None:
        """Poll feeds in a worker (the main screen does it; an added feed is polled at once)."""
        raise NotImplementedError

    # ------------------------------------------------------------------ add / rename / retag / remove

    def action_add_feed(self, form: FeedForm | None = None, error: str | None = None) -> None:
        from reader.feeds.manage import split_tags  # the feed screens load when first used
        from reader.ui.screens.feedform import FeedFormScreen

        def done(result: FeedForm | None) -> None:
            if result is not None:
                self.status.set_notice("Adding the feed…")
                args = (result.url, result.title, split_tags(result.tags), result.interval, result.fulltext)
                self._change_feed("add_feed", args, result)

        self.app.push_screen(FeedFormScreen(form, error), done)

    def action_rename_feed(self) -> None:
        feed = self._feed_target()
        if feed is None:
            return self._no_feed()
        if self._refuse_idle(feed, "rename"):
            return None
        title = safe(feed.display_title, 100)

        def done(text: str | None) -> None:
            if text is not None:
                self._change_feed("rename_feed", (feed.id, text.strip()))

        prompt = _prompt(f"Rename {title} (empty: the feed's own title)", feed.title or "", "a title")
        self.app.push_screen(prompt, done)

    def action_retag_feed(self) -> None:
        from reader.feeds.manage import split_tags

        feed = self._feed_target()
        if feed is None:
            return self._no_feed()
        if self._refuse_idle(feed, "retag"):
            return None
        title = safe(feed.display_title, 100)

        def done(text: str | None) -> None:
            if text is not None:
                self._change_feed("retag_feed", (feed.id, split_tags(text)))

        prompt = _prompt(f"Tags of {title}, separated by commas", ", ".join(feed.tags), "privacy, eu")
        self.app.push_screen(prompt, done)

    def action_remove_feed(self) -> None:
        from reader.ui.screens.confirm import ConfirmScreen

        feed = self._feed_target()
        if feed is None:
            return self._no_feed()

        def done(yes: bool | None) -> None:
            if yes:
                self._change_feed("remove_feed", (feed.id,))

        if feed.active:
            question = f"Unsubscribe from {safe(feed.display_title, 100)}?"
            detail = f"{safe(feed.url, 200)}\nIts unsaved items are deleted; saved items are kept."
        else:
            question = f"Delete the unsaved items of {safe(feed.display_title, 100)}?"
            why = safe(feed.not_polled_reason, 200)
            detail = f"It is not polled: {why}.\nIts unsaved items are deleted; saved items are kept."
        self.app.push_screen(ConfirmScreen(question, detail), done)

    def action_save_page(self) -> None:
        def done(text: str | None) -> None:
            if text and text.strip():
                self.status.set_notice("Saving the page…")
                self._save_page(text.strip())

        prompt = _prompt(
            "Save a web page by its address (kept with its full text, in Saved pages)", "", "https://…"
        )
        self.app.push_screen(prompt, done)

    @work(thread=True, group="feeds", exit_on_error=False, description="saving a page")
    def _save_page(self, url: str) -> None:
        try:
            page = self.services.save_page(url)
        except (ValueError, ReaderError) as exc:
            self.post_message(PageSaved(None, str(exc)))
            return
        self.post_message(PageSaved(page, None))

    @on(PageSaved)
    def _on_page_saved(self, event: PageSaved) -> None:
        if event.page is None:
            self.status.set_notice(f"Couldn't save the page: {safe(event.error or '', 200)}", error=True)
            return
        page = event.page
        title = safe(page.title, 80)
        if page.error:
            text = f"Saved {title} by its address: {safe(page.error, 120)} (t on it tries again)"
        elif page.existed:
            text = f"Already here, now saved: {title}"
        else:
            text = f"Saved {title}, with its full text"
        self.status.set_notice(text, error=page.error is not None)
        self.refresh_feeds()
        if self.view.kind is ViewKind.SAVED:
            self.reload_headlines()

    @work(thread=True, group="feeds", exit_on_error=False, description="changing the feed list")
    def _change_feed(self, op: str, args: tuple[object, ...], form: FeedForm | None = None) -> None:
        try:
            change = getattr(self.services, op)(*args)
        except FeedInputError as exc:
            self.post_message(FeedChanged(op, None, str(exc), form))
            return
        self.post_message(FeedChanged(op, change, None, form))

    @on(FeedChanged)
    def _on_feed_changed(self, event: FeedChanged) -> None:
        if event.error is not None:
            self.status.set_notice(safe(event.error, 200), error=True)
            if event.op == "add_feed" and event.form is not None:
                self.action_add_feed(event.form, safe(event.error, 300))  # the form again, with the reason
            return
        change = event.change
        assert change is not None
        feed = change.feed
        self.refresh_feeds()
        if event.op == "add_feed":
            self.set_view(View(kind=ViewKind.FEED, feed_id=feed.id, unread_only=self.view.unread_only))
            self.headlines.focus()
            if not change.warning:  # it just failed to answer: the next refresh tries it again
                self.start_poll([feed.id])
        elif event.op == "remove_feed":
            if self.view.kind is ViewKind.FEED and self.view.feed_id == feed.id:
                self.set_view(View(unread_only=self.view.unread_only))
            else:
                self.reload_headlines()
        else:
            if self.view.kind is ViewKind.TAG and self.view.tag not in {
                t for f in self._feeds for t in f.tags
            }:
                self.set_view(View(unread_only=self.view.unread_only))
            else:
                self.reload_headlines()
        if change.warning:
            text = f"{change.message} (could not be fetched just now: {change.warning}; refreshing retries)"
            self.status.set_notice(safe(text, 300), error=True)
        else:
            self.status.set_notice(safe(change.message, 200))

    # ------------------------------------------------------------------ sort order per view

    def _with_order(self, view: View) -> View:
        return replace(view, order=self._orders.get(option_id_for(view), SORT_ORDERS[0]))

    def set_view(self, view: View, **kwargs: Any) -> None:
        if view.order == SORT_ORDERS[0]:
            view = self._with_order(view)  # a view keeps the order chosen for it
        if not view.search:
            self._before_search = None  # left the search, whichever way
        self.headlines.mark_feed_text = bool(view.search)
        super().set_view(view, **kwargs)
        if view.search:
            self.status.set_notice(
                f"{FEED_TEXT_MARK}: matched in the feed's text (full text not fetched yet)"
            )

    def _view_title(self) -> str:
        title = super()._view_title()
        return title if self.view.order == SORT_ORDERS[0] else f"{title} · {ORDER_NAMES[self.view.order]}"

    def action_cycle_sort(self) -> None:
        order = SORT_ORDERS[(SORT_ORDERS.index(self.view.order) + 1) % len(SORT_ORDERS)]
        key = option_id_for(self.view)
        if order == SORT_ORDERS[0]:
            self._orders.pop(key, None)
        else:
            self._orders[key] = order
        set_prefs = getattr(self.app, "set_prefs", None)
        prefs = getattr(self.app, "prefs", None)
        if set_prefs is not None and prefs is not None:
            set_prefs(prefs.with_order(key, order))
        current = self.headlines.highlighted
        self.view = replace(self.view, order=order)
        self._load_headlines(restore_id=current.id if current else None)
        self.status.set_notice(f"Sorted {ORDER_NAMES[order]}")

    # ------------------------------------------------------------------ search: this view or everything

    def action_search(self, everywhere: bool = False) -> None:
        from reader.ui.screens.search import SearchScreen

        base = self._before_search or self.view
        title = self._view_title_of(replace(base, search=None))

        def done(request: SearchRequest | None) -> None:
            if request is None:
                return
            text = request.text.strip() or None
            if text is None:
                self.clear_search()
            elif request.everywhere:
                self._before_search = self._before_search or replace(self.view, search=None)
                self.set_view(View(search=text, order=self.view.order))
            else:
                origin = self._before_search
                self._before_search = None
                self.set_view(replace(origin or self.view, search=text))
            self.headlines.focus()

        was_everywhere = self._before_search is not None
        self.app.push_screen(
            SearchScreen(title, self.view.search or "", everywhere=everywhere or was_everywhere), done
        )

    def action_search_all(self) -> None:
        self.action_search(everywhere=True)

    def clear_search(self) -> None:
        """Leave the search: back to the view it was made from (a search of everything remembers it)."""
        origin, self._before_search = self._before_search, None
        self.set_view(origin if origin is not None else replace(self.view, search=None))

    def _view_title_of(self, view: View) -> str:
        saved, self.view = self.view, view
        try:
            return self._view_title()
        finally:
            self.view = saved

    # ------------------------------------------------------------------ marking many read

    def action_mark_menu(self) -> None:
        from reader.ui.screens.markmenu import MarkMenuScreen

        def done(choice: str | None) -> None:
            if choice == "above":
                self.action_mark_above()
            elif choice == "below":
                self.action_mark_below()
            elif choice == "older":
                self.action_mark_older()

        self.app.push_screen(MarkMenuScreen(self._view_title()), done)

    def action_mark_above(self) -> None:
        self._mark_beside(-1)

    def action_mark_below(self) -> None:
        self._mark_beside(1)

    def _mark_beside(self, direction: int) -> None:
        current = self.headlines.highlighted
        if current is None:
            self.status.set_notice("Nothing highlighted")
            return
        where = "above" if direction < 0 else "below"
        self._mark_many(self.view, f"mark {where} read", where, beside=(current.id, direction))

    def action_mark_older(self) -> None:
        def done(text: str | None) -> None:
            if text is None or not text.strip():
                return
            from reader.config.values import parse_duration

            try:
                seconds = parse_duration(text.strip(), "age")
            except ConfigError as exc:
                self.status.set_notice(f"Not an age: {safe(exc.reason, 120)}", error=True)
                return
            cutoff = self.settings.now() - timedelta(seconds=seconds)
            label = safe(text.strip(), 20)
            self._mark_many(self.view, f"mark older than {label} read", f"older than {label}", cutoff=cutoff)

        title = f"Mark read in {self._view_title()}: items older than (e.g. 12h, 2d, 1w)"
        self.app.push_screen(_prompt(title, "1d", "2d"), done)

    @work(thread=True, group="marks", exit_on_error=False, description="marking items read")
    def _mark_many(
        self,
        view: View,
        what: str,
        where: str,
        *,
        beside: tuple[int, int] | None = None,
        cutoff: datetime | None = None,
    ) -> None:
        marked: list[tuple[int, int]] = []
        if beside is not None:
            marked = self.services.mark_read_beside(view, *beside)
        elif cutoff is not None:
            marked = self.services.mark_read_older(view, cutoff)
        self.post_message(ManyMarked(marked, what, where))

    @on(ManyMarked)
    def _on_many_marked(self, event: ManyMarked) -> None:
        if not event.ids:
            self.status.set_notice(f"Nothing unread {event.where}")
            return
        self.undo_stack.append(Undo("read", tuple(event.ids), True, event.what))
        marked = set(event.ids)
        self.headlines.pager.patch_many(marked, read=True)
        if self.open_item is not None and self.open_item.id in marked:
            self.open_item = replace(self.open_item, read=True)
        self.headlines.refresh()
        if len(event.marked) <= 500:  # small: adjust the counts in hand; large: count again
            deltas: dict[int, int] = {}
            for _, feed_id in event.marked:
                deltas[feed_id] = deltas.get(feed_id, 0) - 1
            self.adjust_counts(deltas, stored=True)
        else:
            self.refresh_feeds()
        self.status.set_notice(f"Marked {len(event.ids):,} read (u undoes)")

    # ------------------------------------------------------------------ numbered links

    def action_open_link_n(self) -> None:
        self._pick_link("Open link", lambda url: self.open_in_browser(url))

    def action_copy_link_n(self) -> None:
        self._pick_link("Copy link", lambda url: self.copy_text(url, "Link"))

    def _pick_link(self, what: str, act: Callable[[str], object]) -> None:
        from reader.ui.screens.numberprompt import NumberPromptScreen

        links = list(self.article.links)
        if not links:
            self.status.set_notice("This article has no numbered links")
            return

        def done(number: int | None) -> None:
            if number is not None and 1 <= number <= len(links):
                url = links[number - 1]
                if is_web_link(url):
                    act(url)

        self.app.push_screen(NumberPromptScreen(what, len(links), links), done)

    def action_view_image(self) -> None:
        """`i`: image N of the open article in a viewer (no number to type when there is one)."""
        from reader.ui.screens.numberprompt import NumberPromptScreen

        item_id = self.article.item_id
        images = list(self.article.images)
        if item_id is None or self.open_item is None:
            self.status.set_notice("Open an item first")
            return
        if not images:
            self.status.set_notice("This article has no images")
            return
        if len(images) == 1:
            self._view_image(item_id, images, 0)
            return

        def done(number: int | None) -> None:
            if number is not None and 1 <= number <= len(images):
                self._view_image(item_id, images, number - 1)

        choices = [f"{img.alt or img.caption or '(no description)'} · link {img.link}" for img in images]
        self.app.push_screen(NumberPromptScreen("View image", len(images), choices, noun="image"), done)

    def _view_image(self, item_id: int, images: list[ArticleImage], index: int) -> None:
        from reader.ui.screens.imageview import ImageViewerScreen

        self.app.push_screen(ImageViewerScreen(self.services, item_id, images, index, self.open_in_browser))

    # ------------------------------------------------------------------ copying, honestly

    def action_copy_link(self) -> None:
        link = self._link()
        if not link:
            self.status.set_notice("This item has no link")
            return
        self.copy_text(safe(link), "Link")

    def copy_text(self, text: str, what: str) -> None:
        """OSC 52 through the terminal now; the local clipboard tool and the verdict from a worker."""
        self.app.copy_to_clipboard(text)
        self._copy_elsewhere(text, what)

    @work(thread=True, group="clipboard", exit_on_error=False, description="copying to the clipboard")
    def _copy_elsewhere(self, text: str, what: str) -> None:
        from reader.ui.clipboard import copy_report, copy_with_tool, osc52_support, tmux_set_clipboard

        env = dict(os.environ)
        tool = copy_with_tool(text, env)
        support = osc52_support(env, tmux_set_clipboard(env) if tool is None else None)
        message, warn = copy_report(what, tool, support, env)
        self.post_message(CopyReported(message, warn))

    @on(CopyReported)
    def _on_copy_reported(self, event: CopyReported) -> None:
        self.status.set_notice(event.text, error=event.warn)
