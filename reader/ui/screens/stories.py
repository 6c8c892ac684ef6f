"""Stories in the TUI: the Stories screen (one row per story, unfolding to its outlets' versions), marking a
whole story read (undo works), and "Also covered by" with a key to step through the other outlets' versions."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import ClassVar

from rich.cells import cell_len
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.events import Mount
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from reader.models import Headline, Story, StoryItem, View, ViewKind
from reader.store.feeds import Store, fts_query
from reader.stories.topics import check_topic_name
from reader.ui.messages import RefreshFinished
from reader.ui.screens.base import Undo
from reader.ui.screens.prompt import PromptScreen
from reader.ui.screens.reading import ReadingScreen
from reader.ui.text import relative_age, safe
from reader.ui.widgets.feeds import FeedList
from reader.ui.widgets.headlines import UNREAD_MARK, fit
from reader.ui.writer import PendingMarks

PAGE = 300
REJOINED_MARK = "+"  # new items joined a story that had been read
PENDING_LOOKUPS = (
    500  # marks in flight looked up to correct the stories' unread counts (more: shown once stored)
)


class StoriesScreen(ModalScreen[int | None]):
    """The newest stories. Enter unfolds a story into its items (Enter on an item opens it), m marks the
    story read, u undoes, f shows only unread stories, Escape closes."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "close", "Close", id="stories.close"),
        Binding("m", "mark_read", "Mark story read/unread", id="stories.mark_read"),
        Binding("u", "undo", "Undo", id="stories.undo"),
        Binding("f", "filter_unread", "Unread only", id="stories.filter_unread"),
        Binding("j", "cursor_down", "Down", show=False, id="stories.down"),
        Binding("k", "cursor_up", "Up", show=False, id="stories.up"),
    ]

    def __init__(
        self,
        store: Store,
        now: Callable[[], datetime],
        mark: Callable[[int, bool], list[int]],
        undo: Callable[[], None],
        pending: PendingMarks | None = None,
    ) -> None:
        super().__init__()
        self.store = store
        self.pending = pending if pending is not None else PendingMarks()
        self.now = now
        self._mark = mark
        self._undo = undo
        self.unread_only = False
        self.stories: list[Story] = []
        self.open: dict[int, list[StoryItem]] = {}

    def compose(self) -> ComposeResult:
        with Vertical(id="stories-box"):
            yield Static(id="stories-title")
            yield OptionList(id="stories-list")

    def on_mount(self) -> None:
        self.reload()
        self.query_one(OptionList).focus()
        self.call_after_refresh(self.reload)  # again at the laid-out width

    def on_resize(self) -> None:
        self.reload()

    @property
    def options(self) -> OptionList:
        return self.query_one("#stories-list", OptionList)

    def reload(self, keep: str | None = None) -> None:
        self.stories = self._with_pending(self.store.stories(unread_only=self.unread_only, limit=PAGE))
        for sid in list(self.open):
            self.open[sid] = [self._overlay(it) for it in self.store.story_items(sid)]
        keep = keep or (self.options.highlighted_option.id if self.options.highlighted_option else None)
        width = max(20, (self.options.scrollable_content_region.width or 80) - 3)
        rows: list[Option] = []
        for story in self.stories:
            rows.append(Option(self._story_prompt(story, width), id=f"s:{story.id}"))
            for it in self.open.get(story.id, []):
                rows.append(Option(self._item_prompt(it, width), id=f"i:{it.id}"))
        self.options.set_options(rows)
        ids = [r.id for r in rows]
        if keep in ids:
            self.options.highlighted = ids.index(keep)
        elif rows:
            self.options.highlighted = 0
        what = "unread stories" if self.unread_only else "stories"
        empty = " · none yet: stories appear as feeds are polled" if not rows else ""
        self.query_one("#stories-title", Static).update(
            Content.assemble(
                ("Stories", "bold"),
                (
                    f"  {len(self.stories)} {what}{empty} · Enter unfolds · m marks read · Esc closes",
                    "$text-muted",
                ),
            )
        )

    def _overlay(self, it: StoryItem) -> StoryItem:
        read = self.pending.read(it.id)
        return it if read is None or read == it.read else replace(it, read=read)

    def _with_pending(self, stories: list[Story]) -> list[Story]:
        """The stories as the reader sees them: marks still on their way to the store counted in."""
        reads = self.pending.reads()
        if not reads or len(reads) > PENDING_LOOKUPS:
            return stories
        touched = {sid for sid in (self.store.story_of(i) for i in reads) if sid is not None}
        shown: list[Story] = []
        for story in stories:
            if story.id in touched:
                items = [self._overlay(it) for it in self.store.story_items(story.id)]
                story = replace(story, unread_count=sum(not it.read for it in items))
                if self.unread_only and not story.unread_count:
                    continue
            shown.append(story)
        return shown

    def _story_prompt(self, story: Story, width: int) -> Content:
        mark = REJOINED_MARK if story.rejoined else (UNREAD_MARK if story.unread_count else " ")
        outlets = f"{story.feed_count} outlet{'s' if story.feed_count != 1 else ''}"
        age = relative_age(story.newest, self.now())
        meta = f" {outlets:>10} {age:>4}"
        fold = "▾ " if story.id in self.open else "▸ "
        title = fit(safe(story.lead_title, 300), width - 2 - cell_len(fold) - cell_len(meta))
        return Content.assemble(
            (mark, "$accent bold"),
            " ",
            (fold, "$text-muted"),
            (title, "bold" if story.unread_count else "$text-muted"),
            (meta, "$text-muted"),
        )

    def _item_prompt(self, it: StoryItem, width: int) -> Content:
        mark = UNREAD_MARK if not it.read else " "
        feed = fit(safe(it.feed_title, 100), 20)
        title = fit(safe(it.title, 300), width - 6 - 21)
        return Content.assemble("    ", (mark, "$accent"), " ", (feed, "$text-muted"), " ", title)

    def _current(self) -> tuple[str, int] | None:
        option = self.options.highlighted_option
        if option is None or option.id is None:
            return None
        kind, _, value = option.id.partition(":")
        return kind, int(value)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        current = self._current()
        if current is None:
            return
        kind, value = current
        if kind == "i":
            self.dismiss(value)
            return
        if value in self.open:
            del self.open[value]
        else:
            self.open[value] = [self._overlay(it) for it in self.store.story_items(value)]
        self.reload(keep=f"s:{value}")

    def _story_id(self) -> int | None:
        current = self._current()
        if current is None:
            return None
        kind, value = current
        return value if kind == "s" else self.store.story_of(value)

    def action_mark_read(self) -> None:
        story_id = self._story_id()
        story = next((s for s in self.stories if s.id == story_id), None)
        if story_id is None:
            return
        read = story is None or story.unread_count > 0
        self._mark(story_id, read)
        self.reload(keep=f"s:{story_id}")

    def action_undo(self) -> None:
        self._undo()
        self.reload()

    def action_filter_unread(self) -> None:
        self.unread_only = not self.unread_only
        self.reload()

    def action_cursor_down(self) -> None:
        self.options.action_cursor_down()

    def action_cursor_up(self) -> None:
        self.options.action_cursor_up()

    def action_close(self) -> None:
        self.dismiss(None)


class GroupingProgress(Message):
    """Progress of grouping an old archive into stories (from a thread worker)."""

    def __init__(self, done: int, total: int, *, finished: bool = False) -> None:
        super().__init__()
        self.done = done
        self.total = total
        self.finished = finished


class StoryActions(ReadingScreen):
    """What the main screen does with stories: the Stories screen, story marks, and other outlets' versions."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("S", "stories", "Stories", show=False, id="stories"),
        Binding("c", "next_outlet", "Next outlet's version", show=False, id="next_outlet"),
        Binding("T", "save_topic", "Save the search as a topic", show=False, id="save_topic"),
        Binding(
            "F", "fold_stories", "One row per story (+N outlets) / every item", show=False, id="fold_stories"
        ),
    ]

    def action_toggle_read(self) -> None:
        """In a folded view a row stands for its story: m marks the whole story (u undoes)."""
        target = self._target() if self.view.fold_stories else None
        story_id = self.store.story_of(target[0]) if target is not None else None
        item = self.item(target[0]) if target is not None else None
        if story_id is None or item is None:
            super().action_toggle_read()
            return
        self.mark_story(story_id, not item.read)

    def action_fold_stories(self) -> None:
        """Fold each story into its newest item ("+N" counts the other outlets' versions), or unfold."""
        fold = not self.view.fold_stories
        self.set_view(replace(self.view, fold_stories=fold))
        self.status.set_notice("One row per story" if fold else "Every item")

    def action_save_topic(self) -> None:
        """Save the current search as a tracked topic (a virtual feed in the feed pane)."""
        search = self.view.search
        query = fts_query(search) if search else None
        if query is None:
            self.status.set_notice(
                f"Search first ({self.key_for('search')}), then {self.key_for('save_topic')} saves it"
            )
            return

        def named(name: str | None) -> None:
            name = (name or "").strip()
            if not name:
                return
            problem = check_topic_name(name)
            if problem:
                self.status.set_notice(problem, error=True)
                return
            self.store.save_topic(name, query)
            self.refresh_feeds()
            self.set_view(View(kind=ViewKind.TOPIC, topic=name, topic_query=query))
            self.status.set_notice(f"Saved topic {safe(name, 40)}")

        self.app.push_screen(PromptScreen("Name this topic", safe(search, 60), "a name…"), named)

    @on(Mount)
    def _group_old_items(self) -> None:
        """An archive from before stories existed is grouped in the background, with progress."""
        if self.store.ungrouped_count():
            self.group_archive()

    @work(thread=True, group="stories", exit_on_error=False, description="grouping stories")
    def group_archive(self) -> None:
        def progress(done: int, total: int) -> None:
            self.post_message(GroupingProgress(done, total))

        done = self.services.group_pending(progress)
        self.post_message(GroupingProgress(max(done, 0), max(done, 0), finished=True))

    @on(GroupingProgress)
    def _on_grouping_progress(self, event: GroupingProgress) -> None:
        if event.finished:
            if not self.polling:
                self.status.set_activity("")
            self.refresh_feeds()
        elif not self.polling:
            self.status.set_activity(f"Grouping stories {event.done:,}/{event.total:,}")

    @on(RefreshFinished)
    def _announce_topics(self, event: RefreshFinished) -> None:
        """A topic's new matches, announced once after the poll that brought them."""
        for name, count in event.summary.topic_matches:
            self.notify(f"{safe(name, 60)}: {count} new", title="Topic", markup=False, timeout=8)
        error = event.summary.notify_error
        if error and not self._notify_error_told:
            self._notify_error_told = True
            self.notify(safe(error, 200), severity="warning", markup=False, timeout=10)

    @on(FeedList.StoriesRequested)
    def _on_stories_requested(self, event: FeedList.StoriesRequested) -> None:
        event.stop()
        self.action_stories()

    def action_stories(self) -> None:
        def opened(item_id: int | None) -> None:
            self.refresh_feeds()
            self.reload_headlines()
            if item_id is not None:
                self.open_story_item(item_id)

        self.app.push_screen(
            StoriesScreen(self.store, self.settings.now, self.mark_story, self.action_undo, self.pending),
            opened,
        )

    def mark_story(self, story_id: int, read: bool) -> list[int]:
        """Mark every item of a story read (or unread); one undo step puts them back. The screen shows it at
        once and the one writer stores it (never a write on the UI thread)."""
        items = self.store.story_items(story_id)
        targets = [(it.id, it.feed_id) for it in items if self._is_read(it) != read]
        if targets:
            self._set_read(targets, read)
            ids = tuple(i for i, _ in targets)
            self.undo_stack.append(
                Undo(
                    "read",
                    ids,
                    read,
                    "mark story read" if read else "mark story unread",
                    tuple(f for _, f in targets),
                )
            )
            self.status.set_notice(
                f"Marked {len(ids)} items of the story {'read' if read else 'unread'} (u undoes)"
            )
        return [i for i, _ in targets]

    def _is_read(self, it: StoryItem) -> bool:
        """An item's read state with the marks still on their way to the store."""
        pending = self.pending.read(it.id)
        return it.read if pending is None else pending

    def open_story_item(self, item_id: int) -> None:
        """Show an item wherever it is: in the current view when it is there, else in All."""
        if self.store.position(self.view, item_id) is None:
            self.set_view(View(kind=ViewKind.ALL))
        index = self.store.position(self.view, item_id)
        if index is not None:
            self.headlines.move_to(index)
        item = self.store.item(item_id)
        if item is not None:
            headline = Headline(
                id=item.id,
                feed_id=item.feed_id,
                feed_title=item.feed_title,
                title=item.title,
                link=item.link,
                date=item.sort_date,
                read=item.read,
                saved=item.saved,
            )
            self.open_headline(headline)

    def open_headline(self, headline: Headline) -> None:
        super().open_headline(headline)
        self._announce_outlets(headline.id)

    def _others(self, item_id: int) -> list[StoryItem]:
        story_id = self.store.story_of(item_id)
        if story_id is None:
            return []
        return [it for it in self.store.story_items(story_id) if it.id != item_id]

    def _outlets_line(self) -> Static:
        """The "Also covered by" line under the article header (mounted the first time it is needed)."""
        found = self.article.query("#article-outlets")
        if found:
            line = found.first()
            assert isinstance(line, Static)
            return line
        line = Static("", id="article-outlets")
        self.article.mount(line, after="#article-header")
        return line

    def _announce_outlets(self, item_id: int) -> None:
        others = self._others(item_id)
        if not others and not self.article.query("#article-outlets"):
            return
        line = self._outlets_line()
        line.display = bool(others)
        if not others:
            return
        names = list(dict.fromkeys(safe(it.feed_title, 40) for it in others))
        shown = ", ".join(names[:4]) + (f" and {len(names) - 4} more" if len(names) > 4 else "")
        line.update(
            Content.assemble(
                ("Also covered by: ", "bold"),
                shown,
                (f"  ({self.key_for('next_outlet')}: next outlet's version)", "$text-muted"),
            )
        )

    def action_next_outlet(self) -> None:
        """Open the next outlet's version of the open story (in story order, wrapping round)."""
        current = self.open_item
        if current is None:
            return
        story_id = self.store.story_of(current.id)
        items = self.store.story_items(story_id) if story_id is not None else []
        if len(items) < 2:
            self.status.set_notice("No other outlet has this story")
            return
        ids = [it.id for it in items]
        nxt = ids[(ids.index(current.id) + 1) % len(ids)] if current.id in ids else ids[0]
        self.open_story_item(nxt)
