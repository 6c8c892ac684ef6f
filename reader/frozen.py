"""`@value_type`: the frozen value types, made at a fraction of what `@dataclass(frozen=True)` costs at import.

`@dataclass(frozen=True)` compiles six methods for every class when its module is imported; for the ~50
value types a start-up defines that was a third of the reader's own import time. A value type here is

    @value_type
    class Point(Frozen):
        x: int
        y: int = 0

`value_type` makes it a dataclass that compiles nothing (`init=False, eq=False, repr=False`): `fields`,
`replace`, `asdict` and pattern matching work as on any dataclass, and type checkers see a frozen dataclass
(`dataclass_transform`). `Frozen` gives the rest, written once instead of per class:

- `__init__` is compiled for a class the first time one is made (most value types are never made in a
  given run); it stores the fields straight into the instance's `__dict__`, as pickle and copy do;
- assigning or deleting a field raises `FrozenInstanceError`;
- equality, hash and repr follow the fields' own flags (`compare`, `hash`, `repr`), as `eq=True,
  repr=True` would, worked out once per class on first use.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import MISSING, FrozenInstanceError, dataclass, field, fields
from operator import attrgetter
from typing import Any, TypeVar, dataclass_transform

_Key = Callable[[Any], Any]
_keys: dict[type, tuple[_Key, _Key, tuple[str, ...]]] = {}
_T = TypeVar("_T")


@dataclass_transform(frozen_default=True, field_specifiers=(field,))
def value_type(cls: type[_T]) -> type[_T]:
    """A frozen value type over `Frozen`; nothing is compiled until the first instance is made."""
    if not issubclass(cls, Frozen):
        raise TypeError(f"@value_type class {cls.__qualname__} must derive from Frozen")
    if "__slots__" in vars(cls):
        raise TypeError(
            f"@value_type class {cls.__qualname__} keeps its fields in its __dict__: no __slots__"
        )
    if cls.__doc__ is None:  # else dataclass writes one from inspect.signature (tokenize: ms at start-up)
        cls.__doc__ = f"{cls.__qualname__}: a value type."
    made = dataclass(init=False, eq=False, repr=False)(cls)
    type.__setattr__(made, "__init__", _first_init)  # its own, not a parent's compiled one
    return made


def _init_for(cls: type) -> Callable[..., None]:
    """Compile `cls.__init__`: the frozen dataclass's, storing into the instance's dict (2.5x faster)."""
    scope: dict[str, Any] = {"__missing": MISSING}
    params: list[str] = []
    keyword_only: list[str] = []
    body = ["__d = self.__dict__"]
    for f in fields(cls):
        name = f.name
        if f.default is not MISSING:
            scope[f"__d_{name}"] = f.default
            default, given = f"__d_{name}", name
        elif f.default_factory is not MISSING:
            scope[f"__f_{name}"] = f.default_factory
            default, given = "__missing", f"__f_{name}() if {name} is __missing else {name}"
        else:
            default, given = "", name
        if not f.init:
            if default:
                body.append(f"__d[{name!r}] = {default if f.default is not MISSING else f'__f_{name}()'}")
            continue
        (keyword_only if f.kw_only is True else params).append(f"{name}={default}" if default else name)
        body.append(f"__d[{name!r}] = {given}")
    signature = ", ".join(["self", *params, *(["*", *keyword_only] if keyword_only else [])])
    source = f"def __init__({signature}) -> None:\n    " + "\n    ".join(body) + "\n"
    exec(source, scope)  # our own fields' names, as dataclasses does
    init: Callable[..., None] = scope["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    return init


def _first_init(self: Frozen, *args: Any, **kwargs: Any) -> None:
    cls = type(self)
    init = _init_for(cls)
    type.__setattr__(cls, "__init__", init)
    init(self, *args, **kwargs)


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
    """Base of the frozen value types: immutable, equal when of the same class with equal compared fields."""

    __slots__ = ()

    def __setattr__(self, name: str, value: object) -> None:
        raise FrozenInstanceError(f"cannot assign to field {name!r}")

    def __delattr__(self, name: str) -> None:
        raise FrozenInstanceError(f"cannot delete field {name!r}")

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
