"""Messages the thread workers post back to the main screen."""

from __future__ import annotations

from textual.message import Message

from reader.models import Feed, Topic
from reader.ui.protocol import ArticleLoad, PollSummary
from reader.ui.writer import Mark


class RefreshProgress(Message):
    """Feeds done so far in the running refresh (the poller's PollProgress, as a message). Only the newest one
    matters, so queued ones are replaced."""

    def __init__(self, done: int, total: int, new_items: int) -> None:
        super().__init__()
        self.done = done
        self.total = total
        self.new_items = new_items

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, RefreshProgress)


class RefreshFinished(Message):
    def __init__(self, summary: PollSummary) -> None:
        super().__init__()
        self.summary = summary


class ArticleLoaded(Message):
    """Text for `item_id` is ready (or failed). `for_display` is False for save-time offline copies;
    `retry`: the full text failed and `t` tries again; `switched`: the reader asked for the feed's text."""

    def __init__(
        self,
        item_id: int,
        load: ArticleLoad,
        for_display: bool,
        *,
        retry: bool = False,
        switched: bool = False,
    ) -> None:
        super().__init__()
        self.item_id = item_id
        self.load = load
        self.for_display = for_display
        self.retry = retry
        self.switched = switched


class ArticleFetching(Message):
    """The open item has no stored text: its page is being fetched (the pane says so)."""

    def __init__(self, item_id: int) -> None:
        super().__init__()
        self.item_id = item_id


class MarkLanded(Message):
    """The writer stored a mark."""

    def __init__(self, mark: Mark) -> None:
        super().__init__()
        self.mark = mark


class MarkFailed(Message):
    """The writer could not store a mark yet (it keeps trying)."""

    def __init__(self, mark: Mark, reason: str) -> None:
        super().__init__()
        self.mark = mark
        self.reason = reason


class FeedsCounted(Message):
    """Feeds with their unread counts, the saved count, the unread stories' count and the topics with their
    counts, read by a worker (at start-up: none of these grouped counts runs on the UI thread)."""

    def __init__(
        self,
        feeds: list[Feed],
        saved: int,
        stories_unread: int = 0,
        topics: list[Topic] | None = None,
        *,
        generation: int = 0,
        basis: tuple[int, int] = (0, 0),
    ) -> None:
        super().__init__()
        self.feeds = feeds
        self.saved = saved
        self.stories_unread = stories_unread
        self.topics = topics or []
        self.generation = generation  # which count asked for it (the screen applies the newest only)
        self.basis = basis  # marks landed and counts changed on screen when the count began


class TerminalGone(Message):
    """End of input, or an I/O error, on the terminal: the app quits as `q` does."""

    def __init__(self, reason: str) -> None:
        super().__init__()
        self.reason = reason
