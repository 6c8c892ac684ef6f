"""The main screen: feeds, headlines and article panes, and the mediator between them, the store and workers."""

from __future__ import annotations

from dataclasses import replace
from typing import ClassVar

from textual import on, work
from textual.binding import Binding, BindingType
from textual.worker import Worker, WorkerState

from reader.errors import ReaderError
from reader.models import View, ViewKind
from reader.ui.messages import PollFinished, PollProgress
from reader.ui.screens.health import FeedHealthScreen
from reader.ui.screens.prompt import PromptScreen
from reader.ui.screens.stories import StoryActions
from reader.ui.text import feed_article, safe


class MainScreen(StoryActions):
    """The main screen: its key bindings, view actions (search, filter, focus mode), refreshing and worker failures."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j,down", "down", "Down", show=False, id="down"),
        Binding("k,up", "up", "Up", show=False, id="up"),
        Binding("enter", "open", "Open", id="open"),
        Binding("space", "page_down", "Page down", show=False, id="page_down"),
        Binding("b", "page_up", "Page up", show=False, id="page_up"),
        Binding("n", "next_unread", "Next unread", id="next_unread"),
        Binding("p", "prev_unread", "Previous unread", show=False, id="prev_unread"),
        Binding("t", "toggle_source", "Full text/feed text", show=False, id="toggle_source"),
        Binding("s", "toggle_saved", "Save", id="toggle_saved"),
        Binding("m", "toggle_read", "Read/unread", show=False, id="toggle_read"),
        Binding("A", "mark_view_read", "Mark view read", show=False, id="mark_view_read"),
        Binding("u", "undo", "Undo", show=False, id="undo"),
        Binding("o", "open_browser", "Open link", show=False, id="open_browser"),
        Binding("y", "copy_link", "Copy link", show=False, id="copy_link"),
        Binding("slash", "search", "Search", id="search"),
        Binding("f", "filter_unread", "Unread only", show=False, id="filter_unread"),
        Binding("z", "zen", "Focus mode", show=False, id="zen"),
        Binding("r", "refresh", "Refresh feed", show=False, id="refresh"),
        Binding("R", "refresh_all", "Refresh all", id="refresh_all"),
        Binding("tab", "next_pane", "Next pane", show=False, id="next_pane"),
        Binding("shift+tab", "previous_pane", "Previous pane", show=False, id="previous_pane"),
        Binding("H,exclamation_mark", "feed_health", "Feed health", show=False, id="feed_health"),
        Binding("escape", "back", "Back", show=False, id="back"),
    ]

    def on_mount(self) -> None:
        self.headlines.now = self.settings.now
        self.headlines.on_rows_painted = self._on_first_rows
        if not self._view_exists(self.view):
            self.view = View()
        self._load_headlines(restore_id=self._restore_item)
        self.headlines.focus()
        # Feed counts are one grouped query, but the headlines come first: paint them, then count.
        self.call_after_refresh(self.refresh_feeds)
        if self.settings.refresh_on_start:
            self.call_after_refresh(self.refresh_due)
        if self.settings.auto_refresh:
            self.set_interval(self.settings.auto_refresh, self._tick_auto_refresh)
        self.set_interval(30, self.show_updated)  # keeps "updated 2m ago" true

    def action_back(self) -> None:
        if self.has_class("zen"):
            self.action_zen()
        elif self.view.search:
            self.set_view(replace(self.view, search=None))
        elif self.has_class("feeds-open") or not self.headlines.has_focus:
            self.remove_class("feeds-open")
            self.headlines.focus()

    # ------------------------------------------------------------------ views

    def action_filter_unread(self) -> None:
        self.set_view(replace(self.view, unread_only=not self.view.unread_only))

    def action_search(self) -> None:
        def done(text: str | None) -> None:
            if text is not None:
                self.set_view(replace(self.view, search=text.strip() or None))
                self.headlines.focus()

        self.app.push_screen(PromptScreen("Search titles and text", self.view.search or "", "words…"), done)

    def action_zen(self) -> None:
        zen = not self.has_class("zen")
        self.set_class(zen, "zen")
        if zen:
            if self.open_item is None and self.headlines.highlighted is not None:
                self.open_headline(self.headlines.highlighted)
            self.article.focus()
        else:
            self.headlines.focus()

    def action_feed_health(self) -> None:
        self.app.push_screen(FeedHealthScreen(self.store.feeds(with_counts=False), self.settings.now))

    # ------------------------------------------------------------------ refreshing

    def _tick_auto_refresh(self) -> None:
        if not self.polling:
            self.refresh_due()

    def refresh_due(self) -> None:
        """Poll the feeds whose schedule (interval, server hints, backoff) says they are due."""
        self.start_poll(None, due_only=True)

    def action_refresh(self) -> None:
        if self.view.kind is ViewKind.FEED and self.view.feed_id is not None:
            self.start_poll([self.view.feed_id])
        elif self.view.kind is ViewKind.TAG:
            self.start_poll([f.id for f in self.store.feeds() if self.view.tag in f.tags])
        elif (headline := self.headlines.highlighted) is not None:
            self.start_poll([headline.feed_id])
        else:
            self.start_poll(None)

    def action_refresh_all(self) -> None:
        self.start_poll(None)

    def start_poll(self, feed_ids: list[int] | None, *, due_only: bool = False) -> None:
        if self.polling:
            if not due_only:
                self.status.set_notice("Already refreshing")
            return
        self.polling = True
        self._poll_new = 0
        self._poll_due_only = due_only
        self.status.set_activity("Refreshing…")
        self.poll(feed_ids, due_only)

    @work(thread=True, group="poll", exit_on_error=False, description="refreshing feeds")
    def poll(self, feed_ids: list[int] | None, due_only: bool = False) -> None:
        def progress(done: int, total: int, new_items: int) -> None:
            self.post_message(PollProgress(done, total, new_items))

        self.post_message(PollFinished(self.services.poll(feed_ids, progress, due_only=due_only)))

    @on(PollProgress)
    def _on_poll_progress(self, event: PollProgress) -> None:
        new = f" · {event.new_items} new" if event.new_items else ""
        self.status.set_activity(f"Refreshing {event.done}/{event.total}{new}")
        if event.new_items > self._poll_new:
            self._poll_new = event.new_items
            self.reload_headlines()
            self.refresh_feeds()

    @on(PollFinished)
    def _on_poll_finished(self, event: PollFinished) -> None:
        summary = event.summary
        self.polling = False
        self.status.set_activity("")
        if summary.total and not summary.offline and len(summary.failures) < summary.total:
            self.last_update = self.settings.now()
        self.reload_headlines()
        self.refresh_feeds()
        if summary.busy:
            self.status.set_notice("Another fetch is running; its items appear here as they arrive")
            return
        if summary.offline:
            self.status.set_notice("Offline: feeds can't be reached; showing the archive", error=True)
            if not self._offline_told:
                self._offline_told = True
                self.notify("Feeds can't be reached right now. Reading from the archive.", markup=False)
            return
        self._offline_told = False
        if summary.total == 0 and self._poll_due_only:
            self.status.set_notice("")  # nothing was due: nothing to say
            return
        parts = [f"{summary.new_items} new" if summary.new_items else "No new items"]
        if summary.failures:
            parts.append(f"{len(summary.failures)} of {summary.total} feeds failed (H: details)")
        self.status.set_notice(" · ".join(parts), error=bool(summary.failures))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """The one place worker failures surface: a notification naming what failed (never markup)."""
        worker = event.worker
        if event.state is not WorkerState.ERROR:
            return
        if worker.group == "poll":
            self.polling = False
            self.status.set_activity("")
        error = worker.error
        reason = str(error) if isinstance(error, ReaderError) else f"{type(error).__name__}: {error}"
        what = worker.description or worker.name or "a background task"
        self.notify(f"Failed {what}: {safe(reason, 300)}", markup=False, severity="error", timeout=8)
        if worker.group == "article" and self.open_item is not None and self.open_article is None:
            item = self.open_item
            note = "Couldn't get the full text; showing the feed's text."
            self._show(item, feed_article(item, note), new_item=False, retry=True)
