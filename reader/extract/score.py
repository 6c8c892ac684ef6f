"""The learned block scorer: a two-stage logistic model over the block features of `blocks.py`.

Stage one scores each block from its own features; stage two adds the stage-one scores of its neighbours
(story text comes in runs). Stage two may also hold gradient-boosted trees (`trees.py`) over the same
features, adding to its logit what a linear model cannot express; the shipped model has none (they did not
pay in cross-validation: see `benchmarks/train_extract.py`, which trains both). Weights live in
`weights.py`. Pure Python: a page of a few thousand blocks takes a few milliseconds.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Sequence

from reader.extract.clean import COMMENTS_HEADING
from reader.extract.trees import Tree, columns, ensemble_logits

__all__ = ["SECOND_STAGE_EXTRA", "THRESHOLD", "choose", "neighbour_features", "predict"]

THRESHOLD = 0.5
SECOND_STAGE_EXTRA = 8


def _sigmoid(z: float) -> float:
    if z < -30:
        return 0.0
    if z > 30:
        return 1.0
    return 1.0 / (1.0 + math.exp(-z))


def _logit(dense: Sequence[float], active: Sequence[int], weights: Sequence[float]) -> float:
    """The dot product of a block's features with `weights`: real-valued features first, then the 0/1
    features given by the indexes of those that are 1."""
    total: float = sum(map(operator.mul, dense, weights)) + sum(map(weights.__getitem__, active))
    return total


def neighbour_features(probs: Sequence[float], i: int) -> list[float]:
    """Stage two's extra features of block i: the stage-one probabilities around it."""
    n = len(probs)
    # The means of the windows of radius 2, 5 and 15 around the block (cut at the page's ends).
    lo2, hi2 = max(0, i - 2), min(n, i + 3)
    lo5, hi5 = max(0, i - 5), min(n, i + 6)
    lo15, hi15 = max(0, i - 15), min(n, i + 16)
    return [
        probs[i],
        probs[i - 1] if i else 0.0,
        probs[i + 1] if i + 1 < n else 0.0,
        sum(probs[lo2:hi2]) / (hi2 - lo2),
        sum(probs[lo5:hi5]) / (hi5 - lo5),
        sum(probs[lo15:hi15]) / (hi15 - lo15),
        max(probs[max(0, i - 20) : i], default=0.0),
        max(probs[i + 1 : i + 21], default=0.0),
    ]


def predict(
    dense: Sequence[Sequence[float]],
    active: Sequence[Sequence[int]],
    stage1: Sequence[float],
    stage2: Sequence[float],
    trees: Sequence[Tree] = (),
    tree_features: Sequence[int] = (),
) -> list[float]:
    """The probability that each block is story text.

    Stage two is a logit made of the weights `stage2` (ending with the weights of the SECOND_STAGE_EXTRA
    neighbour features; empty: no linear part) plus the leaf values of `trees`, which test the features
    `tree_features` (indexes into stage two's features: the block's own, then its neighbour features)."""
    n = len(dense)
    probs = [_sigmoid(_logit(d, a, stage1)) for d, a in zip(dense, active, strict=True)]
    neighbours = [neighbour_features(probs, i) for i in range(n)]
    if stage2:
        extra = stage2[-SECOND_STAGE_EXTRA:]
        logits = [
            _logit(d, a, stage2) + sum(map(operator.mul, near, extra))
            for d, a, near in zip(dense, active, neighbours, strict=True)
        ]
    else:
        logits = [0.0] * n
    if trees:
        own = len(stage1)  # the block's own features; its neighbour features follow them
        values, on = columns(dense, active, len(dense[0]) if n else 0, [j for j in tree_features if j < own])
        for j in tree_features:
            if j >= own:
                values[j] = [near[j - own] for near in neighbours]
        logits = list(map(operator.add, logits, ensemble_logits(trees, values, on, n)))
    return [_sigmoid(z) for z in logits]


MIN_WORDS = 50  # fewer words kept than this and readability-lxml's block is used, when it is longer
# ... and when readability-lxml's block holds SMALL_PART_RATIO times the words kept or more, while those are fewer
# than SMALL_PART_WORDS: the scorer kept a few scattered blocks of a story it did not recognise (a live blog whose
# updates it scores just under the threshold), so whether the MIN_WORDS fallback fired hung on one block.
SMALL_PART_RATIO = 4
SMALL_PART_WORDS = 1000


def choose(
    probs: Sequence[float],
    words: Sequence[int],
    hidden: Sequence[bool],
    kept: Sequence[bool],
    texts: Sequence[str],
    threshold: float = THRESHOLD,
    containers: Sequence[int] | None = None,
) -> list[int]:
    """The indexes of the blocks that make the article: those scored at least `threshold` that are not
    hidden, up to a comment section's heading after the story. When they hold fewer than MIN_WORDS words,
    readability-lxml's block (`kept`) if it is longer (also when they are a small part of that block: see
    SMALL_PART_RATIO); when that is thin too, the page's own article
    container (`containers[i]`: 2 inside an article-body element such as `itemprop=articleBody`, 1 inside
    only an `article`/`main`, 0 outside) if it holds MIN_WORDS words and more than the choice (a story that
    is all lists or short lines scores low block by block); when nothing is left, the page's visible prose,
    else any visible text."""
    n = len(probs)
    chosen = [i for i in range(n) if probs[i] >= threshold and not hidden[i]]
    chosen = _before_comments(chosen, words, texts)
    have = sum(words[i] for i in chosen)
    fallback = [i for i in range(n) if kept[i] and not hidden[i]]
    held = sum(words[i] for i in fallback)
    if (have < MIN_WORDS and held > have) or (have < SMALL_PART_WORDS and held >= SMALL_PART_RATIO * have):
        chosen = fallback
    if containers is not None and (have := sum(words[i] for i in chosen)) < MIN_WORDS:
        for level in (2, 1):
            inside = [i for i in range(n) if containers[i] >= level and not hidden[i]]
            held = sum(words[i] for i in inside)
            if held >= MIN_WORDS and held > have:
                chosen = inside
                break
    if not chosen:
        chosen = [i for i in range(n) if not hidden[i] and words[i] >= 8]
    if not chosen:
        chosen = [i for i in range(n) if not hidden[i]]
    return chosen


def _before_comments(chosen: list[int], words: Sequence[int], texts: Sequence[str]) -> list[int]:
    """The chosen blocks up to a comment section's heading ("3 Comments", "Leave a Reply") that comes after
    at least half of the chosen words."""
    total = sum(words[i] for i in chosen)
    seen = 0
    j = 0
    for i in range(len(texts)):
        while j < len(chosen) and chosen[j] < i:
            seen += words[chosen[j]]
            j += 1
        if words[i] <= 12 and seen * 2 >= total > 0 and COMMENTS_HEADING.match(texts[i]):
            return chosen[:j]
    return chosen
