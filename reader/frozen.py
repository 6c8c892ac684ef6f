"""`Frozen`: the equality, hash and repr of the frozen dataclasses, written once instead of per class.

`@dataclass(frozen=True)` compiles six methods for every class when its module is imported; for the ~50
value types a start-up defines that was about a third of the reader's own import time. A value type here is
`@dataclass(frozen=True, eq=False, repr=False)` over `Frozen`: the dataclass makes `__init__` and the
frozen `__setattr__`, and `Frozen` gives what `eq=True, repr=True` would, from the fields' own flags
(`compare`, `hash`, `repr`), worked out once per class on first use.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields
from operator import attrgetter
from typing import Any

_Key = Callable[[Any], Any]
_keys: dict[type, tuple[_Key, _Key, tuple[str, ...]]] = {}


def _no_fields(_: object) -> tuple[()]:
    return ()


def _getter(names: list[str]) -> _Key:
    if not names:
        return _no_fields
    if len(names) == 1:
        one = attrgetter(names[0])
        return lambda obj: (one(obj),)
    return attrgetter(*names)


def _class_keys(cls: type) -> tuple[_Key, _Key, tuple[str, ...]]:
    """(the compared fields as a tuple, the hashed ones, the names shown by repr) of a dataclass."""
    keys = _keys.get(cls)
    if keys is None:
        all_fields = fields(cls)
        compared = [f.name for f in all_fields if f.compare]
        hashed = [f.name for f in all_fields if (f.compare if f.hash is None else f.hash)]
        shown = tuple(f.name for f in all_fields if f.repr)
        keys = _keys[cls] = (_getter(compared), _getter(hashed), shown)
    return keys


class Frozen:
    """Base of the frozen value types: equal when of the same class with equal compared fields."""

    __slots__ = ()

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        key = _class_keys(self.__class__)[0]
        return bool(key(self) == key(other))

    def __hash__(self) -> int:
        return hash(_class_keys(self.__class__)[1](self))

    def __repr__(self) -> str:
        shown = _class_keys(self.__class__)[2]
        inner = ", ".join(f"{name}={getattr(self, name)!r}" for name in shown)
        return f"{self.__class__.__qualname__}({inner})"
