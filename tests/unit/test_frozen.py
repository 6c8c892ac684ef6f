"""The value types' shared equality, hash and repr (reader/frozen.py) behave as dataclass's generated ones."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import pytest

from reader.config.sync import SyncSettings
from reader.frozen import Frozen
from reader.models import Feed, View, ViewKind


@dataclass(frozen=True, eq=False, repr=False)
class Point(Frozen):
    x: int
    y: int = 0
    label: str = field(default="", compare=False)
    secret: str = field(default="", repr=False)
    cache: tuple[int, ...] = field(default=(), hash=False)


@dataclass(frozen=True)
class StdPoint:
    x: int
    y: int = 0
    label: str = field(default="", compare=False)
    secret: str = field(default="", repr=False)
    cache: tuple[int, ...] = field(default=(), hash=False)


@dataclass(frozen=True, eq=False, repr=False)
class Empty(Frozen):
    pass


@dataclass(frozen=True, eq=False, repr=False)
class One(Frozen):
    value: int


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ((1, 2), (1, 2)),
        ((1, 2), (1, 3)),
        ((1, 2, "a"), (1, 2, "b")),
        ((1, 2, "", "s"), (1, 2, "", "t")),
        ((1, 2, "", "", (1,)), (1, 2, "", "", (2,))),
    ],
)
def test_equality_and_hash_follow_the_fields_flags_as_dataclass_does(
    a: tuple[object, ...], b: tuple[object, ...]
) -> None:
    ours = Point(*a) == Point(*b)  # type: ignore[arg-type]
    theirs = StdPoint(*a) == StdPoint(*b)  # type: ignore[arg-type]
    assert ours == theirs
    if ours:
        assert hash(Point(*a)) == hash(Point(*b))  # type: ignore[arg-type]


def test_repr_is_dataclass_repr_without_the_hidden_fields() -> None:
    point = Point(1, 2, "a", "hunter2", (3,))
    assert repr(point) == "Point(x=1, y=2, label='a', cache=(3,))"
    assert repr(point) == repr(StdPoint(1, 2, "a", "hunter2", (3,))).replace("StdPoint", "Point")
    settings = SyncSettings(kind="greader", url="https://sync.example/api", user="me", password="hunter2")
    assert "hunter2" not in repr(settings)


def test_other_classes_and_other_values_are_never_equal() -> None:
    assert Point(1) != StdPoint(1)
    assert Point(1) != (1, 0)
    assert One(1) != Point(1)
    assert Empty() == Empty()
    assert hash(Empty()) == hash(Empty())
    assert {One(1), One(1), One(2)} == {One(1), One(2)}


def test_value_types_stay_frozen_and_replaceable() -> None:
    feed = Feed(id=1, url="https://a.example/feed", title="A")
    with pytest.raises(dataclasses.FrozenInstanceError):
        feed.title = "B"  # type: ignore[misc]
    assert dataclasses.replace(feed, title="B") == Feed(id=1, url="https://a.example/feed", title="B")
    assert View(ViewKind.ALL) == View(ViewKind.ALL)
    assert len({View(ViewKind.ALL), View(ViewKind.ALL), View(ViewKind.SAVED)}) == 2
