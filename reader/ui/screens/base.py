"""The three panes and the data they show: layout, views, paging, feed counts, focus and movement."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.events import Resize
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Footer

from reader.models import Article, Feed, Item, View, ViewKind
from reader.store.feeds import Store
from reader.ui.protocol import Services
from reader.ui.settings import UISettings
from reader.ui.state import UIState, load_state, save_state
from reader.ui.text import relative_age, safe
from reader.ui.widgets.article import ArticleView
from reader.ui.widgets.feeds import FeedList
from reader.ui.widgets.headlines import HeadlineList
from reader.ui.widgets.pager import HeadlinePager
from reader.ui.widgets.status import StatusBar

NARROW_WIDTH = 100


@dataclass(frozen=True)
class Undo:
    """One reversible change: `ids` had `field` set to `value`; undo sets the opposite."""

    field: str  # "read" | "saved"
    ids: tuple[int, ...]
    value: bool
    what: str


class PanesScreen(Screen[None]):
    """Layout and view state. Widgets post messages up; the screen reads the store and hands data down."""

    def __init__(
        self,
        services: Services,
        settings: UISettings,
        store: Store,
        *,
        on_first_rows: Callable[[], None] | None = None,
    ) -> None:
        super().__init__(id="main")
        self._on_first_rows = on_first_rows
        self.services = services
        self.settings = settings
        self.store = store
        state = load_state(settings.state_path)
        self.view: View = state.view
        self._restore_item = state.item_id
        self._state = state
        self.open_item: Item | None = None
        self.open_article: Article | None = None  # what the article pane shows
        self.page_article: Article | None = None  # the open item's full text, kept while `t` shows the feed's
        self.can_retry = False  # the open item's full text failed to load: `t` tries again
        self.undo_stack: list[Undo] = []
        self._feeds: list[Feed] = []
        self._saved_count = 0
        self.polling = False
        self._poll_new = 0
        self._offline_told = False
        self._poll_due_only = False
        self.last_update: datetime | None = None  # the newest successful fetch we know of

    # ------------------------------------------------------------------ layout

    def compose(self) -> ComposeResult:
        with Horizontal(id="panes"):
            yield FeedList(id="feeds", folded=self._state.folded)
            with Vertical(id="reading"):
                yield HeadlineList(id="headlines")
                yield ArticleView(id="article")
        yield StatusBar(id="status")
        yield Footer(id="footer", compact=True)

    @property
    def feed_list(self) -> FeedList:
        return self.query_one("#feeds", FeedList)

    @property
    def headlines(self) -> HeadlineList:
        return self.query_one("#headlines", HeadlineList)

    @property
    def article(self) -> ArticleView:
        return self.query_one("#article", ArticleView)

    @property
    def status(self) -> StatusBar:
        return self.query_one("#status", StatusBar)

    def on_resize(self, event: Resize) -> None:
        self.set_class(event.size.width < NARROW_WIDTH, "narrow")

    def on_unmount(self) -> None:
        save_state(self.settings.state_path, self._state)

    def _remember(self) -> None:
        """Keep the state to save at exit current (the widgets are gone by the time we unmount)."""
        current = self.headlines.highlighted
        folded = tuple(sorted(self.feed_list.folded))
        self._state = UIState(replace(self.view, search=None), current.id if current else None, folded)

    @on(HeadlineList.Highlighted)
    def _on_highlighted(self, event: HeadlineList.Highlighted) -> None:
        self._remember()

    @on(FeedList.Folded)
    def _on_folded(self, event: FeedList.Folded) -> None:
        self._remember()

    # ------------------------------------------------------------------ data down

    def _view_exists(self, view: View) -> bool:
        if view.kind is ViewKind.FEED:
            return view.feed_id is not None and self.store.feed_by_id(view.feed_id) is not None
        if view.kind is ViewKind.TAG:
            return view.tag in self.store.tags()
        if view.kind is ViewKind.TOPIC:
            return view.topic is not None and self.store.topic_query(view.topic) == view.topic_query
        return True

    def _pager(self) -> HeadlinePager:
        view, store = self.view, self.store
        return HeadlinePager(lambda offset, limit: store.headlines(view, offset, limit), store.count(view))

    def _load_headlines(self, restore_id: int | None = None) -> None:
        """Show the current view from the top (or at `restore_id` when it is in the view)."""
        pager = self._pager()
        index = self.store.position(self.view, restore_id) if restore_id is not None else None
        self.headlines.empty_text = self._empty_text()
        self.headlines.set_pager(pager, index or 0)
        self._show_view_status()
        self._remember()

    def reload_headlines(self) -> None:
        """Re-read the view after new items or marks, keeping the highlighted item at the same screen row."""
        current = self.headlines.highlighted
        row = self.headlines.cursor_screen_row
        pager = self._pager()
        index = self.store.position(self.view, current.id) if current is not None else None
        if index is None:
            index = min(self.headlines.cursor, max(0, pager.total - 1))
        self.headlines.set_pager(pager, index, keep_screen_row=max(0, row))
        self._show_view_status()
        self._remember()

    def refresh_feeds(self) -> None:
        """Re-read feeds and counts (one grouped query): at start, after polls and after bulk marks."""
        self._feeds = self.store.feeds(with_counts=True)
        self._saved_count = self.store.count(View(kind=ViewKind.SAVED))
        self.feed_list.stories_unread = self.store.story_count(unread_only=True)
        self.feed_list.topics = self.store.topics()
        self.feed_list.set_feeds(self._feeds, self._saved_count, self.view)
        fetched = [f.last_success for f in self._feeds if f.last_success is not None]
        if fetched and (self.last_update is None or max(fetched) > self.last_update):
            self.last_update = max(fetched)
        self._show_view_status()
        self.show_updated()

    def adjust_counts(self, unread: Mapping[int, int], saved: int = 0) -> None:
        """Apply small count changes locally: re-counting a 100,000-item archive per keypress would stutter."""
        if not self._feeds:
            self.refresh_feeds()
            return
        self._feeds = [
            replace(f, unread_count=max(0, f.unread_count + unread.get(f.id, 0))) for f in self._feeds
        ]
        self._saved_count = max(0, self._saved_count + saved)
        self.feed_list.set_feeds(self._feeds, self._saved_count, self.view)
        self._show_view_status()

    def _view_title(self) -> str:
        v = self.view
        if v.kind is ViewKind.FEED and v.feed_id is not None:
            feed = self.store.feed_by_id(v.feed_id)
            title = safe(feed.display_title, 60) if feed else "Feed"
        elif v.kind is ViewKind.TAG:
            title = "#" + safe(v.tag, 40)
        elif v.kind is ViewKind.TOPIC:
            title = "Topic " + safe(v.topic, 40)
        else:
            title = v.kind.value.capitalize()
        if v.unread_only and v.kind is not ViewKind.UNREAD:
            title += " · unread only"
        if v.fold_stories:
            title += " · one row per story"
        if v.search:
            title += f" · search “{safe(v.search, 40)}”"
        return title

    def _empty_text(self) -> str:
        if self.view.search:
            return "Nothing matches this search. Esc clears it."
        if self.view.kind is ViewKind.SAVED:
            return "No saved items yet: press s on a headline to keep it."
        if self.view.unread_only or self.view.kind is ViewKind.UNREAD:
            return "All read."
        return "No headlines yet. R refreshes all feeds."

    def _unread_in_view(self) -> int | None:
        """Unread items in the view, from the feed counts already in hand (None before they are counted);
        only search and Saved views need a query of their own."""
        v = self.view
        if v.search or v.kind in (ViewKind.SAVED, ViewKind.TOPIC):
            return self.store.count(replace(v, unread_only=True))
        if not self._feeds:
            return None
        if v.kind is ViewKind.FEED:
            return sum(f.unread_count for f in self._feeds if f.id == v.feed_id)
        if v.kind is ViewKind.TAG:
            return sum(f.unread_count for f in self._feeds if v.tag in f.tags)
        return sum(f.unread_count for f in self._feeds)

    def _show_view_status(self) -> None:
        total = self.headlines.pager.total
        unread = self._unread_in_view()
        if self.view.unread_only or self.view.kind is ViewKind.UNREAD:
            counts = f"{total:,} unread"
        elif unread is None:
            counts = f"{total:,} items"
        else:
            counts = f"{total:,} items · {unread:,} unread"
        self.status.set_view(f"{self._view_title()} · {counts}")

    def show_updated(self) -> None:
        """ "updated 5m ago": when the archive last heard from a feed (kept current by a timer)."""
        if self.last_update is None:
            self.status.set_updated("")
            return
        age = relative_age(self.last_update, self.settings.now())
        self.status.set_updated("updated just now" if age == "now" else f"updated {age} ago")

    def set_view(self, view: View) -> None:
        if view == self.view:
            return
        self.view = view
        self.feed_list.show_view(view)
        self._load_headlines()

    # ------------------------------------------------------------------ messages up

    @on(FeedList.ViewChosen)
    def _on_view_chosen(self, event: FeedList.ViewChosen) -> None:
        self.set_view(
            replace(event.view, unread_only=self.view.unread_only, fold_stories=self.view.fold_stories)
        )
        if event.focus_headlines:
            self.remove_class("feeds-open")
            self.headlines.focus()

    # ------------------------------------------------------------------ movement

    def _focused_pane(self) -> Widget | None:
        for pane in (self.feed_list, self.headlines, self.article):
            if pane.has_focus_within:
                return pane
        return None

    def action_down(self) -> None:
        pane = self._focused_pane()
        if pane is self.feed_list:
            self.feed_list.action_cursor_down()
        elif pane is self.article:
            self.article.scroll_down(animate=False)
        else:
            self.headlines.action_cursor_down()

    def action_up(self) -> None:
        pane = self._focused_pane()
        if pane is self.feed_list:
            self.feed_list.action_cursor_up()
        elif pane is self.article:
            self.article.scroll_up(animate=False)
        else:
            self.headlines.action_cursor_up()

    def action_page_down(self) -> None:
        self.article.scroll_page_down(animate=False)

    def action_page_up(self) -> None:
        self.article.scroll_page_up(animate=False)

    def _panes(self) -> list[Widget]:
        return [self.feed_list, self.headlines, self.article]

    def _cycle(self, step: int) -> None:
        if self.has_class("zen"):
            return
        panes = self._panes()
        current = self._focused_pane()
        index = panes.index(current) if current in panes else 1
        target = panes[(index + step) % len(panes)]
        self.set_class(target is self.feed_list, "feeds-open")
        target.focus()

    def action_next_pane(self) -> None:
        self._cycle(1)

    def action_previous_pane(self) -> None:
        self._cycle(-1)
