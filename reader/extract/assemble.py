"""Build the article's tree from the blocks the scorer kept.

The kept blocks' lowest common ancestor is copied, and in the copy every block that was not kept loses its
own text (its text, inline children and the tails of its children); blocks with nothing kept inside go
whole. The page's own structure stays (lists, tables, quotes, figures, class names), so the clutter
clean-up and the Markdown renderer see what they always saw.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence

from lxml.html import HtmlElement

from reader.extract.blocks import BLOCK_TAGS, Block

__all__ = ["assemble"]


def _lowest_common_ancestor(blocks: Sequence[Block]) -> HtmlElement:
    first = blocks[0]
    chain = [first.element, *first.ancestors]
    depth_of = {id(el): i for i, el in enumerate(chain)}
    best = 0
    for b in blocks[1:]:
        for el in (b.element, *b.ancestors):
            i = depth_of.get(id(el))
            if i is not None:
                best = max(best, i)
                break
    return chain[best]


def _is_block(el: HtmlElement) -> bool:
    return isinstance(el.tag, str) and el.tag.lower() in BLOCK_TAGS


def _strip_own(el: HtmlElement, holds: set[str]) -> None:
    """Remove the element's own text, keeping its block children (and inline children holding kept blocks)."""
    el.text = None
    for child in list(el):
        if _is_block(child):
            child.tail = None
        elif child.get("x") in holds:
            _strip_own(child, holds)
            child.tail = None
        else:
            el.remove(child)  # takes its tail with it


def assemble(all_blocks: Sequence[Block], chosen: Sequence[Block]) -> HtmlElement:
    """A copy of the page part holding `chosen`, with every other block's text removed."""
    top = _lowest_common_ancestor(chosen)
    kept = {b.element.get("x") for b in chosen}
    holds: set[str] = set()  # x of every ancestor of a kept block
    for b in chosen:
        for a in b.ancestors:
            x = a.get("x")
            if x in holds:
                break
            if x is not None:
                holds.add(x)
            if a is top:
                break
    root: HtmlElement = copy.deepcopy(top)
    root.tail = None
    by_x = {el.get("x"): el for el in root.iter() if isinstance(el.tag, str)}
    strip: list[HtmlElement] = []
    for b in all_blocks:
        x = b.element.get("x")
        if x in kept:
            continue
        el = by_x.get(x)
        if el is None:
            continue
        if x in holds:
            strip.append(el)
        elif el is not root and el.getparent() is not None:
            el.drop_tree()
    for el in strip:
        _strip_own(el, holds)
    return root
