"""The services' story and topic calls (the Stories screen, folded rows, tracked topics)."""

from __future__ import annotations

from reader.models import Headline, StoryItem, StoryPage, Topic
from reader.store.feeds import Store


class StoryCalls:
    """Stories and tracked topics as the TUI asks for them. Blocking: thread workers only, each over the
    calling thread's own store (`thread_store`)."""

    def thread_store(self) -> Store:
        raise NotImplementedError

    def config_file(self) -> str | None:
        """The config file's path, for messages about what it defines (None: not known)."""
        return None

    def stories_grouped(self) -> bool:
        """Whether polls group items into stories ([stories] group in the config). Reads no database."""
        return True

    def stories_page(
        self,
        *,
        unread_only: bool = False,
        after: tuple[str, int] | None = None,
        before: tuple[str, int] | None = None,
        oldest: bool = False,
        limit: int = 200,
    ) -> StoryPage:
        """A keyset page of stories, newest first (see `Store.stories_page`)."""
        return self.thread_store().stories_page(
            unread_only=unread_only, after=after, before=before, oldest=oldest, limit=limit
        )

    def story_count(self, *, unread_only: bool = False) -> int:
        return self.thread_store().story_count(unread_only=unread_only)

    def story_items(self, story_id: int) -> list[StoryItem]:
        """A story's items (its outlets' versions), oldest first."""
        return self.thread_store().story_items(story_id)

    def story_of(self, item_id: int) -> int | None:
        return self.thread_store().story_of(item_id)

    def story_headlines(self, story_id: int) -> list[Headline]:
        """A story's items as headline rows, newest first (unfolding one row of a headline list)."""
        return self.thread_store().story_headlines(story_id)

    def topics(self) -> list[Topic]:
        """The tracked topics with their unread counts."""
        return self.thread_store().topics()

    def save_topic(self, name: str, query: str, *, replacing: str | None = None) -> Topic:
        """Save a topic (or rename / change the user's topic `replacing`); raises TopicInputError."""
        from reader.stories.topic_edits import save_topic

        return save_topic(
            self.thread_store(), name, query, replacing=replacing, config_path=self.config_file()
        )

    def delete_topic(self, name: str) -> Topic:
        """Delete the user's topic; raises TopicInputError for a config file's topic."""
        from reader.stories.topic_edits import delete_topic

        return delete_topic(self.thread_store(), name, config_path=self.config_file())
