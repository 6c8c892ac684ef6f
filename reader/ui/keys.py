"""Binding ids and their default keys, read from binding tables (no screen or app imports: no cycles)."""

from __future__ import annotations

from collections.abc import Iterable

from textual.binding import Binding, BindingType


def default_keys(tables: Iterable[Iterable[BindingType]]) -> dict[str, str]:
    """Binding id -> its default keys ("j,down"), the first table naming an id winning."""
    keys: dict[str, str] = {}
    for bindings in tables:
        for b in bindings:
            if isinstance(b, Binding) and b.id:
                keys.setdefault(b.id, b.key)
    return keys


def class_bindings(cls: type) -> list[Iterable[BindingType]]:
    """The BINDINGS tables of a class and its bases, most derived first."""
    return [vars(c)["BINDINGS"] for c in cls.__mro__ if "BINDINGS" in vars(c)]
