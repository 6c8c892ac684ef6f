"""The three panes and the data they show: layout, views, paging, feed counts, focus and movement."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, cast

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.events import Resize
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Static

from reader.errors import ReaderError
from reader.frozen import Frozen, value_type
from reader.models import Article, Feed, Headline, Item, Topic, View, ViewKind
from reader.store.feeds import Store
from reader.ui.first_page import FirstPage
from reader.ui.messages import FeedsCounted, MarkFailed, MarkLanded
from reader.ui.protocol import Services
from reader.ui.settings import UISettings
from reader.ui.state import UIState, load_state, pending_path, save_pending, save_state, take_pending
from reader.ui.sync_status import sync_label
from reader.ui.text import count_of, relative_age, safe
from reader.ui.widgets.article import ArticleView
from reader.ui.widgets.feeds import FeedList
from reader.ui.widgets.headlines import HeadlineList
from reader.ui.widgets.pager import PAGE_SIZE, HeadlinePager, Unfolded
from reader.ui.widgets.status import StatusBar
from reader.ui.writer import Field, MarkWriter, PendingMarks

if TYPE_CHECKING:
    from reader.ui.widgets.footer import KeyFooter

NARROW_WIDTH = 100
FIRST_PAINT_WAIT = 5.0  # seconds a start-up worker waits for the first paint at most (then goes ahead)
MARKS_WAIT = 1.0  # seconds a count waits for the marks made before it to be stored (a locked database)


@value_type
class Undo(Frozen):
    """One reversible change: `ids` (of feeds `feeds`, in step) had `field` set to `value`; undo sets the
    opposite. `what` says what was done, for "Undone: …"."""

    field: Field
    ids: tuple[int, ...]
    value: bool
    what: str
    feeds: tuple[int, ...] = ()


FOOTER_PALETTE_WIDTH = 70  # narrower, the keys fill the footer and the palette hint would cover them


class PanesScreen(Screen[None]):
    """Layout and view state. Widgets post messages up; the screen reads the store and hands data down."""

    QUIT_WAIT = 15.0  # seconds quitting waits for a locked database before keeping marks for the next launch
    # The headline list has the focus from the start (Textual would focus the feed pane first, then we move it:
    # two restyles of the feed pane before the first paint).
    AUTO_FOCUS = "#headlines"

    def __init__(self, services: Services, settings: UISettings, store: Store) -> None:
        super().__init__(id="main")
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
        self._notify_error_told = False  # [general] notify_command failed: said once per session
        self.sync_error: str | None = None  # why the last sync failed ([sync] only)
        self._synced = False
        self._sync_warned: set[str] = set()
        self._poll_due_only = False
        self.last_update: datetime | None = None  # the newest successful fetch we know of
        # Marks are stored by one writer thread; until they land they are laid over what the store returns.
        self.pending = PendingMarks()
        self.writer = MarkWriter(
            services.open_store,
            landed=lambda mark: self.post_message(MarkLanded(mark)),
            failed=lambda mark, reason: self.post_message(MarkFailed(mark, reason)),
        )
        self._kept: set[int] = set()  # items read while this unread-only view is shown (they stay listed)
        # Rows unfolded in place (one row per story): lead item id -> its story's other items, as shown.
        self.unfolded: dict[int, list[Headline]] = {}
        self._write_trouble = False  # the writer reported a failure not yet followed by success
        self.zen = False  # focus mode: only the article (and one status line)
        self.feeds_open = False  # the feed pane has focus (narrow terminals: it replaces the reading column)
        self._count_generation = 0  # the newest count asked for (older ones arriving late are dropped)
        self._stored_changes = 0  # changes stored by other workers, whose counts were adjusted here
        self._counting = False  # a count is on its way
        self._recounts = 0
        # Set by the app once the first screen is on the terminal: start-up workers wait for it.
        self.first_paint = threading.Event()
        # The first view's count and first page, read on a thread while the widgets are built.
        self._first_page: FirstPage | None = FirstPage(services.open_store, self.view, PAGE_SIZE)

    # ------------------------------------------------------------------ layout

    def compose(self) -> ComposeResult:
        with Horizontal(id="panes"):
            yield FeedList(id="feeds", folded=self._state.folded)
            with Vertical(id="reading"):
                yield HeadlineList(id="headlines")
                yield ArticleView(id="article", link_identifiers=self.settings.link_identifiers)
        yield StatusBar(id="status")
        # The key footer comes just after the first paint (`mount_footer`); this keeps its row meanwhile.
        yield Static("", id="footer-slot")

    def mount_footer(self) -> None:
        """The key footer, in place of its slot: Textual's Footer (its styles, its key widgets) is a few
        milliseconds of start-up that the headlines need not wait for."""
        if not self.is_attached or self._closing or self.app._closing or self.query("#footer"):
            return  # (the app may be quitting already: the terminal closed under it)
        from reader.ui.widgets.footer import KeyFooter  # (Textual's Footer: imported after the first paint)

        footer = KeyFooter(id="footer", compact=True)
        footer.show_command_palette = self.size.width >= FOOTER_PALETTE_WIDTH
        footer.set_class(self.zen, "-zen-hidden")  # focus mode may be on already
        slot = self.query("#footer-slot")
        self.mount(footer, before=slot.first() if slot else None)
        slot.remove()

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
        self.query_one("#reading").set_class(self.feeds_open and self.has_class("narrow"), "-feeds-open")
        # On a small terminal the keys fill the footer; the palette hint would be drawn over them.
        wide = event.size.width >= FOOTER_PALETTE_WIDTH
        for node in self.query("#footer"):
            footer = cast("KeyFooter", node)  # (only a KeyFooter has that id)
            if footer.show_command_palette != wide:  # (a change recomposes the footer)
                footer.show_command_palette = wide

    def on_unmount(self) -> None:
        save_state(self.settings.state_path, self._state)
        unwritten = self.writer.close(self.QUIT_WAIT)
        if unwritten:
            # The database stayed locked past the quit: the marks wait in a file for the next launch.
            save_pending(
                pending_path(self.settings.state_path), [(m.field, list(m.ids), m.value) for m in unwritten]
            )

    def replay_pending(self) -> None:
        """Marks a previous run could not store go to the writer first."""
        for field_name, ids, value in take_pending(pending_path(self.settings.state_path)):
            if field_name in ("read", "saved"):
                self.submit_mark("read" if field_name == "read" else "saved", ids, value)

    def submit_mark(self, field_name: Field, ids: list[int] | tuple[int, ...], value: bool) -> None:
        """Hand a mark to the writer; the overlay keeps it visible until it lands."""
        self.pending.add(self.writer.submit(field_name, ids, value))

    @on(MarkLanded)
    def _on_mark_landed(self, event: MarkLanded) -> None:
        self.pending.landed(event.mark)
        self.show_sync_status()
        if len(event.mark.ids) > 500:
            self.refresh_feeds()  # counts read while it was in flight were not corrected for it
        if not self.pending and self._write_trouble:
            self._write_trouble = False
            self.status.set_notice("Marks stored")

    @on(MarkFailed)
    def _on_mark_failed(self, event: MarkFailed) -> None:
        if not self._write_trouble:
            self._write_trouble = True
            self.status.set_notice(f"Marks not stored yet ({event.reason}); retrying", error=True)

    def item(self, item_id: int) -> Item | None:
        """An item as the reader sees it: the store's row with the marks still on their way to it."""
        item = self.store.item(item_id)
        return self.pending.apply(item) if item is not None else None

    @property
    def query_view(self) -> View:
        """The view as the store is asked for it: unread-only views keep the items read in them."""
        if self._kept and (self.view.unread_only or self.view.kind is ViewKind.UNREAD):
            return replace(self.view, keep=tuple(sorted(self._kept)))
        return self.view

    def keep_in_view(self, item_id: int) -> None:
        if self.view.unread_only or self.view.kind is ViewKind.UNREAD:
            self._kept.add(item_id)

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
        view, store, pending = self.query_view, self.store, self.pending
        first = self._first_page.take(view) if self._first_page is not None else None
        self._first_page = None
        total = first[0] if first is not None else store.count(view)

        def fetch(offset: int, limit: int) -> list[Headline]:
            rows = store.headlines(view, offset, limit, total=total)  # (End reads from the other end)
            return [pending.apply(h) for h in rows]

        def beside(item_id: int, limit: int, after: bool) -> list[Headline] | None:
            rows = store.headlines_beside(view, item_id, limit, after=after)
            return None if rows is None else [pending.apply(h) for h in rows]

        unfolded: list[Unfolded] = []
        for lead, rows in list(self.unfolded.items()):
            base = store.position(view, lead) if view.fold_stories else None
            if base is None:  # the row left the view (or the view no longer folds stories)
                del self.unfolded[lead]
                continue
            rows[:] = [pending.apply(h) for h in rows]  # in place: the list is shared with the pager
            unfolded.append(Unfolded(base, lead, rows))
        pager = HeadlinePager(fetch, total, unfolded=unfolded, fetch_beside=beside)
        if first is not None:
            pager.seed_first_page([pending.apply(h) for h in first[1]])
        return pager

    def index_in_list(self, pager: HeadlinePager, item_id: int) -> int | None:
        """The list row showing `item_id` (an unfolded story's rows included), or None."""
        for u in pager.unfolded:
            for sub, h in enumerate(u.rows):
                if h.id == item_id:
                    return pager.display_index(u.base) + 1 + sub
        base = self.store.position(self.query_view, item_id)
        return pager.display_index(base) if base is not None else None

    def _load_headlines(self, restore_id: int | None = None) -> None:
        """Show the current view from the top (or at `restore_id` when it is in the view)."""
        self.unfolded.clear()  # another view: every row folded again
        pager = self._pager()
        index = self.store.position(self.query_view, restore_id) if restore_id is not None else None
        self.headlines.empty_text = self._empty_text()
        self.headlines.set_pager(pager, index or 0)
        self._show_view_status()
        self._remember()

    def reload_headlines(self) -> None:
        """Re-read the view after new items or marks, keeping the highlighted item at the same screen row."""
        current = self.headlines.highlighted
        row = self.headlines.cursor_screen_row
        pager = self._pager()
        index = self.index_in_list(pager, current.id) if current is not None else None
        if index is None and current is not None and self.view.fold_stories:
            index = self.folded_row_of(pager, current.id)  # a newer item of its story took its row
        if index is None:
            index = min(self.headlines.cursor, max(0, pager.total - 1))
        self.headlines.empty_text = self._empty_text()
        self.headlines.set_pager(pager, index, keep_screen_row=max(0, row))
        self._show_view_status()
        self._remember()

    def folded_row_of(self, pager: HeadlinePager, item_id: int) -> int | None:
        """In a one-row-per-story view: the row that now stands for `item_id`'s story (None: none)."""
        return None

    def refresh_feeds(self) -> None:
        """Count feeds, saved items, unread stories and topics again (after polls, bulk marks, feed and topic
        changes). Grouped counts over the whole archive: a worker reads them, the UI shows them when they come."""
        self._count_generation += 1
        self._counting = True
        self.count_feeds(self._count_generation, self._count_basis())

    def _count_basis(self) -> tuple[int, int]:
        """What a count may or may not include: the marks landed so far and other stored changes (a count
        read before one of them landed, and shown after, would miss it)."""
        return (self.writer.landed_total, self._stored_changes)

    @work(thread=True, group="counts", exit_on_error=False, description="counting items")
    def count_feeds(self, generation: int, basis: tuple[int, int]) -> None:
        """The grouped counts, off the UI thread. At start-up they wait for the first paint (the headlines
        come first; the counts would only compete with them for the CPU)."""
        self.first_paint.wait(FIRST_PAINT_WAIT)
        # The marks made before the count land first (unless the database stays locked): the count
        # includes them, and the ones made later are laid over it from the pending marks.
        self.writer.flush(MARKS_WAIT)
        self.post_counts(generation, self._count_basis())

    def post_counts(self, generation: int, basis: tuple[int, int]) -> None:
        """(On a worker thread.) Read the counts and send them to the screen."""
        store = self.services.thread_store()
        # The feeds no longer polled too: their items are listed in the views, so they are counted and shown.
        feeds = store.feeds(with_counts=True, include_inactive=True)
        saved = store.count(View(kind=ViewKind.SAVED))
        stories, topics = store.story_count(unread_only=True), store.topics()
        self.post_message(FeedsCounted(feeds, saved, stories, topics, generation=generation, basis=basis))

    @on(FeedsCounted)
    def _on_feeds_counted(self, event: FeedsCounted) -> None:
        if event.generation != self._count_generation:  # an older count that finished late is dropped
            return
        landed, stored = event.basis
        settled = self.writer.begun_total == landed and self._stored_changes == stored
        if not settled and self._recounts < 5:
            # A mark went into the database since the worker counted (or is going in): the count may or
            # may not include it. Count again (the counts on screen already show the mark).
            self._recounts += 1
            self.refresh_feeds()
            return
        self._recounts = 0
        self._counting = False
        self._apply_feeds(event.feeds, event.saved, event.stories_unread, event.topics)
        self.after_feeds_counted()

    def recount_topics(self) -> None:
        """Count the topics' and the stories' unread items again (the stories screen runs it in a worker)."""
        self.feed_list.stories_unread = self.store.story_count(unread_only=True)
        self.feed_list.topics = self.store.topics()
        self.feed_list.set_feeds(self._feeds, self._saved_count, self.view)

    def after_feeds_counted(self) -> None:
        """New counts are shown (the main screen schedules its next automatic poll from them)."""

    def _apply_feeds(self, feeds: list[Feed], saved: int, stories_unread: int, topics: list[Topic]) -> None:
        """Show counts read from the store, corrected for the marks still on their way to it."""
        unread, saved_delta = self._pending_deltas()
        if unread:
            feeds = [replace(f, unread_count=max(0, f.unread_count + unread.get(f.id, 0))) for f in feeds]
        self._feeds = feeds
        self._saved_count = max(0, saved + saved_delta)
        self.feed_list.stories_unread, self.feed_list.topics = stories_unread, topics
        self.feed_list.set_feeds(self._feeds, self._saved_count, self.view)
        fetched = [f.last_success for f in self._feeds if f.active and f.last_success is not None]
        if fetched and (self.last_update is None or max(fetched) > self.last_update):
            self.last_update = max(fetched)
        self._show_view_status()
        self.show_updated()
        self.show_sync_status()

    def _pending_deltas(self) -> tuple[dict[int, int], int]:
        """How the counts will change once the marks in flight are stored (each checked against the store,
        which may already hold it)."""
        reads, saves = self.pending.reads(), self.pending.saves()
        unread: dict[int, int] = {}
        saved = 0
        if len(reads) + len(saves) > 500:  # a bulk mark in flight: it lands soon, and recounts then
            return unread, saved
        for item_id, value in reads.items():
            item = self.store.item(item_id)
            if item is not None and item.read != value:
                unread[item.feed_id] = unread.get(item.feed_id, 0) + (-1 if value else 1)
        for item_id, value in saves.items():
            item = self.store.item(item_id)
            if item is not None and item.saved != value:
                saved += 1 if value else -1
        return unread, saved

    def adjust_counts(self, unread: Mapping[int, int], saved: int = 0, *, stored: bool = False) -> None:
        """Apply small count changes locally: re-counting a 100,000-item archive per keypress would stutter.
        `stored`: the change is in the database already (not a mark on its way through the writer)."""
        if stored:
            self._stored_changes += 1
        if not self._feeds:
            if not self._counting:  # (a count on its way is corrected for the marks in flight)
                self.refresh_feeds()
            return
        self._feeds = [
            replace(f, unread_count=max(0, f.unread_count + unread.get(f.id, 0))) for f in self._feeds
        ]
        self._saved_count = max(0, self._saved_count + saved)
        self.feed_list.set_feeds(self._feeds, self._saved_count, self.view)
        self._show_view_status()
        self.show_sync_status()

    def show_sync_status(self) -> None:
        """With a [sync] server: its state and the changes waiting for it (a small count, WAL: never waits)."""
        if not self.settings.sync:
            return
        try:
            pending = self.store.pending_changes() + len(self.pending)  # with marks still on their way
        except ReaderError:
            return
        text, error = sync_label(pending, self.sync_error, self._synced)
        self.status.set_sync(text, error=error)

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
        if self.view.kind is ViewKind.FEED and self.view.feed_id is not None and not self.view.search:
            feed = self.store.feed_by_id(self.view.feed_id)
            if feed is not None and feed.last_error:
                # A dead feed says why it is empty, and what to do.
                return f"Nothing from this feed: {safe(feed.last_error, 120)}. r tries again, H has details."
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
        total = self.headlines.pager.base_total  # the view's rows, not those of stories unfolded in it
        unread = self._unread_in_view()
        if self.view.unread_only or self.view.kind is ViewKind.UNREAD:
            # Items read here stay listed until the view changes: the unread count is the feeds' one.
            counts = f"{total if unread is None else unread:,} unread"
        else:
            # One row per story: the rows are stories (the unread count is still of items).
            rows = f"{total:,} {'story' if total == 1 else 'stories'}" if self.view.fold_stories else None
            rows = rows or count_of(total, "item")
            counts = rows if unread is None else f"{rows} · {unread:,} unread"
        self.status.set_view(f"{self._view_title()} · {counts}")

    def show_updated(self) -> None:
        """ "updated 5m ago": when the archive last heard from a feed (kept current by a timer)."""
        if self.last_update is None:
            self.status.set_updated("")
            return
        age = relative_age(self.last_update, self.settings.now())
        self.status.set_updated("updated just now" if age == "now" else f"updated {age} ago")

    def set_view(self, view: View, *, keep_item: int | None = None) -> None:
        """Show another view: from the top, or at `keep_item` (listed even if read, in an unread-only view)."""
        if view == self.view:
            return
        self.view = view
        self._kept.clear()
        if keep_item is not None:
            self.keep_in_view(keep_item)
        self.feed_list.show_view(view)
        self._load_headlines(restore_id=keep_item)

    # ------------------------------------------------------------------ messages up

    @on(FeedList.ViewChosen)
    def _on_view_chosen(self, event: FeedList.ViewChosen) -> None:
        self.set_view(
            replace(event.view, unread_only=self.view.unread_only, fold_stories=self.view.fold_stories)
        )
        if event.focus_headlines:
            self.open_feeds(False)
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
        if self.zen:
            return
        panes = self._panes()
        current = self._focused_pane()
        index = panes.index(current) if current in panes else 1
        target = panes[(index + step) % len(panes)]
        self.open_feeds(target is self.feed_list)
        target.focus()

    def open_feeds(self, open_: bool) -> None:
        """On narrow terminals the feed pane takes the reading column's place while it has focus."""
        self.feeds_open = open_
        self.feed_list.set_class(open_, "-open")
        self.query_one("#reading").set_class(open_ and self.has_class("narrow"), "-feeds-open")

    def action_next_pane(self) -> None:
        self._cycle(1)

    def action_previous_pane(self) -> None:
        self._cycle(-1)
