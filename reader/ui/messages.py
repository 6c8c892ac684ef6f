"""Messages the thread workers post back to the main screen."""

from __future__ import annotations

from textual.message import Message

from reader.ui.protocol import ArticleLoad, PollSummary


class PollProgress(Message):
    """Feeds done so far in the running poll. Only the newest one matters, so queued ones are replaced."""

    def __init__(self, done: int, total: int, new_items: int) -> None:
        super().__init__()
        self.done = done
        self.total = total
        self.new_items = new_items

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, PollProgress)


class PollFinished(Message):
    def __init__(self, summary: PollSummary) -> None:
        super().__init__()
        self.summary = summary


class ArticleLoaded(Message):
    """Full text for `item_id` is ready (or failed). `for_display` is False for save-time offline copies."""

    def __init__(self, item_id: int, load: ArticleLoad, for_display: bool) -> None:
        super().__init__()
        self.item_id = item_id
        self.load = load
        self.for_display = for_display
