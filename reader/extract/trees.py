"""Gradient-boosted trees over block features, evaluated in pure Python from plain data.

A tree is five parallel tuples: the feature index tested at each node (-1 at a leaf), the threshold (a
block goes left when its value is at most the threshold), the left and right children, and the leaf
values. An ensemble's score for a block is the sum of its trees' leaf values (a logit).

Evaluation walks each tree once for all the blocks of a page together: at each node the page's blocks that
reach it are split in two by one comparison per block, so the cost is about (blocks x depth) comparisons
per tree, run inside list comprehensions (about 2.5 ms a median page for 100 trees of depth 4). A 0/1
feature is held as the set of the blocks where it is 1, so a node whose blocks all lack it costs one C call.
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["Tree", "columns", "ensemble_logits"]

Tree = tuple[
    tuple[int, ...],  # feature tested at each node (-1: a leaf)
    tuple[float, ...],  # threshold: the block goes left when its value <= threshold
    tuple[int, ...],  # left child
    tuple[int, ...],  # right child
    tuple[float, ...],  # leaf value (0.0 at inner nodes)
]


def columns(
    dense: Sequence[Sequence[float]],
    active: Sequence[Sequence[int]],
    n_dense: int,
    used: Sequence[int],
) -> tuple[dict[int, Sequence[float]], dict[int, set[int]]]:
    """The values of the `used` features for every block: for each real-valued feature (index < n_dense),
    a sequence of values from `dense`; for each 0/1 feature, the set of the blocks where it is 1 (from each
    block's `active` indexes)."""
    values: dict[int, Sequence[float]] = {}
    on: dict[int, set[int]] = {}
    transposed = list(zip(*dense, strict=True)) if dense else []
    for j in used:
        if j < n_dense:
            values[j] = transposed[j] if dense else ()
        else:
            on[j] = set()
    if on:
        for i, indexes in enumerate(active):
            for j in indexes:
                blocks = on.get(j)
                if blocks is not None:
                    blocks.add(i)
    return values, on


def ensemble_logits(
    trees: Sequence[Tree], values: dict[int, Sequence[float]], on: dict[int, set[int]], n: int
) -> list[float]:
    """Each block's summed leaf values over `trees`; `values` and `on` as `columns` gives them (a 0/1
    feature's threshold lies between 0 and 1, so the blocks where it is 1 go right)."""
    out = [0.0] * n
    everyone = list(range(n))
    for feature, threshold, left, right, value in trees:
        stack: list[tuple[int, list[int]]] = [(0, everyone)]
        while stack:
            node, idx = stack.pop()
            f = feature[node]
            if f < 0:
                v = value[node]
                for i in idx:
                    out[i] += v
                continue
            ones = on.get(f)
            if ones is not None:
                if ones.isdisjoint(idx):  # the common case, tested in C
                    stack.append((left[node], idx))
                    continue
                low = [i for i in idx if i not in ones]
                high = [i for i in idx if i in ones] if low else idx
            else:
                col = values[f]
                t = threshold[node]
                low = [i for i in idx if col[i] <= t]  # (list comprehensions beat map/compress here)
                high = [i for i in idx if col[i] > t] if 0 < len(low) < len(idx) else idx
            if not low:
                stack.append((right[node], idx))
            elif len(low) == len(idx):
                stack.append((left[node], idx))
            else:
                stack.append((left[node], low))
                stack.append((right[node], high))
    return out
