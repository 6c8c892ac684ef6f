"""The story index's data: each story's items, terms, feeds and times, and for each term the stories that use
it (an inverted index), for a span of publication times; loading it from stored rows and finding an item's
candidate stories. Pure: no database, no I/O. `index.StoryIndex` groups items and merges stories over it.
"""

from __future__ import annotations

import collections
import heapq
import math
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from reader.stories import grouping as g
from reader.stories.terms import split_story_terms

MAX_VISITS = 96  # postings entries one lookup may visit: bounds the cost of titles made of common terms
MAX_CANDIDATES = 16  # stories scored per item (or story): those sharing the most terms with it
# A term whose postings list holds more stories than this takes no new ones: it is far past MAX_POSTINGS
# (too common to find candidates through, and it never shrinks back that far: only merges take entries
# out), so new entries would cost memory and time for nothing. The stories' own term counts (what scores
# them) are kept whole whatever their terms' postings.
SATURATED = 4 * g.MAX_POSTINGS


@dataclass(slots=True)
class IndexedStory:
    id: int
    first_t: int
    last_t: int
    newest: str  # ISO sort_date of the newest item
    lead_item: int
    lead_t: int
    first_feed: int
    feeds: dict[int, int] = field(default_factory=dict)  # feed id -> items
    counts: dict[str, float] = field(default_factory=dict)  # term -> items using it (text: TEXT_WEIGHT each)
    # (item id, terms, how many of them come from its title)
    members: list[tuple[int, tuple[str, ...], int]] = field(default_factory=list)
    size: int = 0
    loaded: bool = False  # read from the table (not made by this index): its read state is unknown here
    changed: bool = False  # the stories row needs writing

    @classmethod
    def of_one(
        cls, story_id: int, item_id: int, feed_id: int, t: int, iso: str, terms: tuple[str, ...]
    ) -> IndexedStory:
        """A story of one item (its time `t` in epoch seconds, `iso` its sort date)."""
        return cls(
            story_id,
            t,
            t,
            iso,
            item_id,
            t,
            feed_id,
            {feed_id: 1},
            dict.fromkeys(terms, 1.0),
            [(item_id, terms, len(terms))],
            1,
        )

    # What scoring reads of a candidate (reader.stories.grouping.Story), read off the story itself.
    @property
    def story_id(self) -> int:
        return self.id

    @property
    def feed_count(self) -> int:
        return len(self.feeds)


# counts[x] = counts.get(x, 0) + 1 for each x, in C: what Counter.update runs on a plain dict (CPython keeps
# it in `collections`, with a Python fallback where the C helper is missing).
_count_into: Callable[[dict[int, float], Iterable[int]], None] = collections._count_elements  # type: ignore[attr-defined]


def _disjoint(lists: Sequence[dict[int, float]]) -> bool:
    """Whether no story is in two of these postings lists (the tests run in C)."""
    for i in range(1, len(lists)):
        later = lists[i]
        for earlier in lists[:i]:
            if not later.keys().isdisjoint(earlier):
                return False
    return True


class StoryPostings:
    """Stories and an inverted index over their terms, for the publication times in `lo`..`hi`."""

    def __init__(self, next_id: int) -> None:
        self.lo: int | None = None
        self.hi: int | None = None
        self.stories: dict[int, IndexedStory] = {}
        # Stories of one item from a title alone (most of a poll's items, made by `group_many`, or loaded),
        # kept as fields in two flat lists until something needs them whole (`story`): story id -> k, its
        # item id, feed id and time at `_single_ints[3k:3k + 3]`, its ISO time and title terms (the string
        # `story_terms` made: space-separated) at `_single_strs[2k:2k + 2]`. Thousands of one-item stories
        # cost no object each (measured: a tuple each made the cycle collector run 14 more times while the
        # writer stored 10,000 items, and group_many slower by a fifth).
        self.singles: dict[int, int] = {}
        self._single_ints: list[int] = []
        self._single_strs: list[str] = []
        # One-item stories made with `defer_row` since the caller last took their rows (`new_single_rows`):
        # those rows are still to be written.
        self.new_singles: list[int] = []
        self.postings: dict[str, dict[int, float]] = {}  # term -> story -> its count of the term
        self.df: dict[str, int] = {}
        self.docs = 0
        self.next_id = next_id
        self.moved: list[tuple[int, int]] = []  # (into, from) merges to write
        self.dropped: list[int] = []  # stories merged away
        self.changed: set[int] = set()  # stories whose rows need writing
        # Stories the merge pass should look at (story -> a publication time near it): those a new item could
        # have joined. Kept by the store across index rebuilds until the merge pass.
        self.suspects: dict[int, int] = {}

    # ------------------------------------------------------------------ building

    def story(self, story_id: int) -> IndexedStory | None:
        """The story `story_id` as a whole object (a one-item story kept as fields is made whole), or None."""
        s = self.stories.get(story_id)
        if s is not None:
            return s
        k = self.singles.pop(story_id, None)
        if k is None:
            return None
        item_id, feed_id, t = self._single_ints[3 * k : 3 * k + 3]
        iso, made = self._single_strs[2 * k : 2 * k + 2]
        s = self.stories[story_id] = IndexedStory.of_one(
            story_id, item_id, feed_id, t, iso, tuple(made.split())
        )
        return s

    def _add_single(self, story_id: int, item_id: int, feed_id: int, t: int, iso: str, made: str) -> None:
        """Keep a story of this one item (terms from its title alone: `made`) as fields (see `singles`)."""
        self.singles[story_id] = len(self._single_strs) >> 1
        self._single_ints.extend((item_id, feed_id, t))
        self._single_strs.extend((iso, made))

    def new_single_rows(self) -> list[int | str]:
        """The rows of the one-item stories made with `defer_row` since the last call that still have one
        item and no row written (`changed` stories get theirs from `changed`), flat: six values a row (story
        id, lead item, its feed, first time, last time, newest ISO time), to be bound many rows to a statement
        (no tuple kept per row: thousands of them made the cycle collector run more often); forgets them."""
        singles, stories, ints, strs = self.singles, self.stories, self._single_ints, self._single_strs
        values: list[int | str] = []
        extend = values.extend
        for sid in self.new_singles:
            k = singles.get(sid)
            if k is not None:
                t = ints[3 * k + 2]
                extend((sid, ints[3 * k], ints[3 * k + 1], t, t, strs[2 * k]))
                continue
            s = stories.get(sid)  # made whole since (a candidate for another item), or by `_place`
            if s is not None and not s.changed and s.size == 1:
                extend((sid, s.lead_item, s.first_feed, s.first_t, s.last_t, s.newest))
        self.new_singles = []
        return values

    def __contains__(self, story_id: int) -> bool:
        return story_id in self.stories or story_id in self.singles

    def covers(self, lo: int, hi: int) -> bool:
        return self.lo is not None and self.hi is not None and self.lo <= lo and hi <= self.hi

    def add_existing(
        self,
        story_id: int,
        item_id: int,
        feed_id: int,
        terms: Sequence[str],
        t: int,
        iso: str,
        ntitle: int | None = None,
    ) -> None:
        """An item already stored in `story_id` (loading)."""
        s = self.stories.get(story_id) if story_id not in self.singles else self.story(story_id)
        if s is None:
            s = self.stories[story_id] = IndexedStory(story_id, t, t, iso, item_id, t, feed_id, loaded=True)
        self._attach(s, item_id, feed_id, tuple(terms), len(terms) if ntitle is None else ntitle, t, iso)
        self._count_doc(terms)

    def load(self, rows: Iterable[tuple[int, int, int, str | None, int, str]]) -> None:
        """Items already stored (loading): (item id, feed id, story id, story terms as stored, time, ISO
        time). A story with one item among them (most stories), from a title alone and not in the index
        yet, is kept as a one-item story (fields: see `singles`) like those `group` makes."""
        rows = list(rows)
        sizes = Counter(r[2] for r in rows)
        stories, singles, postings, df = self.stories, self.singles, self.postings, self.df
        for item_id, feed_id, story_id, made, t, iso in rows:
            if made is not None and "|" not in made:
                if sizes[story_id] == 1 and story_id not in stories and story_id not in singles:
                    self.docs += 1
                    for w in made.split():
                        df[w] = df.get(w, 0) + 1
                        p = postings.get(w)
                        if p is None:
                            postings[w] = {story_id: 1.0}
                        elif len(p) <= SATURATED:
                            p[story_id] = 1.0
                    self._add_single(story_id, item_id, feed_id, t, iso, made)
                    continue
                self.add_existing(story_id, item_id, feed_id, made.split(), t, iso)
            else:
                split, ntitle = split_story_terms(made)
                self.add_existing(story_id, item_id, feed_id, split, t, iso, ntitle)

    def _count_doc(self, terms: Iterable[str]) -> None:
        self.docs += 1
        df = self.df
        for w in terms:
            df[w] = df.get(w, 0) + 1

    def _attach(
        self,
        s: IndexedStory,
        item_id: int,
        feed_id: int,
        terms: tuple[str, ...],
        ntitle: int,
        t: int,
        iso: str,
    ) -> None:
        s.members.append((item_id, terms, ntitle))
        s.size += 1
        s.feeds[feed_id] = s.feeds.get(feed_id, 0) + 1
        if t < s.lead_t or (t == s.lead_t and item_id < s.lead_item):
            s.lead_item, s.lead_t = item_id, t
        s.first_t = min(s.first_t, t)
        s.last_t = max(s.last_t, t)
        if iso > s.newest:
            s.newest = iso
        counts, postings, sid = s.counts, self.postings, s.id
        for i, w in enumerate(terms):
            n = 1.0 if i < ntitle else g.TEXT_WEIGHT
            counts[w] = counts.get(w, 0) + n
            p = postings.get(w)
            if p is None:
                postings[w] = {sid: n}
            elif sid in p:
                p[sid] += n
            elif len(p) <= SATURATED:
                p[sid] = n

    # ------------------------------------------------------------------ grouping

    def remove_single(self, story_id: int, item_id: int) -> bool:
        """Take out a story made of this one item (to group it again); False when it is not that."""
        s = self.story(story_id)
        if s is None or s.size != 1 or s.members[0][0] != item_id:
            return False
        del self.stories[story_id]
        for w in s.counts:
            p = self.postings.get(w)
            if p is not None:
                p.pop(story_id, None)
                if not p:
                    del self.postings[w]
        df = self.df
        for w in s.members[0][1]:
            if df.get(w, 0) > 0:
                df[w] -= 1
        self.docs -= 1
        self.changed.discard(story_id)
        return True

    def _candidates(
        self,
        terms: Sequence[str],
        shares: Sequence[float] | None,
        exclude: int | None,
        min_shared: float,
        feed_id: int,
        first_t: int,
        last_t: int,
    ) -> list[IndexedStory]:
        """Admissible stories sharing at least `min_shared` distinctive terms (at most MAX_CANDIDATES, those
        sharing the most). `shares[i]`: what sharing `terms[i]` counts (None: 1 each, titles alone)."""
        postings, df = self.postings, self.df
        cap, max_postings = self._cap(), g.MAX_POSTINGS
        shared: dict[int, float] = {}
        budget = MAX_VISITS
        if shares is None:  # titles alone (every new item's case): the lean loop
            lists = []
            for w in terms:  # a term too common to tell stories apart (or to look through) is skipped
                p = postings.get(w)
                if p is not None and len(p) <= max_postings and df.get(w, 0) <= cap:
                    lists.append(p)
            if len(lists) < min_shared:
                return []  # the common case for news nobody else reports: no story can share enough terms
            lists.sort(key=len)  # the rarest terms first: they carry the signal
            visited = []
            for plist in lists:
                if budget <= 0:
                    break
                budget -= len(plist)
                visited.append(plist)
            if min_shared > 1 and _disjoint(visited):
                return []  # no story is in two of them (the common case): nothing to count
            for plist in visited:
                _count_into(shared, plist)  # shared[sid] += 1 for each story in it (in C)
        else:
            weighted: list[tuple[float, dict[int, float]]] = []
            total = 0.0
            for i, w in enumerate(terms):
                p = postings.get(w)
                if p is not None and len(p) <= max_postings and df.get(w, 0) <= cap:
                    weighted.append((shares[i], p))
                    total += shares[i]
            if total < min_shared:
                return []
            weighted.sort(key=lambda sp: (sp[0] < 1.0, len(sp[1])))  # title terms first, rarest first
            for share, plist in weighted:
                if budget <= 0:
                    break
                budget -= len(plist)
                for sid in plist:
                    shared[sid] = shared.get(sid, 0) + share
        stories, singles, ints = self.stories, self.singles, self._single_ints
        found: list[IndexedStory] = []
        lo, hi = first_t - g.WINDOW, last_t + g.WINDOW
        for sid, n in shared.items():
            if n < min_shared or sid == exclude:
                continue
            s = stories.get(sid)
            if s is None:  # a one-item story kept as fields: made whole only if it is a candidate
                k = singles.get(sid)
                if k is None or ints[3 * k + 1] == feed_id or not lo <= ints[3 * k + 2] <= hi:
                    continue  # (postings name only stories in the index)
                s = self.story(sid)
                assert s is not None
            elif len(s.feeds) <= 1 and s.first_feed == feed_id:
                continue  # a feed's own repeated titles are not a story
            elif s.last_t < lo or s.first_t > hi:
                continue
            found.append(s)
        if len(found) > MAX_CANDIDATES:
            found = heapq.nlargest(MAX_CANDIDATES, found, key=lambda s: (shared[s.id], -s.id))
        return found

    def _cap(self) -> int:
        """Documents a term may appear in and still tell stories apart."""
        return self.docs // 20 if self.docs > 1000 else 50

    def weights(self, terms: Iterable[str]) -> dict[str, float]:
        """Each term's `grouping.idf` (the same expression, without a call per term)."""
        get, top, log = self.df.get, self.docs + g.IDF_PRIOR, math.log
        return {w: log(top / (get(w, 0) + 0.5)) for w in terms}
