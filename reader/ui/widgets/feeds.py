"""The feed pane: the All / Unread / Saved views, tags as foldable groups, feeds with unread counts and failures,
and, apart under "Not polled", the feeds no longer polled whose items are still listed (dim)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import ClassVar

from rich.cells import cell_len
from textual import events
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from reader.frozen import Frozen, value_type
from reader.models import Feed, Topic, View, ViewKind
from reader.ui.text import safe
from reader.ui.widgets.headlines import fit

FAIL_MARK = "!"
OPEN_MARK = "▾"
FOLDED_MARK = "▸"
UNTAGGED = ""  # the group key of feeds without tags
UNTAGGED_ID = "group:untagged"
STORIES_ID = "stories"
# The group of feeds no longer polled that still hold items. A tag never holds a comma (see clean_tag), so this
# key is no tag's.
NOT_POLLED = ",not-polled"
NOT_POLLED_ID = "group:not-polled"
NOT_POLLED_LABEL = "Not polled"
TOPIC_MARK = "◆"


@value_type
class _Row(Frozen):
    option_id: str
    label: str
    count: int
    indent: int = 0
    failing: bool = False
    group: str | None = None  # set on group headings: the tag ("" for Untagged)
    folded: bool = False
    divider: bool = False  # a rule under this row
    dim: bool = False  # a feed no longer polled (and its group's heading)


def option_id_for(view: View) -> str:
    """The feed pane row that stands for a view (search and filters don't change which row)."""
    if view.kind is ViewKind.FEED:
        return f"feed:{view.feed_id}"
    if view.kind is ViewKind.TAG:
        return f"tag:{view.tag}"
    if view.kind is ViewKind.TOPIC:
        return f"topic:{view.topic}"
    return str(view.kind.value)


def view_for_option(option_id: str, topics: dict[str, str] | None = None) -> View | None:
    """The view a row shows; None for rows that show no view of their own (the Untagged heading, Stories,
    which opens a screen of its own)."""
    kind, _, rest = option_id.partition(":")
    if kind == "feed":
        return View(kind=ViewKind.FEED, feed_id=int(rest.partition("@")[0]))
    if kind == "tag":
        return View(kind=ViewKind.TAG, tag=rest)
    if kind == "topic":
        query = (topics or {}).get(rest)
        return View(kind=ViewKind.TOPIC, topic=rest, topic_query=query) if query is not None else None
    if kind in ("group", STORIES_ID):
        return None
    return View(kind=ViewKind(kind))


def _matches(option_id: str | None, wanted: str) -> bool:
    return option_id is not None and (option_id == wanted or option_id.startswith(wanted + "@"))


class FeedList(OptionList):
    """Views, tag groups and feeds. Moving the highlight asks the screen to show that view; Enter or space on
    a group heading folds or unfolds it (a feed with several tags is listed in each of its groups)."""

    DEFAULT_CSS = """
    FeedList {
        & > .feed-list--count { color: $text-muted; }
        & > .feed-list--failing { color: $error; text-style: bold; }
        & > .feed-list--heading { text-style: bold; }
        & > .feed-list--idle { color: $text-muted; }
        &:nocolor > .option-list--option-highlighted { text-style: reverse; }
    }
    """
    COMPONENT_CLASSES = {"feed-list--count", "feed-list--failing", "feed-list--heading", "feed-list--idle"}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "space",
            "toggle_group",
            "Fold/unfold a tag group (Enter too)",
            show=False,
            id="feeds.toggle_group",
        ),
    ]

    class ViewChosen(Message):
        """The user moved to a feed-pane row; `focus_headlines` when they pressed Enter on it."""

        def __init__(self, view: View, focus_headlines: bool) -> None:
            super().__init__()
            self.view = view
            self.focus_headlines = focus_headlines

    class StoriesRequested(Message):
        """The user chose the Stories row."""

    class Folded(Message):
        """The set of folded groups changed (the screen remembers it between launches)."""

        def __init__(self, folded: frozenset[str]) -> None:
            super().__init__()
            self.folded = folded

    def __init__(self, *, id: str | None = None, folded: Iterable[str] = ()) -> None:
        super().__init__(id=id)
        self._rows: list[_Row] = []
        self._feeds: list[Feed] = []
        self._saved_count = 0
        self.folded: set[str] = set(folded)
        self.stories_unread = 0  # set by the screen before set_feeds
        self._idle: str | None = None  # the dim rows' colour (see _idle_color)
        self.topics: list[Topic] = []

    def _extra_rows(self) -> list[_Row]:
        """Stories and the tracked topics (virtual feeds), between Saved and the feeds."""
        rows = [_Row(STORIES_ID, "Stories", self.stories_unread)]
        rows += [_Row(f"topic:{t.name}", f"{TOPIC_MARK} {t.name}", t.unread_count) for t in self.topics]
        return rows

    def _topic_queries(self) -> dict[str, str]:
        return {t.name: t.query for t in self.topics}

    # ------------------------------------------------------------------ data in

    def set_feeds(self, feeds: list[Feed], saved_count: int, current: View) -> None:
        """Rebuild (or, when the rows are the same, relabel) the pane, keeping the highlighted row."""
        self._feeds, self._saved_count = feeds, saved_count
        rows = self._build_rows(feeds, saved_count, self.folded, self._extra_rows())
        old = self._rows
        same_shape = [(r.option_id, r.divider) for r in rows] == [(r.option_id, r.divider) for r in old]
        self._rows = rows
        if same_shape:
            # Only the rows whose count or state changed: a mark changes two or three of them, and
            # re-rendering a hundred feeds per key press is what made marks slow.
            for before, row in zip(old, rows, strict=True):
                if before != row:
                    self.replace_option_prompt(row.option_id, self._prompt(row))
            return
        self._rebuild(current)

    def _rebuild(self, current: View | None, keep: str | None = None) -> None:
        keep = keep or (self.highlighted_option.id if self.highlighted_option else None)
        options: list[Option | None] = []
        for row in self._rows:
            options.append(Option(self._prompt(row), id=row.option_id))
            if row.divider:
                options.append(None)
        with self.prevent(OptionList.OptionHighlighted):
            self.set_options(options)
            ids = [r.option_id for r in self._rows]
            if keep in ids:
                self.highlighted = ids.index(keep)
        if current is not None:
            self.show_view(current)

    def show_view(self, view: View) -> None:
        """Highlight a row for `view` without announcing a change. The highlighted row stays when it already
        stands for the view (a feed listed under two tags); a feed hidden in folded groups unfolds one."""
        wanted = option_id_for(view)
        current = self.highlighted_option
        if current is not None and _matches(current.id, wanted):
            return
        for index, row in enumerate(self._rows):
            if _matches(row.option_id, wanted):
                with self.prevent(OptionList.OptionHighlighted):
                    self.highlighted = index
                return
        if view.kind is ViewKind.FEED:
            feed = next((f for f in self._feeds if f.id == view.feed_id), None)
            group = None if feed is None else NOT_POLLED if not feed.active else (feed.tags or (UNTAGGED,))[0]
            if group is not None and group in self.folded:  # (only then can unfolding show its row)
                self.folded.discard(group)
                self._rows = self._build_rows(self._feeds, self._saved_count, self.folded, self._extra_rows())
                self._rebuild(view)
                self.post_message(self.Folded(frozenset(self.folded)))

    @staticmethod
    def _build_rows(
        feeds: list[Feed], saved_count: int, folded: set[str], extras: list[_Row] | None = None
    ) -> list[_Row]:
        # The counts are of every feed's items, polled or not: they agree with what the views list.
        unread = sum(f.unread_count for f in feeds)
        polled = [f for f in feeds if f.active]
        idle = [f for f in feeds if not f.active]
        rows = [
            _Row("all", "All", unread),
            _Row("unread", "Unread", unread),
            _Row("saved", "Saved", saved_count, divider=bool(feeds) and not extras),
        ]
        if extras:
            rows += [*extras[:-1], replace(extras[-1], divider=bool(feeds))]

        def feed_row(f: Feed, suffix: str, indent: int) -> _Row:
            return _Row(
                f"feed:{f.id}{suffix}",
                f.display_title,
                f.unread_count,
                indent,
                f.active and bool(f.last_error),
                dim=not f.active,
            )

        # Tag groups are of the polled feeds; a tag's count is its view's (its feeds no longer polled too).
        tags = sorted({t for f in polled for t in f.tags}, key=str.casefold)
        if not tags:  # no tags at all: a flat list, no groups to fold
            rows += [feed_row(f, "", 0) for f in polled]
        else:
            untagged = [f for f in polled if not f.tags]
            groups: list[tuple[str, str, str, list[Feed], int]] = [
                (
                    t,
                    f"tag:{t}",
                    t,
                    [f for f in polled if t in f.tags],
                    sum(f.unread_count for f in feeds if t in f.tags),
                )
                for t in tags
            ]
            if untagged:
                groups.append(
                    (UNTAGGED, UNTAGGED_ID, "Untagged", untagged, sum(f.unread_count for f in untagged))
                )
            for key, option_id, label, members, count in groups:
                is_folded = key in folded
                failing = is_folded and any(f.last_error for f in members)
                rows.append(_Row(option_id, label, count, 0, failing, group=key, folded=is_folded))
                if not is_folded:
                    rows.extend(feed_row(f, f"@{key}" if key else "", 1) for f in members)
        if idle:
            # Apart, after the polled feeds: feeds the config dropped, unsubscribed feeds kept for their saved
            # items, Saved pages. Their items are in every view, so they can be read feed by feed too.
            if polled:
                rows[-1] = replace(rows[-1], divider=True)
            is_folded = NOT_POLLED in folded
            count = sum(f.unread_count for f in idle)
            rows.append(
                _Row(NOT_POLLED_ID, NOT_POLLED_LABEL, count, group=NOT_POLLED, folded=is_folded, dim=True)
            )
            if not is_folded:
                rows.extend(feed_row(f, f"@{NOT_POLLED}", 1) for f in idle)
        return rows

    def _prompt(self, row: _Row) -> Content:
        # Options have one cell of padding each side; a prompt wider than that would wrap.
        width = max(10, (self.scrollable_content_region.width or 30) - 3)
        count = str(row.count) if row.count else ""
        mark = FAIL_MARK if row.failing else " "
        heading = row.group is not None
        fold = ((FOLDED_MARK if row.folded else OPEN_MARK) + " ") if heading else ""
        label_w = width - 2 * row.indent - 2 - cell_len(fold) - cell_len(count) - 1
        label = fit(safe(row.label, 200), label_w)
        # A feed not polled is dim: the muted colour as CSS resolves it (blended over the pane's background;
        # "$text-muted" in a prompt comes out brighter than the text around it).
        dim = (self._idle or self._idle_color()) if row.dim else ""
        return Content.assemble(
            "  " * row.indent,
            (mark, "$error bold" if row.failing else ""),
            " ",
            (fold, dim or "$text-muted"),
            (label, " ".join(s for s in ("bold" if heading else "", dim) if s)),
            " ",
            (count, dim or "$text-muted"),
        )

    def _idle_color(self) -> str:
        color = self.get_component_rich_style("feed-list--idle").color
        self._idle = color.get_truecolor().hex if color is not None else "dim"
        return self._idle

    def notify_style_update(self) -> None:
        super().notify_style_update()
        if self._idle is not None and self._idle != self._idle_color():  # another theme: the dim rows follow
            for row in self._rows:
                if row.dim:
                    self.replace_option_prompt(row.option_id, self._prompt(row))

    def on_resize(self, event: events.Resize) -> None:
        for row in self._rows:
            self.replace_option_prompt(row.option_id, self._prompt(row))

    # ------------------------------------------------------------------ folding

    def _highlighted_row(self) -> _Row | None:
        index = self.highlighted
        return self._rows[index] if index is not None and 0 <= index < len(self._rows) else None

    def action_toggle_group(self) -> None:
        row = self._highlighted_row()
        if row is None:
            return
        if row.group is None:
            # On a feed, space folds the group it sits in and moves to its heading.
            _, _, group = row.option_id.partition("@")
            key = group if "@" in row.option_id else UNTAGGED
            heading = NOT_POLLED_ID if key == NOT_POLLED else (f"tag:{key}" if key else UNTAGGED_ID)
            if heading not in [r.option_id for r in self._rows]:
                return
            self.folded.add(key)
            self._refold(heading)
            return
        self.folded.symmetric_difference_update({row.group})
        self._refold(row.option_id)

    def _refold(self, keep: str) -> None:
        self._rows = self._build_rows(self._feeds, self._saved_count, self.folded, self._extra_rows())
        self._rebuild(None, keep)
        self.post_message(self.Folded(frozenset(self.folded)))

    # ------------------------------------------------------------------ messages up

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        event.stop()
        view = view_for_option(event.option.id, self._topic_queries()) if event.option.id else None
        if view is not None:
            self.post_message(self.ViewChosen(view, False))

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        row = self._highlighted_row()
        if row is not None and row.group is not None:
            self.action_toggle_group()  # Enter (or a click) on a heading folds it; the view is already shown
            return
        if event.option.id == STORIES_ID:
            self.post_message(self.StoriesRequested())
            return
        view = view_for_option(event.option.id, self._topic_queries()) if event.option.id else None
        if view is not None:
            self.post_message(self.ViewChosen(view, True))
