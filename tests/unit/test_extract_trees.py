"""The block scorer's gradient-boosted trees, evaluated from plain data for all the blocks of a page at once."""

from __future__ import annotations

import random

from reader.extract import weights
from reader.extract.blocks import DENSE, FEATURE_NAMES
from reader.extract.score import SECOND_STAGE_EXTRA, predict
from reader.extract.trees import Tree, columns, ensemble_logits

# x0 <= 0.5 ? (sparse feature 3 on ? 2.0 : 1.0) : -1.0   (features 0-1 real-valued, 2-3 are 0/1)
TREE: Tree = ((0, 3, -1, -1, -1), (0.5, 1e-35, 0.0, 0.0, 0.0), (1, 2, -1, -1, -1), (4, 3, -1, -1, -1),
              (0.0, 0.0, 1.0, 2.0, -1.0))  # fmt: skip


def _walk(tree: Tree, row: list[float]) -> float:
    """One block through one tree, the plain way."""
    feature, threshold, left, right, value = tree
    node = 0
    while feature[node] >= 0:
        node = left[node] if row[feature[node]] <= threshold[node] else right[node]
    return value[node]


def test_a_tree_sends_each_block_to_its_leaf() -> None:
    dense = [[0.2, 9.0], [0.2, 9.0], [0.7, 0.0], [0.5, 0.0]]
    active = [[3], [], [3], [2]]
    values, on = columns(dense, active, 2, [0, 3])
    assert on == {3: {0, 2}}
    assert ensemble_logits([TREE, TREE], values, on, 4) == [4.0, 2.0, -2.0, 2.0]


def test_an_empty_page_and_no_trees() -> None:
    values, on = columns([], [], 2, [0, 3])
    assert ensemble_logits([TREE], values, on, 0) == []
    assert ensemble_logits([], *columns([[0.1, 0.2]], [[]], 2, []), 1) == [0.0]


def test_the_evaluation_matches_walking_each_block() -> None:
    rng = random.Random(7)
    n_dense, n_features = 4, 8

    def random_tree() -> Tree:
        feature, threshold, left, right, value = [], [], [], [], []

        def grow(depth: int) -> int:
            k = len(feature)
            feature.append(-1)
            threshold.append(0.0)
            left.append(-1)
            right.append(-1)
            value.append(round(rng.uniform(-1, 1), 3))
            if depth and rng.random() < 0.8:
                j = rng.randrange(n_features)
                feature[k] = j
                threshold[k] = rng.choice([0.25, 0.5, 0.75]) if j < n_dense else 1e-35
                left[k] = grow(depth - 1)
                right[k] = grow(depth - 1)
            return k

        grow(4)
        return tuple(feature), tuple(threshold), tuple(left), tuple(right), tuple(value)

    trees = [random_tree() for _ in range(30)]
    rows = []
    for _ in range(60):
        dense = [rng.choice([0.0, 0.25, 0.3, 0.5, 0.9]) for _ in range(n_dense)]
        ones = [j for j in range(n_dense, n_features) if rng.random() < 0.3]
        rows.append((dense, ones))
    values, on = columns([d for d, _ in rows], [a for _, a in rows], n_dense, list(range(n_features)))
    got = ensemble_logits(trees, values, on, len(rows))
    for (dense, ones), score in zip(rows, got, strict=True):
        full = dense + [float(j in ones) for j in range(n_dense, n_features)]
        assert abs(score - sum(_walk(t, full) for t in trees)) < 1e-9


def test_the_shipped_trees_are_well_formed() -> None:
    stage_two = len(FEATURE_NAMES) + SECOND_STAGE_EXTRA
    assert len(weights.STAGE2) in (0, stage_two)
    assert weights.TREES or weights.STAGE2
    tested = set()
    for feature, threshold, left, right, value in weights.TREES:
        assert len(feature) == len(threshold) == len(left) == len(right) == len(value)
        for node, j in enumerate(feature):
            if j < 0:
                continue
            tested.add(j)
            assert node < left[node] < len(feature) and node < right[node] < len(feature)
            if DENSE <= j < len(FEATURE_NAMES):
                assert 0.0 <= threshold[node] < 1.0  # a 0/1 feature: the blocks where it is 1 go right
    assert tested == set(weights.TREE_FEATURES) and max(tested, default=0) < stage_two


def test_trees_alone_make_stage_two() -> None:
    zero = [0.0] * len(FEATURE_NAMES)
    # one tree on the block's own stage-one probability (stage two's feature len(FEATURE_NAMES))
    own_prob = len(FEATURE_NAMES)
    tree: Tree = ((own_prob, -1, -1), (0.6, 0.0, 0.0), (1, -1, -1), (2, -1, -1), (0.0, -3.0, 3.0))
    probs = predict([[1.0] * DENSE] * 2, [[DENSE], [DENSE]], zero, (), [tree], [own_prob])
    assert probs[0] == probs[1] < 0.05  # stage one says 0.5 for both: left, logit -3
