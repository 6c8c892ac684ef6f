"""How an item (or a small story) is scored against a candidate story (pure: no database, no I/O).

A story keeps, for each of its terms, how many of its items use it. An item's affinity to a story is the share
of the item's information (the sum of its terms' inverse document frequencies over the archive) that the story
explains, each shared term counting by how common it is among the story's items:

    affinity(x, S) = sum over terms w of x shared with S of idf(w) * n_S(w) / (|S| + SMOOTH)
                     / sum over terms w of x of idf(w)

Both are divided by how stale the story is for the item, 1 + (time between them) / `TIME_SCALE`: news a day
apart needs twice the evidence. An item joins its best story when the affinity reaches `JOIN`, with at least
`MIN_SHARED` shared terms; after a poll, each story a new item could have joined is merged into a larger one
when the mean affinity of its items reaches `MERGE` (which repairs the splits that the order items arrive in
causes). Only stories within `WINDOW` seconds of the
item's publication time are candidates, a story never spans more than `MAX_SPAN`, and a story whose items all
come from one feed never takes another item from that feed (a title a feed repeats, "Daily briefing", is not
one story). Terms carried by more than `MAX_POSTINGS` stories nearby (or by more than a twentieth of the
items) are not distinctive and are not used to find candidates; this also bounds the cost of thousands of items
with one title. Merges need `MIN_SHARED` shared terms too.

Terms from the lead of an item's summary or text weigh `TEXT_WEIGHT` and only confirm what the headline
nearly says, unless the headline has under `MIN_TITLE_TERMS` terms (see below).

The constants were chosen on the development set, checked on its halves (split by story, by time, by outlet
and at random) so that precision stays above 0.9 everywhere (see benchmarks/stories.py); nothing in them refers to particular headlines
or sites.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Protocol

from reader.frozen import Frozen, value_type
from reader.stories import terms

JOIN = 0.15
MERGE = 0.14
MIN_SHARED = 2
SMOOTH = 0.5
IDF_PRIOR = 10.0
WINDOW = 2 * 86400
MAX_SPAN = 7 * 86400
MAX_POSTINGS = 32
MAX_STORY_ITEMS = 2000
MAX_MERGE_ITEMS = 300  # a story larger than this is merged into, never merged away (bounds a merge's cost)
# News goes stale: an item (or story) that far in publication time from a story needs that much more
# evidence; the score is divided by 1 + gap / TIME_SCALE (gap: seconds between it and the story's items).
TIME_SCALE = 86400
# Terms from the lead of an item's summary or extracted text, which story grouping reads only for a headline
# of under MIN_TITLE_TERMS terms ("Live updates": reader.stories.terms.story_terms): that lead is read as if it
# were the headline. Terms stored with a lead for a longer headline (TEXT_WEIGHT each) would only confirm a
# match the headline nearly makes (title affinity >= CONFIRM_FLOOR, and with the lead's terms >= JOIN), so an
# unrelated or boilerplate lead could never join two headlines that disagree. Titles alone score as before.
TEXT_WEIGHT = 0.5
TEXT_SHARE = 0.5
MIN_TITLE_TERMS = terms.MIN_TITLE_TERMS
CONFIRM_FLOOR = 0.10


def idf(df: int, docs: int) -> float:
    """Inverse document frequency of a term found in `df` of `docs` grouped items (smoothed, always > 0)."""
    return math.log((docs + IDF_PRIOR) / (df + 0.5))


class Story(Protocol):
    """What scoring reads of a candidate story (a `Candidate`, or the index's own story object)."""

    @property
    def story_id(self) -> int: ...
    @property
    def size(self) -> int: ...
    @property
    def feed_count(self) -> int: ...
    @property
    def first_feed(self) -> int | None: ...
    @property
    def first_t(self) -> int: ...
    @property
    def last_t(self) -> int: ...
    @property
    def counts(self) -> Mapping[str, float]: ...


@value_type
class Candidate(Frozen):
    """What grouping knows about a candidate story: size, feeds, time span, and counts of the shared terms."""

    story_id: int
    size: int
    feed_count: int
    first_feed: int | None
    first_t: int
    last_t: int
    counts: Mapping[str, float]


def affinity(
    terms: Sequence[str],
    weights: Mapping[str, float],
    counts: Mapping[str, float],
    size: int,
    ntitle: int | None = None,
) -> float:
    """The share of an item's information that a story of `size` items with term `counts` explains.

    `terms[:ntitle]` come from the item's title, the rest from the lead of its summary or text: those count
    `TEXT_WEIGHT` as much (in the item, as in the story's counts). Titles alone: ntitle = len(terms)."""
    total = 0.0
    explained = 0.0
    n_title = len(terms) if ntitle is None else ntitle
    for i, w in enumerate(terms):
        weight = weights[w] if i < n_title else weights[w] * TEXT_WEIGHT
        total += weight
        n = counts.get(w)
        if n:
            explained += weight * n
    if total <= 0:
        return 0.0
    return explained / ((size + SMOOTH) * total)


def shared(terms: Sequence[str], counts: Mapping[str, float], ntitle: int | None = None) -> float:
    """How many terms an item shares with a story; one from the item's text counts `TEXT_SHARE`."""
    n_title = len(terms) if ntitle is None else ntitle
    return sum((1.0 if i < n_title else TEXT_SHARE) for i, w in enumerate(terms) if counts.get(w, 0) > 0)


def admissible(c: Story, feed_id: int, first_t: int, last_t: int) -> bool:
    """Whether a story may take an item (or story) from `feed_id` spanning `first_t`..`last_t`."""
    if c.size >= MAX_STORY_ITEMS:
        return False
    if c.feed_count <= 1 and c.first_feed == feed_id:
        return False
    if c.last_t < first_t - WINDOW or c.first_t > last_t + WINDOW:
        return False
    return max(c.last_t, last_t) - min(c.first_t, first_t) <= MAX_SPAN


def staleness(c: Story, first_t: int, last_t: int) -> float:
    """What a score is divided by for the time between `first_t`..`last_t` and the story's items."""
    gap = max(0, c.first_t - last_t, first_t - c.last_t)
    return 1.0 + gap / TIME_SCALE


def best_story(
    terms: Sequence[str],
    weights: Mapping[str, float],
    candidates: Iterable[Story],
    ntitle: int | None = None,
    t: int | None = None,
) -> int | None:
    """The story an item with `terms` should join (already filtered by `admissible`), or None.

    The same as scoring each candidate with `shared` and `affinity` (the same sums, in the same order), with
    the item's own weights and their total made once rather than once per candidate."""
    n_title = len(terms) if ntitle is None else ntitle
    own = [weights[w] if i < n_title else weights[w] * TEXT_WEIGHT for i, w in enumerate(terms)]
    total = 0.0
    for weight in own:
        total += weight
    pairs = list(zip(terms, own, strict=True))
    split = n_title < len(terms)
    best: int | None = None
    best_score = 0.0
    for c in candidates:
        get = c.counts.get
        if split:
            if shared(terms, c.counts, ntitle) < MIN_SHARED:
                continue
            explained = 0.0
            for w, weight in pairs:
                n = get(w)
                if n:
                    explained += weight * n
        else:  # titles alone: the shared terms counted in the same pass
            found = 0
            explained = 0.0
            for w, weight in pairs:
                n = get(w)
                if n:
                    found += 1
                    explained += weight * n
            if found < MIN_SHARED:
                continue
        score = 0.0 if total <= 0 else explained / ((c.size + SMOOTH) * total)
        if t is not None:  # / staleness(c, t, t)
            score /= 1.0 + max(0, c.first_t - t, t - c.last_t) / TIME_SCALE
        if score > best_score or (score == best_score and best is not None and c.story_id < best):
            best, best_score = c.story_id, score
    return best if best_score >= JOIN else None


def confirmed_story(
    terms: Sequence[str],
    ntitle: int,
    weights: Mapping[str, float],
    candidates: Iterable[Story],
    t: int | None = None,
) -> int | None:
    """The story the lead of an item's text confirms (when its headline alone fell short), or None."""
    title = terms[:ntitle]
    best: int | None = None
    best_score = 0.0
    for c in candidates:
        if shared(title, c.counts) < MIN_SHARED or affinity(title, weights, c.counts, c.size) < CONFIRM_FLOOR:
            continue
        score = affinity(terms, weights, c.counts, c.size, ntitle)
        if t is not None:
            score /= staleness(c, t, t)
        if score > best_score or (score == best_score and best is not None and c.story_id < best):
            best, best_score = c.story_id, score
    return best if best_score >= JOIN else None


def merge_score(
    members: Sequence[tuple[Sequence[str], int]],
    weights: Mapping[str, float],
    counts: Mapping[str, float],
    size: int,
) -> float:
    """Mean affinity of a story's items (`members`: their terms, and how many of them are title terms) to
    another story."""
    if not members:
        return 0.0
    return sum(affinity(m, weights, counts, size, n) for m, n in members) / len(members)


Prepared = list[tuple[list[tuple[str, float]], float]]


def prepare_members(titles: Sequence[Sequence[str]], weights: Mapping[str, float]) -> Prepared:
    """A story's items' title terms with their weights and each item's total, for `prepared_merge_score`
    against many stories (the item's side of `affinity`, made once)."""
    out: Prepared = []
    for m in titles:
        pairs = [(w, weights[w]) for w in m]
        total = 0.0
        for _, weight in pairs:
            total += weight
        out.append((pairs, total))
    return out


def prepared_merge_score(prepared: Prepared, counts: Mapping[str, float], size: int) -> float:
    """`merge_score` of members given as titles alone (each member's terms all from its title), prepared by
    `prepare_members`: the same sums in the same order, so the same score."""
    if not prepared:
        return 0.0
    get = counts.get
    scores = []
    for pairs, total in prepared:
        explained = 0.0
        for w, weight in pairs:
            n = get(w)
            if n:
                explained += weight * n
        scores.append(0.0 if total <= 0 else explained / ((size + SMOOTH) * total))
    return sum(scores) / len(prepared)
