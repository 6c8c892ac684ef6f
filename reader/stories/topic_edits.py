"""Saving, editing and deleting tracked topics from the TUI, with the checks the config's `[topics]` gets.

Topics the config file defines belong to it: they are changed there (the next start applies them), never from
the TUI, which would be undone at the next start anyway.
"""

from __future__ import annotations

from typing import Protocol

from reader.errors import TopicInputError
from reader.models import Topic
from reader.stories.topics import check_topic_name, check_topic_query


class TopicEditStore(Protocol):
    def topic(self, name: str) -> Topic | None: ...
    def save_topic(self, name: str, query: str) -> None: ...
    def update_topic(self, name: str, new_name: str, query: str) -> bool: ...
    def delete_topic(self, name: str) -> bool: ...


def _checked(name: str, query: str) -> tuple[str, str]:
    name, query = name.strip(), query.strip()
    problem = check_topic_name(name)
    if problem:
        raise TopicInputError(problem[0].upper() + problem[1:])
    problem = check_topic_query(query)
    if problem:
        raise TopicInputError(f"The search {problem}")
    return name, query


def _config_owned(topic: Topic, config_path: str | None) -> TopicInputError:
    where = f" ({config_path})" if config_path else ""
    return TopicInputError(
        f"Topic {topic.name} is defined in the config file's [topics]{where}: change it there"
    )


def save_topic(
    store: TopicEditStore,
    name: str,
    query: str,
    *,
    replacing: str | None = None,
    config_path: str | None = None,
) -> Topic:
    """Save a new topic, or (with `replacing`) rename and/or change the user's topic of that name."""
    name, query = _checked(name, query)
    existing = store.topic(name)
    if replacing is None:
        if existing is not None:
            raise TopicInputError(f"A topic named {name} exists already: choose another name")
        store.save_topic(name, query)
    else:
        old = store.topic(replacing)
        if old is None:
            raise TopicInputError(f"No topic named {replacing} (it was deleted)")
        if old.origin == "config":
            raise _config_owned(old, config_path)
        if existing is not None and name != replacing:
            raise TopicInputError(f"A topic named {name} exists already: choose another name")
        store.update_topic(replacing, name, query)
    saved = store.topic(name)
    assert saved is not None
    return saved


def delete_topic(store: TopicEditStore, name: str, *, config_path: str | None = None) -> Topic:
    """Delete the user's topic (its items stay: a topic is only a saved search)."""
    topic = store.topic(name)
    if topic is None:
        raise TopicInputError(f"No topic named {name}")
    if topic.origin == "config":
        raise _config_owned(topic, config_path)
    store.delete_topic(name)
    return topic
