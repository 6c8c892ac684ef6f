"""The value types (reader/frozen.py): made, compared, hashed and shown as `@dataclass(frozen=True)` would."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import pytest

from reader.config.sync import SyncSettings
from reader.frozen import Frozen, value_type
from reader.models import Feed, View, ViewKind


@value_type
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


@value_type
class Empty(Frozen):
    pass


@value_type
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


@value_type
class Rich(Frozen):
    name: str
    tags: list[str] = field(default_factory=list)
    count: int = field(default=3, init=False)
    made: list[int] = field(default_factory=lambda: [1], init=False)
    flag: bool = field(default=False, kw_only=True)


@dataclass(frozen=True)
class StdRich:
    name: str
    tags: list[str] = field(default_factory=list)
    count: int = field(default=3, init=False)
    made: list[int] = field(default_factory=lambda: [1], init=False)
    flag: bool = field(default=False, kw_only=True)


@value_type
class Child(One):
    extra: str = "x"


def test_made_as_the_frozen_dataclass_makes_them() -> None:
    """Defaults, factories (a new list each time), fields outside `__init__`, keyword-only fields."""
    a, b = Rich("a"), Rich("a")
    assert a.tags == [] and a.tags is not b.tags and a.made == [1] and a.count == 3 and not a.flag
    assert Rich("b", ["t"], flag=True) == Rich("b", tags=["t"], flag=True)
    assert repr(Rich("b", ["t"], flag=True)) == repr(StdRich("b", ["t"], flag=True)).replace(
        "StdRich", "Rich"
    )
    with pytest.raises(TypeError):
        Rich("b", ["t"], True)  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        Rich()  # type: ignore[call-arg]
    assert [f.name for f in dataclasses.fields(Rich)] == [f.name for f in dataclasses.fields(StdRich)]


def test_each_class_gets_its_own_init_even_after_its_parent_made_one() -> None:
    assert One(1).value == 1
    child = Child(2, "y")
    assert (child.value, child.extra) == (2, "y")
    assert Child(3) == Child(3, "x") and Child(3) != One(3)
    with pytest.raises(dataclasses.FrozenInstanceError):
        del child.extra


def test_only_frozen_classes_can_be_value_types() -> None:
    with pytest.raises(TypeError, match="must derive from Frozen"):

        @value_type
        class Loose:
            x: int


def test_value_types_keep_their_fields_in_their_dict() -> None:
    with pytest.raises(TypeError, match="no __slots__"):

        @value_type
        class Slotted(Frozen):
            __slots__ = ("x",)
            x: int
