"""The in-memory story index one poll groups against (pure: no database, no I/O).

It holds the stories of a span of publication times: for each story its items' terms, feeds and times, and for
each term the stories that use it (an inverted index). The store loads it from the items table for the span a
batch of new items needs, then groups the items here in memory and writes back only what changed, so grouping
costs a few dictionary operations per item rather than a few queries.
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
_MAX_POSTINGS = g.MAX_POSTINGS
# A term whose postings list holds more stories than this takes no new ones: it is far past MAX_POSTINGS
# (too common to find candidates through, and it never shrinks back that far: only merges take entries
# out), so new entries would cost memory and time for nothing. The stories' own term counts (what scores
# them) are kept whole whatever their terms' postings.
SATURATED = 4 * g.MAX_POSTINGS
_MIN_SHARED = g.MIN_SHARED


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


class StoryIndex:
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

    def group(
        self,
        item_id: int,
        feed_id: int,
        terms: Sequence[str],
        t: int,
        iso: str,
        ntitle: int | None = None,
        defer_row: bool = False,
    ) -> tuple[int, bool]:
        """Put a new item in its story (a new one when none fits); returns (story id, joined an existing one).

        With `defer_row`, a story made of this item alone is not marked for writing: the caller writes the
        rows of such stories (`new_single_rows`), all at once.

        `terms[:ntitle]` come from its title, the rest (if any) from the lead of its summary or text; text
        terms too common in the index to tell stories apart (boilerplate, filler) are left out.

        The stories this item could have joined (and the one it did) are remembered in `suspects`: they are
        the only ones the merge pass after a poll needs to look at, since a merge needs an item linking two
        stories."""
        if ntitle is None or ntitle >= len(terms):
            before = self.next_id
            story_id = self.group_many((item_id,), (feed_id,), (" ".join(terms),), (t,), (iso,), defer_row)[0]
            return story_id, story_id < before
        return self._group_text(item_id, feed_id, terms, t, iso, ntitle, defer_row)

    def group_many(
        self,
        ids: Iterable[int],
        feed_ids: Iterable[int],
        made: Iterable[str],
        times: Iterable[int],
        isos: Iterable[str],
        defer_row: bool = False,
    ) -> list[int]:
        """`group` for new items in turn, given field by field (in step): ids, feed ids, what
        `reader.stories.terms.story_terms` made of each (title terms, space-separated, then "|" and the lead's
        if any), publication times (epoch seconds) and ISO times. Returns their story ids.

        Titles alone (most items), and most of them news nobody else reports yet, take the lean path here,
        in one loop over the batch: one pass over an item's terms counts them, tells whether candidates are to
        be looked for at all (at least two of its terms distinctive, as the postings were before the item, and
        some story among the postings of two of them) and enters the item as a story of its own, which keeps
        the string its terms came in. When candidates are to be looked for after all (few items), that entry
        is taken back first, and `_place` puts the item in the story found (or, none found, it is entered
        again as before)."""
        out: list[int] = []
        df, postings, singles, new_singles = self.df, self.postings, self.singles, self.new_singles
        df_get, postings_get = df.get, postings.get
        ints_extend, strs = self._single_ints.extend, self._single_strs
        docs, best = self.docs, self.next_id
        for item_id, feed_id, m, t, iso in zip(ids, feed_ids, made, times, isos, strict=True):
            if "|" in m:  # with terms from the lead of its summary or text
                split, ntitle = split_story_terms(m)
                if ntitle < len(split):
                    self.docs, self.next_id = docs, best
                    out.append(self._group_text(item_id, feed_id, split, t, iso, ntitle, defer_row)[0])
                    docs, best = self.docs, self.next_id
                    continue
                m = " ".join(split)  # (a lead that added nothing: the title's terms alone)
            terms = m.split()
            docs += 1
            cap = docs // 20 if docs > 1000 else 50
            usable = 0
            # The postings lists that can find candidates, and whether a story is in two of them (else no
            # story can share enough terms: no need to look). A list is compared before this item enters it.
            first: dict[int, float] | None = None
            lists: list[dict[int, float]] | None = None
            overlap = False
            for w in terms:
                n = df_get(w, 0) + 1
                df[w] = n
                p = postings_get(w)
                if p is None:
                    postings[w] = {best: 1.0}
                else:
                    size = len(p)
                    if n <= cap and size <= _MAX_POSTINGS:
                        usable += 1
                        if first is None:
                            first = p
                        elif not overlap:
                            if lists is None:
                                lists = [first]
                            overlap = not all(map(p.keys().isdisjoint, lists))
                            lists.append(p)
                    if size <= SATURATED:
                        p[best] = 1.0
            if usable >= _MIN_SHARED and overlap:
                for w in terms:  # taken back: the postings as they were before this item
                    p = postings_get(w)
                    if p is not None and p.pop(best, None) is not None and not p:
                        del postings[w]
                self.docs, self.next_id = docs, best
                found = self._candidates(terms, None, None, _MIN_SHARED, feed_id, t, t)
                if found:
                    out.append(
                        self._place(
                            item_id,
                            feed_id,
                            tuple(terms),
                            len(terms),
                            False,
                            t,
                            iso,
                            defer_row,
                            None,
                            usable,
                            found,
                        )[0]
                    )
                    docs, best = self.docs, self.next_id
                    continue
                for w in terms:  # no candidate after all (most): entered again, as a story of its own
                    p = postings_get(w)
                    if p is None:
                        postings[w] = {best: 1.0}
                    elif len(p) <= SATURATED:
                        p[best] = 1.0
            out.append(best)
            if defer_row:  # (its row is written by the caller: `new_singles`)
                singles[best] = len(strs) >> 1  # (kept as fields: see `singles`)
                ints_extend((item_id, feed_id, t))
                strs.extend((iso, m))
                new_singles.append(best)
            else:
                story = self.stories[best] = IndexedStory.of_one(best, item_id, feed_id, t, iso, tuple(terms))
                story.changed = True
                self.changed.add(best)
            best += 1
        self.docs, self.next_id = docs, best
        return out

    def _group_text(
        self,
        item_id: int,
        feed_id: int,
        terms: Sequence[str],
        t: int,
        iso: str,
        ntitle: int,
        defer_row: bool,
    ) -> tuple[int, bool]:
        """`group` for an item with terms from the lead of its summary or text (`terms[ntitle:]`)."""
        df = self.df
        confirm = False
        cap = self._cap()
        text: list[str] = []
        for w in terms[ntitle:]:
            n = df.get(w, 0)
            if n <= cap:
                text.append(w)
            df[w] = n + 1  # counted all the same, so boilerplate is known as such
        if ntitle < g.MIN_TITLE_TERMS:
            terms = (*terms[:ntitle], *text)
            ntitle = len(terms)  # a headline that says little: its lead stands in for it
        elif text:
            terms = (*terms[:ntitle], *text)
            confirm = True
        else:
            terms = terms[:ntitle]
        self.docs += 1
        title = terms[:ntitle] if confirm else terms
        # One pass counts the title's terms and tells whether enough of them are distinctive to look for
        # candidates at all, keeping their postings for a story of its own.
        postings = self.postings
        cap = self._cap()
        seen: list[dict[int, float] | None] = []
        usable = 0
        for w in title:
            n = df.get(w, 0) + 1
            df[w] = n
            p = postings.get(w)
            seen.append(p)
            if p is not None and n <= cap and len(p) <= _MAX_POSTINGS:
                usable += 1
        return self._place(item_id, feed_id, terms, ntitle, confirm, t, iso, defer_row, seen, usable)

    def _place(
        self,
        item_id: int,
        feed_id: int,
        terms: Sequence[str],
        ntitle: int,
        confirm: bool,
        t: int,
        iso: str,
        defer_row: bool,
        looked: list[dict[int, float] | None] | None,
        usable: int,
        found: list[IndexedStory] | None = None,
    ) -> tuple[int, bool]:
        """`group` once the item's terms are counted: its best story, or a new one. `looked`: the postings of
        its title terms as they were before it (None: read them again); `usable`: how many of them can find
        candidates; `found`: the candidates, when the caller has looked for them already."""
        postings = self.postings
        title = terms[:ntitle] if confirm else terms
        best: int | None = None
        if found is None:
            found = (
                self._candidates(title, None, None, g.MIN_SHARED, feed_id, t, t)
                if usable >= g.MIN_SHARED
                else []
            )
        if found:
            ok = [s for s in found if g.admissible(s, feed_id, t, t)]
            if ok:
                weights = self.weights(terms)
                best = g.best_story(title, weights, ok, None, t)
                if best is None and confirm:
                    best = g.confirmed_story(terms, ntitle, weights, ok, t)
        terms = tuple(terms)
        joined = best is not None
        if best is None:  # a story of its own (most items): made whole at once, not through `_attach`
            best = self.next_id
            self.next_id += 1
            if confirm:
                counts = {w: (1.0 if i < ntitle else g.TEXT_WEIGHT) for i, w in enumerate(terms)}
            else:
                counts = dict.fromkeys(terms, 1.0)
            story = self.stories[best] = IndexedStory(
                best, t, t, iso, item_id, t, feed_id, {feed_id: 1}, counts, [(item_id, terms, ntitle)], 1
            )
            if confirm or found or looked is None:  # (postings may have changed since they were looked at)
                for w, weight in counts.items():
                    p = postings.get(w)
                    if p is None:
                        postings[w] = {best: weight}
                    elif len(p) <= SATURATED:
                        p[best] = weight
            else:
                for w, p in zip(terms, looked, strict=True):
                    if p is None:
                        postings[w] = {best: 1.0}
                    elif len(p) <= SATURATED:
                        p[best] = 1.0
            if defer_row:  # (its row is written by the caller: `new_singles`)
                self.new_singles.append(best)
            else:
                story.changed = True
                self.changed.add(best)
        else:
            story = self.stories[best]  # (a candidate: made whole by `_candidates`)
            self._attach(story, item_id, feed_id, terms, ntitle, t, iso)
            story.changed = True
            self.changed.add(best)
        if found:
            suspects = self.suspects
            suspects[best] = t
            for c in found:
                suspects[c.id] = t
        return best, joined

    # ------------------------------------------------------------------ merging

    def merge_pass(self, story_ids: Iterable[int], max_rounds: int = 6) -> int:
        """Merge each of `story_ids` (smallest first) into a larger story its items fit; returns merges."""
        pending = set(story_ids)
        total = 0
        for _ in range(max_rounds):
            merged = 0
            order = sorted(
                (sid for sid in pending if sid in self.stories), key=lambda i: (self.stories[i].size, i)
            )
            touched: set[int] = set()
            for sid in order:
                a = self.stories.get(sid)
                if a is None or a.size > g.MAX_MERGE_ITEMS:
                    continue
                into = self._merge_target(a)
                if into is not None:
                    self._absorb(into, a)
                    touched.add(into.id)
                    merged += 1
            total += merged
            if not merged:
                break
            pending = touched | {sid for sid in pending if sid in self.stories}
        return total

    def _merge_target(self, a: IndexedStory) -> IndexedStory | None:
        if not a.counts:
            return None
        feed = a.first_feed if len(a.feeds) <= 1 else -1
        # Merges go by headlines (terms some item's title gave: a count of at least one item's).
        terms = [w for w, n in a.counts.items() if n >= 1.0]
        found = self._candidates(terms, None, a.id, g.MIN_SHARED, feed, a.first_t, a.last_t)
        candidates = [s for s in found if s.size >= a.size and g.admissible(s, feed, a.first_t, a.last_t)]
        if not candidates:
            return None
        weights = self.weights(a.counts)
        members = g.prepare_members([mt[:n] for _, mt, n in a.members if n], weights)
        best: IndexedStory | None = None
        best_score = 0.0
        for c in candidates:
            score = g.prepared_merge_score(members, c.counts, c.size) / g.staleness(c, a.first_t, a.last_t)
            if score > best_score:
                best, best_score = c, score
        return best if best is not None and best_score >= g.MERGE else None

    def _absorb(self, into: IndexedStory, a: IndexedStory) -> None:
        postings = self.postings
        for w, n in a.counts.items():
            p = postings.get(w)
            if p is None:
                postings[w] = {into.id: n}
            elif p.pop(a.id, None) is not None or into.id in p or len(p) <= SATURATED:
                p[into.id] = p.get(into.id, 0) + n
            into.counts[w] = into.counts.get(w, 0) + n
        for f, n in a.feeds.items():
            into.feeds[f] = into.feeds.get(f, 0) + n
        into.members.extend(a.members)
        into.size += a.size
        into.loaded = into.loaded or a.loaded
        if (a.lead_t, a.lead_item) < (into.lead_t, into.lead_item):
            into.lead_item, into.lead_t = a.lead_item, a.lead_t
        into.first_t = min(into.first_t, a.first_t)
        into.last_t = max(into.last_t, a.last_t)
        into.newest = max(into.newest, a.newest)
        into.changed = True
        self.changed.add(into.id)
        del self.stories[a.id]
        self.moved.append((into.id, a.id))
        self.dropped.append(a.id)
